# One command to run the app, one to run the tests; both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check
RUNTIME := $(VENV)/.installed-runtime
TESTING := $(VENV)/.installed-test
NO_READER := $(VENV)/.reader-unavailable
# pytest-xdist workers: 4 on the 2-core reference machine, because Pilot tests spend most of
# their time waiting (for the app to go idle, for daemons and subprocesses) and two workers
# left the cores idle half of the time (measured: 18.5 min with 2, 10.5 min with 4);
# worksteal keeps the slow tests from ending up on one worker. `make test WORKERS=0`: serially.
WORKERS ?= 4
# mypy and import-linter run as soon as their sections exist in pyproject.toml;
# TYPECHECK=0 / IMPORTCHECK=0 leave them out.
TYPECHECK ?= $(if $(shell grep -s '^\[tool\.mypy\]' pyproject.toml),1,0)
IMPORTCHECK ?= $(if $(shell grep -s '^\[tool\.importlinter\]' pyproject.toml),1,0)

.PHONY: run demo test lint typecheck importcheck openapi models bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The app alone: no test tools, and no pyscard (the 'reader' extra needs swig and PC/SC headers).
$(RUNTIME): pyproject.toml | $(BIN)/python
	$(PIP) -e .
	touch $@

# The test tools, then the card reader support if this machine can build it.
$(TESTING): pyproject.toml | $(BIN)/python
	$(PIP) -e '.[test]'
	@rm -f $(NO_READER)
	@$(PIP) -e '.[reader]' >$(VENV)/reader-install.log 2>&1 || touch $(NO_READER)
	touch $(RUNTIME) $@

run: $(RUNTIME)
	$(BIN)/branchdesk demo

test: $(TESTING)
	@if [ -e $(NO_READER) ]; then echo "make test: pyscard (the 'reader' extra) could not be built here (needs swig and libpcsclite-dev, see $(VENV)/reader-install.log): the PC/SC tests skip."; fi
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	@if [ "$(TYPECHECK)" = 1 ]; then echo "$(BIN)/mypy"; $(BIN)/mypy; fi
	@if [ "$(IMPORTCHECK)" = 1 ]; then echo "$(BIN)/lint-imports"; $(BIN)/lint-imports; fi
	$(BIN)/pytest -q $(if $(filter 0,$(WORKERS)),,-n $(WORKERS) --dist worksteal)

lint: $(TESTING)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

typecheck: $(TESTING)
	$(BIN)/mypy

importcheck: $(TESTING)
	$(BIN)/lint-imports

openapi: $(RUNTIME)
	$(BIN)/branchdesk openapi > clients/openapi.json

models: $(TESTING)
	$(BIN)/python tests/support/contract_types.py > clients/models.new
	$(BIN)/ruff format --stdin-filename clients/models.py - < clients/models.new > clients/models.py
	rm -f clients/models.new

bench: $(TESTING)
	for b in bench/*; do [ -x "$$b" ] && PATH="$(CURDIR)/$(BIN):$$PATH" "$$b"; done

clean:
	rm -rf $(VENV) build dist *.egg-info
