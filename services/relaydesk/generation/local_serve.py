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


# A one-node local Ray that idles quietly (issue 14 item 9). Serve's controller runs its control loop every 0.1 s
# by default (about 0.045 of a core on an idle local stack): one replica that never autoscales needs no such
# pace, and requests do not go through this loop. The raylet's timers (resource report, GC check, object
# manager, disk and memory monitors, idle-worker reaper) tick every 100-250 ms by default, for a cluster's
# scheduler; on one node once a second is plenty. Measured on an idle `relaydesk serve-generation` (Ray's
# processes, 60 s): 0.095-0.100 cores before, 0.078 with these and no log monitor (docs/benchmarks.md).
# Serve's proxy and replica export their cached request metrics every 100 ms by default (a scrape comes every
# 15 s or so); the dashboard agent checks that its raylet lives every 0.4 s and walks every process of the node
# for the (disabled) dashboard every 5 s; core workers report task events (for Ray's state API) every second and
# the GCS pulls resource loads (for an autoscaler this node lacks) every second. Ray's own metrics pipeline
# (core workers to the dashboard agent's exporter) feeds a dashboard and a Prometheus the local stack runs
# neither of; relaydesk's /metrics are its own. Each is a default: the environment wins.
QUIET_NODE_ENV = {
    "RAY_enable_metrics_collection": "false",
    "RAY_task_events_report_interval_ms": "5000",
    "RAY_gcs_pull_resource_loads_period_milliseconds": "5000",
    "RAY_SERVE_CONTROL_LOOP_INTERVAL_S": "1.0",
    "RAY_SERVE_METRICS_EXPORT_INTERVAL_MS": "1000",
    "RAY_DASHBOARD_AGENT_CHECK_PARENT_INTERVAL_S": "2",
    "REPORTER_UPDATE_INTERVAL_MS": "30000",
    "RAY_raylet_report_resources_period_milliseconds": "1000",
    "RAY_raylet_check_gc_period_milliseconds": "1000",
    "RAY_object_manager_timer_freq_ms": "1000",
    "RAY_local_fs_monitor_interval_ms": "1000",
    "RAY_kill_idle_workers_interval_ms": "1000",
    "RAY_memory_monitor_refresh_ms": "1000",
}


def start_ray(num_cpus: int | None, object_store_mb: int = 256) -> None:
    _loopback_only()
    import ray

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # Ray starts workers at nice 15. On a shared host (the local stack, next to the Faust workers) that
    # starved the replica to a quarter of its speed; here the replica is the service, not a batch job.
    os.environ.setdefault("RAY_worker_niceness", "0")
    for name, value in QUIET_NODE_ENV.items():
        os.environ.setdefault(name, value)
    _local_node_params()
    _adopt_orphans()
    try:
        ray.init(
            num_cpus=num_cpus,
            include_dashboard=False,
            object_store_memory=object_store_mb * 1024 * 1024,
            log_to_driver=False,
            _node_ip_address="127.0.0.1",  # a local stack stays on loopback
        )
    except BaseException:
        _end_descendants()
        raise


def _adopt_orphans() -> None:
    """Make this process the subreaper of what Ray starts: when `ray.init` fails (the node missed its start-up
    deadline on a loaded machine), the raylet dies and its dashboard agent would be re-parented to init and live
    on; as a subreaper this process gets it back, and `_end_descendants` can end it."""
    import ctypes
    import ctypes.util

    pr_set_child_subreaper = 36
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0)


def _end_descendants(grace_s: float = 5.0) -> None:
    import psutil

    from relaydesk.common.proc_tree import terminate_then_kill

    terminate_then_kill(psutil.Process().children(recursive=True), grace_s)


def loopback_worker_setup() -> None:
    """Called by the replica (serve_app.GenerationServer.__init__) when `RELAYDESK_SERVE_LOOPBACK=1`.

    Not a Ray `worker_process_setup_hook`: a job-wide runtime env routes every Ray worker's start (Serve's
    controller and proxy too) through the runtime-env agent, which on a loaded machine made the proxy miss its
    start timeout, and with a per-actor one the replica still bound `[::]`.

    Serve's replica opens its inter-deployment gRPC server on `[::]:0`, a literal with no setting behind it
    (ray/serve/_private/replica.py), once the user class is constructed; on a local stack it must listen on
    loopback like everything else. The replica module imported the helper by name, so both names are replaced.
    """
    from ray._common import tls_utils

    original = tls_utils.add_port_to_grpc_server
    if getattr(original, "_relaydesk_loopback", False):
        return

    def add_port(server: Any, address: str) -> Any:
        if address.startswith(("[::]:", "0.0.0.0:")):
            address = "127.0.0.1:" + address.rsplit(":", 1)[1]
        return original(server, address)

    add_port._relaydesk_loopback = True  # type: ignore[attr-defined]
    tls_utils.add_port_to_grpc_server = add_port
    import sys

    replica = sys.modules.get("ray.serve._private.replica")
    if replica is not None:
        replica.add_port_to_grpc_server = add_port  # type: ignore[attr-defined]


def _loopback_only() -> None:
    """Make the local Ray node's address 127.0.0.1, so that every server it starts binds loopback.

    `ray.init(_node_ip_address="127.0.0.1")` alone is not enough: Ray rewrites a loopback address to the host's
    routable IP ("so that other nodes can reach it"), and then its gRPC servers (GCS, raylet, core workers), the
    dashboard agent, the runtime-env agent and the metrics exporters listen on that IP, `::` or 0.0.0.0. With
    cluster mode off (Ray's own switch for single-machine use), the node address stays 127.0.0.1 and they bind
    there. The env var reaches the daemons Ray spawns; the constant covers a process that imported Ray already.
    """
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    os.environ["RELAYDESK_SERVE_LOOPBACK"] = "1"  # Ray's workers inherit it: the replica moves its gRPC port
    import sys

    constants = sys.modules.get("ray._private.ray_constants")
    if constants is not None:
        constants.ENABLE_RAY_CLUSTER = False  # type: ignore[attr-defined]


def _local_node_params() -> None:
    """Node parameters `ray.init` has no argument for.

    The dashboard agent takes a free port instead of the fixed 52365: with the fixed default a second local Ray
    on the same host (the test suite's and a developer's stack, say) kills its raylet at start-up ("Timed out
    waiting for file .../metrics_agent_port"). 0 asks for a dynamic port, as `ray start
    --dashboard-agent-listen-port=0` would. And no log monitor: it tails every worker's log files for the
    driver, which does not read them (`log_to_driver=False`); it cost about 0.008 of a core idle.
    """
    from ray._private import parameter

    original = parameter.RayParams.__init__
    if getattr(original, "_relaydesk_node_params", False):
        return

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("dashboard_agent_listen_port", 0)
        kwargs.setdefault("include_log_monitor", False)
        original(self, *args, **kwargs)

    init._relaydesk_node_params = True  # type: ignore[attr-defined]
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
        _end_descendants()  # the daemons that outlived their raylet and came back to this subreaper
