"""The built-in intent catalogue and the off-topic background set, shipped as package data."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from relaydesk.intent.classifier import IntentDefinition


def _data_path(name: str) -> Path:
    return Path(str(resources.files("relaydesk.intent.catalogue").joinpath(name)))


def load_catalogue(path: Path | None = None) -> tuple[IntentDefinition, ...]:
    data = yaml.safe_load((path or _data_path("builtin.yaml")).read_text(encoding="utf-8"))
    return tuple(
        IntentDefinition(
            name=str(item["name"]),
            description=str(item.get("description", "")),
            examples=tuple(str(e) for e in item.get("examples", [])),
        )
        for item in data["intents"]
    )


def load_background(path: Path | None = None) -> tuple[str, ...]:
    data = yaml.safe_load((path or _data_path("background_oos.yaml")).read_text(encoding="utf-8"))
    return tuple(str(t) for t in data["texts"])
