"""Compliance over a stream: a hold-back window that releases only text no later token can change.

Generation streams raw tokens (`reply.partial`); customers may only see what this module releases
(`reply.stream`). For each reply, `StreamWindow` keeps the text received so far and, on every delta, re-runs
the same PII recognisers and forbidden-claim rules the final check uses over all of it, then releases the
longest prefix that is settled:

- it ends at least `window` characters before the end of what has arrived, and the window is longer than any
  identifier the recognisers look for plus the context they read after it (a card number, an IBAN, a phone
  number, a national id) and longer than any forbidden-claim match, so whatever straddles the cut is
  already complete in the buffer and has been judged;
- it never cuts inside a PII span, inside a run of digits (a number that is still growing: its end decides
  whether it is a card), or inside a word;
- when names are recognised, a sentence that may hold one is released only once the sentence is complete
  (the NER model reads whole sentences).

Released text is masked exactly as the final reply is (`<CREDIT_CARD>`), so a card number split over many
tokens never shows a single digit. A forbidden claim stops the stream: nothing more is released, and the
final verdict decides what the customer gets. A finding that reaches back into text already released (the
rare case the window could not foresee) also stops the stream and retracts it; retractions are counted.

`handle_partial` is the stage's pure core: per reply it tracks sequence numbers, so a redelivered partial is
dropped and a stream whose start this process never saw (a restart, a rebalance, an evicted entry) is
suppressed rather than checked from its middle, where half a card number looks like nothing.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]

from relaydesk.common import metrics
from relaydesk.compliance.claims import ClaimPolicy, check_claims
from relaydesk.compliance.pii import PiiSpan
from relaydesk.compliance.pii.engine import may_contain_name
from relaydesk.compliance.pii.port import PiiRedactor
from relaydesk.compliance.tenants import TenantPolicies
from relaydesk.events import Envelope, Finding, ReplyPartial, ReplyStreamChunk

log = logging.getLogger(__name__)

STAGE = "compliance.stream"
# The checked stream's retraction comes after every chunk the client may have seen.
RETRACT_SEQ = 2**31 - 1
# Longest identifier the recognisers match (an IBAN grouped by four: 34 + 8; an international phone number
# with groups, about 57) plus the context they read after a match (24 characters), with room to spare.
PII_HOLD_CHARS = 96
# An unbounded repeat in a claim pattern (`\d+`, `\w+`) is counted as this many characters.
_REPEAT_CAP = 24

# A digit run with single separators, in any script's digits (full-width ones too): the unit that decides
# whether a number is a card, so the window never cuts one that may still be growing.
_DIGIT_RUN = re.compile(r"\d(?:[ \-.\u3000\uff0d\u2010-\u2015]?\d)*")
# An ASCII word, e-mail address or handle: released whole, so no identifier is cut mid-way either.
_WORD = re.compile(r"[0-9A-Za-z._%+\-@]+")
_SENTENCE_END = re.compile(r"[.!?\n\u3002\uff01\uff1f]")


def _pattern_width(items: sre_parser.SubPattern) -> int:
    """The longest match of a parsed regex, with unbounded repeats counted as `_REPEAT_CAP`."""
    total = 0
    for op, av in items:
        if op is sre_constants.BRANCH:
            total += max((_pattern_width(b) for b in av[1]), default=0)
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
            low, high, item = av
            total += min(high, max(low, _REPEAT_CAP)) * _pattern_width(item)
        elif op is sre_constants.SUBPATTERN:
            total += _pattern_width(av[-1])
        elif op is sre_constants.ATOMIC_GROUP:
            total += _pattern_width(av)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT, sre_constants.AT):
            continue  # zero width
        elif op is sre_constants.GROUPREF:
            total += _REPEAT_CAP
        else:
            total += 1
    return total


def claim_window(policy: ClaimPolicy) -> int:
    """Characters to hold back so that any forbidden-claim match is complete before its start is released."""
    widths = [len(p) for p in policy.phrases]
    for category in policy.categories:
        for _, pattern in category.patterns:
            widths.append(_pattern_width(sre_parser.parse(pattern.pattern, pattern.flags)))
    return max(widths, default=0) + 1


def hold_chars(policy: ClaimPolicy) -> int:
    return max(PII_HOLD_CHARS, claim_window(policy))


@dataclass(frozen=True)
class Release:
    """What one step lets out: masked text, the PII types masked in it, and whether the stream stopped
    (`retract`: and text already released must be withdrawn)."""

    text: str = ""
    masked: tuple[str, ...] = ()
    stopped: bool = False
    retract: bool = False
    reason: str | None = None


class StreamWindow:
    """The hold-back window over one reply's stream. Not thread-safe: one stage thread owns it."""

    def __init__(
        self,
        redactor: PiiRedactor,
        claims: ClaimPolicy,
        window: int | None = None,
        names: bool = True,
        max_chars: int = 16_000,
    ) -> None:
        self._redactor = redactor
        self._claims = claims
        self.window = window if window is not None else hold_chars(claims)
        self._names = names
        self._max_chars = max_chars
        self._text = ""
        self._upto = 0  # raw characters released (always a cut the checks allowed)
        self._masked_spans: set[tuple[int, int]] = set()
        self.released = ""  # what the customer has been shown, masked
        self.stopped = False

    @property
    def received(self) -> int:
        return len(self._text)

    def push(self, delta: str) -> Release:
        if self.stopped:
            return Release(stopped=True)
        self._text += delta
        if len(self._text) > self._max_chars:  # bounded memory; the final reply still carries the answer
            return self._stop("stream.too_long", retract=False)
        return self._advance(final=False)

    def finish(self) -> Release:
        """The stream ended: everything left is settled and can be judged and released."""
        if self.stopped:
            return Release(stopped=True)
        return self._advance(final=True)

    def _stop(self, reason: str, retract: bool) -> Release:
        self.stopped = True
        return Release(stopped=True, retract=retract and bool(self.released), reason=reason)

    def _advance(self, final: bool) -> Release:
        text = self._text
        claims = check_claims(text, self._claims, "")
        if claims:
            return self._stop("compliance.forbidden_claim", retract=_reaches_back(claims, self._upto))
        spans = self._redactor.analyze(text, None)
        late = [s for s in spans if s.start < self._upto and (s.start, s.end) not in self._masked_spans]
        if late:
            # A span now reaches into released text that was not masked: the window could not foresee it.
            log.warning("stream finding reached released text", extra={"types": sorted({s.type for s in late})})
            return self._stop("compliance.late_finding", retract=True)
        cut = len(text) if final else self._cut(text, spans)
        if cut <= self._upto:
            return Release()
        inside = [s for s in spans if self._upto <= s.start and s.end <= cut]
        shifted = [PiiSpan(s.type, s.start - self._upto, s.end - self._upto, s.score) for s in inside]
        chunk = self._redactor.anonymize(text[self._upto : cut], shifted)
        self._masked_spans.update((s.start, s.end) for s in inside)
        self._upto = cut
        self.released += chunk
        return Release(text=chunk, masked=tuple(sorted({s.type for s in inside})))

    def _cut(self, text: str, spans: Sequence[PiiSpan]) -> int:
        cut = len(text) - self.window
        if cut <= self._upto:
            return self._upto
        # Each rule can only move the cut back; repeat until none does.
        while True:
            before = cut
            for s in spans:
                if s.start < cut < s.end:
                    cut = s.start
            cut = _start_of_run(_DIGIT_RUN, text, cut)
            cut = _start_of_run(_WORD, text, cut)
            if self._names:
                cut = self._before_open_sentence(text, cut)
            if cut == before or cut <= self._upto:
                return max(cut, self._upto)

    @staticmethod
    def _before_open_sentence(text: str, cut: int) -> int:
        """Hold an unfinished sentence that may contain a name from its start: NER reads whole sentences."""
        if _SENTENCE_END.search(text, cut) is not None:
            return cut  # the sentence around the cut is complete, and was judged whole
        start = 0
        for m in _SENTENCE_END.finditer(text, 0, cut):
            start = m.end()
        return start if may_contain_name(text[start:]) else cut


