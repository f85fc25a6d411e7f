"""`relaydesk worker NAME`: run one stream processor as a Faust worker."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from relaydesk.stack.layout import COHOSTS

WORKERS = (
    "guard", "intent", "emotion", "knowledge", "retrieval", "generation", "compliance", "conversations", "assist",
    "campaigns", "carrier", "qa",
)
# Layouts of the local stack that the chart does not deploy (stack/layout.py): intent and emotion in one process,
# the guard in front of them too (nlu/app.py), generation and compliance chained (reply/app.py).
# Name -> (module, keyword arguments of its build_app).
LOCAL_WORKERS: dict[str, tuple[str, dict[str, bool]]] = {
    "nlu": ("relaydesk.nlu.app", {}),
    "guard-nlu": ("relaydesk.nlu.app", {"guard": True}),
    "reply": ("relaydesk.reply.app", {}),  # generation's drafts checked by compliance in the same process
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "name", choices=(*WORKERS, *LOCAL_WORKERS, *COHOSTS),
        help="which processor to run (or which workers sharing one process: " + ", ".join(
            f"{host} = {' + '.join(members)}" for host, members in COHOSTS.items()) + ")",
    )
    parser.add_argument("--loglevel", default="info")


def run(args: argparse.Namespace) -> int:
    import faust

    from relaydesk.common.logs import setup_logging
    from relaydesk.common.tracing import setup_tracing

    setup_logging(args.loglevel)
    setup_tracing(args.name)
    app = build_cohost(args.name, COHOSTS[args.name]) if args.name in COHOSTS else build_one(args.name)
    worker = faust.Worker(app, loglevel=args.loglevel)  # web bind and port come from the app settings
    worker.execute_from_commandline()  # returns when the worker stops (SIGTERM/SIGINT)
    return 0


def build_one(name: str) -> Any:
    module_name, options = LOCAL_WORKERS.get(name, (f"relaydesk.{name}.app", {}))
    return importlib.import_module(module_name).build_app(**options)


def build_cohost(host: str, members: tuple[str, ...]) -> Any:
    """The members' apps built as they are alone, their stages on one shared Faust app (stack/layout.py)."""
    from relaydesk.common.worker import cohosted

    with cohosted(host) as shared:
        for name in members:
            build_one(name)
    return shared.finish()
