"""I/O adapters of the knowledge processor."""
