"""Live knowledge: `knowledge.update` events are chunked, embedded and written to the vector store, and each
outcome is reported as `knowledge.applied`. The package root imports nothing heavy, so the document parser
(`relaydesk.knowledge.documents`) and the demo help centre load fast in CLI commands."""
