"""The hold-back window over a streamed reply (real Presidio recognisers, real claim rules) and the stream
stage's core: what a customer may see while a reply streams."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relaydesk.compliance.claims import builtin_policy, tenant_policy
from relaydesk.compliance.pii import Redactor
from relaydesk.compliance.streaming import (
    PII_HOLD_CHARS,
    RETRACT_SEQ,
    StreamDeps,
    StreamWindow,
    _pattern_width,
    handle_partial,
    hold_chars,
)
from relaydesk.compliance.tenants import TenantCompliancePolicy, TenantPolicies
from relaydesk.events import ReplyPartial, ReplyStreamChunk, TenantConfig

CARD = "4111 1111 1111 1111"
# Luhn-valid, 16 digits, outside every issuer range the recognisers know.
OFF_RANGE_CARD = "9123 4567 8901 2348"
REPLY = (
    "Thanks for waiting. The card on file is {value} and it expires soon. You can update it in the app "
    "at any time, and we will confirm by e-mail once the change is done."
)


def _split(text: str, sizes: list[int]) -> list[str]:
    out, i, k = [], 0, 0
    while i < len(text):
        n = sizes[k % len(sizes)]
        out.append(text[i : i + n])
        i, k = i + n, k + 1
    return out


def _stream(redactor: Redactor, deltas: list[str], **kwargs) -> tuple[list[str], StreamWindow]:
    """Every cumulative text the customer holds after each step (the last one after the end)."""
    window = StreamWindow(redactor, tenant_policy([]), **kwargs)
    seen = []
    for delta in deltas:
        window.push(delta)
        seen.append(window.released)
    window.finish()
    seen.append(window.released)
    return seen, window


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.parametrize(
    "sizes",
    [
        [1],  # one character per token
        [2, 3],  # card groups split unevenly
        [4, 1, 7],  # mixed
        [30],  # a whole card in one token
    ],
)
def test_when_card_split_over_tokens_then_no_digit_of_it_is_ever_released(redactor: Redactor, sizes) -> None:
    text = REPLY.format(value=CARD)
    seen, window = _stream(redactor, _split(text, sizes))
    for held in seen:
        assert _digits(held) == "", "a digit of the card number reached the customer"
    assert window.released == redactor.redact(text).text  # masked exactly as the final reply is
    assert "<CREDIT_CARD>" in window.released


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=12), value_at=st.integers(0, 60))
def test_when_any_split_then_released_text_only_grows_and_never_shows_the_card(
    redactor: Redactor, cuts: list[int], value_at: int
) -> None:
    filler = "Your request is noted and the refund was sent to the account we hold for you. "
    text = filler[:value_at] + f"card {OFF_RANGE_CARD} " + filler[value_at:] + "Anything else?"
    seen, window = _stream(redactor, _split(text, cuts))
    for before, after in itertools.pairwise(seen):
        assert after.startswith(before)  # nothing shown is ever taken back or rewritten
    assert all("9123" not in held.replace(" ", "") and "2348" not in held for held in seen)
    assert window.released == redactor.redact(text).text


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("DE89 3704 0044 0532 0130 00", "<IBAN_CODE>"),  # an IBAN grouped by four
        ("+44 20 7946 0958", "<PHONE_NUMBER>"),  # an international phone number
        ("li.wei@example.cn", "<EMAIL_ADDRESS>"),  # an e-mail address, cut anywhere
    ],
)
def test_when_identifier_split_then_masked_before_any_part_is_shown(redactor: Redactor, value: str, kind: str) -> None:
    text = REPLY.format(value=value)
    seen, window = _stream(redactor, _split(text, [1, 2]))
    compact = value.replace(" ", "")
    for held in seen:
        assert compact[:6] not in held.replace(" ", "")
    assert kind in window.released


def test_when_chinese_reply_with_card_then_digits_never_shown(redactor: Redactor) -> None:
    text = "您好，您的卡号4111111111111111已经冻结。请在应用里申请新卡，我们会在三个工作日内寄出，谢谢您的耐心等待。"
    seen, window = _stream(redactor, _split(text, [1]))
    assert all(_digits(held) == "" for held in seen)
    assert "<CREDIT_CARD>" in window.released


def test_when_number_is_not_luhn_valid_then_it_streams_unmasked(redactor: Redactor) -> None:
    text = REPLY.format(value="order 4111 1111 1111 1112")
    _, window = _stream(redactor, _split(text, [3]))
    assert window.released == text


def test_when_forbidden_claim_streams_then_stream_stops_before_any_of_it(redactor: Redactor) -> None:
    text = "Thanks for asking about the fund. " * 4 + "This plan has guaranteed returns of 12% a year, so sign up."
    seen, window = _stream(redactor, _split(text, [3]))
    assert window.stopped
    assert all("guarantee" not in held for held in seen)
    assert seen[-1].startswith("Thanks for asking")


def test_when_tenant_phrase_streams_then_stream_stops(redactor: Redactor) -> None:
    policy = tenant_policy(["free upgrade for life"])
    window = StreamWindow(redactor, policy)
    text = "We value you as a customer and have noted your request carefully. " * 2 + "You get a free upgrade for life."
    for delta in _split(text, [2]):
        window.push(delta)
    window.finish()
    assert window.stopped and "free upgrade" not in window.released


def test_when_name_in_open_sentence_then_held_until_sentence_ends(redactor: Redactor) -> None:
    text = "Hello and thanks for writing to us today about the delivery. "
    text += "Your parcel was signed for by Jonathan Whitaker at the front desk of the building on Monday afternoon"
    window = StreamWindow(redactor, tenant_policy([]))
    for delta in _split(text, [3]):
        window.push(delta)
        assert "Jonathan" not in window.released
    window.finish()
    assert "<PERSON>" in window.released and "Jonathan" not in window.released


def test_when_policies_loaded_then_window_covers_every_pattern() -> None:
    policy = tenant_policy([])
    window = hold_chars(policy)
    assert window >= PII_HOLD_CHARS
    for category in builtin_policy().categories.values():
        for _, pattern in category.patterns:
            import re._parser as sre_parser  # type: ignore[import-not-found]

            assert _pattern_width(sre_parser.parse(pattern.pattern, pattern.flags)) < window
    assert hold_chars(tenant_policy(["x" * 200])) > 200  # a long tenant phrase widens it


def test_when_reply_too_long_then_stream_stops_without_retraction(redactor: Redactor) -> None:
    window = StreamWindow(redactor, tenant_policy([]), max_chars=300)
    release = None
    for delta in _split("All good here. " * 40, [15]):
        release = window.push(delta)
    assert window.stopped and release is not None and not release.retract


# -- the stage core -----------------------------------------------------------------------------------------


def _deps(redactor: Redactor, **kwargs) -> tuple[StreamDeps, list[int]]:
    retractions: list[int] = []
    tenants = TenantPolicies(TenantCompliancePolicy(claims=tenant_policy([]), review_share=0.0))
    deps = StreamDeps(redactor=redactor, tenants=tenants, on_retract=lambda: retractions.append(1), **kwargs)
    return deps, retractions


def _partials(text: str, reply_id: str = "r-1", size: int = 5) -> list[ReplyPartial]:
    deltas = _split(text, [size])
    out = [
        ReplyPartial(tenant_id="acme", conversation_id="c-1", turn_id="t-1", reply_id=reply_id, seq=i,
                     kind="token", delta=d, event_id=f"{reply_id}-p{i:04d}")
        for i, d in enumerate(deltas)
    ]
    out.append(ReplyPartial(tenant_id="acme", conversation_id="c-1", turn_id="t-1", reply_id=reply_id,
                            seq=len(deltas), kind="end", event_id=f"{reply_id}-p-end"))
    return out


def _run(deps: StreamDeps, partials: list[ReplyPartial]) -> list[ReplyStreamChunk]:
    out: list[ReplyStreamChunk] = []
    for p in partials:
        out.extend(handle_partial(p, deps))  # type: ignore[arg-type]
    return out


def test_when_stream_checked_then_chunks_are_masked_in_order_and_end(redactor: Redactor) -> None:
    deps, _ = _deps(redactor)
    text = REPLY.format(value=CARD)
    chunks = _run(deps, _partials(text))
    assert [c.seq for c in chunks] == list(range(len(chunks)))
    assert chunks[-1].kind == "end" and all(c.kind == "token" for c in chunks[:-1])
    assert "".join(c.delta for c in chunks) == redactor.redact(text).text
    assert ["CREDIT_CARD"] in [c.masked for c in chunks]


def test_when_partials_redelivered_then_each_chunk_goes_out_once_with_the_same_ids(redactor: Redactor) -> None:
    text = REPLY.format(value=CARD)
    partials = _partials(text)
    deps, _ = _deps(redactor)
    once = _run(deps, partials)
    again = _run(deps, partials)  # a redelivery of the whole stream
    assert again == []
    fresh, _ = _deps(redactor)
    assert [c.event_id for c in _run(fresh, partials)] == [c.event_id for c in once]


def test_when_stream_start_never_seen_then_nothing_is_released(redactor: Redactor) -> None:
    deps, _ = _deps(redactor)
    partials = _partials(REPLY.format(value=CARD))
    assert _run(deps, partials[7:]) == []  # a restart mid-stream: half a card looks like nothing


def test_when_a_partial_is_missing_then_nothing_after_the_gap_is_released(redactor: Redactor) -> None:
    deps, _ = _deps(redactor)
    partials = _partials(REPLY.format(value=CARD), size=2)
    chunks = _run(deps, partials[:3] + partials[5:])
    assert chunks == [] or all(c.kind == "token" for c in chunks)
    assert _digits("".join(c.delta for c in chunks)) == ""


def test_when_tenant_turns_streaming_off_then_no_chunks_at_all(redactor: Redactor) -> None:
    deps, _ = _deps(redactor)
    deps.tenants.apply(TenantConfig(tenant_id="acme", revision=2, streaming=False))
    assert _run(deps, _partials("A plain answer with nothing to hide. " * 6)) == []


def test_when_final_verdict_blocks_a_seen_stream_then_retraction_passed_on_and_counted(redactor: Redactor) -> None:
    deps, retractions = _deps(redactor)
    _run(deps, _partials("A plain answer with nothing to hide. " * 6))
    retract = ReplyPartial(tenant_id="acme", conversation_id="c-1", turn_id="t-1", reply_id="r-1",
                           seq=RETRACT_SEQ, kind="retract", reason="compliance.blocked")
    out = _run(deps, [retract, retract])  # redelivered: passed on once
    assert [(c.kind, c.seq, c.reason) for c in out] == [("retract", RETRACT_SEQ, "compliance.blocked")]
    assert retractions == [1]


def test_when_final_verdict_only_redacts_then_no_retraction(redactor: Redactor) -> None:
    deps, retractions = _deps(redactor)
    _run(deps, _partials(REPLY.format(value=CARD)))
    retract = ReplyPartial(tenant_id="acme", conversation_id="c-1", turn_id="t-1", reply_id="r-1",
                           seq=RETRACT_SEQ, kind="retract", reason="compliance.redacted")
    assert _run(deps, [retract]) == [] and retractions == []


def test_when_nothing_was_released_then_upstream_retraction_is_not_passed_on(redactor: Redactor) -> None:
    deps, retractions = _deps(redactor)
    deps.tenants.apply(TenantConfig(tenant_id="acme", revision=2, streaming=False))
    _run(deps, _partials("Short answer."))
    retract = ReplyPartial(tenant_id="acme", conversation_id="c-1", turn_id="t-1", reply_id="r-1",
                           seq=RETRACT_SEQ, kind="retract", reason="compliance.blocked")
    assert _run(deps, [retract]) == [] and retractions == []


def test_when_many_streams_open_then_memory_stays_bounded(redactor: Redactor) -> None:
    deps, _ = _deps(redactor, max_streams=8)
    for n in range(40):
        first = _partials("Some words to stream here.", reply_id=f"r-{n}")[0]
        handle_partial(first, deps)
        assert len(deps.streams) <= 8
