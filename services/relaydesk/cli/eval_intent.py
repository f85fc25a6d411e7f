"""`relaydesk eval intent --train TRAIN.jsonl --test TEST.jsonl`: one JSON line of scores on stdout.

Train lines `{"text", "label"}` define the intents exactly as a tenant's config would; without `--train`
the built-in catalogue is scored. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--train", type=Path, help="JSONL {text,label}; default: the built-in catalogue")
    parser.add_argument("--test", type=Path, required=True, help="JSONL {text,label,lang?}")
    parser.add_argument("--threshold", type=float, default=None, help="out-of-scope threshold (default: settings)")
    parser.add_argument("--no-glossary", action="store_true", help="embed without the cross-lingual glossary")


def run(args: argparse.Namespace) -> int:
    from relaydesk.intent.adapters.embedder import build_encoder, build_stage_embedder
    from relaydesk.intent.catalogue import load_background, load_catalogue
    from relaydesk.intent.config import IntentSettings
    from relaydesk.intent.evaluation import definitions_from_rows, evaluate_intents
    from relaydesk.nlu.jsonl import read_labelled

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    settings = IntentSettings()
    threshold = settings.threshold if args.threshold is None else args.threshold
    embedder = build_stage_embedder(
        settings.embedder_backend, settings.embedder_model, settings.embedder_threads, settings.embedding_cache_size
    )
    encoder = build_encoder(embedder, not args.no_glossary, settings.glossary_path, settings.max_chars)
    definitions = definitions_from_rows(read_labelled(args.train)) if args.train else load_catalogue()
    test = read_labelled(args.test)
    progress("embedding the off-topic background set")
    background = encoder.encode(load_background())
    result = evaluate_intents(
        definitions, test, encoder, background, settings.mix, threshold, settings.in_scope_prior, progress
    )
    result = {
        "train": str(args.train) if args.train else "builtin-catalogue",
        "test": str(args.test),
        **result,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0
