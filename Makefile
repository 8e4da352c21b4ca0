# One command to run the app, one to run the tests; both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test lint openapi models bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/branchdesk demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

openapi: $(STAMP)
	$(BIN)/branchdesk openapi > clients/openapi.json

models: $(STAMP)
	$(BIN)/python tests/support/contract_types.py > clients/models.new
	$(BIN)/ruff format --stdin-filename clients/models.py - < clients/models.new > clients/models.py
	rm -f clients/models.new

bench: $(STAMP)
	for b in bench/*; do [ -x "$$b" ] && "$$b"; done

clean:
	rm -rf $(VENV) build dist *.egg-info
