"""`relaydesk up`: the whole stack on loopback, on its embedded defaults.

Tansu broker -> topics -> Ray Serve generation -> one process per stream processor -> gateway -> the demo
tenant and its knowledge. Ctrl-C (or SIGTERM) stops everything, Ray and the broker included.

Once ready, the stack is supervised: a child that dies (a worker, the gateway, serve-generation) is started
again with bounded exponential backoff (`stack/supervisor.py`), said on stderr and in logs/supervisor.log, and
counted in the state file; the rest keep serving meanwhile. The broker keeps everything in memory, so its death
is fatal and ends the stack. If `relaydesk up` itself dies, even by SIGKILL, its children die with it (the
parent-death signal) and the reaper (`stack/reaper.py`) ends what they forked.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from relaydesk.common.ports import free_port
from relaydesk.gateway.auth import KeyStore
from relaydesk.stack.broker import TansuBroker
from relaydesk.stack.layout import stack_workers, worker_env
from relaydesk.stack.processes import Child, kill_stragglers, remember_all, stop_children
from relaydesk.stack.state import (
    StackState,
    clear_state,
    load_local_keys,
    load_state,
    remember_local_key,
    save_state,
)
from relaydesk.stack.supervisor import Backoff, Supervisor

DEMO_TENANT = "demo"


class StackError(RuntimeError):
    pass


def _say(msg: str) -> None:
    print(f"[relaydesk] {msg}", file=sys.stderr, flush=True)


def _say_and_log(log_path: Path) -> Callable[[str], None]:
    """Supervision events go to stderr and to the stack's own log, with a UTC timestamp there."""

    def say(msg: str) -> None:
        _say(msg)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("a") as log:
            log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {msg}\n")

    return say


def _get(url: str, timeout_s: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# A child that dies while the stack starts is restarted too (a loaded machine can make Ray's raylet give up on
# its agents, for one); one that keeps dying is a real fault, reported with its log.
STARTUP_RESTARTS = 3
STARTUP_TIMEOUT_ENV = "RELAYDESK_STARTUP_TIMEOUT_S"  # every process ready within this, from the start
DESCENDANT_SCAN_S = 5.0


def _wait_for(what: str, check: Callable[[], bool], deadline_s: float, supervisor: Supervisor) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        remember_all([c for c in supervisor.children if isinstance(c, Child)])  # a failed ray.init leaves agents
        supervisor.poll()
        for child in supervisor.children:
            tracker = supervisor.trackers[child.name]
            if tracker.restarts >= STARTUP_RESTARTS and not child.alive():
                log_tail = child.log_tail() if isinstance(child, Child) else ""
                raise StackError(f"{child.name} kept exiting while waiting for {what}:\n{log_tail}")
        try:
            if check():
                return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.5)
    raise StackError(f"timed out after {deadline_s:.0f}s waiting for {what}")