def _start_of_run(pattern: re.Pattern[str], text: str, cut: int) -> int:
    """Move `cut` back to the start of the run of `pattern` that it would split. Runs are matched on the
    whole text, so each is maximal: one that ends before the cut is complete and cannot grow."""
    for m in pattern.finditer(text):
        if m.start() >= cut:
            break
        if cut < m.end():
            return m.start()
    return cut


def _reaches_back(findings: Sequence[Finding], upto: int) -> bool:
    return any(f.start is not None and f.start < upto for f in findings)


# -- the stage core ---------------------------------------------------------------------------------------------


@dataclass
class _Stream:
    window: StreamWindow | None  # None: nothing more is released (off, stopped, ended, or start never seen)
    next_seq: int = 0  # the next input sequence number expected
    out_seq: int = 0  # the next output sequence number (0: the customer has seen nothing of this reply)
    ended: bool = False
    retracted: bool = False


@dataclass
class StreamDeps:
    redactor: PiiRedactor
    tenants: TenantPolicies
    names: bool = True
    max_streams: int = 4096  # open streams held at once (oldest evicted; an evicted stream is suppressed)
    max_chars: int = 16_000
    streams: OrderedDict[str, _Stream] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_retract: Callable[[], None] = field(default=lambda: metrics.STREAM_RETRACTIONS.inc())


