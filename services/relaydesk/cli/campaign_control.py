"""Shared by `relaydesk campaign start|pause|status ID`."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("campaign_id")
    parser.add_argument("--tenant", default="demo")


def call(args: argparse.Namespace, method: str, suffix: str) -> int:
    from relaydesk.cli.gateway_client import GatewayClient, GatewayError

    try:
        result = GatewayClient.for_tenant(args.tenant).request(method, f"/v1/campaigns/{args.campaign_id}{suffix}")
    except GatewayError as exc:
        print(json.dumps({"error": str(exc)}))
        return 2
    print(json.dumps(result))
    return 0
