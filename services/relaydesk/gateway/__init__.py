"""The HTTP gateway: messages in, replies out (long-poll and SSE), knowledge updates, tenants, health."""
