"""Operability: consumer-lag export, dead-letter replay, the topic partition plan."""
