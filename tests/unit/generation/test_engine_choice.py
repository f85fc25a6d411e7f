"""Which engine a replica decodes with."""

from __future__ import annotations

import pytest

from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.engine_choice import choose_engine


@pytest.mark.parametrize(
    ("settings", "engine"),
    [
        ({"device": "cpu"}, "ctranslate2"),  # auto on a CPU replica with ctranslate2 installed (this machine)
        ({"device": "cuda"}, "transformers"),  # auto on a GPU: transformers keeps the GPU path
        ({"engine": "transformers"}, "transformers"),  # asked for by name
        ({"engine": "ctranslate2", "device": "cuda"}, "ctranslate2"),  # by name, whatever the device
    ],
)
def test_when_engine_is_chosen_then_auto_means_ctranslate2_on_the_cpu(settings: dict, engine: str) -> None:
    assert choose_engine(GenerationSettings(**settings)) == engine
