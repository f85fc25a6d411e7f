"""Cue patterns per question, for English, Chinese, Japanese and Indonesian (one pattern covers all four:
CJK cues never match Latin text and the other way round, and a turn's language tag is often missing or wrong).

Each pattern names a thing a QA grader looks for in a turn. They are deliberately about wording, not topics:
what was *said* (a greeting, an apology, a transfer, a confirmation), which is what the rubric asks.
"""

# ruff: noqa: E501  (an alternation of cue words reads better unbroken)
from __future__ import annotations

import re


def _any(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)


GREETING = _any(
    r"\b(?:hello|hi|hey|hiya|good (?:morning|afternoon|evening|day)|welcome|greetings|howdy)\b",
    r"\bthanks?(?: you)? (?:so much )?for (?:contacting|calling|reaching|getting in touch|choosing|your message)",
    r"\b(?:this is|my name is|my name's|you(?:'re| are) (?:speaking|chatting) (?:with|to))\b",
    r"\b(?:i'?m|i am) [A-Z][a-z]+,? (?:from|at|with|your|an?)\b",
    r"您好|你好|欢迎|早上好|下午好|晚上好|我是|感谢您?(?:的)?(?:来电|联系|咨询|致电)",
    r"こんにちは|こんばんは|おはようございます|いらっしゃいませ|お電話ありがとうございます|"
    r"お問い合わせ(?:いただき)?ありがとうございます|と申します|担当(?:の|いたします)|でございます",
    r"\b(?:halo|hai|hallo|selamat (?:pagi|siang|sore|malam|datang)|perkenalkan|dengan saya)\b",
    r"\bterima kasih (?:telah|sudah) menghubungi\b|\bsaya [A-Z][a-z]+ dari\b",
)

AI_DISCLOSURE = _any(
    r"\b(?:automated|automatic|virtual (?:assistant|agent)|ai(?:-powered)? (?:assistant|agent)|an ai\b|a bot\b|"
    r"chat ?bot|digital assistant|artificial intelligence|voice assistant|not a (?:human|person)|robot)",
    r"智能(?:客服|助手|语音|机器人)|机器人|自动(?:语音|外呼|客服|助手|回复)|人工智能|虚拟(?:助手|客服)",
    r"自動(?:音声|応答|案内|アシスタント)?|(?<![A-Za-z])AI(?![A-Za-z])|人工知能|バーチャル(?:アシスタント|エージェント)|ボット|チャットボット",
    r"\basisten (?:virtual|digital|otomatis|ai)\b|\botomatis\b|\bbot\b|\bai\b",
)
# When the tenant's name is not known: a capitalised name after from/at/with, or the CJK "X的/Xの" + AI word.
COMPANY_HINT = re.compile(
    r"\b(?:from|at|with|on behalf of|dari|mewakili)\s+[A-Z][\w&'.-]+"
    r"|来自\S{2,}|[\w\u4e00-\u9fff]{2,}的(?:智能|AI|自动|虚拟|客服)"
    r"|[\w\u30a0-\u30ff\u4e00-\u9fff]{2,}の(?:AI|自動|バーチャル|チャット)"
)

