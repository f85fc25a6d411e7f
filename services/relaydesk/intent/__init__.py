"""The intent stage: per-tenant few-shot intents on multilingual embeddings, with a built-in catalogue."""
