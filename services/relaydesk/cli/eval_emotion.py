"""`relaydesk eval emotion --test TEST.jsonl`: one JSON line of scores on stdout, progress on stderr.

Test lines are `{"text", "label", "lang"?, "kind"?}`. The model is the packaged one unless `--train` gives
a training set, which is then fitted in this run (the baseline's centroids with it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--test", type=Path, required=True, help="JSONL {text,label,lang?,kind?}")
    parser.add_argument("--train", type=Path, help="JSONL {text,label,lang?}: fit a model in this run")


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from relaydesk.emotion.bootstrap import build_deps
    from relaydesk.emotion.config import EmotionSettings
    from relaydesk.emotion.evaluation import evaluate_emotions, read_kinds
    from relaydesk.emotion.training import fit_emotion_model
    from relaydesk.nlu.jsonl import read_labelled

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    deps = build_deps(EmotionSettings())
    if args.train:
        model, _cv = fit_emotion_model(read_labelled(args.train), deps.encoder, deps.features, progress=progress)
        deps = replace(deps, model=model)
    test = read_labelled(args.test)
    result = evaluate_emotions(test, read_kinds(args.test), deps, progress)
    result = {
        "train": str(args.train) if args.train else "packaged-model",
        "test": str(args.test),
        **result,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0