VERIFY_ASK = _any(
    r"\blast (?:4|four) (?:digits|numbers)\b|\bdate of birth\b|\bdob\b|\bbirth ?date\b|\bbirthday\b",
    r"\bone[- ]time (?:code|passcode|password|pin)\b|\bverification code\b|\bsecurity (?:question|answer|word)\b",
    r"\botp\b|\b(?:code|passcode) (?:we|that we|i) (?:just )?(?:sent|texted|emailed)|\b(?:verify|confirm) your identity\b",
    r"\bmaiden name\b|\bcode (?:sent|texted) to your (?:phone|mobile|number|email)\b",
    r"验证码|后四位|末四位|后4位|末4位|出生日期|生日|安全问题|密保问题|动态码|身份验证|核实(?:一下)?(?:您的)?身份",
    r"認証コード|確認コード|ワンタイム|下4桁|下四桁|末尾4桁|末尾の4桁|生年月日|秘密の質問|本人確認",
    r"\bkode (?:otp|verifikasi|sekali pakai|keamanan)\b|\b(?:4|empat) digit terakhir\b|\btanggal lahir\b",
    r"\bpertanyaan keamanan\b|\bverifikasi (?:identitas|data)\b",
)
# Codes that are identifiers, not secrets: asking for one, or repeating it, exposes nothing.
NON_SECRET_CODE = re.compile(
    r"\b(?:tracking|promo(?:tional)?|discount|voucher|coupon|gift|referral|booking|reservation|reference|post(?:al)?|zip|"
    r"area|country|product|error|qr|bar|sort|dial(?:l?ing)?|tax|dress|source)[- ]?codes?\b",
    re.IGNORECASE,
)
# The asks whose answer is a secret (a code, a PIN, a password): echoing the answer back is exposure.
SECRET_ASK = _any(
    r"\b(?:one[- ]time|verification|security|otp|sms|confirmation) (?:code|passcode|pin)\b|\botp\b|\bcode\b",
    r"\bpin\b|\bpassword\b|\bpasscode\b",
    r"验证码|动态码|密码|認証コード|確認コード|ワンタイム|暗証番号|パスワード",
    r"\bkode\b|\bkata sandi\b|\bsandi\b",
)
REFUSAL = _any(
    r"\b(?:i )?(?:don'?t|do not|didn'?t|did not|can'?t|cannot) (?:have|know|remember|find|get|see|receive)\b",
    r"\bno idea\b|\bnot sure\b|\bnever (?:got|received)\b",
    r"\b(?:haven'?t|hasn'?t|have not|has not) (?:yet )?(?:got|gotten|received|had|arrived|come)\b|"
    r"\bnot (?:yet )?(?:received|arrived|come through)\b",
    r"不知道|没收到|没有收到|忘了|记不得|届いていません|わかりません|分かりません|覚えていません|忘れ",
    r"\btidak (?:tahu|ingat|punya|dapat)\b|\bbelum (?:terima|dapat|masuk)\b|\blupa\b|\bnggak tahu\b",
)
ACCOUNT_DISCLOSURE = _any(
    r"\byour (?:current |account |available |outstanding |remaining )?balance\b",
    r"\byour (?:last|latest|recent|most recent) (?:transaction|payment|order|charge|statement|bill|purchase)s?\b",
    r"\b(?:has|have) (?:now )?been (?:updated|changed|cancell?ed|blocked|frozen|locked|reset|refunded|closed|"
    r"upgraded|downgraded|unlocked|reactivated|credited|reversed|suspended)\b",
    r"\bi(?:'ve| have) (?:now |just )?(?:updated|changed|cancell?ed|blocked|frozen|locked|reset|refunded|closed|"
    r"unlocked|reactivated|credited|reversed|suspended|issued a refund)\b",
    r"\byour (?:new |registered )?(?:address|email|phone number|plan) (?:is|has|now)\b|\bthe card ending\b",
    r"\byour (?:order|parcel|package|shipment|refund|payment|bill|invoice)\b[^.?!]{0,40}"
    r"\b(?:shipped|is|was|will|has|arrives?|left|went)\b",
    r"\byou (?:owe|paid|spent|were charged)\b|\bon file (?:is|ends)\b",
    r"您的(?:账户|帐户|卡)?余额|已(?:为您|经|帮您)?(?:成功)?(?:修改|更改|冻结|取消|退款|重置|解锁|挂失|更新|注销|开通|退回)",
    r"您的(?:订单|包裹|快递|退款|账单).{0,12}(?:已|将|正在|在|预计)|最近(?:一笔)?(?:的)?(?:交易|消费|扣款)|账单金额",
    r"残高は|残高が|(?:変更|停止|解約|キャンセル|返金|リセット|凍結|更新|解除|ロック)(?:いたしました|しました|させていただきました)",
    r"ご注文.{0,14}(?:発送|お届け|出荷|配達)|ご登録の(?:住所|メール|電話)|ご利用(?:額|明細)|ご請求額",
    r"\bsaldo anda\b|\b(?:sudah|telah) (?:kami |saya )?(?:ubah|ganti|blokir|batalkan|kembalikan|reset|perbarui|"
    r"tutup|aktifkan|bekukan|refund)\b",
    r"\b(?:pesanan|paket|tagihan|pengembalian dana) anda\b.{0,30}\b(?:sudah|telah|akan|sedang|dikirim|tiba)\b",
    r"\btransaksi terakhir\b|\balamat (?:baru )?anda (?:sekarang|sudah|adalah)\b",
)

