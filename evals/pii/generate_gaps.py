# ruff: noqa: E501  (template tables read better unwrapped)
"""Writes the card-number gap sets: evals/pii/gaps_dev.jsonl (to look at while changing the recognisers) and
evals/pii/gaps_test.jsonl (held out: different sentences, different seed; measured, never tuned on).

What they probe (issue 10, item 9): every Luhn-valid 13-19 digit sequence is a card number whether or not its
issuer range is one the recognisers know, in every language, with ASCII or full-width digits and any common
separator; and digit strings that fail Luhn (order, tracking and account references) stay untouched, as do
phone numbers (their own recogniser's job). Values are synthetic; no real card or person.

    .venv/bin/python evals/pii/generate_gaps.py
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
FULL_WIDTH = str.maketrans(string.digits, "０１２３４５６７８９")


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


def luhn_ok(digits: str) -> bool:
    return luhn_complete(digits[:-1]) == digits


# Prefixes outside every issuer range the recognisers knew (closed-loop, private-label and new-range cards
# look like this), and inside them.
OFF_RANGE = ["1", "7", "8", "9", "0", "31", "33", "59", "60", "61", "66", "68", "69", "29", "20"]
IN_RANGE = ["4", "51", "55", "2221", "6011", "3530", "62", "37"]


class Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def digits(self, prefix: str, length: int, valid: bool) -> str:
        body = prefix + "".join(self.rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
        good = luhn_complete(body)
        if valid:
            return good
        return good[:-1] + str((int(good[-1]) + self.rng.randint(1, 9)) % 10)

    def group(self, digits: str, sep: str) -> str:
        style = self.rng.choice(["fours", "plain", "fours", "uneven"])
        if style == "plain":
            return digits
        if style == "uneven":
            cuts = sorted(self.rng.sample(range(3, len(digits) - 2), 2))
            parts = [digits[: cuts[0]], digits[cuts[0] : cuts[1]], digits[cuts[1] :]]
        else:
            parts = [digits[i : i + 4] for i in range(0, len(digits), 4)]
        return sep.join(parts)

    def card(self, off_range: bool, full_width: bool = False, seps: tuple[str, ...] = (" ", "-")) -> str:
        prefix = self.rng.choice(OFF_RANGE if off_range else IN_RANGE)
        length = self.rng.choice([13, 14, 15, 16, 16, 16, 17, 18, 19]) if off_range else 16
        value = self.group(self.digits(prefix, length, True), self.rng.choice(seps))
        return value.translate(FULL_WIDTH) if full_width else value

    def not_a_card(self, full_width: bool = False) -> str:
        """13-19 digits that fail Luhn: an order, tracking or account reference."""
        length = self.rng.randint(13, 19)
        value = self.digits(self.rng.choice(string.digits[1:]), length, False)
        if self.rng.random() < 0.4:
            value = self.group(value, self.rng.choice([" ", "-"]))
        return value.translate(FULL_WIDTH) if full_width else value

    def phone(self) -> str:
        return self.rng.choice([
            f"+62 812-{self.rng.randint(1000, 9999)}-{self.rng.randint(1000, 9999)}",
            f"+86 139 {self.rng.randint(1000, 9999)} {self.rng.randint(1000, 9999)}",
            f"+81 90-{self.rng.randint(1000, 9999)}-{self.rng.randint(1000, 9999)}",
            f"+1 415 {self.rng.randint(200, 989)} {self.rng.randint(1000, 9999)}",
        ])  # fmt: skip


# {CARD} off-range ASCII; {CARDW} in-range full-width (zh/ja); {CARDX} off-range full-width; {NOPE} a Luhn-failing
# reference; {NOPEW} the same in full-width digits; {PHONE} a phone number.
DEV: dict[str, list[str]] = {
    "en": ["My store card number is {CARD}, can you check the balance?",
           "The fuel card {CARD} was declined this morning.",
           "Please charge card {CARD} for the renewal.",
           "Order {NOPE} still shows as processing.",
           "Tracking {NOPE} has not moved for a week.",
           "Call me on {PHONE} about the card."],
    "zh": ["我的会员卡号是{CARD}，积分不见了。", "卡号{CARDW}被冻结了，请帮忙处理。", "银行卡：{CARDX}，请退款到这张卡。",
           "订单号{NOPE}还没有发货。", "运单号{NOPEW}查不到物流。", "我的手机是{PHONE}。"],
    "ja": ["ポイントカード番号は{CARD}です。", "カード番号{CARDW}で支払いました。", "このカード{CARDX}の利用明細を送ってください。",
           "注文番号{NOPE}の状況を教えてください。", "伝票番号{NOPEW}の荷物が届きません。", "電話は{PHONE}です。"],
    "id": ["Nomor kartu member saya {CARD}, tolong dicek.", "Kartu debit {CARD} saya terblokir.",
           "Nomor pesanan {NOPE} belum dikirim.", "Hubungi saya di {PHONE} ya."],
}  # fmt: skip

TEST: dict[str, list[str]] = {
    "en": ["I'd like to close the gift card {CARD} and move the funds.",
           "Card no. {CARD} expires next month, send a new one.",
           "Someone used my company card {CARD} abroad.",
           "Reference {NOPE} was quoted on the invoice.",
           "Account statement {NOPE} is missing a page.",
           "Reach me at {PHONE} if the card arrives."],
    "zh": ["这张储值卡{CARD}余额不对。", "请把款项退回信用卡{CARDW}。", "我的借记卡号码是{CARDX}，昨天被盗刷。",
           "发票号{NOPE}金额有误。", "请查询单号{NOPEW}。", "联系电话{PHONE}，谢谢。"],
    "ja": ["ギフトカード{CARD}の残高を確認したいです。", "クレジットカード{CARDW}が使えません。", "デビットカード番号：{CARDX}",
           "請求書番号{NOPE}について質問があります。", "お問い合わせ番号{NOPEW}の件です。", "連絡先は{PHONE}です。"],
    "id": ["Kartu hadiah {CARD} tidak bisa dipakai.", "Tolong blokir kartu kredit {CARD} saya sekarang.",
           "Nomor tagihan {NOPE} salah jumlahnya.", "WA saya {PHONE} kalau sudah beres."],
}  # fmt: skip


def fill(template: str, lang: str, gen: Gen) -> dict[str, object]:
    makers: dict[str, tuple[str | None, Callable[[], str]]] = {
        "CARD": ("CREDIT_CARD", lambda: gen.card(off_range=True)),
        "CARDW": ("CREDIT_CARD", lambda: gen.card(off_range=False, full_width=True, seps=(" ", "-", "\u3000"))),
        "CARDX": ("CREDIT_CARD", lambda: gen.card(off_range=True, full_width=True, seps=("－", " "))),
        "NOPE": (None, lambda: gen.not_a_card()),
        "NOPEW": (None, lambda: gen.not_a_card(full_width=True)),
        "PHONE": ("PHONE_NUMBER", gen.phone),
    }
    text, entities, pos = "", [], 0
    for m in re.finditer(r"\{([A-Z]+)\}", template):
        text += template[pos : m.start()]
        kind, make = makers[m.group(1)]
        value = make()
        if kind:
            entities.append({"type": kind, "start": len(text), "end": len(text) + len(value)})
        text += value
        pos = m.end()
    text += template[pos:]
    return {"text": text, "lang": lang, "entities": entities}


def write(path: Path, templates: dict[str, list[str]], seed: int, repeats: int) -> int:
    gen = Gen(seed)
    lines = [fill(t, lang, gen) for lang, ts in templates.items() for t in ts for _ in range(repeats)]
    with path.open("w", encoding="utf-8") as out:
        for i, line in enumerate(lines):
            line["id"] = f"{path.stem}-{i:04d}"
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(lines)


def main() -> None:
    print("gaps_dev.jsonl", write(HERE / "gaps_dev.jsonl", DEV, seed=1010, repeats=6))
    print("gaps_test.jsonl", write(HERE / "gaps_test.jsonl", TEST, seed=2020, repeats=8))


if __name__ == "__main__":
    main()
