"""Revocation of consent "by any reasonable means" (FCC 24-18), recognised in a customer's free text.

Pure and table-driven: a message revokes when it is one of the standard keywords on its own (STOP, QUIT, END,
REVOKE, OPT OUT, CANCEL, UNSUBSCRIBE, STOP ALL; 47 CFR 64.1200(a)(10)), or says "stop contacting me" in one of
the supported languages (en, zh, ja, id). A keyword inside a longer sentence ("I can't stop laughing",
"cancel my order") does not revoke, nor does a request to be called at another time ("call me tomorrow",
"don't call me before 5"). Returns which pattern matched, never the text, so callers can log and audit it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Revocation:
    rule_id: str  # e.g. "en.keyword", "zh.dont_call"
    lang: str


# A lone keyword, optionally with "please", "me", "all" or punctuation around it.
_KEYWORDS = r"(stop|stopall|stop all|quit|end|revoke|opt ?out|optout|cancel|unsubscribe|remove|td)"
_KEYWORD_ONLY = re.compile(rf"^(please )?{_KEYWORDS}( (me|all|now|please|thanks|thank you|it))*$")

_CONTACT_VERBS = r"(call|calling|ring|ringing|phone|phoning|text|texting|message|messaging|contact|contacting|sms)"
# After "don't call me": only an ending, "again", "anymore"... A time ("tomorrow", "before 5") asks for another time.
_ENDING = r"(?=$| again| any ?more| ever| at all| please| thanks| thank you| ok| okay| i am not interested| i'm not)"

_EN = (
    ("en.stop_contacting", re.compile(
        rf"(?<!don't )(?<!do not )(?<!never )\bstop {_CONTACT_VERBS}( me| us| this number| my"
        rf" number)?\b"
    )),
    ("en.dont_contact", re.compile(
        rf"\b(don't|dont|do not|never|please don't|please do not) {_CONTACT_VERBS} (me|us|this"
        rf" number|my number)( ever)?{_ENDING}"
    )),
    ("en.never_again", re.compile(rf"\bnever {_CONTACT_VERBS} (me|us|this number) again\b")),
    ("en.remove_from_list", re.compile(
        r"\b(take|remove|delete|drop|erase) (me|my number|this number|my details)( off| from)"
        r" (your|the|this|ur)( \w+){0,3} (list|database|system|records)\b"
    )),
    ("en.do_not_call_list", re.compile(
        r"\b(put|add|place) (me|my number|this number) (on|to) (your|the) (do not call"
        r"|do-not-call|dnc)( list)?\b"
    )),
    ("en.opt_out", re.compile(
        r"\b(i|we) (want|wish|would like|need|'d like|d like) to (opt out|optout|unsubscribe)\b"
        r"|\bunsubscribe me\b|\bopt me out\b"
    )),
    ("en.revoke_consent", re.compile(
        r"\b(i|we) (revoke|withdraw|cancel|take back) (my|our|all)? ?(consent|permission"
        r"|agreement)\b|\b(revoke|withdraw) (my|all) consent\b"
    )),
    ("en.stop_sending", re.compile(
        r"\bstop (sending|calling|texting) (me |us )?(these |any |your |more |the )*(texts"
        r"|messages|sms|calls|offers|ads)\b"
    )),
    ("en.no_more", re.compile(
        r"\bno more (calls|texts|messages|contact)\b|\b(stop|end) (all |these |the |your )?(calls"
        r"|texts|messages|robocalls)\b"
    )),
    ("en.not_want_calls", re.compile(
        r"\bi (do not|don't|dont) want (any more |any |more |these |your )?(calls|texts"
        r"|messages)\b|\bi (do not|don't|dont) want (you|to be) (to )?(call|contact|text)(ed"
        r"|ing)? (me )?(again|anymore|any more)\b"
    )),
)
# "Please don't stop calling me", "you never stop calling me?" keep their sense only in the first case.
_EN_NEGATED_STOP = re.compile(r"\b(don't|do not|never|not) stop\b")

_ZH = (
    ("zh.dont_call", re.compile(
        r"(不要|别|不用|不必|勿|请勿|不许|不准)再?"
        r"(给我|跟我|向我)?(打|拨|来)(电话|电话给我|过来)"
    )),
    ("zh.dont_call_again", re.compile(r"(不要|别|请勿|勿)再(给我|跟我)?(打|致电|来电|联系|发短信|发信息|骚扰)")),
    ("zh.dont_contact", re.compile(r"(不要|别|请勿|勿)再?(联系|联络|骚扰)我")),
    ("zh.stop", re.compile(r"停止(给我)?(打电话|致电|来电|联系|发送|发短信|发信息|推送|营销)")),
    ("zh.unsubscribe", re.compile(r"(取消订阅|退订|拒收|我要退出|取消(我的)?同意|撤回(我的)?同意)")),
    ("zh.remove_from_list", re.compile(
        r"(把|将)我(的号码|的电话|的手机号)?从.{0,8}"
        r"(名单|列表|通讯录|数据库)(中|里|上)?(删除|删掉|移除|去掉|拿掉)"
    )),
    ("zh.dont_want_calls", re.compile(r"(我)?不(想|要|愿意)再?(接到|收到)(你们的)?(电话|来电|短信|推销)")),
)

_JA = (
    ("ja.dont_call", re.compile(
        r"(電話|でんわ|連絡|れんらく|お電話)(を|は)?(もう)?(しないで|かけないで|掛けないで|してこないで|しないでください|よこさないで|いりません|不要|結構です"
        r"|やめて)"
    )),
    ("ja.never_again", re.compile(r"(もう|二度と|にどと)(電話|連絡)")),
    ("ja.stop_delivery", re.compile(r"(配信停止|配信を停止|受信拒否|購読解除|登録解除|オプトアウト)")),
    ("ja.remove_from_list", re.compile(
        r"(リスト|名簿|一覧|データベース)から"
        r"(私|わたし|番号)?(を)?(削除|外して|消して|除外)"
    )),
    ("ja.withdraw_consent", re.compile(r"同意(を)?(撤回|取り消)")),
)
# "もう" / "二度と" with a call word revokes only together with a refusal.
_JA_REFUSAL = re.compile(r"(しないで|かけないで|掛けないで|不要|いりません|やめて|結構)")
# Japanese requests to call at another time look like the patterns above only in the positive form.
_JA_POSITIVE_CALL = re.compile(r"(電話|連絡)(を)?(して|ください|下さい|お願い)(?!こないで)(?!ないで)")

_ID = (
    ("id.dont_call", re.compile(
        r"\bjangan (lagi )?(telepon|telpon|tlp|menelepon|menelpon|hubungi|menghubungi|sms|kirim"
        r" (pesan|sms)|kontak|ganggu)( saya| aku| gue| gw| kami)?( lagi)?\b(?! (besok|nanti"
        r"|sekarang|jam|pagi|siang|sore|malam))"
    )),
    ("id.stop", re.compile(
        r"\bberhenti (menelepon|menelpon|menghubungi|telepon|telpon|mengirim|kirim|sms)\b|\bstop"
        r" (telepon|telpon|menelepon|hubungi|sms)( saya| aku)?\b"
    )),
    ("id.dont_want", re.compile(
        r"\b(saya|aku|gue|gw) (tidak|tak|nggak|ngga|gak|ga) (mau|ingin|mau lagi) (ditelepon"
        r"|ditelpon|dihubungi|dikontak|menerima (telepon|panggilan|pesan))( lagi)?\b"
    )),
    ("id.remove_from_list", re.compile(r"\bhapus (nomor |nomer |data )?(saya|aku)( dari)? ?(daftar|list|database)?\b")),
    ("id.unsubscribe", re.compile(
        r"\bberhenti berlangganan\b|\bcabut (persetujuan|izin)\b|\bbatalkan (persetujuan|izin)\b"
    )),
)

_PUNCT = re.compile(r"[\s\.,!\?;:\"'“”‘’()\[\]…。、！？，；：「」『』（）~\-_/]+")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip()


def _bare(text: str) -> str:
    """Letters and spaces only: for the lone-keyword test ("STOP!!!", "Stop.")."""
    return _PUNCT.sub(" ", text).strip()


def detect_revocation(text: str) -> Revocation | None:
    """The first revocation pattern that `text` matches, or None."""
    norm = _normalise(text)
    if not norm:
        return None
    bare = _bare(norm)
    if _KEYWORD_ONLY.match(bare):
        return Revocation("en.keyword", "en")
    # English phrases are matched on the text with apostrophes kept ("don't") but other punctuation spaced.
    words = re.sub(r"[\.,!\?;:\"“”()\[\]…]+", " ", norm)
    words = re.sub(r"\s+", " ", words).strip()
    for rule_id, pattern in _EN:
        match = pattern.search(words)
        if match is None:
            continue
        if rule_id == "en.stop_contacting" and _EN_NEGATED_STOP.search(words[: match.start() + 5]):
            continue
        return Revocation(rule_id, "en")
    for rule_id, pattern in _ZH:
        if pattern.search(norm):
            return Revocation(rule_id, "zh")
    for rule_id, pattern in _JA:
        match = pattern.search(norm)
        if match is None:
            continue
        if rule_id == "ja.never_again" and not _JA_REFUSAL.search(norm):
            continue
        if rule_id == "ja.dont_call" and _JA_POSITIVE_CALL.fullmatch(match.group(0)):
            continue
        return Revocation(rule_id, "ja")
    for rule_id, pattern in _ID:
        if pattern.search(words):
            return Revocation(rule_id, "id")
    return None


def revokes(text: str) -> bool:
    return detect_revocation(text) is not None