NEGATIVE_EMOTION = _any(
    r"\b(?:angry|furious|frustrat\w*|annoy\w*|upset|ridiculous|unacceptable|terrible|awful|horrible|worst|"
    r"fed up|sick (?:and tired )?of|disappoint\w*|worried|worrying|worry|scared|afraid|anxious|nervous|panic\w*|"
    r"sad|devastated|heartbroken|hate|useless|outrageous|pathetic|stressed|livid|disgust\w*|fuming|furious|"
    r"pissed|irritat\w*|distress\w*|miserable|fed-up|sucks|joke)\b",
    r"生气|气死|愤怒|太差|差劲|失望|担心|着急|焦虑|难过|伤心|害怕|烦死|受不了|破\S{0,2}(?:系统|服务)|垃圾|离谱|不满|恼火|"
    r"崩溃|郁闷|急死|可恶|太过分|恶心|心烦|不爽",
    r"怒|腹が立|腹立|ひどい|酷い|困って|困ります|心配|不安|悲しい|がっかり|ふざけ|最悪|イライラ|いい加減|怖い|残念|許せ|"
    r"うんざり|ムカつ|頭にく",
    r"\b(?:kesal|marah|kecewa|khawatir|takut|sedih|parah|menyebalkan|jengkel|cemas|frustrasi|keterlaluan|payah|"
    r"sebal|bete|gelisah|panik|emosi|kesel|nyebelin|capek)\b",
)
NOT_NEGATIVE = _any(
    r"\bno (?:worries|worry)\b|\bdon'?t worry\b|\bnot (?:worried|angry|upset|frustrated)\b|\bno problem\b",
    r"\bnot a joke\b|\bwithout (?:any )?worry\b",
    r"别担心|不用担心|不担心|不着急|别着急|不用着急|没关系|心配(?:は)?(?:いりません|ない|しないで)|\btidak (?:khawatir|marah|kecewa)\b|\bjangan khawatir\b",
)
ACKNOWLEDGE = _any(
    r"\b(?:i'?m|i am|we'?re|we are) (?:so |really |very |truly |terribly )?sorry\b|\bsorry (?:to hear|about|for)\b",
    r"\b(?:i|we) (?:sincerely |do )?apologi[sz]e\b|\b(?:my |our )?apologies\b",
    r"\bi (?:completely |totally |fully |really )?understand\b|\bi can (?:see|imagine|understand)\b",
    r"\b(?:that|this) (?:must|sounds|would|does sound|is) (?:be )?(?:really |very |so )?(?:frustrating|stressful|"
    r"worrying|upsetting|difficult|hard|annoying|scary|awful|concerning|disappointing|maddening)\b",
    r"\bi hear you\b|\bunderstandabl[ey]\b|\bi know how\b|\bi get (?:it|why)\b|\bi feel for you\b",
    r"\b(?:your|the) (?:frustration|concern|worry|disappointment)\b|\bi(?:'d| would) feel the same\b",
    r"理解|抱歉|对不起|很遗憾|不好意思|给您带来(?:的)?(?:不便|困扰|麻烦)|让您(?:久等|担心|困扰|失望|着急|生气)|请(?:您)?放心|"
    r"别担心|不用担心|明白您|体谅|心情",
    r"申し訳|お気持ち|ご不便|ご心配|ご迷惑|大変でしたね|失礼いたしました|お詫び|ご不安|ご立腹|お察し|お困り|ご不快",
    r"\b(?:mohon|minta) maaf\b|\bmaaf(?:kan)? (?:atas|sekali|ya)\b|\b(?:kami|saya) (?:sangat )?(?:mengerti|paham|"
    r"memahami)\b|\bturut prihatin\b|\bwajar (?:jika|kalau|bila)\b|\bketidaknyamanan\b|\bperasaan anda\b|"
    r"\bpasti (?:menjengkelkan|membuat|mengecewakan|sangat)\b",
)

