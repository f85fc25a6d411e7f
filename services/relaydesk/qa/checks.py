"""One small function per rubric check: it reads the conversation and returns an answer, a confidence and
the turns (with the matched span) that are its evidence. Every `no` points at the turn that made it `no`.

Checks read the turns' words (cues.py), the stack's annotations where present (emotion labels, intent
labels, hand-offs, compliance findings), the PII recognisers (checksummed cards, national ids) and the
groundedness rules that compliance applies to replies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from relaydesk.qa import cues
from relaydesk.qa.conversation import Conversation, Turn
from relaydesk.qa.opt_out import is_opt_out_request

NEGATIVE_EMOTIONS = frozenset({"anger", "disgust", "fear", "sadness"})
HUMAN_INTENTS = frozenset({"human_agent"})
PII_TYPES_EXPOSED = frozenset({"CREDIT_CARD", "US_SSN", "CN_RESIDENT_ID", "JP_MY_NUMBER", "ID_NIK", "IBAN_CODE"})
# Compliance's finding ids for the same types (a phone number or a name in a reply is not exposure here).
PII_FINDINGS = frozenset(f"pii.{t.lower()}" for t in PII_TYPES_EXPOSED)
_PLACEHOLDER_EXPOSED = re.compile(r"<(?:CREDIT_CARD|US_SSN|CN_RESIDENT_ID|JP_MY_NUMBER|ID_NIK|IBAN_CODE)>")
_SECRET_TOKEN = re.compile(r"(?<![A-Za-z0-9-])(?=[A-Za-z0-9-]*\d)[A-Za-z0-9-]{4,}(?![A-Za-z0-9-])")


@dataclass(frozen=True)
class Evidence:
    turn: int
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class CheckResult:
    answer: str  # yes | no | na
    confidence: float
    evidence: tuple[Evidence, ...] = ()


@dataclass
class CheckContext:
    """What checks may use besides the conversation. `pii_spans(text)` -> [(type, start, end)];
    `claims(text, sources)` -> (claims, unsupported) spans; `support(text, sources)` -> the share of the text's
    content words (CJK: character pairs) found in the sources."""

    pii_spans: Callable[[str], list[tuple[str, int, int]]]
    claims: Callable[[str, Sequence[str]], tuple[list[tuple[int, int]], list[tuple[int, int]]]]
    support: Callable[[str, Sequence[str]], float] = lambda text, sources: 0.0
    cache: dict[object, object] = field(default_factory=dict)


Check = Callable[[Conversation, CheckContext], CheckResult]


def _match(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    return pattern.search(text)


def _ev(index: int, m: re.Match[str] | None = None) -> Evidence:
    return Evidence(index, m.start(), m.end()) if m else Evidence(index)


def _next_staff(conv: Conversation, after: int) -> int | None:
    for i in range(after + 1, len(conv.turns)):
        if conv.turns[i].is_staff:
            return i
    return None


def _next_turn(conv: Conversation, after: int) -> int | None:
    return after + 1 if after + 1 < len(conv.turns) else None


# -- opening ----------------------------------------------------------------------------------------------------
def greeting(conv: Conversation, ctx: CheckContext) -> CheckResult:
    staff = conv.staff_indexes()
    if not staff:
        return CheckResult("na", 0.95)
    first = staff[0]
    m = _match(cues.GREETING, conv.turns[first].text)
    if m is None and conv.company and conv.company.lower() in conv.turns[first].text.lower():
        m = re.search(re.escape(conv.company), conv.turns[first].text, re.IGNORECASE)  # says who is speaking
    return CheckResult("yes", 0.9, (_ev(first, m),)) if m else CheckResult("no", 0.8, (_ev(first),))


def _names_company(conv: Conversation, text: str) -> re.Match[str] | None:
    if conv.company:
        return re.search(re.escape(conv.company), text, re.IGNORECASE)
    return cues.COMPANY_HINT.search(text)


def ai_disclosure(conv: Conversation, ctx: CheckContext) -> CheckResult:
    if conv.direction != "outbound" or conv.first_speaker() != "bot":
        return CheckResult("na", 0.95)
    text = conv.turns[0].text
    ai = _match(cues.AI_DISCLOSURE, text)
    company = _names_company(conv, text)
    if ai and company:
        return CheckResult("yes", 0.9, (_ev(0, ai),))
    return CheckResult("no", 0.85, (_ev(0, ai or company),))


# -- handling ---------------------------------------------------------------------------------------------------
def identity_check(conv: Conversation, ctx: CheckContext) -> CheckResult:
    asked_at: int | None = None
    verified = False
    for i, turn in enumerate(conv.turns):
        if turn.is_staff:
            disclosure = _match(cues.ACCOUNT_DISCLOSURE, turn.text)
            ask = _match(cues.VERIFY_ASK, turn.text)
            if disclosure and not verified:
                # An ask in the same message as the disclosure came too late.
                return CheckResult("no", 0.8, (_ev(i, disclosure),))
            if disclosure and verified:
                return CheckResult("yes", 0.85, (_ev(asked_at or i), _ev(i, disclosure)))
            if ask:
                asked_at = i
        elif asked_at is not None and not verified and _gives_item(turn.text):
            verified = True
    return CheckResult("na", 0.8)


_DATE_OR_DIGITS = re.compile(r"\d{2,}|\d+\s*(?:月|年|/|-|\.)|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\b"
                             r"|\b(?:januari|februari|maret|april|mei|juni|juli|agustus|september|oktober|november|"
                             r"desember)\b|[一二三四五六七八九十〇零]{2,}", re.IGNORECASE)


def _gives_item(text: str) -> bool:
    if cues.REFUSAL.search(text):
        return False
    # A code, digits, a date, or a security answer in words (a short reply that is not a refusal).
    return bool(_DATE_OR_DIGITS.search(text)) or len(text.split()) <= 6 or len(text) <= 24


def grounded(conv: Conversation, ctx: CheckContext) -> CheckResult:
    sources = conv.knowledge_texts() + [t.text for t in conv.turns if t.speaker == "customer"]
    any_claim = False
    for i, turn in enumerate(conv.turns):
        if not turn.is_staff:
            continue
        flagged = [f for f in turn.findings if f.startswith("grounded.")]
        if flagged:
            return CheckResult("no", 0.7, (Evidence(i),))
        for sentence in _SENTENCES.finditer(turn.text):
            text = sentence.group()
            # What the customer's own account holds, and the verification asks, are not product claims.
            if cues.ACCOUNT_DISCLOSURE.search(text) or cues.VERIFY_ASK.search(text):
                continue
            claims, unsupported = ctx.claims(text, sources)
            base = sentence.start()
            if unsupported:
                s, e = unsupported[0]
                return CheckResult("no", 0.75, (Evidence(i, base + s, base + e),))
            if claims:
                any_claim = True
                continue
            if cues.INSTRUCTION.search(text):
                # "You can reset it from the login page": a claim about the product when it talks about what
                # the knowledge covers; supported when most of its words are there.
                support = ctx.support(text, sources)
                if support >= 0.6:
                    any_claim = True
                elif support >= 0.3:
                    return CheckResult("no", 0.6, (Evidence(i, base, base + len(text)),))
    return CheckResult("yes", 0.75) if any_claim else CheckResult("na", 0.8)


# A full stop between digits ("$1,240.50", "Rp250.000") does not end a sentence.
_SENTENCES = re.compile(r"(?:[^.!?。！？\n]|(?<=\d)\.(?=\d))+[.!?。！？]?")


def _negative(turn: Turn) -> re.Match[str] | None:
    if turn.speaker != "customer":
        return None
    if cues.NOT_NEGATIVE.search(turn.text) and not cues.NEGATIVE_EMOTION.search(cues.NOT_NEGATIVE.sub(" ", turn.text)):
        return None
    m = cues.NEGATIVE_EMOTION.search(turn.text)
    if m is None and turn.emotion in NEGATIVE_EMOTIONS:
        return re.match(r"", turn.text)  # the emotion stage saw it: evidence is the whole turn
    return m


def empathy(conv: Conversation, ctx: CheckContext) -> CheckResult:
    seen = False
    evidence: list[Evidence] = []
    for i, turn in enumerate(conv.turns):
        neg = _negative(turn)
        if neg is None:
            continue
        seen = True
        reply = _next_staff(conv, i)
        if reply is None:
            continue  # the customer had the last word: nothing to acknowledge with
        ack = _match(cues.ACKNOWLEDGE, conv.turns[reply].text)
        if ack is None:
            return CheckResult("no", 0.75, (_ev(i, neg), _ev(reply)))
        evidence.append(_ev(reply, ack))
    if not seen:
        return CheckResult("na", 0.8)
    return CheckResult("yes", 0.8, tuple(evidence))


def _asks_for_human(turn: Turn) -> re.Match[str] | None:
    if turn.speaker != "customer":
        return None
    m = cues.HUMAN_REQUEST.search(turn.text)
    if m is None and turn.intent in HUMAN_INTENTS:
        return re.match(r"", turn.text)
    return m


def handoff_honoured(conv: Conversation, ctx: CheckContext) -> CheckResult:
    staff = conv.staff_indexes()
    if staff and conv.turns[staff[0]].speaker == "agent":
        return CheckResult("na", 0.9)  # a human already has the conversation
    asked = False
    evidence: list[Evidence] = []
    for i, turn in enumerate(conv.turns):
        req = _asks_for_human(turn)
        if req is None:
            continue
        if any(conv.turns[j].speaker == "agent" for j in range(i)):
            continue  # already with a human
        asked = True
        nxt = _next_staff(conv, i)
        if nxt is None:
            return CheckResult("no", 0.6, (_ev(i, req),))
        reply = conv.turns[nxt]
        transfer = _match(cues.HANDOFF_MESSAGE, reply.text)
        if reply.speaker == "agent" or reply.handoff or transfer:
            evidence.append(_ev(nxt, transfer))
            continue
        return CheckResult("no", 0.8, (_ev(i, req), _ev(nxt)))
    if not asked:
        return CheckResult("na", 0.85)
    return CheckResult("yes", 0.85, tuple(evidence))


def resolution(conv: Conversation, ctx: CheckContext) -> CheckResult:
    staff = conv.staff_indexes()
    if not staff:
        return CheckResult("no", 0.6)
    opt_out = opt_out_honoured(conv, ctx)
    if opt_out.answer == "no":
        return CheckResult("no", 0.7, opt_out.evidence)  # the customer's last request was not honoured
    resolved_at: int | None = None
    where = Evidence(staff[-1])
    for i in staff:
        turn = conv.turns[i]
        if cues.UNRESOLVED_STAFF.search(turn.text):
            continue
        for sentence in _SENTENCES.finditer(turn.text):
            if cues.VERIFY_ASK.search(sentence.group()):
                continue  # "I've sent you a code": a step of verification, not of the request
            m = cues.RESOLVED.search(sentence.group()) or cues.OPT_OUT_CONFIRM.search(sentence.group())
            if m:
                resolved_at = i
                where = Evidence(i, sentence.start() + m.start(), sentence.start() + m.end())
        if turn.handoff:
            resolved_at, where = i, Evidence(i)
    # After the last resolving turn: the customer says it is not resolved, or the staff says it cannot help.
    after = range((resolved_at if resolved_at is not None else -1) + 1, len(conv.turns))
    for i in after:
        turn = conv.turns[i]
        pattern = cues.UNRESOLVED_STAFF if turn.is_staff else cues.UNRESOLVED_CUSTOMER
        m = pattern.search(turn.text)
        if m:
            return CheckResult("no", 0.75, (_ev(i, m),))
    if resolved_at is not None:
        return CheckResult("yes", 0.75, (where,))
    bad = next((i for i in reversed(staff) if cues.UNRESOLVED_STAFF.search(conv.turns[i].text)), staff[-1])
    return CheckResult("no", 0.65, (_ev(bad, cues.UNRESOLVED_STAFF.search(conv.turns[bad].text)),))


# -- compliance -------------------------------------------------------------------------------------------------
# "My code is 482913", "PIN: 4417", "my password is Sunset": a secret word, then a value (a digit in it, or a capital
# after an explicit "is"). "My PIN stopped working", "the code expired" name no value.
_SAID_SECRET = re.compile(
    r"(?:(?<![A-Za-z])(?:password|pin|code|passcode|kata sandi|kode)(?![A-Za-z])"
    r"|密码|验证码|暗証番号|パスワード|コード)"
    r"(?:\s*(?:is|was|:|是|は|adalah)\s*(?P<named>(?=[A-Za-z0-9-]*\d)[A-Za-z0-9-]{4,}|"
    r"(?-i:[A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*))|\s*(?P<bare>(?=[A-Za-z0-9-]*\d)[A-Za-z0-9-]{4,}))",
    re.IGNORECASE,
)
_LAST_FOUR = re.compile(r"last (?:4|four)|后四位|下4桁|digit terakhir", re.IGNORECASE)


def _asks_for_secret(text: str) -> bool:
    """A staff message asking for a code, PIN or password: not a tracking or promo code, not "last 4 digits",
    not a warning ("never share your PIN")."""
    text = cues.NON_SECRET_CODE.sub(" ", text)
    return any(
        cues.SECRET_ASK.search(s.group()) and not cues.PII_ASK_NEGATED.search(s.group())
        for s in _SENTENCES.finditer(text)
    ) and not _LAST_FOUR.search(text)


def _secrets_given(conv: Conversation) -> list[tuple[int, str]]:
    """Codes, PINs and passwords the customer gave after a staff ask for one (or said outright). A turn saying it
    has no code ("I haven't received it") gives none, whatever numbers it holds."""
    out: list[tuple[int, str]] = []
    secret_asked = False
    for i, turn in enumerate(conv.turns):
        if turn.is_staff:
            secret_asked = _asks_for_secret(turn.text)
            continue
        said = [m.group("named") or m.group("bare")
                for m in _SAID_SECRET.finditer(cues.NON_SECRET_CODE.sub(" ", turn.text))]
        if (secret_asked and not cues.REFUSAL.search(turn.text)) or said:
            out.extend((i, tok) for tok in _SECRET_TOKEN.findall(turn.text))
            out.extend((i, tok) for tok in said)
        secret_asked = False
    return [(i, tok) for i, tok in out if len(tok) >= 4]


def _repeats(text: str, secret: str) -> re.Match[str] | None:
    """`secret` as a whole token of `text` (not inside a longer word or number)."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", text)


