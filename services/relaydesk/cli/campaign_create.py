"""`relaydesk campaign create FILE`: define (or redefine) a campaign from a YAML or JSON file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="campaign file (*.yaml or *.json)")


def run(args: argparse.Namespace) -> int:
    from relaydesk.campaigns.model import CampaignError, load_campaign_file
    from relaydesk.cli.gateway_client import GatewayClient, GatewayError

    try:
        campaign = load_campaign_file(args.file)
    except (CampaignError, OSError) as exc:
        problems = exc.problems if isinstance(exc, CampaignError) else [str(exc)]
        print(json.dumps({"error": "invalid_campaign", "problems": problems}))
        return 2
    try:
        result = GatewayClient.for_tenant(campaign.tenant).post_json("/v1/campaigns", campaign.model_dump(mode="json"))
    except GatewayError as exc:
        print(json.dumps({"error": str(exc)}))
        return 2
    print(json.dumps(result))
    return 0
