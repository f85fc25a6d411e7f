"""The inbound guard: masks PII in the customer's text and flags prompt-injection attempts before any
other stage sees the turn. Only the restricted raw topic (and a tenant's raw archive) holds the raw text."""
