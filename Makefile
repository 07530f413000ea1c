# Two commands do all set-up on a fresh machine:
#   make run   - create .venv, install, ingest the sample corpus if the database is empty, fit a
#                default topic run and make theme suggestions if there are none yet, and start
#                the app on http://127.0.0.1:8501
#   make test  - create .venv with the dev extras, check style and types, run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PIP = $(BIN)/python -m pip install --quiet -c constraints.txt

.PHONY: run test lint typecheck install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/workbench ingest corpus/sample --if-empty
	$(BIN)/workbench model fit --if-none --quiet
	$(BIN)/workbench suggest --if-none
	$(BIN)/workbench serve

lint: install-dev
	$(BIN)/ruff check .

typecheck: lint
	$(BIN)/mypy

test: typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
