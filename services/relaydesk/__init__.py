"""relaydesk: an event-driven AI platform for contact centers."""

__version__ = "0.1.0"
