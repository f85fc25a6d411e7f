"""`relaydesk campaign contacts ID FILE`: import contacts from CSV (with a header) or JSONL. Bad rows are
reported by line number; the good rows import."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("campaign_id")
    parser.add_argument("file", type=Path, help="contacts: *.csv or *.jsonl")
    parser.add_argument("--tenant", default="demo")


def run(args: argparse.Namespace) -> int:
    from relaydesk.cli.gateway_client import GatewayClient, GatewayError

    fmt = "csv" if args.file.suffix.lower() == ".csv" else "jsonl"
    try:
        data = args.file.read_text(encoding="utf-8")
        result = GatewayClient.for_tenant(args.tenant, timeout_s=120).post_json(
            f"/v1/campaigns/{args.campaign_id}/contacts", {"format": fmt, "data": data}
        )
    except (GatewayError, OSError) as exc:
        print(json.dumps({"error": str(exc)}))
        return 2
    print(json.dumps(result))
    return 0 if not result["errors"] else 1
