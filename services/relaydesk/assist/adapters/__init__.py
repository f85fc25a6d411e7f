"""I/O of agent assist: the suggestion sink (Kafka) and the model service (generation's Serve client)."""
