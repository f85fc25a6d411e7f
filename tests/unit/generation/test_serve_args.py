"""The Serve application builder's arguments: Serve's own shapes in, replica options and settings out."""

from __future__ import annotations

import pytest

from relaydesk.generation.adapters.serve_client import endpoint_url
from relaydesk.generation.serve_app import deployment_options, settings_from_args


def test_when_serve_shaped_args_then_settings_and_options_follow() -> None:
    settings, extra = settings_from_args({
        "ray_actor_options": {"num_cpus": 4, "num_gpus": 1, "accelerator_type": "A10G"},
        "autoscaling_config": {"min_replicas": 1, "max_replicas": 6, "target_ongoing_requests": 8},
        "max_ongoing_requests": 48,
        "max_batch_size": 16,
        "batch_wait_timeout_s": 0.02,
        "device": "cuda",
        "dtype": "bfloat16",
        "model_path": "/models/qwen2.5-1.5b-instruct",
    })
    options = deployment_options(settings, extra)
    assert options["ray_actor_options"] == {"num_cpus": 4, "num_gpus": 1, "accelerator_type": "A10G"}
    assert options["autoscaling_config"] == {"min_replicas": 1, "max_replicas": 6, "target_ongoing_requests": 8}
    assert "num_replicas" not in options
    assert options["max_ongoing_requests"] == 48
    assert options["user_config"] == {"max_batch_size": 16, "batch_wait_timeout_s": 0.02}
    assert (settings.device, settings.dtype, str(settings.model_path)) == (
        "cuda", "bfloat16", "/models/qwen2.5-1.5b-instruct")
    assert settings.threads() == 4


def test_when_no_autoscaling_then_fixed_replicas_and_batch_never_exceeds_ongoing() -> None:
    settings, extra = settings_from_args({"num_replicas": 3, "max_batch_size": 64, "max_ongoing_requests": 8})
    options = deployment_options(settings, extra)
    assert options["num_replicas"] == 3 and "autoscaling_config" not in options
    assert options["max_ongoing_requests"] == 64
    assert options["ray_actor_options"] == {"num_cpus": 1.0, "num_gpus": 0.0}


@pytest.mark.parametrize(
    "args",
    [
        # a typo must not fall back to a default silently
        {"num_replica": 2},
        # an invalid value
        {"max_batch_size": 0},
        # autoscaling bounds the wrong way round
        {"autoscaling_config": {"min_replicas": 4, "max_replicas": 2}},
    ],
)
def test_when_args_are_wrong_then_builder_refuses(args: dict) -> None:
    with pytest.raises(ValueError):
        settings_from_args(args)


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/generate"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/generate"),
        ("http://gen.svc:8000/generate", "http://gen.svc:8000/generate"),
        ("http://gen.svc:8000/v2/gen", "http://gen.svc:8000/v2/gen"),
    ],
)
def test_when_url_has_no_path_then_route_prefix_is_appended(url: str, endpoint: str) -> None:
    assert endpoint_url(url, "/generate") == endpoint
