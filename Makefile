# The README's commands. Only Python >= 3.11 and pip are needed: uv is installed into
# .tools/ on first use, and it is never allowed to download a Python of its own.
SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON ?= $(shell $(PYTHON) -c "import sys; print(sys.executable)")

.PHONY: install run test lint bench soak schemas schemas-release contracts-wheel images client

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv>=0.5,<1"

install: $(UV)
	$(UV) sync --frozen --quiet

run: install
	$(VENV)/python scripts/run_stack.py

test: install
	# Four workers for the unit and service tests, a file per worker: they mostly wait on
	# databases and the broker (two workers kept 2 cores 38% busy; 12:43 against 9:38 with
	# four); then the system tests, which start whole stacks, alone.
	$(VENV)/pytest -n 4 --dist loadfile --ignore=tests/system
	$(VENV)/pytest tests/system

# Each package declares every library it imports (its image installs nothing else) and
# nothing it does not use: deptry, run on each workspace member (its code and migrations)
# against its own pyproject.toml. And the lock matches every pyproject.toml.
PACKAGES := $(filter-out clients/typescript,$(wildcard libs/* services/* clients/*)) gateway migrate

lint: install
	$(UV) lock --check --quiet
	@for package in $(PACKAGES); do \
	  echo "deptry $$package"; \
	  (cd $$package && $(CURDIR)/$(VENV)/deptry src $$(test -d migrations && echo migrations)) \
	    || exit 1; \
	done
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy libs services gateway migrate clients scripts bench tests
	$(VENV)/lint-imports

bench: install
	$(VENV)/python bench/run_all.py

# An hour of a realistic mix through the gateway (MEDIAOPS_SOAK_SECONDS to shorten it):
# memory, latency, 5xx and the catch-up after, plotted to docs/soak.png.
soak: install
	$(VENV)/python -m bench.bench_soak

schemas: install
	$(VENV)/python scripts/generate_event_docs.py

# Cut a release of the event schemas: docs/events/released/ becomes what they are now, the
# baseline later changes must stay compatible with (docs/events/README.md, Compatibility).
schemas-release: install
	$(VENV)/python scripts/release_event_schemas.py $(if $(ACCEPT_BREAKING),--accept-breaking)

# The event-contracts wheel internal teams install (pydantic is its only dependency).
contracts-wheel: install
	$(UV) build --package event-contracts --wheel --out-dir dist
# The TypeScript client: the merged OpenAPI document into clients/typescript/openapi.json,
# its types into src/schema.d.ts (openapi-typescript; npm ci first when needed).
client: install
	$(VENV)/python scripts/typescript_client.py

# Every image, named as compose names them (MEDIAOPS_IMAGE_PREFIX, MEDIAOPS_TAG; mirrors
# from MEDIAOPS_PYTHON_IMAGE, MEDIAOPS_PYPI_MIRROR, MEDIAOPS_PYPI_FILES_MIRROR). Needs Docker.
images: install
	$(VENV)/python scripts/build_images.py
