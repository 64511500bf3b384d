# Creator support assistant - one task runner. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
VENV_RASA   := .venv-rasa
PY          := $(VENV)/bin/python
RASA        := RASA_TELEMETRY_ENABLED=false $(VENV_RASA)/bin/rasa
STAMP_DIR   := var/stamps
MODEL_HASH  := var/model.sha256
RASA_INPUTS := config.yml $(shell find bot/domain bot/data nlu_data bot/components -type f \( -name '*.yml' -o -name '*.py' \) 2>/dev/null | sort)

export RASA_TELEMETRY_ENABLED := false
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help setup run test test-fast bench bench-nlu lint fmt train index validate clean browsers

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

setup: $(STAMP_DIR)/venv $(STAMP_DIR)/venv-rasa ## create both virtual environments (idempotent)

$(STAMP_DIR)/venv: requirements.txt requirements-dev.txt requirements-nodeps.txt pyproject.toml
	@mkdir -p $(STAMP_DIR)
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -r requirements-nodeps.txt
	$(PY) -m pip install -q --no-deps -e .
	@touch $@

$(STAMP_DIR)/venv-rasa: requirements-rasa.txt requirements-rasa-nodeps.txt constraints-rasa.txt
	@mkdir -p $(STAMP_DIR)
	@test -x $(VENV_RASA)/bin/python || { PY310=$$(scripts/find-python310); $$PY310 -m venv $(VENV_RASA); }
	$(VENV_RASA)/bin/python -m pip install -q --upgrade "pip<25" setuptools wheel
	$(VENV_RASA)/bin/python -m pip install -q -r requirements-rasa.txt -c constraints-rasa.txt
	$(VENV_RASA)/bin/python -m pip install -q --no-deps -r requirements-rasa-nodeps.txt
	@touch $@

train: setup ## train the Rasa model if config, domain or data changed
	@scripts/train-if-changed

index: setup ## validate the articles and build the search index (incremental)
	@$(VENV)/bin/kb validate
	@$(VENV)/bin/kb build

run: setup train index ## start hub (8000), Rasa (5005), actions (5055) on loopback
	@scripts/run

browsers: ## install Debian's chromium for the browser tests
	@scripts/install-chromium

test: setup train index browsers ## run every test (unit, Rasa, end-to-end, browser)
	@scripts/test

test-fast: setup ## unit tests only
	$(PY) -m pytest -q tests/unit

bench: setup train index browsers ## benchmarks (knowledge base, safety, hub); figures go to var/bench/
	$(PY) -m benchmarks.kb
	$(PY) -m benchmarks.safety
	$(PY) -m benchmarks.hub

bench-nlu: setup train ## NLU cross-validation of config.yml vs Rasa's default pipeline, Rasa server parse time (slow)
	@scripts/bench-nlu

lint: setup ## ruff and mypy
	$(VENV)/bin/ruff check knowledge_base handoff bot/actions tests benchmarks
	$(VENV)/bin/mypy knowledge_base handoff bot/actions

fmt: setup ## format with ruff
	$(VENV)/bin/ruff format knowledge_base handoff bot/actions tests benchmarks
	$(VENV)/bin/ruff check --fix knowledge_base handoff bot/actions tests benchmarks

clean: ## remove generated data (keeps the virtual environments)
	rm -rf var models
