"""Find a data file inside an installed package by location, without importing the package (some are data
carriers whose code needs what is not installed; others load a shared library on import)."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def package_file(package: str, name: str, install_hint: str, error: type[Exception]) -> Path:
    """`<package dir>/<name>`, or `error` saying what to install or what is missing."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise error(install_hint)
    path = Path(next(iter(spec.submodule_search_locations))) / name
    if not path.is_file():
        raise error(f"{name} is missing from the {package} package")
    return path