def no_pii_exposure(conv: Conversation, ctx: CheckContext) -> CheckResult:
    secrets = _secrets_given(conv)
    for i, turn in enumerate(conv.turns):
        if not turn.is_staff:
            continue
        text = turn.text
        for kind, start, end in ctx.pii_spans(text):
            if kind in PII_TYPES_EXPOSED:
                return CheckResult("no", 0.9, (Evidence(i, start, end),))
        placeholder = _PLACEHOLDER_EXPOSED.search(text)
        if placeholder or any(f in PII_FINDINGS for f in turn.findings):
            return CheckResult("no", 0.8, (_ev(i, placeholder),))
        for given_at, secret in secrets:
            echoed = _repeats(text, secret) if given_at < i else None
            if echoed:
                return CheckResult("no", 0.85, (Evidence(i, echoed.start(), echoed.end()),))
        stated = cues.SECRET_STATEMENT.search(text)
        if stated:
            return CheckResult("no", 0.75, (_ev(i, stated),))
        for sentence in _SENTENCES.finditer(text):
            ask = cues.PII_FULL_ASK.search(sentence.group())
            if ask and not cues.PII_ASK_NEGATED.search(sentence.group()):
                s = sentence.start()
                return CheckResult("no", 0.8, (Evidence(i, s + ask.start(), s + ask.end()),))
    return CheckResult("yes", 0.85)


