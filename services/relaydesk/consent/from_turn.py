"""A customer's turn that revokes consent becomes a revocation on the consent ledger, at once, in the reply path.

Pure: the guard calls it on the raw turn (it alone sees the customer's `customer_ref` before pseudonymisation).
Only a customer turn whose `customer_ref` is a valid E.164 number can be tied to a number; the event carries the
number's keyed hash and the pattern that matched, never the text or the number.
"""

from __future__ import annotations

from relaydesk.consent.numbers import normalise, phone_hash
from relaydesk.consent.revocation import detect_revocation
from relaydesk.events.consent import ConsentEvent
from relaydesk.events.conversation import ConversationTurn
from relaydesk.events.ids import derived_id

STAGE = "consent-revocation"


def revocation_from_turn(turn: ConversationTurn) -> ConsentEvent | None:
    if turn.speaker != "customer" or not turn.customer_ref:
        return None
    number = normalise(turn.customer_ref)
    if number is None:
        return None
    found = detect_revocation(turn.text)
    if found is None:
        return None
    return ConsentEvent(
        event_id=derived_id(turn.event_id, STAGE),
        tenant_id=turn.tenant_id,
        conversation_id=turn.conversation_id,
        causation_id=turn.event_id,
        kind="revocation",
        at=turn.occurred_at,
        phone_hash=phone_hash(turn.tenant_id, number),
        source="guard",
        detail=found.rule_id,
    )
