"""`relaydesk worker NAME`: run one stream processor as a Faust worker."""

from __future__ import annotations

import argparse
import importlib

WORKERS = (
    "guard", "intent", "emotion", "knowledge", "retrieval", "generation", "compliance", "conversations", "assist",
    "campaigns", "carrier", "qa",
)
# Layouts of the local stack that the chart does not deploy (nlu/app.py): intent and emotion in one process, and
# the guard in front of them too. Name -> (module, keyword arguments of its build_app).
LOCAL_WORKERS: dict[str, tuple[str, dict[str, bool]]] = {
    "nlu": ("relaydesk.nlu.app", {}),
    "guard-nlu": ("relaydesk.nlu.app", {"guard": True}),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", choices=(*WORKERS, *LOCAL_WORKERS), help="which processor to run")
    parser.add_argument("--loglevel", default="info")


def run(args: argparse.Namespace) -> int:
    import faust

    from relaydesk.common.logs import setup_logging
    from relaydesk.common.tracing import setup_tracing

    setup_logging(args.loglevel)
    setup_tracing(args.name)
    module_name, options = LOCAL_WORKERS.get(args.name, (f"relaydesk.{args.name}.app", {}))
    app = importlib.import_module(module_name).build_app(**options)
    worker = faust.Worker(app, loglevel=args.loglevel)  # web bind and port come from the app settings
    worker.execute_from_commandline()  # returns when the worker stops (SIGTERM/SIGINT)
    return 0