HUMAN_REQUEST = _any(
    r"\b(?:talk|speak|chat|connect|transfer|put)\w* (?:me )?(?:to|with|through to) (?:a |an |some |your |the )?"
    r"(?:real |live |actual |human )?(?:human|person|agent|representative|rep|someone|somebody|operator|manager|"
    r"supervisor|staff|people)\b",
    r"\b(?:human|real person|live agent|representative|operator|agent)(?:,)? please\b|\breal human\b",
    r"\bget me (?:a |an |to )?(?:human|person|agent|manager|someone real)\b|\bnot (?:a|this|some) (?:bot|robot|machine)\b",
    r"\bi (?:want|need|would like|'d like) (?:a |an |to )?(?:human|agent|person|representative|speak to someone)\b",
    r"转人工|人工(?:客服|服务|坐席)|真人|找(?:你们)?(?:的)?(?:人工|经理|主管|负责人)|接人工|要人工|让人来|换个人",
    r"オペレーター|担当者(?:と|に|を|さん)|人間(?:と|の方|に)|有人|スタッフ(?:と|に|の方)|人と話|係の(?:人|方)|責任者",
    r"\b(?:bicara|ngomong|berbicara|sambungkan|hubungkan|minta|mau)\s+(?:dengan|ke|saya ke|sama)?\s*(?:agen|manusia|"
    r"orang|operator|cs|petugas|customer service|admin)\b|\bagen manusia\b|\borang (?:asli|sungguhan)\b",
)
HANDOFF_MESSAGE = _any(
    r"\b(?:connect\w*|transfer\w*|put\w* you through|pass\w* you|hand\w* (?:you |this |it )?(?:over|off)|"
    r"escalat\w*|bring\w* in|get\w* you)\b[^.?!]{0,40}\b(?:agent|human|person|colleague|team|specialist|"
    r"representative|someone|staff|supervisor|advisor|operator)",
    r"\b(?:an? |my |our )?(?:agent|colleague|specialist|human|advisor|representative) (?:will|is going to) "
    r"(?:be with you|join|take over|pick this up|contact you|help you)\b",
    r"转接|转人工|为您接通|人工客服(?:将|会|马上|稍后|正在)|同事(?:将|会|马上)|专员(?:将|会|马上)",
    r"おつなぎ|お繋ぎ|おつなぎいたします|担当者(?:に|へ)(?:お)?(?:代わり|引き継|つな|繋)|オペレーター(?:に|へ)|転送いたします|引き継",
    r"\b(?:menghubungkan|sambungkan|hubungkan|teruskan|alihkan|menyambungkan|mengalihkan|meneruskan)\b.{0,40}"
    r"\b(?:agen|petugas|tim|rekan|cs|manusia|operator)\b|\bagen (?:kami )?akan (?:segera )?(?:membantu|bergabung|menghubungi)\b",
)

