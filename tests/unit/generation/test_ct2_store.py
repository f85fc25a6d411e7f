"""Convert once and cache: the CTranslate2 copy is keyed by source and quantisation, never seen half-written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from relaydesk.common.ct2_store import MARKER, ct2_dir_for, ensure_ct2


def source(tmp_path: Path) -> Path:
    hf = tmp_path / "models" / "smol"
    hf.mkdir(parents=True)
    (hf / "config.json").write_text('{"model_type": "llama"}')
    (hf / "model.safetensors").write_bytes(b"weights-v1")
    return hf


class CountingConverter:
    """Writes a model file named for the quantisation, counting its calls; optionally fails midway."""

    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self, hf_dir: Path, out: Path, quantization: str) -> None:
        self.calls += 1
        out.mkdir(parents=True)
        (out / "model.bin").write_text(f"{quantization}:{(hf_dir / 'model.safetensors').read_bytes().decode()}")
        if self.fail:
            raise RuntimeError("converter crashed")


def test_when_converted_once_then_later_calls_reuse_the_copy(tmp_path: Path) -> None:
    hf, convert = source(tmp_path), CountingConverter()
    first = ensure_ct2(hf, "int8", convert=convert)
    again = ensure_ct2(hf, "int8", convert=convert)
    assert first == again == ct2_dir_for(hf, "int8") and convert.calls == 1
    assert (first / "model.bin").read_text() == "int8:weights-v1" and (first / MARKER).is_file()


def test_when_quantisation_differs_then_it_gets_its_own_copy(tmp_path: Path) -> None:
    hf, convert = source(tmp_path), CountingConverter()
    int8, fp32 = ensure_ct2(hf, "int8", convert=convert), ensure_ct2(hf, "float32", convert=convert)
    assert int8 != fp32 and convert.calls == 2
    assert (fp32 / "model.bin").read_text().startswith("float32:")


def test_when_the_source_changes_then_it_converts_again(tmp_path: Path) -> None:
    hf, convert = source(tmp_path), CountingConverter()
    ensure_ct2(hf, "int8", convert=convert)
    weights = hf / "model.safetensors"
    weights.write_bytes(b"weights-version-2")
    os.utime(weights, (weights.stat().st_atime, weights.stat().st_mtime + 10))
    target = ensure_ct2(hf, "int8", convert=convert)
    assert convert.calls == 2 and (target / "model.bin").read_text() == "int8:weights-version-2"


def test_when_conversion_fails_then_nothing_half_written_is_left(tmp_path: Path) -> None:
    hf = source(tmp_path)
    with pytest.raises(RuntimeError):
        ensure_ct2(hf, "int8", convert=CountingConverter(fail=True))
    target = ct2_dir_for(hf, "int8")
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir() if p.is_dir()] == ["smol"]  # no temporary directory left
    assert (ensure_ct2(hf, "int8", convert=CountingConverter()) / "model.bin").is_file()  # a retry works
