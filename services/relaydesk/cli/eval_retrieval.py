"""`relaydesk eval retrieval --kb KB.jsonl --queries Q.jsonl`: index the knowledge base into a throwaway
store through the real knowledge core, run each `{"query","doc_id"}` line through the real retrieval core,
and print one JSON line: recall@1, recall@5 and MRR for this system and for a BM25 baseline (rank-bm25)
computed in the same run, per language and per query kind. Progress goes to stderr."""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kb", required=True, help="JSONL documents {doc_id,title,body,lang?}")
    parser.add_argument("--queries", required=True, help="JSONL {query,doc_id,lang?,kind?}")
    parser.add_argument("--depth", type=int, default=10, help="document ranking depth for MRR")
    parser.add_argument("--backend", choices=("edge", "qdrant-memory"), default="edge",
                        help="vector store: Qdrant Edge in a temp dir, or qdrant-client in memory")
    parser.add_argument("--embedder-backend", default=None, help="default: RELAYDESK_RETRIEVAL_EMBEDDER_BACKEND")
    parser.add_argument("--embedder-model", default=None, help="default: RELAYDESK_RETRIEVAL_EMBEDDER_MODEL")


def run(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from relaydesk.embedding import EmbedderSpec, build_embedder
    from relaydesk.knowledge.documents import DocumentError
    from relaydesk.retrieval.config import RetrievalSettings
    from relaydesk.retrieval.evaluation import evaluate, load_kb, load_queries, stderr_progress
    from relaydesk.vectorstore.base import VectorStore

    try:
        docs = load_kb(Path(args.kb))
        queries = load_queries(Path(args.queries))
    except (DocumentError, OSError) as exc:
        print(f"eval retrieval: {exc}", file=sys.stderr)
        return 2
    settings = RetrievalSettings()
    spec = EmbedderSpec(
        args.embedder_backend or settings.embedder_backend,
        args.embedder_model or settings.embedder_model,
        settings.embedder_threads,
    )
    stderr_progress(f"loading embedder {spec.backend}:{spec.model}")
    embedder = build_embedder(spec)
    store: VectorStore | None = None
    if args.backend == "qdrant-memory":
        from qdrant_client import QdrantClient

        from relaydesk.vectorstore.qdrant_server import QdrantServerVectorStore

        store = QdrantServerVectorStore(QdrantClient(":memory:"))
    report = evaluate(docs, queries, embedder, store=store, depth=args.depth, progress=stderr_progress)
    report["embedder"] = embedder.model_id
    report["backend"] = args.backend
    print(json.dumps(report, ensure_ascii=False))
    return 0