RESOLVED = _any(
    r"\b(?:has|have) (?:now )?been \w+ed\b|\bi(?:'ve| have) (?:now |just |also )?(?:\w+ed|sent|made|set|put|sent)\b",
    r"\b(?:all set|sorted|resolved|completed|processed|fixed|taken care of)\b|\byou(?:'ll| will) (?:receive|get|see)\b",
    r"\bwithin \d+|\bin the next \d+|\bnext step\b|\byou can (?:now )?\w+|\bplease (?:visit|go to|click|open|reply|check|"
    r"log in|call|upload|bring|take|use|try|restart|fill|tap|select)\b",
    r"\b(?:ticket|reference|case|claim|tracking|confirmation) (?:number|no\.?|#|id|link)\b",
    r"\bwe(?:'ll| will) (?:send|email|call|contact|refund|ship|deliver|replace|process|credit|text|arrange|review)\b",
    r"\b(?:an? |my |our )?(?:agent|colleague|specialist) will\b|\b(?:connect|transferr?)ing you\b|\bis on (?:its|the) way\b",
    r"已(?:为您|经|帮您|给您)?\S{0,4}(?:完成|处理|办理|发送|退款|修改|冻结|补发|取消|寄出|解决|提交|更新|重置|开通|安排)|"
    r"将(?:在|于)|会在|会收到|工作日内|小时内|天内|工单号|单号是|您可以|请(?:您)?(?:前往|访问|点击|登录|回复|上传|拨打|打开|使用)|为您转接",
    r"(?:完了|手配|送信|返金|変更|停止|発送|解決|受付|登録|更新|再発行|キャンセル)(?:いたしました|しました|済み|させていただきました)|"
    r"お送りします|お送りいたします|以内に|営業日|受付番号|(?:から|で)(?:ご確認|お手続き)いただけます|おつなぎ|"
    r"(?:ご確認|お試し|ご利用|お手続き)ください|(?:から|で).{0,16}(?:できます|いただけます)|お知らせいたします",
    r"\b(?:sudah|telah) (?:kami |saya )?\w+|\bakan (?:kami |segera |saya )?(?:kirim|proses|hubungi|kembalikan|"
    r"transfer|ganti|tiba|sampai|menerima|mendapat)\w*|\bdalam \d+|\bhari kerja\b|\bnomor (?:tiket|referensi|resi)\b|"
    r"\banda (?:bisa|dapat)\b|\bsilakan\b",
)
# A statement of what the customer can do with the product: a claim when it is about what the knowledge covers.
INSTRUCTION = _any(
    r"\byou (?:can|could|may)\b|\bgo to\b|\bfrom the \w+ (?:page|screen|menu|app)\b",
    r"您可以|你可以|可以在|可以通过",
    r"できます|いただけます",
    r"\banda (?:bisa|dapat|boleh)\b",
)
UNRESOLVED_STAFF = _any(
    r"\bi (?:don'?t|do not) know\b|\bi(?:'m| am) (?:not sure|unable|not able)\b|\bi can(?:'?t|not) help\b|"
    r"\bnothing (?:i|we) can do\b|\bno information\b|\bnot something (?:i|we) can\b|\bcan(?:'?t|not) (?:find|see|do)\b",
    r"不知道|无法(?:帮|处理|回答|提供)|没办法|帮不了|不清楚|わかりかねます|分かりかねます|お答えできません|できかねます",
    r"\b(?:saya|kami) tidak (?:tahu|bisa|dapat)\b|\btidak ada informasi\b",
)
UNRESOLVED_CUSTOMER = _any(
    r"\bstill (?:not|doesn'?t|don'?t|no|broken|waiting|haven'?t|can'?t)\b|\b(?:that )?(?:doesn'?t|does not|didn'?t) "
    r"(?:help|answer|work|solve)\b|\bnot (?:helpful|what i asked|resolved)\b|\bforget it\b|\bnever ?mind\b|"
    r"\bwhatever\b|\bthis is pointless\b|\bwaste of time\b|\bno answer\b|\bgoing nowhere\b",
    r"还是不行|没用|没解决|还是没|算了|不是我问的|答非所问|白问|解決(?:して)?(?:い)?ない|まだ(?:直|解決|届)|役に立たない|"
    r"もういい(?:です)?|話にならない|意味がない",
    r"\btidak membantu\b|\bmasih (?:belum|tidak|error|gagal)\b|\bpercuma\b|\bsudahlah\b|\bbukan itu\b|\bsia-sia\b",
)
CUSTOMER_SATISFIED = _any(
    r"\b(?:thanks|thank you|great|perfect|awesome|that helps|that helped|got it|sounds good|problem solved|"
    r"that works|brilliant|cheers|wonderful|excellent|much appreciated)\b",
    r"谢谢|好的|明白了|解决了|太好了|可以了|感谢|ありがとう|助かりました|わかりました|分かりました|了解です|大丈夫です",
    r"\b(?:terima kasih|makasih|oke|baik|siap|mantap|sip|beres)\b",
)

