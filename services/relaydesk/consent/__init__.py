"""Consent: revocation detection, the keyed hash of phone numbers, the ledger events and the view folded from
them. Shared by the guard (revocation in the reply path), the campaigns processor and the gateway."""
