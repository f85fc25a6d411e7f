"""Hybrid, tenant-filtered retrieval over the live knowledge index (see `relaydesk.knowledge`)."""
