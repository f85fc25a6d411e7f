"""Run the generation application on a local Ray: what `relaydesk serve-generation` and the bench share."""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from typing import Any

from relaydesk.generation.config import GenerationSettings


def wait_ready(url: str, deadline: float) -> None:
    """Until the application answers a GET through the proxy (a replica has loaded the model)."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"generation application not ready at {url}")
        time.sleep(0.5)


def start_ray(num_cpus: int | None, object_store_mb: int = 256) -> None:
    import ray

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # Ray starts workers at nice 15. On a shared host (the local stack, next to the Faust workers) that
    # starved the replica to a quarter of its speed; here the replica is the service, not a batch job.
    os.environ.setdefault("RAY_worker_niceness", "0")
    _dynamic_agent_ports()
    ray.init(
        num_cpus=num_cpus,
        include_dashboard=False,
        object_store_memory=object_store_mb * 1024 * 1024,
        log_to_driver=False,
        _node_ip_address="127.0.0.1",  # a local stack stays on loopback
    )


def _dynamic_agent_ports() -> None:
    """Let a local Ray's dashboard agent take a free port instead of the fixed 52365.

    `ray.init` has no argument for that port, and with the fixed default a second local Ray on the same host
    (the test suite's and a developer's stack, say) kills its raylet at start-up ("Timed out waiting for file
    .../metrics_agent_port"). 0 asks for a dynamic port, as `ray start --dashboard-agent-listen-port=0` would.
    """
    from ray._private import parameter

    original = parameter.RayParams.__init__
    if getattr(original, "_relaydesk_dynamic_ports", False):
        return

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("dashboard_agent_listen_port", 0)
        original(self, *args, **kwargs)

    init._relaydesk_dynamic_ports = True  # type: ignore[attr-defined]
    parameter.RayParams.__init__ = init  # type: ignore[method-assign]


def deploy(host: str, port: int, app_args: dict[str, Any], deadline: float) -> str:
    """Serve's proxy on `host:port` and the generation application; the base URL once it answers."""
    from ray import serve

    from relaydesk.generation.serve_app import build_app

    settings = GenerationSettings()
    serve.start(
        proxy_location="HeadOnly",
        http_options={"host": host, "port": port, "request_timeout_s": settings.request_timeout_s * 2},
    )
    serve.run(build_app(app_args), name=settings.app_name, route_prefix=settings.route_prefix)
    base = f"http://{host}:{port}"
    wait_ready(base + settings.route_prefix, deadline)
    return base


def stop() -> None:
    import ray
    from ray import serve

    try:
        if ray.is_initialized():
            serve.shutdown()
    finally:
        ray.shutdown()
