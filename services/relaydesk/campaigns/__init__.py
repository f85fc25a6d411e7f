"""Outbound campaigns: the campaign model, rule packs, the pre-dial policy, pacing and the dialer stage."""
