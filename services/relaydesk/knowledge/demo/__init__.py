"""The demo tenant's help centre: Orla, a fictional consumer bank with a marketplace (Orla Market), written
for this project. 36 English articles and 6 each in Chinese, Japanese and Indonesian, as Markdown files
(doc_id = file stem) shipped as package data. `relaydesk up` pushes them through the gateway at start-up;
`evals/retrieval/KB.jsonl` holds the same articles."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from relaydesk.knowledge.documents import Document, parse_markdown


def demo_documents() -> list[Document]:
    root = resources.files(__name__)
    docs = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".md"):
            docs.append(parse_markdown(Path(entry.name), entry.read_text(encoding="utf-8")))
    return docs


def load_demo_documents() -> list[dict[str, Any]]:
    """Each article as `{"doc_id", "title", "body", "lang", "tags"}`, ready for `POST /v1/knowledge/documents`."""
    return [
        {"doc_id": d.doc_id, "title": d.title, "body": d.body, "lang": d.lang, "tags": list(d.tags)}
        for d in demo_documents()
    ]
