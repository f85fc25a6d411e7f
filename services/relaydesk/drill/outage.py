"""`relaydesk drill outage`: take a dependency away, send turns, and report how each was answered.

- `vectorstore`: the knowledge worker's store switch (retrieval/fault_switch.py) makes every store call fail,
  as an unreachable Qdrant would; the switch is flipped back at the end.
- `serve`: the Ray Serve replica processes are frozen with SIGSTOP (a replica that hangs: the hard case, where
  only timeouts help), then resumed with SIGCONT. Serve's controller may replace a replica that fails its
  health checks meanwhile; the report says how many replicas there were before and after.

Each turn's answer is classified by the reply's mode (generated, cached, extractive, handoff) and hand-off
flag; the fallback and hand-off counters are read from the workers' /metrics before and after.
"""

from __future__ import annotations

import contextlib
import json
import signal
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from relaydesk.cli.gateway_client import GatewayClient
from relaydesk.common.internal_auth import HEADER
from relaydesk.drill.scrape import delta, scrape
from relaydesk.drill.stack_view import DrillError
from relaydesk.drill.traffic import Traffic
from relaydesk.stack.state import StackState, load_state

DEPENDENCIES = ("vectorstore", "serve")


@dataclass(frozen=True)
class OutagePlan:
    dependency: str
    turns: int = 20
    concurrency: int = 4
    timeout_s: float = 240.0
    settle_s: float = 3.0
    tenant: str = "demo"
    home: Path | None = None


def _store_switch(state: StackState, seconds: float) -> dict[str, Any]:
    url = f"{state.endpoints['worker-knowledge']}/internal/faults/vectorstore?down_for_s={seconds:g}"
    req = urllib.request.Request(url, method="POST", data=b"", headers={HEADER: state.internal_token})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return dict(json.loads(resp.read()))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise DrillError("the knowledge worker has no fault switch: start the stack with "
                             "RELAYDESK_FAULTS_ENABLED=1 (the default of `relaydesk up`)") from None
        raise DrillError(f"the fault switch answered {exc.code}") from None


def replicas(state: StackState) -> list[psutil.Process]:
    pid = state.services.get("serve-generation", 0)
    out: list[psutil.Process] = []
    with contextlib.suppress(psutil.Error):
        for proc in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if "ServeReplica" in " ".join(proc.cmdline()):
                    out.append(proc)
    return out


@contextlib.contextmanager
def outage(plan: OutagePlan, state: StackState, facts: dict[str, Any]) -> Iterator[None]:
    if plan.dependency == "vectorstore":
        facts["switch"] = _store_switch(state, plan.timeout_s + 60)
        try:
            yield
        finally:
            facts["restored"] = _store_switch(state, 0)
    elif plan.dependency == "serve":
        frozen = replicas(state)
        if not frozen:
            raise DrillError("no Ray Serve replica process found under serve-generation")
        facts["replicas_frozen"] = len(frozen)
        for proc in frozen:
            proc.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            for proc in frozen:
                with contextlib.suppress(psutil.Error):
                    proc.send_signal(signal.SIGCONT)
            facts["replicas_after"] = len(replicas(load_state(plan.home)))
    else:
        raise DrillError(f"unknown dependency {plan.dependency!r}: one of {DEPENDENCIES}")


def run_outage_drill(plan: OutagePlan) -> dict[str, Any]:
    state = load_state(plan.home)
    api_key = state.tenants.get(plan.tenant)
    if api_key is None:
        raise DrillError(f"the stack has no API key for tenant {plan.tenant!r}")
    workers = [url for name, url in sorted(state.endpoints.items()) if name.startswith("worker-")]
    before, _ = scrape(workers)
    facts: dict[str, Any] = {}
    traffic = Traffic(GatewayClient(state.gateway_url, api_key, timeout_s=30), plan.turns, plan.concurrency)
    started = time.monotonic()
    with outage(plan, state, facts):
        traffic.start()
        try:
            traffic.wait_until(traffic.all_answered, deadline_s=plan.timeout_s, step_s=0.2)
            answered_after_s = time.monotonic() - started
            time.sleep(plan.settle_s)
        finally:
            traffic.finish()
    time.sleep(1.0)  # let the last counters land before the second scrape
    after, unreachable = scrape(workers)
    summary = traffic.summary()
    counted = delta(before, after)
    return {
        "drill": "outage",
        "dependency": plan.dependency,
        **facts,
        **summary,
        "all_answered_after_s": round(answered_after_s, 1),
        "counters": counted,
        "metrics_unreachable": unreachable,
        "ok": summary["turns_sent"] == plan.turns and summary["lost"] == 0 and summary["duplicated"] == 0,
    }
