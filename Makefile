# The two commands of this project: `make conformance` and `make test`.
# Each creates .venv (Python 3.11+) and installs the pinned dependencies into it on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test conformance lint bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit("ocpp-upi needs Python 3.11+") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## Run the conformance suite against the bundled reference CSMS; writes reports/.
conformance: $(STAMP)
	$(BIN)/ocpp-upi run

## Run the harness's own tests (lint, unit, property, fault injection, external-profile path).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/validate.py

clean:
	rm -rf $(VENV) reports/allure-results reports/junit.xml reports/summary.json
