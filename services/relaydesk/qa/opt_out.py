"""Opt-out requests in a customer's turn: the consent module's revocation rules (the ones the reply path and
the dialer apply, FCC 24-18 "any reasonable means") first, then QA's own cue list for wordings those rules
leave out. Returns a match whose span is the evidence (the whole turn when the consent rules matched)."""

from __future__ import annotations

import re

from relaydesk.consent.revocation import detect_revocation
from relaydesk.qa import cues


def is_opt_out_request(text: str) -> re.Match[str] | None:
    # Statements ("I can't stop texting my sister") and product cancellations ("unsubscribe from Premium") are no
    # opt-out, for QA's cues nor the consent rules: blanked, same length, so a match elsewhere keeps its offsets.
    text = cues.NOT_A_REQUEST.sub(lambda m: " " * len(m.group()), text)
    own = cues.OPT_OUT.search(text)
    if own is not None:
        return own
    if detect_revocation(text) is not None:
        return re.match(r"(?s).*", text)
    return None
