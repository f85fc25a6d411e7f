"""`relaydesk kb push --tenant T PATH...`: Markdown files (doc_id = file stem, title = first `# ` heading),
JSONL lines `{"doc_id","title","body","lang"?}`, or folders of them, sent to the gateway as knowledge
updates. Prints `{"pushed": n, "event_ids": [...]}`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

MAX_PER_REQUEST = 500  # the gateway's limit per POST /v1/knowledge/documents


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", help="Markdown or JSONL files, or folders of them")
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--delete", action="store_true", help="delete these doc_ids instead of upserting them")
    parser.add_argument("--batch", type=int, default=MAX_PER_REQUEST, help="documents per request (max 500)")
    parser.add_argument("--dry-run", action="store_true", help="parse and print what would be pushed")


def batches(documents: Sequence[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    size = max(1, min(size, MAX_PER_REQUEST))
    return [list(documents[i : i + size]) for i in range(0, len(documents), size)]


def request_documents(paths: Sequence[str], delete: bool = False) -> list[dict[str, Any]]:
    from relaydesk.knowledge.documents import load_documents

    docs = [d.to_json() for d in load_documents(paths)]
    if delete:
        docs = [{"doc_id": d["doc_id"], "op": "delete"} for d in docs]
    return docs


def run(args: argparse.Namespace) -> int:
    from relaydesk.knowledge.documents import DocumentError

    try:
        documents = request_documents(args.paths, args.delete)
    except DocumentError as exc:
        print(f"kb push: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(json.dumps({"documents": len(documents), "doc_ids": [d["doc_id"] for d in documents]}))
        return 0

    from relaydesk.cli.gateway_client import GatewayClient, GatewayError

    client = GatewayClient.for_tenant(args.tenant)
    event_ids: list[str] = []
    parts = batches(documents, args.batch)
    try:
        for n, part in enumerate(parts, start=1):
            answer = client.post_json("/v1/knowledge/documents", {"documents": part})
            event_ids.extend(answer.get("event_ids", []))
            if len(parts) > 1:
                print(f"kb push: sent {n}/{len(parts)} batches", file=sys.stderr)
    except (GatewayError, OSError) as exc:
        print(f"kb push: {exc} (pushed {len(event_ids)} of {len(documents)} before the error)", file=sys.stderr)
        return 1
    print(json.dumps({"pushed": len(event_ids), "event_ids": event_ids}))
    return 0
