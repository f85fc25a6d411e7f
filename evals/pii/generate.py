# ruff: noqa: E501  (template tables read better unwrapped)
"""Writes evals/pii/pii_eval.jsonl: the PII evaluation set (see README.md beside this file).

The sentences are hand-written templates in en, zh, ja and id; the values are synthetic and valid by each
type's checksum or structure rule (no real person's data). Seeded, so the file is reproducible:

    .venv/bin/python evals/pii/generate.py > evals/pii/pii_eval.jsonl
"""

from __future__ import annotations

import json
import random
import re
import string
import sys
from collections.abc import Callable

import phonenumbers

RNG = random.Random(20250615)


# ---------------------------------------------------------------- values
def luhn_complete(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def card() -> str:
    prefix, length = RNG.choice(
        [("4", 16), ("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16),
         ("3530", 16), ("62", 16), ("4", 13)]
    )  # fmt: skip
    body = prefix + "".join(RNG.choice(string.digits) for _ in range(length - len(prefix) - 1))
    digits = luhn_complete(body)
    style = RNG.choice(["space", "dash", "plain", "space", "mixed"])
    if length == 15:
        parts = [digits[:4], digits[4:10], digits[10:]]
    elif length == 13:
        parts = [digits[:4], digits[4:8], digits[8:]]
    else:
        parts = [digits[i : i + 4] for i in range(0, length, 4)]
    if style == "plain":
        return digits
    if style == "dash":
        return "-".join(parts)
    if style == "mixed":
        return " ".join(parts[:2]) + "-" + "-".join(parts[2:])
    return " ".join(parts)


def bad_card() -> str:
    """Card-shaped but failing Luhn: must stay."""
    good = card().replace(" ", "").replace("-", "")
    last = str((int(good[-1]) + RNG.randint(1, 9)) % 10)
    bad = good[:-1] + last
    return " ".join(bad[i : i + 4] for i in range(0, len(bad), 4))


IBAN_FORMATS = {"DE": "n8n10", "GB": "a4n6n8", "FR": "n5n5c11n2", "NL": "a4n10", "ES": "n4n4n2n10", "IT": "a1n5n5c12"}


def _bban(fmt: str) -> str:
    out = []
    for kind, count in re.findall(r"([anc])(\d+)", fmt):
        pool = {"a": string.ascii_uppercase, "n": string.digits, "c": string.ascii_uppercase + string.digits}[kind]
        out.append("".join(RNG.choice(pool) for _ in range(int(count))))
    return "".join(out)


def iban(valid: bool = True) -> str:
    country = RNG.choice(list(IBAN_FORMATS))
    bban = _bban(IBAN_FORMATS[country])
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    check = 98 - int(numeric) % 97
    if not valid:
        check = (check + RNG.randint(1, 50)) % 97 + 2
    value = f"{country}{check:02d}{bban}"
    if RNG.random() < 0.7:
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


PHONES: list[tuple[str, Callable[[], str]]] = [
    ("+1", lambda: f"+1 {RNG.choice(['212', '415', '617', '312', '206'])} {RNG.randint(200, 989)} {RNG.randint(1000, 9999)}"),
    ("+1", lambda: f"+1 ({RNG.choice(['646', '213', '303', '404'])}) {RNG.randint(200, 989)}-{RNG.randint(1000, 9999)}"),
    ("+44", lambda: f"+44 20 7{RNG.randint(100, 999)} {RNG.randint(1000, 9999)}"),
    ("+44", lambda: f"+44 7{RNG.randint(400, 999)} {RNG.randint(100000, 999999)}"),
    ("+49", lambda: f"+49 30 {RNG.randint(10000000, 99999999)}"),
    ("+49", lambda: f"+49 15{RNG.randint(1, 7)} {RNG.randint(10000000, 99999999)}"),
    ("+62", lambda: f"+62 812-{RNG.randint(1000, 9999)}-{RNG.randint(1000, 9999)}"),
    ("+62", lambda: f"+62 21 {RNG.randint(5000000, 8999999)}"),
    ("+81", lambda: f"+81 3-{RNG.randint(1000, 9999)}-{RNG.randint(1000, 9999)}"),
    ("+81", lambda: f"+81 90-{RNG.randint(1000, 9999)}-{RNG.randint(1000, 9999)}"),
    ("+86", lambda: f"+86 1{RNG.choice('3589')}{RNG.randint(0, 9)} {RNG.randint(1000, 9999)} {RNG.randint(1000, 9999)}"),
    ("+86", lambda: f"+86 10 {RNG.randint(6000, 8999)} {RNG.randint(1000, 9999)}"),
    ("US", lambda: f"({RNG.choice(['415', '212', '617'])}) {RNG.randint(200, 989)}-{RNG.randint(1000, 9999)}"),
    ("JP", lambda: f"090-{RNG.randint(1000, 9999)}-{RNG.randint(1000, 9999)}"),
    ("ID", lambda: f"0812-{RNG.randint(1000, 9999)}-{RNG.randint(1000, 9999)}"),
    ("CN", lambda: f"139 {RNG.randint(1000, 9999)} {RNG.randint(1000, 9999)}"),
]  # fmt: skip


def phone(kind: str | None = None) -> str:
    options = [(k, f) for k, f in PHONES if kind is None or k == kind]
    for _ in range(100):
        label, make = RNG.choice(options)
        value = make()
        number = phonenumbers.parse(value, None if label.startswith("+") else label)
        if phonenumbers.is_valid_number(number):
            return value
    raise RuntimeError("no valid phone generated")


FIRST = ["maria", "john", "li", "wei", "yuki", "hiro", "budi", "siti", "anna", "omar", "chen", "sakura", "dewi"]
LAST = ["lopez", "smith", "zhang", "tanaka", "santoso", "wijaya", "mueller", "kim", "sato", "nguyen"]
DOMAINS = ["example.com", "mail.example.org", "example.co.id", "example.cn", "example.jp", "test-mail.net"]


def email() -> str:
    sep = RNG.choice([".", "_", "", "-"])
    name = RNG.choice(FIRST) + sep + RNG.choice(LAST)
    if RNG.random() < 0.3:
        name += str(RNG.randint(1, 99))
    if RNG.random() < 0.2:
        name = name.capitalize()
    return f"{name}@{RNG.choice(DOMAINS)}"


def ssn() -> str:
    area = RNG.choice([i for i in range(1, 900) if i != 666])
    return f"{area:03d}-{RNG.randint(1, 99):02d}-{RNG.randint(1, 9999):04d}"


CN_REGIONS = ["110101", "110105", "310104", "440305", "510107", "330106", "420102", "320102"]


def cn_id() -> str:
    body = RNG.choice(CN_REGIONS) + f"{RNG.randint(1950, 2005)}{RNG.randint(1, 12):02d}{RNG.randint(1, 28):02d}"
    body += f"{RNG.randint(0, 999):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def my_number(grouped: bool | None = None) -> str:
    body = "".join(RNG.choice(string.digits) for _ in range(11))
    total = sum(int(ch) * (n + 1 if n <= 6 else n - 5) for n, ch in enumerate(reversed(body), start=1))
    rem = total % 11
    digits = body + str(0 if rem <= 1 else 11 - rem)
    grouped = RNG.random() < 0.5 if grouped is None else grouped
    return " ".join(digits[i : i + 4] for i in range(0, 12, 4)) if grouped else digits


NIK_PROVINCES = ["11", "12", "13", "14", "16", "31", "32", "33", "34", "35", "36", "51", "52", "61", "64", "71", "73"]


def nik() -> str:
    day = RNG.randint(1, 28) + (40 if RNG.random() < 0.5 else 0)
    return (
        RNG.choice(NIK_PROVINCES) + f"{RNG.randint(1, 79):02d}{RNG.randint(1, 40):02d}"
        + f"{day:02d}{RNG.randint(1, 12):02d}{RNG.randint(60, 99):02d}{RNG.randint(1, 40):04d}"
    )  # fmt: skip


NAMES_EN = ["Maria Lopez", "John Carter", "Emily Watson", "David Miller", "Sarah Johnson", "Michael Brown",
            "Jessica Taylor", "Robert Wilson", "Laura Martinez", "James Anderson"]  # fmt: skip

# ---------------------------------------------------------------- templates
# {TYPE} slots are filled with a generated value; the line records each slot's type and offsets.
TEMPLATES: dict[str, dict[str, list[str]]] = {
    "CREDIT_CARD": {
        "en": ["My card number is {CREDIT_CARD}, please update the payment.",
               "Charge it to {CREDIT_CARD} exp 09/27.",
               "I was billed twice on card {CREDIT_CARD} yesterday.",
               "can u refund to {CREDIT_CARD} instead of store credit",
               "The card ending in the number {CREDIT_CARD} was declined at checkout."],
        "zh": ["我的信用卡号是{CREDIT_CARD}，请帮我更新付款方式。", "卡号：{CREDIT_CARD}，昨天被重复扣款了。",
               "请退款到这张卡 {CREDIT_CARD}"],
        "ja": ["カード番号は{CREDIT_CARD}です。支払い方法を変更したいです。", "{CREDIT_CARD}のカードで二重に請求されました。"],
        "id": ["Nomor kartu kredit saya {CREDIT_CARD}, tolong diperbarui.", "Tagihan ganda di kartu {CREDIT_CARD} kemarin."],
    },
    "IBAN_CODE": {
        "en": ["Please send the refund to IBAN {IBAN_CODE}.", "My account is {IBAN_CODE} at my local bank.",
               "Use {IBAN_CODE} for the direct debit from next month."],
        "zh": ["请把退款转到我的IBAN账户 {IBAN_CODE}。", "我的银行账户是{IBAN_CODE}"],
        "ja": ["返金は IBAN {IBAN_CODE} にお願いします。"],
        "id": ["Tolong transfer pengembalian dana ke IBAN {IBAN_CODE}."],
    },
    "PHONE_NUMBER": {
        "en": ["You can reach me on {PHONE_NUMBER} after 6pm.", "Call me back at {PHONE_NUMBER} please.",
               "my new number is {PHONE_NUMBER}", "Text {PHONE_NUMBER} when the driver is close."],
        "zh": ["我的电话是{PHONE_NUMBER}，请回电。", "请联系 {PHONE_NUMBER}，谢谢"],
        "ja": ["電話番号は{PHONE_NUMBER}です。折り返しお願いします。", "{PHONE_NUMBER}までご連絡ください。"],
        "id": ["Nomor HP saya {PHONE_NUMBER}, hubungi setelah jam 5.", "Tolong telepon ke {PHONE_NUMBER} ya."],
    },
    "EMAIL_ADDRESS": {
        "en": ["Send the invoice to {EMAIL_ADDRESS} please.", "My email changed to {EMAIL_ADDRESS}.",
               "contact me: {EMAIL_ADDRESS}"],
        "zh": ["我的邮箱是{EMAIL_ADDRESS}，请发发票。", "请发到{EMAIL_ADDRESS}"],
        "ja": ["メールアドレスは{EMAIL_ADDRESS}です。", "{EMAIL_ADDRESS}に領収書を送ってください。"],
        "id": ["Email saya {EMAIL_ADDRESS}, kirim invoice ke sana.", "Kirim ke {EMAIL_ADDRESS} ya kak."],
    },
    "US_SSN": {
        "en": ["My SSN is {US_SSN} for the credit check.", "Social security number {US_SSN}.",
               "For verification: {US_SSN}"],
        "zh": ["我的美国社会安全号码是{US_SSN}。"],
        "ja": ["私のSSNは{US_SSN}です。"],
        "id": ["Nomor SSN saya {US_SSN}."],
    },
    "CN_RESIDENT_ID": {
        "en": ["My Chinese ID card number is {CN_RESIDENT_ID}.", "Resident ID {CN_RESIDENT_ID} for the booking."],
        "zh": ["我的身份证号是{CN_RESIDENT_ID}。", "身份证号码：{CN_RESIDENT_ID}，请核实。",
               "请用{CN_RESIDENT_ID}登记入住"],
        "ja": ["中国の身分証番号は{CN_RESIDENT_ID}です。"],
        "id": ["Nomor KTP China saya {CN_RESIDENT_ID}."],
    },
    "JP_MY_NUMBER": {
        "en": ["My My Number is {JP_MY_NUMBER}.", "Individual number (My Number): {JP_MY_NUMBER}"],
        "ja": ["マイナンバーは{JP_MY_NUMBER}です。", "個人番号：{JP_MY_NUMBER}", "私のマイナンバー {JP_MY_NUMBER} を登録してください。"],
        "zh": ["我的日本个人番号（マイナンバー）是{JP_MY_NUMBER}。"],
    },
    "ID_NIK": {
        "id": ["NIK saya {ID_NIK}, mohon dicek.", "Nomor KTP: {ID_NIK}", "Ini NIK untuk verifikasi {ID_NIK} ya",
               "Nomor induk kependudukan saya adalah {ID_NIK}."],
        "en": ["My Indonesian NIK is {ID_NIK}.", "KTP number {ID_NIK} for the SIM registration."],
    },
    "PERSON": {
        "en": ["Hi, this is {PERSON} calling about my order.", "Please address the letter to {PERSON}.",
               "My name is {PERSON} and I need help with a refund.", "{PERSON} placed the order for our office."],
    },
}  # fmt: skip

MULTI = {
    "en": ["Name: {PERSON}, card {CREDIT_CARD}, email {EMAIL_ADDRESS}.",
           "Call {PHONE_NUMBER} or write to {EMAIL_ADDRESS} about the charge on {CREDIT_CARD}.",
           "SSN {US_SSN}, phone {PHONE_NUMBER}."],
    "zh": ["身份证{CN_RESIDENT_ID}，手机{PHONE_NUMBER}，邮箱{EMAIL_ADDRESS}。", "卡号{CREDIT_CARD}，电话{PHONE_NUMBER}"],
    "ja": ["マイナンバー{JP_MY_NUMBER}、電話{PHONE_NUMBER}、メール{EMAIL_ADDRESS}です。"],
    "id": ["NIK {ID_NIK}, HP {PHONE_NUMBER}, email {EMAIL_ADDRESS}.", "Kartu {CREDIT_CARD} dan IBAN {IBAN_CODE}."],
}  # fmt: skip

# Lines that must come back untouched: order numbers, amounts, dates, versions, flight numbers, and
# near-misses of each type (bad checksums, My Number-shaped numbers with no My Number word).
NEGATIVES: dict[str, list[Callable[[], str]]] = {
    "en": [
        lambda: f"Where is order {RNG.randint(10000, 99999999)}? It was due on {RNG.randint(1, 28)} May.",
        lambda: f"I paid ${RNG.randint(10, 9999)}.{RNG.randint(10, 99)} on 2024-0{RNG.randint(1, 9)}-1{RNG.randint(0, 9)}.",
        lambda: f"The app version {RNG.randint(1, 9)}.{RNG.randint(0, 20)}.{RNG.randint(0, 9)} keeps crashing.",
        lambda: f"My flight {RNG.choice(['UA', 'SQ', 'GA', 'JL', 'CA'])}{RNG.randint(10, 999)} was cancelled.",
        lambda: f"Tracking number 1Z{RNG.randint(100, 999)}AA{RNG.randint(10**9, 10**10 - 1)} shows no update.",
        lambda: f"Card {bad_card()} was declined, is that the right number?",
        lambda: f"Order reference {RNG.randint(10**11, 10**12 - 1)} has not shipped.",
        lambda: f"Invoice INV-{RNG.randint(2020, 2025)}-{RNG.randint(1000, 99999)} for {RNG.randint(2, 90)} items.",
        lambda: f"The IBAN {iban(valid=False)} was rejected by my bank.",
        lambda: f"Meeting on {RNG.randint(1, 12)}/{RNG.randint(1, 28)}/2025 at {RNG.randint(8, 17)}:30, room {RNG.randint(100, 999)}.",
        lambda: f"Please deliver {RNG.randint(2, 40)} boxes, total weight {RNG.randint(5, 300)} kg.",
        lambda: f"Serial number SN{RNG.randint(10**7, 10**8 - 1)} on the router, firmware {RNG.randint(1, 5)}.{RNG.randint(0, 9)}.",
    ],
    "zh": [
        lambda: f"我的订单号{RNG.randint(10**9, 10**11)}还没发货。",
        lambda: f"我付了{RNG.randint(10, 9999)}元，日期是2024年{RNG.randint(1, 12)}月{RNG.randint(1, 28)}日。",
        lambda: f"航班{RNG.choice(['CA', 'MU', 'CZ'])}{RNG.randint(100, 9999)}延误了{RNG.randint(2, 9)}小时。",
        lambda: f"版本{RNG.randint(1, 9)}.{RNG.randint(0, 9)}.{RNG.randint(0, 9)}有问题。",
        lambda: f"快递单号SF{RNG.randint(10**11, 10**12 - 1)}显示已签收。",
    ],
    "ja": [
        lambda: f"注文番号{RNG.randint(10**11, 10**12 - 1)}の商品がまだ届きません。",
        lambda: f"{RNG.randint(1000, 99999)}円を2024年{RNG.randint(1, 12)}月{RNG.randint(1, 28)}日に支払いました。",
        lambda: f"便名{RNG.choice(['JL', 'NH'])}{RNG.randint(100, 999)}が欠航になりました。",
        lambda: f"アプリのバージョン{RNG.randint(1, 9)}.{RNG.randint(0, 9)}でエラーが出ます。",
    ],
    "id": [
        lambda: f"Pesanan nomor {RNG.randint(10**8, 10**10)} belum sampai, sudah bayar Rp{RNG.randint(10, 999)}.000.",
        lambda: f"Penerbangan GA{RNG.randint(100, 999)} tanggal {RNG.randint(1, 28)} Mei ditunda.",
        lambda: f"Nomor resi JNE{RNG.randint(10**9, 10**10)} tidak bisa dilacak.",
        lambda: f"Aplikasi versi {RNG.randint(1, 9)}.{RNG.randint(0, 9)}.{RNG.randint(0, 9)} error terus.",
    ],
}  # fmt: skip

GENERATORS: dict[str, Callable[[str], str]] = {
    "CREDIT_CARD": lambda lang: card(),
    "IBAN_CODE": lambda lang: iban(),
    "PHONE_NUMBER": lambda lang: phone(),
    "EMAIL_ADDRESS": lambda lang: email(),
    "US_SSN": lambda lang: ssn(),
    "CN_RESIDENT_ID": lambda lang: cn_id(),
    "JP_MY_NUMBER": lambda lang: my_number(),
    "ID_NIK": lambda lang: nik(),
    "PERSON": lambda lang: RNG.choice(NAMES_EN),
}


def fill(template: str, lang: str) -> dict[str, object]:
    text, entities, pos = "", [], 0
    for m in re.finditer(r"\{([A-Z_]+)\}", template):
        text += template[pos : m.start()]
        value = GENERATORS[m.group(1)](lang)
        entities.append({"type": m.group(1), "start": len(text), "end": len(text) + len(value)})
        text += value
        pos = m.end()
    text += template[pos:]
    return {"text": text, "lang": lang, "entities": entities}


def main() -> None:
    lines: list[dict[str, object]] = []
    for per_lang in TEMPLATES.values():
        for lang, templates in per_lang.items():
            repeats = max(2, 16 // len(templates))
            for template in templates:
                lines += [fill(template, lang) for _ in range(repeats)]
    for lang, templates in MULTI.items():
        for template in templates:
            lines += [fill(template, lang) for _ in range(4)]
    for lang, makers in NEGATIVES.items():
        for make in makers:
            lines += [{"text": make(), "lang": lang, "entities": []} for _ in range(5 if lang == "en" else 6)]
    for i, line in enumerate(lines):
        line["id"] = f"pii-{i:04d}"
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