def _chunk(partial: ReplyPartial, stream: _Stream, kind: str, release: Release | None = None,
           reason: str | None = None) -> ReplyStreamChunk:
    seq = RETRACT_SEQ if kind == "retract" else stream.out_seq
    if kind != "retract":
        stream.out_seq += 1
    return ReplyStreamChunk(
        # Derived from the input partial (whose id comes from its reply and position) and the output position.
        **partial.caused(STAGE, kind, seq),  # type: ignore[arg-type]
        turn_id=partial.turn_id,
        reply_id=partial.reply_id,
        seq=seq,
        kind=kind,  # type: ignore[arg-type]
        delta=release.text if release else "",
        masked=list(release.masked) if release else [],
        reason=reason,
    )


def _open(partial: ReplyPartial, deps: StreamDeps) -> _Stream:
    policy = deps.tenants.get(partial.tenant_id)
    window: StreamWindow | None = None
    if policy.streaming and partial.seq == 0:
        window = StreamWindow(deps.redactor, policy.claims, names=deps.names, max_chars=deps.max_chars)
    stream = _Stream(window=window)
    deps.streams[partial.reply_id] = stream
    while len(deps.streams) > deps.max_streams:
        deps.streams.popitem(last=False)
    return stream


def handle_partial(partial: ReplyPartial, deps: StreamDeps) -> list[Envelope]:
    """One raw partial in, the checked chunks it lets out (often none: they are held back)."""
    with deps.lock:
        stream = deps.streams.get(partial.reply_id)
        if partial.kind == "retract":
            return _retract(partial, stream, deps)
        if stream is None:
            stream = _open(partial, deps)
        else:
            deps.streams.move_to_end(partial.reply_id)
        if stream.ended or partial.seq < stream.next_seq:
            return []  # redelivered
        window = stream.window
        if window is None or partial.seq > stream.next_seq:
            stream.window = None  # a gap: what is missing cannot be checked, so nothing after it is released
            stream.next_seq = partial.seq + 1
            stream.ended = partial.kind == "end"
            return []
        stream.next_seq = partial.seq + 1
        out: list[Envelope] = []
        release = window.finish() if partial.kind == "end" else window.push(partial.delta)
        if release.text:
            out.append(_chunk(partial, stream, "token", release))
        if release.retract:
            deps.on_retract()
            stream.retracted = True
            out.append(_chunk(partial, stream, "retract", reason=release.reason))
        if release.stopped:
            log.info("stream stopped", extra={"reply_id": partial.reply_id, "reason": release.reason})
            stream.window = None
        elif partial.kind == "end":
            out.append(_chunk(partial, stream, "end"))
        if partial.kind == "end":
            stream.ended = True
            stream.window = None  # the text is no longer needed; the entry stays to drop redeliveries
        return out


def _retract(partial: ReplyPartial, stream: _Stream | None, deps: StreamDeps) -> list[Envelope]:
    """A retraction upstream (generation replaced its answer, or the final check blocked it). Passed on when
    the customer may have seen some of the stream. A redacted final verdict needs none: the stream was masked
    by the same recognisers, and the final reply supersedes it."""
    if partial.reason == "compliance.redacted":
        return []
    if stream is None:  # unknown here (a restart, an eviction): the client may hold some of it
        stream = _Stream(window=None, out_seq=1)
        deps.streams[partial.reply_id] = stream
    seen = stream.out_seq > 0 and not stream.retracted
    stream.window, stream.ended, stream.retracted = None, True, True
    if not seen:
        return []
    deps.on_retract()
    return [_chunk(partial, stream, "retract", reason=partial.reason)]