PII_FULL_ASK = _any(
    r"\b(?:full|entire|complete|whole|16[- ]digit|long) (?:credit |debit )?card number\b",
    r"\b(?:what(?:'s| is)|tell (?:me|us)|give (?:me|us)|provide|send|share|enter|confirm|type|read(?: out)?|say)\s+"
    r"(?:(?:me|us)\s+)?(?:your|the)\s+"
    r"(?:(?:credit |debit )?card number|pin|pin code|password|passcode|cvv|cvc|security code|online banking password)\b",
    # "Your PIN, please", "the password so I can check": not "change the password to something new".
    r"\b(?:your|the) (?:pin|password|passcode|cvv|cvc)(?: number| code)?(?:\s*,?\s*please\b|\s*\?|"
    r"\s+so (?:that )?(?:i|we) can\b|\s+(?:to|for) (?:verif|confirm|continu|proceed|complet|process)\w*)",
    r"\b(?:need|require|need to have)\s+(?:your|the)\s+(?:pin|password|passcode|cvv|full card|card number)\b",
    r"完整(?:的)?(?:银行)?卡号|(?:告诉|提供|发送|输入|报一下|说一下|发给)(?:我|给我)?(?:一下)?(?:您的)?(?:银行卡)?"
    r"(?:密码|卡号|CVV|安全码|支付密码)|您的(?:银行卡)?(?:密码|卡号)是(?:多少|什么)",
    r"カード番号(?:を)?(?:全て|すべて|全部|16桁)|(?:カード番号|暗証番号|パスワード|セキュリティコード)(?:を)?(?:教えて|お伺い|"
    r"お知らせ|入力して|ご入力|お聞かせ|おっしゃって)|暗証番号は何",
    r"\bnomor kartu (?:lengkap|penuh|anda secara lengkap)\b|\b(?:sebutkan|berikan|kirimkan|kirim|beri tahu|"
    r"masukkan|informasikan|bacakan)\s+(?:nomor kartu|pin|kata sandi|password|cvv)\b|\b(?:pin|kata sandi) anda\b",
)
# "We will never ask for your PIN" is the opposite of asking for it.
PII_ASK_NEGATED = _any(
    r"\bnever\b|\bwon'?t\b|\bwill not\b|\bnot (?:ask|need)\b|\blast (?:4|four)\b|\bno need to\b|"
    r"\b(?:don'?t|do not|doesn'?t|does not) (?:need|have) to\b|\b(?:nobody|no one|none of (?:us|our \w+))\b|"
    # a negated ask in any verb: "do not read out or type your password"
    r"\b(?:don'?t|do not|never|not)\s+(?:ever\s+)?(?:\w+\s+(?:or|and)\s+)?(?:share|give|send|tell|read|say|type|enter|"
    r"provide|disclose|write|reveal|post)\b",
    r"不会|绝不|切勿|不要(?:告诉|提供|透露)|请勿|后四位|末四位|決して|ことはありません|しないで|絶対に|下4桁|下四桁",
    r"\btidak akan\b|\bjangan\b|\btidak pernah\b|\b(?:4|empat) digit terakhir\b",
)
# What a secret's value looks like after "is": quoted, with a digit, or with a capital (matched case-sensitively
# inside _any's IGNORECASE); "the code is valid", "your code was sent" state no value.
_VALUE = r"""(?:["'“‘][^"'”’]{3,}["'”’]|(?=[\w-]*\d)[\w-]{3,}|(?-i:[\w-]*[A-Z][\w-]*))"""
SECRET_STATEMENT = _any(
    r"\b(?:your|the) (?:new |temporary )?(?:password|pin|passcode|one[- ]time code|otp|verification code) "
    r"(?:is|was|reads)\s+" + _VALUE,
    r"(?:密码|验证码|动态码)(?:是|为)\s*[A-Za-z0-9０-９-]{4,}|(?:パスワード|暗証番号|認証コード|確認コード)は\s*[A-Za-z0-9０-９-]{3,}",
    r"\b(?:kata sandi|pin|kode otp|kode verifikasi) anda (?:adalah|yaitu)\s+" + _VALUE,
)

