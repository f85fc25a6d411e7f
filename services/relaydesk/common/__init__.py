"""Shared plumbing: serialisation, Kafka helpers, the Faust app factory, topics, tracing, dead letters."""