def _wait_ray_started(child: Child, log_offset: int, deadline_s: float = 60.0) -> None:
    """Until serve-generation's Ray is up (it logs the deploy step next), it dies, or the deadline passes.

    `ray.init` gives its node a hard-coded 30 s to register, and the raylet waits for its agents first; with every
    worker importing its models at the same moment on a small machine, that was not always enough. So the
    workers start after Ray, not alongside it. Not fatal: a dead serve-generation is restarted later."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and child.alive():
        with contextlib.suppress(OSError), child.log_path.open("rb") as log:
            log.seek(log_offset)
            if b"deploying the generation application" in log.read():
                return
        time.sleep(0.5)


@dataclass
class LocalStack:
    home: Path
    gateway_port: int = 8080
    startup_timeout_s: float = field(default_factory=lambda: float(os.environ.get(STARTUP_TIMEOUT_ENV, "400")))
    partitions: int = 2
    broker: TansuBroker | None = None
    children: list[Child] = field(default_factory=list)
    state: StackState | None = None
    timings: dict[str, float] = field(default_factory=dict)
    backoff: Backoff = field(default_factory=Backoff)
    supervisor: Supervisor | None = None
    reaper: subprocess.Popen[bytes] | None = None
    # Proves a caller is another part of this stack (workers' internal endpoints); new on every start.
    internal_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    _stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def ray_tmp(self) -> str:
        # Ray puts unix sockets under its temp dir, whose path must stay short.
        return f"/tmp/rd-ray-{hashlib.sha1(str(self.home).encode()).hexdigest()[:8]}"

    def _env(self, bootstrap: str, name: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {
            **os.environ,
            "RELAYDESK_HOME": str(self.home),
            "RELAYDESK_KAFKA_BOOTSTRAP": bootstrap,
            "RELAYDESK_KAFKA_PARTITIONS": str(self.partitions),
            "RELAYDESK_OTEL_EXPORTER": os.environ.get("RELAYDESK_OTEL_EXPORTER", "file"),
            "RELAYDESK_OTEL_FILE": str(self.home / "traces" / f"{name}.jsonl"),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
            "RAY_TMPDIR": self.ray_tmp,
            "RELAYDESK_INTERNAL_TOKEN": self.internal_token,
            # The local stack is where drills run: it exposes their fault switches (behind the token above).
            "RELAYDESK_FAULTS_ENABLED": os.environ.get("RELAYDESK_FAULTS_ENABLED", "1"),
        }
        env.update(extra or {})
        return env

    def _check_not_running(self) -> None:
        try:
            existing = load_state(self.home)
        except Exception:
            return
        if existing.pid and existing.pid != os.getpid() and _pid_alive(existing.pid):
            raise StackError(f"a stack is already running (pid {existing.pid}, home {self.home})")
        clear_state(self.home)

    def start(self) -> StackState:
        t0 = time.perf_counter()
        self.home.mkdir(parents=True, exist_ok=True)
        self._check_not_running()
        logs = self.home / "logs"
        self._start_reaper(logs)

        # 1. broker and topics
        self.broker = TansuBroker(log_file=logs / "broker.log").start()
        bootstrap = self.broker.bootstrap
        from relaydesk.common.kafka import ensure_topics
        from relaydesk.common.settings import KafkaSettings

        ensure_topics(KafkaSettings(bootstrap=bootstrap, partitions=self.partitions))
        self.timings["broker_and_topics_s"] = time.perf_counter() - t0
        _say(f"broker on {bootstrap}, topics created")
        # The broker kept nothing: tenant configs come back from the gateway's snapshot before any worker starts.
        from relaydesk.gateway.config_snapshot import republish

        if restored := republish(KafkaSettings(bootstrap=bootstrap), self.home / "tenant-configs.json"):
            _say(f"tenant configs restored: {restored}")

        # 2. keys
        keys_file = self.home / "gateway-keys.json"
        admin_key = secrets.token_urlsafe(24)
        keys = KeyStore(keys_file)
        ensure_local_tenant(keys, DEMO_TENANT, self.home)
        tenants = {t: k for t, k in load_local_keys(self.home).items() if keys.tenant_for(k) == t}
        demo_key = tenants[DEMO_TENANT]

        # 3. processes: generation serving first (the slowest to start), then processors, then the gateway
        serve_port = free_port()
        serve_ready = self.home / "run" / "serve.url"
        serve_ready.unlink(missing_ok=True)
        serve_log = logs / "serve-generation.log"
        serve_log_offset = serve_log.stat().st_size if serve_log.exists() else 0
        serve = self._spawn(
            "serve-generation",
            ["serve-generation", "--port", str(serve_port), "--ready-file", str(serve_ready)],
            bootstrap,
            death_signal=signal.SIGTERM,  # so that it shuts its own Ray down
        )
        # Models a worker would otherwise convert before binding its web port (stack/prepare_models.py).
        subprocess.run([sys.executable, "-m", "relaydesk.stack.prepare_models"], check=True,
                       stdout=subprocess.DEVNULL, env=self._env(bootstrap, "prepare-models"))
        _wait_ray_started(serve, serve_log_offset, deadline_s=30.0)
        serve_url = f"http://127.0.0.1:{serve_port}"
        workers = stack_workers()
        web_ports = {name: free_port() for name in workers}
        for name in workers:
            extra = {
                "RELAYDESK_WORKER_WEB_PORT": str(web_ports[name]),
                "RELAYDESK_GENERATION_SERVE_URL": f"{serve_url}/generate",
                **worker_env(name),
            }
            self._spawn(f"worker-{name}", ["worker", name], bootstrap, extra)
        search_url = f"http://127.0.0.1:{web_ports['knowledge']}"
        gateway_url = f"http://127.0.0.1:{self.gateway_port}"
        self._spawn(
            "gateway",
            ["gateway", "--port", str(self.gateway_port)],
            bootstrap,
            {
                "RELAYDESK_GATEWAY_KEYS_FILE": str(keys_file),
                "RELAYDESK_GATEWAY_ADMIN_KEY": admin_key,
                "RELAYDESK_GATEWAY_SEARCH_URL": search_url,
                "RELAYDESK_GATEWAY_CONFIG_SNAPSHOT_FILE": str(self.home / "tenant-configs.json"),
            },
        )

        # 4. readiness, under supervision from here on
        self.supervisor = Supervisor(
            self.children,
            policy=self.backoff,
            say=_say_and_log(logs / "supervisor.log"),
            before_restart={"serve-generation": lambda: self._before_serve_restart(serve_ready)},
        )
        # One budget for the whole start (every process loads its models at once, so on a loaded machine any one
        # of them can be slow), rather than a deadline per wait.
        ready_by = time.monotonic() + self.startup_timeout_s - (time.perf_counter() - t0)

        def left() -> float:
            return max(1.0, ready_by - time.monotonic())

        _wait_for("the gateway", lambda: _get(f"{gateway_url}/readyz")[0] == 200, left(), self.supervisor)
        for name in workers:
            url = f"http://127.0.0.1:{web_ports[name]}/readyz"
            _wait_for(f"worker {name}", lambda u=url: _get(u)[0] == 200, left(), self.supervisor)  # type: ignore[misc]
        _wait_for("Ray Serve generation", serve_ready.exists, left(), self.supervisor)
        self.timings["processes_ready_s"] = time.perf_counter() - t0
        _say(f"gateway, {len(workers)} processors and Ray Serve ready")

        services = {c.name: c.pid for c in self.children}
        services["broker"] = self.broker.process.pid if self.broker.process else 0
        endpoints = {"serve": serve_url, "search": search_url}
        endpoints |= {f"worker-{n}": f"http://127.0.0.1:{p}" for n, p in web_ports.items()}
        self.state = StackState(
            gateway_url=gateway_url,
            admin_key=admin_key,
            broker=bootstrap,
            tenants=tenants,
            pid=os.getpid(),
            home=str(self.home),
            services=services,
            endpoints=endpoints,
            internal_token=self.internal_token,
        )
        self.state.restarts = self.supervisor.restarts()
        save_state(self.state, self.home)

        # 5. the demo tenant's knowledge, pushed as update events through the gateway
        from relaydesk.stack.demo_data import push_demo_knowledge

        pushed = push_demo_knowledge(gateway_url, demo_key)
        self.timings["ready_s"] = time.perf_counter() - t0
        _say(f"demo knowledge: {pushed} documents pushed and searchable")
        return self.state

    def _spawn(
        self,
        name: str,
        args: list[str],
        bootstrap: str,
        extra: dict[str, str] | None = None,
        death_signal: int = signal.SIGKILL,
    ) -> Child:
        log = self.home / "logs" / f"{name}.log"
        child = Child(name, args, self._env(bootstrap, name, extra), log, parent_death_signal=death_signal).start()
        self.children.append(child)
        return child

    def _start_reaper(self, logs: Path) -> None:
        logs.mkdir(parents=True, exist_ok=True)
        with (logs / "reaper.log").open("ab") as log:
            self.reaper = subprocess.Popen(
                [sys.executable, "-m", "relaydesk.stack.reaper", "--parent", str(os.getpid()),
                 "--state-file", str(self.home / "stack.json")],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def _before_serve_restart(self, ready_file: Path) -> None:
        # Ray's daemons of the dead driver (found by its temp dir) would hold the proxy port and the GCS.
        kill_stragglers(set(), marker=self.ray_tmp)
        ready_file.unlink(missing_ok=True)

    def watch(self, interval_s: float = 0.5) -> str | None:
        """Supervise until stop() is called; returns "broker" if the broker died (fatal: it held every topic
        in memory). Dead children are restarted with backoff meanwhile."""
        assert self.supervisor is not None, "start() first"
        scanned_at = 0.0
        while not self._stopping.is_set():
            if self.broker is not None and self.broker.process is not None and self.broker.process.poll() is not None:
                return "broker"
            # A scan of the whole process table, for what the children forked (Ray's daemons, forked at start),
            # cost an idle stack 5% of a core at every tick; every DESCENDANT_SCAN_S is enough to know them.
            if time.monotonic() - scanned_at >= DESCENDANT_SCAN_S:
                remember_all(self.children)
                scanned_at = time.monotonic()
            if self.supervisor.poll():
                self._save_supervision()
            self._stopping.wait(interval_s)
        return None

    def _save_supervision(self) -> None:
        if self.state is None or self.supervisor is None:
            return
        self.state.services.update({c.name: c.pid for c in self.children})
        self.state.restarts = self.supervisor.restarts()
        save_state(self.state, self.home)

    def request_stop(self) -> None:
        self._stopping.set()

    def stop(self) -> None:
        stop_children(self.children)
        kill_stragglers(set(), marker=self.ray_tmp)
        if self.broker is not None:
            self.broker.stop()
        clear_state(self.home)
        if self.reaper is not None and self.reaper.poll() is None:
            self.reaper.terminate()
            try:
                self.reaper.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.reaper.kill()
                self.reaper.wait(timeout=5)


def ensure_local_tenant(keys: KeyStore, tenant: str, home: Path) -> str:
    """The tenant's API key, the same across restarts of this home's stack. A tenant whose key this home no
    longer knows (its local keys file was removed) gets a new one, since nobody can present the old one."""
    key = keys.add(tenant)
    if key is None:
        known = load_local_keys(home).get(tenant)
        if known is not None and keys.tenant_for(known) == tenant:
            return known
        key = keys.rotate(tenant)
        _say(f"tenant {tenant}: its API key was unknown here, so it has a new one")
    remember_local_key(tenant, key, home)
    return key


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_up(home: Path, gateway_port: int, partitions: int, demo: bool) -> int:
    stack = LocalStack(home=home, gateway_port=gateway_port, partitions=partitions)

    def on_signal(signum: int, _frame: object) -> None:
        stack.request_stop()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        state = stack.start()
        print(
            json.dumps(
                {
                    "gateway": state.gateway_url,
                    "tenant": DEMO_TENANT,
                    "api_key": state.tenants[DEMO_TENANT],
                    "home": str(home),
                    "startup_s": round(stack.timings["ready_s"], 1),
                }
            ),
            flush=True,
        )
        _say(f"gateway {state.gateway_url} (OpenAPI at {state.gateway_url}/docs)")
        _say(f"tenant '{DEMO_TENANT}' API key: {state.tenants[DEMO_TENANT]}")
        if demo:
            from relaydesk.stack.demo_data import play_demo

            play_demo(state.gateway_url, state.tenants[DEMO_TENANT])
        _say("running; press Ctrl-C to stop")
        died = stack.watch()
        if died:
            _say(
                f"the {died} exited; it kept every topic in memory, so the stack cannot go on without it and stops. "
                f"Its log: {home / 'logs' / (died + '.log')}"
            )
            return 1
        return 0
    except StackError as exc:
        _say(f"start-up failed: {exc}")
        return 1
    finally:
        _say("stopping")
        stack.stop()
        _say("stopped; no process left behind")
