"""The generation stage's I/O: the Serve HTTP client, the in-process model, and the cache store."""
