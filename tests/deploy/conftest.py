from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from deploy.deploy_chart import ChartRenderer, RenderedChart, scenario_names, scenario_values


@pytest.fixture(scope="session")
def renderer() -> Iterator[ChartRenderer]:
    pytest.importorskip("helm_python", reason="helm-python-sdk (Helm's Go library for Python) is not installed")
    chart = ChartRenderer()
    yield chart
    chart.close()


@pytest.fixture(scope="session")
def render_scenario(renderer: ChartRenderer) -> Callable[[str], RenderedChart]:
    """Renders each scenario (default values or a ci/*.yaml file) once per session."""
    cache: dict[str, RenderedChart] = {}

    def render(name: str) -> RenderedChart:
        if name not in cache:
            cache[name] = renderer.render(scenario_values(name))
        return cache[name]

    return render


@pytest.fixture(params=scenario_names())
def scenario(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def rendered(scenario: str, render_scenario: Callable[[str], RenderedChart]) -> RenderedChart:
    return render_scenario(scenario)


@pytest.fixture
def render(renderer: ChartRenderer) -> Callable[[dict[str, Any]], RenderedChart]:
    return renderer.render
