"""`relaydesk tenant add NAME`: register a tenant in the running stack and print its API key.

Running it again for an existing tenant reports that it exists and exits 0.
"""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="tenant id: lowercase letters, digits, '-' and '_'")


def run(args: argparse.Namespace) -> int:
    from relaydesk.cli.gateway_client import GatewayClient, GatewayError
    from relaydesk.stack.state import StackNotRunning, load_state, remember_local_key, save_state

    try:
        result = GatewayClient.admin().post_json("/v1/admin/tenants", {"tenant_id": args.name})
    except GatewayError as exc:
        print(json.dumps({"error": str(exc)}))
        return 2
    out: dict[str, object] = {"tenant": args.name, "created": result["created"]}
    try:
        state = load_state()
    except StackNotRunning:
        state = None
    if result["created"]:
        out["api_key"] = result["api_key"]
        if state is not None:  # the local stack: keep the key where later commands, and restarts, find it
            state.tenants[args.name] = result["api_key"]
            save_state(state)
            remember_local_key(args.name, result["api_key"])
    else:
        out["exists"] = True
        if state is not None and args.name in state.tenants:
            out["api_key"] = state.tenants[args.name]
    print(json.dumps(out))
    return 0
