"""The local stack: `relaydesk up` starts the broker, topics, Ray Serve, every processor and the gateway."""