OPT_OUT = _any(
    r"\b(?:stop|quit|cease|no more) (?:calling|texting|messaging|contacting|emailing|sending|ringing|bothering)\b",
    r"\b(?:don'?t|do not|never|please don'?t) (?:ever )?(?:call|text|message|contact|email|phone|ring|sms)"
    r" (?:me|us|this number|my number)(?:\s*(?:again|anymore|any more|ever|at all|back)|\s*[.!]|\s*$)",
    r"\b(?:remove|take|delete|drop) (?:me|my (?:number|name|details|email|phone number)) (?:off|from) (?:your|the|this) "
    r"(?:list|database|calls|system|mailing list|call list)|\bunsubscribe\b|\bopt (?:me )?out\b|\bdo[- ]not[- ]call\b",
    r"^\s*stop\s*[.!]*\s*$|\bleave me alone\b|\bno more (?:calls|texts|messages|emails)\b|\bnot interested,? (?:and )?"
    r"(?:don'?t|do not) call\b",
    r"别再(?:给我)?(?:打|发|联系|来电)|不要再(?:给我)?(?:打|发|联系|来电)|以后(?:不要|别)(?:再)?(?:给我)?(?:打|联系|发)|退订|"
    r"取消订阅|把我(?:的号码)?(?:从|删)|不要打扰我|别打扰我|不要再打扰",
    r"(?:もう|二度と)(?:電話|連絡|メール|メッセージ)(?:を)?(?:し|かけ|送ら|送っ|よこさ)(?:ないで|てこないで)|"
    r"電話(?:を)?かけてこないで|連絡しないで|配信(?:を)?停止|リストから(?:外|削除)|今後.{0,8}(?:電話|連絡|案内)(?:は)?"
    r"(?:不要|結構|いりません|しないで|やめて)",
    r"\bjangan (?:telepon|telpon|hubungi|sms|kirimi?|chat|menghubungi|menelepon|nelpon)\b|\bberhenti (?:menelepon|"
    r"menghubungi|mengirim|kirim|telepon|nelpon)\b|\bhapus nomor saya\b|\bkeluarkan (?:saya|nomor saya) dari\b|"
    r"\bberhenti berlangganan\b|\btidak mau (?:ditelepon|dihubungi|ditelpon) lagi\b",
)
# Wordings that look like an opt-out and are not one: "stop texting" or "leave me alone" under a negation is a
# statement ("I can't stop laughing", "my kids won't leave me alone"), unless it is said of the caller ("you won't
# stop calling me"); and unsubscribing from a product is cancelling it.
NOT_A_REQUEST = re.compile(
    r"(?<!\byou )(?<!\byou guys )(?<!\byou people )\b(?:can'?t|cannot|couldn'?t|won'?t|wouldn'?t|don'?t|doesn'?t|"
    r"didn'?t|never|not)\s+(?:ever\s+)?(?:stop\s+\w+|leave (?:me|us) alone)"
    # Unsubscribing from a product is cancelling it, not asking not to be contacted.
    r"|\b(?:unsubscribe|opt(?:ing)? out)\s+(?:me\s+)?(?:from|of)\s+(?:[\w'-]+\s+){0,3}?(?:subscription|plan|membership|"
    r"premium|package|add-?on|service|insurance|cover|trial|bundle|tariff|account)\b",
    re.IGNORECASE,
)
OPT_OUT_CONFIRM = _any(
    r"\b(?:removed|taken you off|taken your number off|unsubscribed|opted (?:you )?out|added (?:you|your number) to "
    r"(?:our|the) do[- ]not[- ](?:call|contact))\b",
    r"\b(?:won'?t|will not|we'?ll no longer|will no longer|will stop) (?:call|contact|text|message|email|ring|"
    r"calling|contacting|texting|messaging|emailing)\b|\bno (?:further|more) (?:calls|messages|texts|emails)\b",
    # The same said in other words: "you won't hear from us again", "we won't be calling", "you won't be contacted",
    # "I'll take you off the list", "your number is off our call list", "you won't get any more calls".
    r"\b(?:won'?t|will not|no longer) hear from us\b|\b(?:won'?t|will not|no longer) be (?:calling|contacting|texting|"
    r"messaging|emailing|ringing|contacted|called|texted|messaged|emailed|in touch)\b",
    r"\b(?:take|taking|took|remove|removing|delete|deleting|deleted|erase|erased) (?:you|your (?:number|name|details)) "
    r"(?:off|from) (?:our|the|this|all)\b|\b(?:you(?:'re| are)|your (?:number|name|details) (?:is|are)) (?:now )?"
    r"(?:off|out of) (?:our|the) (?:\w+ )?list\b",
    r"\b(?:won'?t|will not|no longer) (?:get|receive) any (?:more|further)\b|\bnot (?:be )?(?:contacted|called|texted|"
    r"messaged|emailed) again\b|\b(?:don'?t|do not|never) (?:call|contact|text|message|email) you again\b",
    r"\b(?:added|put|placed) (?:(?:you|your number|your details) )?(?:to|on) (?:our|the) do[- ]not[- ](?:call|contact)\b"
    r"|\bstop (?:the|all|these|our) (?:calls|messages|texts|emails)\b",
    r"已(?:为您|将您|把您|帮您)?(?:退订|移除|删除|取消订阅)|不会再(?:给您)?(?:打|联系|发|打扰|致电)|不再(?:打扰|联系|致电|给您)|"
    r"(?:将您|把您).{0,8}(?:移出|删除|移除)",
    r"(?:今後|以後).{0,12}(?:ご連絡|お電話|ご案内|配信|連絡).{0,8}(?:いたしません|しません|差し上げません|控え|停止)|"
    r"配信(?:を)?停止(?:いたしました|しました)|リストから(?:削除|外)(?:いたしました|しました)|登録(?:を)?解除",
    r"\btidak akan (?:menghubungi|menelepon|mengirim|lagi)\b|\b(?:sudah|telah) (?:kami |saya )?(?:hapus|keluarkan|"
    r"hentikan)\b|\bkami berhenti (?:menghubungi|mengirim)\b",
)
PITCH = _any(
    r"\b(?:offer|special|discount|deal(?! with)|promo\w*|upgrade|limited[- ]time|before you go|but first|% off|"
    r"exclusive|bonus|free (?:month|trial|gift)|save (?:up to|\d+)|just one more thing|quick(?:ly)? mention)\b",
    r"优惠|特价|折扣|套餐|升级|限时|赠送|在您(?:离开|挂)|不过先|最后(?:再)?(?:介绍|说)一下",
    r"キャンペーン|特典|割引|お得|限定|アップグレード|その前に|ご紹介だけ",
    r"\b(?:promo|diskon|penawaran|paket|spesial|hemat|upgrade|sebelum (?:anda )?(?:pergi|menutup))\b",
)
# Lead-ins that open a pitch, but also a last offer of help ("Before you go, is there anything else I can help
# with?"): in a closing sentence with no pitch word of their own they are not a pitch.
PITCH_LEAD = _any(
    r"\b(?:before you go|but first|just one more thing)\b",
    r"在您(?:离开|挂)|不过先|その前に",
    r"\bsebelum (?:anda )?(?:pergi|menutup)\b",
)
# A pitch word in a sentence that says the pitches stop ("no more special offers", "you won't get any more
# promotional calls") is the confirmation, not a pitch: what comes before the pitch word in the sentence.
PITCH_WITHDRAWN = re.compile(
    r"\b(?:no|any) (?:more|further)\b[^.!?]{0,40}$|\b(?:won'?t|will not|no longer) (?:get|receive|hear about) any\b"
    r"[^.!?]{0,40}$|\b(?:won'?t|will not|no longer|never|stop) (?:\w+ )?(?:send|sending|make|making|call|calling|"
    r"offer|offering|contact|contacting)\b[^.!?]{0,40}$",
    re.IGNORECASE,
)

