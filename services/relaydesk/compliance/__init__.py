"""Outbound compliance (PII, forbidden claims, groundedness, verdicts, audit and review) and the text
checks the inbound guard shares: `relaydesk.compliance.pii.redact` and `relaydesk.compliance.injection.score`.
"""
