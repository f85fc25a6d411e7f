"""Benchmark helpers shared by the `relaydesk bench` commands."""
