# The README's commands. Only Python >= 3.11 and pip are needed: uv is installed into
# .tools/ on first use, and it is never allowed to download a Python of its own.
SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON ?= $(shell command -v $(PYTHON))

.PHONY: install run test lint bench schemas

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv>=0.5,<1"

install: $(UV)
	$(UV) sync --frozen --quiet

run: install
	$(UV) run --frozen --no-sync python scripts/run_stack.py

test: install
	$(UV) run --frozen --no-sync pytest

lint: install
	$(UV) run --frozen --no-sync ruff check .
	$(UV) run --frozen --no-sync ruff format --check .
	$(UV) run --frozen --no-sync mypy libs services gateway scripts bench tests
	$(UV) run --frozen --no-sync lint-imports

bench: install
	$(UV) run --frozen --no-sync python bench/run_all.py

schemas: install
	$(UV) run --frozen --no-sync python scripts/generate_event_docs.py
