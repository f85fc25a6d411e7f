"""`relaydesk kb search --tenant T "query" [--k N]`: the tenant's knowledge search, through the gateway.
Prints `{"results": [{"doc_id","chunk_id","score","title","text","version"}]}`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

RESULT_KEYS = ("doc_id", "chunk_id", "score", "title", "text", "version")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query")
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--k", type=int, default=5, help="how many results (1-50)")


def format_results(answer: Any) -> dict[str, list[dict[str, Any]]]:
    results = answer.get("results", []) if isinstance(answer, dict) else []
    return {"results": [{key: r.get(key) for key in RESULT_KEYS} for r in results if isinstance(r, dict)]}


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.k <= 50:
        print("kb search: --k must be between 1 and 50", file=sys.stderr)
        return 2
    from relaydesk.cli.gateway_client import GatewayClient, GatewayError

    client = GatewayClient.for_tenant(args.tenant)
    try:
        answer = client.get_json("/v1/knowledge/search", {"q": args.query, "k": args.k})
    except (GatewayError, OSError) as exc:
        print(f"kb search: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(format_results(answer), ensure_ascii=False))
    return 0
