"""`relaydesk consent show --tenant T PHONE`: `{"callable", "rule", "events"}` for a number."""

from __future__ import annotations

import argparse
import json
import urllib.parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("phone", help="E.164 number")
    parser.add_argument("--tenant", default="demo")


def run(args: argparse.Namespace) -> int:
    from relaydesk.cli.gateway_client import GatewayClient, GatewayError

    try:
        result = GatewayClient.for_tenant(args.tenant).get_json(f"/v1/consent/{urllib.parse.quote(args.phone)}")
    except GatewayError as exc:
        print(json.dumps({"error": str(exc)}))
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0
