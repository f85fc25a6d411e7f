"""Package data of the shared NLU code: the cross-lingual glossary."""
