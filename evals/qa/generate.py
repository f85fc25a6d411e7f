"""Writes the QA evaluation set: evals/qa/dev.jsonl (tune on it) and evals/qa/test.jsonl (never tune on it).
The development part also takes the hand-written conversations of dev_written.jsonl, after the generated ones.

`python evals/qa/generate.py` rebuilds both files deterministically. Each conversation is assembled from the
phrase pools in phrases.py (dev and test draw different wordings), and its `labels` follow from the rubric
text as the conversation is built, not from the scorer: the builder knows which line greets, which one
discloses account data, where a negative emotion was voiced and whether the next staff line acknowledges it,
and so on (see docs/qa.md, "How the evaluation set is labelled"). The labels were fixed before the scorer was
tuned on the development part.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from phrases import POOLS

NO_SPLIT = {"verify_ask", "acct_req", "company", "name", "reason", "policy_doc", "info_doc", "offer_doc"}
DAYS = [5, 7, 10, 14]
PRICES = {"en": ["30", "45", "60"], "zh": ["99", "129", "199"], "ja": ["4,980", "5,500", "6,200"],
          "id": ["250", "300", "350"]}
VERIFY_TYPES = ["last4", "dob", "code", "answer"]
SEP = {"en": " ", "id": " ", "zh": "", "ja": ""}


class Builder:
    def __init__(self, lang: str, split: str, rng: random.Random) -> None:
        self.lang, self.rng = lang, rng
        self.parity = 0 if split == "dev" else 1
        self.turns: list[dict[str, Any]] = []
        self.staff = "bot"
        self.greet_first = True
        self.first_staff_done = False
        self.pending_emotion = False
        self.ack_next = True
        self.empathy: list[bool] = []
        self.fill: dict[str, str] = {}

    def pick(self, slot: str) -> str:
        pool = POOLS[self.lang][slot]
        if slot not in NO_SPLIT and len(pool) > 1:
            pool = pool[self.parity :: 2]
        return self.rng.choice(pool).format(**self.fill)

    def join(self, *parts: str) -> str:
        return SEP[self.lang].join(p for p in parts if p)

    def customer(self, text: str, emotion: bool = False) -> None:
        if emotion:
            text = self.join(self.pick("emo"), text)
            self.pending_emotion = True
        self.turns.append({"speaker": "customer", "text": text})

    def say(self, text: str, speaker: str | None = None, **extra: Any) -> None:
        parts = []
        if not self.first_staff_done:
            self.first_staff_done = True
            if self.greet_first:
                parts.append(self.pick("greet"))
        if self.pending_emotion:
            self.pending_emotion = False
            self.empathy.append(self.ack_next)
            if self.ack_next:
                parts.append(self.pick("ack"))
        parts.append(text)
        self.turns.append({"speaker": speaker or self.staff, "text": self.join(*parts), **extra})


def build(lang: str, split: str, rng: random.Random, index: int) -> dict[str, Any]:
    b = Builder(lang, split, rng)
    company = rng.choice(POOLS[lang]["company"])
    b.fill = {"company": company, "name": rng.choice(POOLS[lang]["name"]), "days": "", "price": "", "code": "",
              "card": "", "reason": ""}
    direction = "outbound" if rng.random() < 0.42 else "inbound"
    b.staff = "bot" if rng.random() < (0.8 if direction == "outbound" else 0.6) else "agent"
    labels: dict[str, str] = {}
    knowledge: list[dict[str, str]] = []

    # Choices, each the rubric fact it decides.
    b.greet_first = rng.random() < 0.72
    emotion = rng.random() < 0.5
    b.ack_next = rng.random() < 0.6
    emotion_first = rng.random() < 0.5
    human = "none" if b.staff == "agent" else rng.choices(["none", "yes", "no"], [0.45, 0.35, 0.2])[0]
    if direction == "outbound":
        optout = rng.choices(["none", "yes", "no", "decoy"], [0.35, 0.3, 0.25, 0.1])[0]
    else:
        optout = rng.choices(["none", "yes", "no", "decoy"], [0.8, 0.07, 0.06, 0.07])[0]
    resolved = rng.random() < 0.68
    if direction == "inbound" and optout in ("yes", "no"):
        resolved = True  # an inbound opt-out comes after the request was dealt with
    closing = rng.random() < 0.68
    pii = rng.choices(["none", "ask", "card_echo", "safe"], [0.62, 0.13, 0.1, 0.15])[0]
    calm = not emotion and rng.random() < 0.25

    days = rng.choice(DAYS)
    price = rng.choice(PRICES[lang])
    true_claim = rng.random() < 0.65
    b.fill["days"] = str(days if true_claim else rng.choice([d for d in DAYS if d != days]))
    b.fill["price"] = price if true_claim else rng.choice([p for p in PRICES[lang] if p != price])

    def doc(slot: str, doc_id: str, title: str, *more: str) -> None:
        fill = dict(b.fill, days=str(days), price=price)
        body = SEP[lang].join([POOLS[lang][slot][0].format(**fill), *more])
        knowledge.append({"doc_id": doc_id, "title": title, "body": body})

    claims: list[bool] = []  # one entry per product/policy claim made: is it supported?
    disclosed = {"verified": None}  # None: nothing account-specific disclosed
    pii_exposed = False

    # -- opening ---------------------------------------------------------------------------------------------
    if direction == "outbound":
        topic = rng.choices(["offer", "account"], [0.65, 0.35])[0]
        reasons = POOLS[lang]["reason"]
        b.fill["reason"] = reasons[1] if topic == "offer" else reasons[3]
        if b.staff == "bot":
            kind = rng.choices(["ai_company", "ai_only", "company_only", "bare"], [0.5, 0.17, 0.18, 0.15])[0]
            labels["ai_disclosure"] = "yes" if kind == "ai_company" else "no"
        else:
            kind = rng.choice(["company_only", "bare"])
            labels["ai_disclosure"] = "na"
        labels["greeting"] = "no" if kind == "bare" else "yes"
        b.first_staff_done = True
        b.say(b.pick(f"ob_{kind}"))
        if optout == "decoy":
            b.customer(b.join(b.pick("decoy"), b.pick("ob_reply")))
        else:
            b.customer(b.pick("ob_reply"), emotion=emotion and emotion_first)
    else:
        topic = rng.choices(["account", "policy", "info"], [0.5, 0.28, 0.22])[0]
        labels["ai_disclosure"] = "na"
        labels["greeting"] = "yes" if b.greet_first else "no"
        pair = rng.randrange(4)
        request = POOLS[lang]["acct_req"][pair] if topic == "account" else b.pick(f"{topic}_req")
        b.fill["_kind"] = "order" if pair % 2 == 0 else "balance"
        b.customer(request, emotion=emotion and emotion_first)
    emotion_later = emotion and not emotion_first

    def maybe_human() -> None:
        nonlocal human
        if human == "none" or b.staff != "bot":
            return
        b.customer(b.pick("human_req"))
        if human == "yes":
            b.say(b.pick("transfer"), handoff=True)
            b.staff = "agent"
            b.say(b.pick("agent_intro"))
        else:
            b.say(b.pick("self_answer"))
        human = "done-" + human

    def maybe_pii() -> None:
        nonlocal pii, pii_exposed
        if pii == "ask":
            b.say(b.pick("pii_ask"))
            b.customer(b.pick("ob_reply"))
            pii_exposed = True
        elif pii == "card_echo":
            card = b.pick("card_give")
            b.customer(card)
            digits = "".join(ch for ch in card if ch.isdigit())
            b.fill["card"] = " ".join(digits[i : i + 4] for i in range(0, 16, 4))
            b.say(b.pick("card_echo"))
            pii_exposed = True
        pii = "done"

    def account_flow(first: bool) -> None:
        kind = b.fill.get("_kind") or rng.choice(["order", "balance"])
        how = rng.choices(["verified", "direct", "order_only"], [0.5, 0.25, 0.25])[0]
        if not resolved:
            # Nothing is disclosed: the staff cannot find it.
            if how == "verified":
                vtype = rng.choice(VERIFY_TYPES)
                b.say(POOLS[lang]["verify_ask"][VERIFY_TYPES.index(vtype)])
                b.customer(b.pick(f"verify_give_{vtype}"), emotion=emotion_later)
            b.say(b.pick("acct_notfound"))
            return
        prefix = ""
        if how == "verified":
            vtype = rng.choice(VERIFY_TYPES)
            b.say(POOLS[lang]["verify_ask"][VERIFY_TYPES.index(vtype)])
            given = b.pick(f"verify_give_{vtype}")
            b.customer(given, emotion=emotion_later)
            if vtype == "code" and rng.random() < 0.45:
                b.fill["code"] = "".join(ch for ch in given if ch.isdigit())
                prefix = b.pick("echo_code")
                nonlocal pii_exposed
                pii_exposed = True
            disclosed["verified"] = True
        elif how == "order_only":
            b.say(b.pick("ask_order"))
            b.customer(b.pick("give_order"), emotion=emotion_later)
            disclosed["verified"] = False
        else:
            disclosed["verified"] = False
        maybe_human()
        b.say(b.join(prefix, b.pick(f"disclose_{kind}"), b.pick("acct_resolve")))

    # -- the topic ---------------------------------------------------------------------------------------------
    if topic == "account":
        doc("policy_doc", "refunds", "Refunds", POOLS[lang]["policy_resolve"][0])
        if direction == "outbound":
            b.fill["_kind"] = "balance"
        account_flow(first=True)
        if emotion_later and b.pending_emotion is False and not b.empathy:
            b.customer(b.pick("ob_reply"), emotion=True)
            b.say(b.pick("acct_resolve" if resolved else "unsure"))
        maybe_pii()
    elif topic == "policy":
        doc("policy_doc", "refunds", "Refunds", *POOLS[lang]["policy_resolve"])
        if resolved:
            b.say(b.pick("policy_claim"))
            claims.append(true_claim)
            maybe_human()
            b.customer(b.pick("ob_reply"), emotion=emotion_later)
            maybe_pii()
            b.say(b.pick("policy_resolve"))
            claims.append(True)
        else:
            b.say(b.pick("unsure"))
            maybe_human()
            b.customer(b.pick("ob_reply"), emotion=emotion_later)
            maybe_pii()
            b.say(b.pick("unsure"))
    elif topic == "info":
        doc("info_doc", "password-reset", "Password reset")
        answer = "info_answer" if resolved else "unsure"
        b.say(b.pick(answer))
        claims.extend([True] if resolved else [])
        maybe_human()
        if emotion_later:
            b.customer(b.pick("ob_reply"), emotion=True)
            b.say(b.pick(answer))
        maybe_pii()
    else:  # outbound offer
        doc("offer_doc", "fibre-plan", "Fibre plan")
        b.say(b.pick("offer_claim"))
        claims.append(true_claim)
        if emotion_later:
            b.customer(b.pick("ob_reply"), emotion=True)
            b.say(b.pick("offer_claim"))
        maybe_human()
        maybe_pii()

    # -- opt-out ------------------------------------------------------------------------------------------------
    if optout in ("yes", "no"):
        b.customer(b.pick("optout_req"))
        if optout == "yes":
            b.say(b.pick("optout_confirm"))
            resolved_final = True
        else:
            if rng.random() < 0.5:
                b.say(b.join(b.pick("optout_confirm"), b.pick("optout_pitch")))
            else:
                b.say(b.join(b.pick("optout_ignore"), b.pick("optout_pitch")))
            resolved_final = False
    else:
        if topic == "offer":
            if resolved:
                b.say(b.pick("offer_resolve"))
            else:
                b.customer(b.pick("policy_req"))
                b.say(b.pick("unsure"))
        resolved_final = resolved
        if not resolved and rng.random() < 0.6:
            b.customer(b.pick("unresolved"))
        elif resolved and rng.random() < 0.5:
            b.customer(b.pick("satisfied"))
    if calm:
        b.customer(b.pick("calm"))
        b.say(b.pick("acct_resolve") if resolved_final and topic == "account" else b.pick("close"))
        closing = True
    if pii == "safe" or (pii != "done" and rng.random() < 0.1):
        b.say(b.pick("pii_safe"))
        if not closing:
            closing = True  # a safety note is neither thanks nor more help: close after it
    if closing:
        b.say(b.pick("close"))
    elif rng.random() < 0.5 or b.turns[-1]["speaker"] == "customer":
        b.say(b.pick("close_no"))

    # -- labels, from what was built ----------------------------------------------------------------------------
    verified = disclosed["verified"]
    labels["identity_check"] = "na" if verified is None else ("yes" if verified else "no")
    labels["grounded"] = "na" if not claims else ("yes" if all(claims) else "no")
    labels["empathy"] = "na" if not b.empathy else ("yes" if all(b.empathy) else "no")
    labels["handoff_honoured"] = {"done-yes": "yes", "done-no": "no"}.get(human, "na")
    labels["resolution"] = "yes" if resolved_final else "no"
    labels["no_pii_exposure"] = "no" if pii_exposed else "yes"
    labels["opt_out_honoured"] = {"yes": "yes", "no": "no"}.get(optout, "na")
    labels["closing"] = "yes" if closing else "no"
    first_staff = next(t for t in b.turns if t["speaker"] != "customer")
    if direction == "outbound" and b.turns[0]["speaker"] == "agent":
        labels["ai_disclosure"] = "na"
    assert first_staff is not None
    return {
        "conversation_id": f"qa-{split}-{index:03d}",
        "direction": direction,
        "channel": "voice" if direction == "outbound" else rng.choice(["webchat", "whatsapp", "sms"]),
        "lang": lang,
        "company": company,
        "knowledge": knowledge,
        "turns": b.turns,
        "labels": {q: labels[q] for q in QUESTIONS},
    }


QUESTIONS = ("greeting", "ai_disclosure", "identity_check", "grounded", "empathy", "handoff_honoured",
             "resolution", "no_pii_exposure", "opt_out_honoured", "closing")


def write(split: str, count: int, seed: int, out: Path) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = [build(["en", "zh", "ja", "id"][i % 4], split, rng, i) for i in range(count)]
    with out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return rows


def append_written(path: Path, written: Path) -> list[dict[str, Any]]:
    """Hand-written development conversations (dev_written.jsonl: English wordings the pools lack, labelled from
    the rubric text), appended after the generated ones. The test part has none."""
    rows = [json.loads(line) for line in written.read_text(encoding="utf-8").splitlines() if line.strip()]
    with path.open("a", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return rows


def main() -> None:
    here = Path(__file__).parent
    for split, count, seed in (("dev", 80, 12), ("test", 100, 1212)):
        rows = write(split, count, seed, here / f"{split}.jsonl")
        if split == "dev":
            rows += append_written(here / "dev.jsonl", here / "dev_written.jsonl")
        counts = {q: {a: sum(r["labels"][q] == a for r in rows) for a in ("yes", "no", "na")} for q in QUESTIONS}
        print(split, len(rows), json.dumps(counts))


if __name__ == "__main__":
    main()
