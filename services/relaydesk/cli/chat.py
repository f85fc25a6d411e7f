"""`relaydesk chat --tenant T [--conversation C] "text"`: one turn through the running stack, as JSON."""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", help="what the customer says")
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--conversation", default=None, help="continue this conversation id")
    parser.add_argument("--lang", default=None, help="language hint (en, zh, ja, id, ...)")
    parser.add_argument("--channel", default="webchat")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the reply")


def run(args: argparse.Namespace) -> int:
    from relaydesk.cli.gateway_client import GatewayClient, GatewayError
    from relaydesk.stack.demo_data import chat_once

    client = GatewayClient.for_tenant(args.tenant, timeout_s=args.timeout + 10)
    try:
        out = chat_once(client, args.text, args.conversation, args.lang, args.channel, args.timeout)
    except (GatewayError, TimeoutError) as exc:
        print(json.dumps({"error": str(exc)}), file=sys.stderr)
        return 1
    print(json.dumps(out, ensure_ascii=False))
    return 0