def opt_out_honoured(conv: Conversation, ctx: CheckContext) -> CheckResult:
    for i, turn in enumerate(conv.turns):
        if turn.speaker != "customer":
            continue
        req = is_opt_out_request(turn.text)
        if req is None:
            continue
        nxt = _next_staff(conv, i)
        if nxt is None:
            return CheckResult("no", 0.6, (_ev(i, req),))
        confirm = _match(cues.OPT_OUT_CONFIRM, conv.turns[nxt].text)
        if confirm is None:
            return CheckResult("no", 0.8, (_ev(i, req), _ev(nxt)))
        for j in range(nxt, len(conv.turns)):
            if conv.turns[j].is_staff:
                pitch = _pitch(conv.turns[j].text)
                if pitch:
                    return CheckResult("no", 0.8, (Evidence(j, *pitch),))
        return CheckResult("yes", 0.85, (_ev(nxt, confirm),))
    return CheckResult("na", 0.85)


def _pitch(text: str) -> tuple[int, int] | None:
    """The first pitch in `text`, as (start, end): a pitch word in a sentence that does not say the pitches stop,
    or a lead-in ("before you go") that does not open a last offer of help."""
    for sentence in _SENTENCES.finditer(text):
        words = sentence.group()
        pitches = [m for m in cues.PITCH.finditer(words) if not cues.PITCH_WITHDRAWN.search(words[: m.start()])]
        if pitches and cues.CLOSING.search(words) and all(cues.PITCH_LEAD.fullmatch(m.group()) for m in pitches):
            continue
        if pitches:
            return sentence.start() + pitches[0].start(), sentence.start() + pitches[0].end()
    return None


def closing(conv: Conversation, ctx: CheckContext) -> CheckResult:
    staff = conv.staff_indexes()
    if not staff:
        return CheckResult("na", 0.9)
    last = staff[-1]
    m = _match(cues.CLOSING, conv.turns[last].text)
    return CheckResult("yes", 0.85, (_ev(last, m),)) if m else CheckResult("no", 0.8, (_ev(last),))


CHECKS: dict[str, Check] = {
    "greeting": greeting,
    "ai_disclosure": ai_disclosure,
    "identity_check": identity_check,
    "grounded": grounded,
    "empathy": empathy,
    "handoff_honoured": handoff_honoured,
    "resolution": resolution,
    "no_pii_exposure": no_pii_exposure,
    "opt_out_honoured": opt_out_honoured,
    "closing": closing,
}
