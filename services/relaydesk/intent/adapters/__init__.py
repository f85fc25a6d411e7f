"""The intent stage's I/O: the embedder and the glossary file."""
