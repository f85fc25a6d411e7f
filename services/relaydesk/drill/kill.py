"""`relaydesk drill kill`: SIGKILL chosen stages of the running stack while turns are in flight, and account for
every turn.

1. Post `turns` turns through the gateway (fresh conversations, `concurrency` posts at once); each turn's
   conversation is long-polled from then on.
2. As soon as at least `min_in_flight` turns are sent and not yet answered, `kill -9` every chosen stage.
3. Wait for the supervisor to bring each one back (a new pid in the state file, then its readiness probe).
4. Wait until every sent turn is answered (or `timeout_s`), then keep polling `settle_s` more for repeats.
5. Count per hop, from the topics, how often each turn was carried, to name the hop a repeat came from.

`ok` holds when the kill happened with enough turns in flight, every stage came back, and every sent turn
was answered exactly once.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relaydesk.cli.gateway_client import GatewayClient
from relaydesk.common.settings import KafkaSettings
from relaydesk.drill.hops import count_hops
from relaydesk.drill.scrape import delta, scrape
from relaydesk.drill.stack_view import Comeback, DrillError, readiness_url, service_name, wait_back
from relaydesk.drill.traffic import Traffic
from relaydesk.stack.state import load_state


@dataclass(frozen=True)
class KillPlan:
    stages: tuple[str, ...]
    turns: int = 80
    concurrency: int = 16
    min_in_flight: int = 60
    timeout_s: float = 300.0
    settle_s: float = 10.0
    tenant: str = "demo"
    home: Path | None = None


def run_kill_drill(plan: KillPlan) -> dict[str, Any]:
    if plan.min_in_flight > plan.turns:
        raise DrillError(f"--min-in-flight {plan.min_in_flight} is more than --turns {plan.turns}")
    state = load_state(plan.home)
    services = list(dict.fromkeys(service_name(s, state.services) for s in plan.stages))
    missing = [s for s in services if s not in state.services or s == "broker"]
    if missing:
        raise DrillError(f"cannot kill {missing}: the stack runs {sorted(state.services)}")
    urls = {s: readiness_url(state, s) for s in services}
    restarts_before = dict(state.restarts)
    client = GatewayClient(state.gateway_url, state.tenants.get(plan.tenant), timeout_s=30)
    if client.api_key is None:
        raise DrillError(f"the stack has no API key for tenant {plan.tenant!r}")

    workers = [url for name, url in sorted(state.endpoints.items()) if name.startswith("worker-")]
    counters_before, _ = scrape(workers)
    traffic = Traffic(client, plan.turns, plan.concurrency)
    started = time.monotonic()
    deadline = started + plan.timeout_s
    traffic.start()
    comebacks: dict[str, Comeback] = {}
    in_flight_at_kill = 0
    sent_at_kill = 0
    try:
        # 2. the kill, once enough turns are in flight (or as many as there will be, if fewer get there)
        traffic.wait_until(
            lambda: traffic.in_flight() >= plan.min_in_flight or traffic.counts()[0] == plan.turns,
            deadline_s=min(120.0, plan.timeout_s),
            step_s=0.01,
        )
        sent_at_kill, answered_at_kill = traffic.counts()
        in_flight_at_kill = sent_at_kill - answered_at_kill
        pids = {s: int(load_state(plan.home).services[s]) for s in services}
        for service in services:
            comebacks[service] = Comeback(service, pids[service], killed_at=time.monotonic())
            os.kill(pids[service], signal.SIGKILL)
        # 3. back without a human
        wait_back(list(comebacks.values()), plan.home, urls, deadline)
        # 4. every turn answered, then a while longer for repeats
        traffic.wait_until(traffic.all_answered, deadline_s=max(0.0, deadline - time.monotonic()), step_s=0.2)
        answered_after_s = time.monotonic() - started
        time.sleep(plan.settle_s)
    finally:
        traffic.finish()

    summary = traffic.summary()
    counters_after, unreachable = scrape(workers)
    hops = count_hops(KafkaSettings(bootstrap=state.broker), f"drill-{traffic.run_id}-")
    restarts_after = load_state(plan.home).restarts
    back = all(c.ready_s is not None for c in comebacks.values())
    exactly_once = (
        summary["turns_sent"] == plan.turns
        and summary["answered"] == summary["turns_sent"]
        and summary["duplicated"] == 0
        and summary["reply_ids_seen_twice"] == 0
    )
    return {
        "drill": "kill",
        "stages": list(plan.stages),
        "turns": plan.turns,
        "concurrency": plan.concurrency,
        "sent_at_kill": sent_at_kill,
        "in_flight_at_kill": in_flight_at_kill,
        **summary,
        "killed": {s: c.as_json() for s, c in comebacks.items()},
        "supervisor_restarts": {
            s: restarts_after.get(s, 0) - restarts_before.get(s, 0) for s in services
        },
        "all_answered_after_s": round(answered_after_s, 1),
        "hops": {topic.removeprefix("relaydesk."): counts for topic, counts in hops.items()},
        # Counters restart with a killed process, so a killed stage's share may be missing here.
        "counters": delta(counters_before, counters_after),
        "metrics_unreachable": unreachable,
        "ok": in_flight_at_kill >= plan.min_in_flight and back and exactly_once,
    }
