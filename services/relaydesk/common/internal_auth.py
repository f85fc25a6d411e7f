"""The internal service token: what one part of a deployment presents to another's internal endpoints (the
knowledge worker's `/search`, which returns tenant data). Read from `RELAYDESK_INTERNAL_TOKEN`; the local stack
makes a new one on every start and gives it to the gateway and the workers; the chart takes it from a Secret.

Closed by default: with no token configured, a protected endpoint refuses every request.
"""

from __future__ import annotations

import hmac
import os

ENV = "RELAYDESK_INTERNAL_TOKEN"
HEADER = "X-Relaydesk-Internal-Token"


def internal_token() -> str | None:
    token = os.environ.get(ENV, "").strip()
    return token or None


def token_matches(presented: str | None, expected: str | None) -> bool:
    """Constant-time comparison; no configured token means nothing matches."""
    if not expected or not presented:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def auth_headers() -> dict[str, str]:
    """Headers for a call to an internal endpoint (empty when no token is configured)."""
    token = internal_token()
    return {HEADER: token} if token else {}