CLOSING = _any(
    r"\banything else\b|\bis there (?:anything|something)\b|\blet (?:me|us) know if\b|\b(?:can|may) i help (?:you )?"
    r"with anything\b|\b(?:happy|glad) to help\b|\bfeel free to\b|\bdon'?t hesitate\b|\bhere (?:if|whenever) you need\b",
    r"\bthank(?:s| you)\b|\b(?:good ?bye|bye|have a (?:great|good|nice|lovely|wonderful|pleasant) (?:day|evening|"
    r"weekend|night|one|afternoon)|take care|see you|cheers|all the best)\b",
    r"还有(?:什么|其他|别的)|其他(?:问题|需要)|随时(?:联系|找|告诉)|谢谢|感谢|再见|祝您|拜拜",
    r"他に(?:何か|ご不明|ご質問)|ほかに(?:何か|ご不明)|お気軽に|ありがとうございま|失礼いたします|さようなら|良い一日|よい一日|"
    r"お待ちしております",
    r"\bada (?:lagi |hal lain )?yang (?:bisa|dapat) (?:saya|kami) bantu\b|\bada pertanyaan lain\b|\bjangan ragu\b|"
    r"\bterima kasih\b|\bmakasih\b|\bsampai jumpa\b|\bselamat (?:tinggal|siang|sore|malam|pagi|beraktivitas)\b|"
    r"\bsemoga hari anda\b|\bsalam\b",
)
