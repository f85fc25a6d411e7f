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


@pytest.mark.parametrize(
    ("settings", "solo"),
    [
        ({}, 0),  # off unless asked for
        ({"ct2_solo_threads": 2}, 2),  # one thread per row, two for a row alone
        ({"ct2_solo_threads": 2, "replica_num_cpus": 2}, 0),  # no more threads than every row has already
        ({"ct2_solo_threads": 4, "torch_threads": 2}, 4),
        ({"ct2_solo_threads": 2, "ct2_batching": "batch"}, 0),  # one call for all rows: no lane for one alone
    ],
)
def test_when_a_solo_lane_is_asked_for_then_it_has_more_threads_than_a_shared_row(settings: dict, solo: int) -> None:
    assert GenerationSettings(**settings).solo_threads() == solo
