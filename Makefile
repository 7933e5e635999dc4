# The two commands of this project: `make conformance` and `make test`.
# Each creates .venv (Python 3.11+) and installs the pinned dependencies into it on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# A CSMS this project did not write (AGPL-3.0): installed at test time into its own venv only,
# never vendored or imported, so tests/foreign can certify the harness against it.
FOREIGN_VENV  := .venv-foreign
FOREIGN_STAMP := $(FOREIGN_VENV)/.installed
# The browser driver's self-test drives the system's Chromium: the Debian package, never a
# browser download (installing it needs root, as on CI).
CHROMIUM := /usr/bin/chromium

.PHONY: test check conformance bench clean

# Bytecode (and pytest's rewritten modules) is cached: the suite and the self-tests start many
# Python processes, and each would otherwise compile and rewrite the same ~300 modules again.
unexport PYTHONDONTWRITEBYTECODE

# pip installs uv (pinned in constraints.txt) and uv installs the rest: the same pinned
# versions from PyPI, in about half of pip's time on a clean machine, compiled to bytecode as pip
# does (the self-tests' child processes write none, and would compile every module each time).
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit("ocpp-upi needs Python 3.11+") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e '.[dev]'
	touch $(STAMP)

$(FOREIGN_STAMP): tests/foreign/constraints.txt $(STAMP)
	$(PYTHON) -m venv $(FOREIGN_VENV)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(FOREIGN_VENV)/bin/python \
		-c tests/foreign/constraints.txt ocpp-csms
	touch $(FOREIGN_STAMP)

$(CHROMIUM):
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

## Run the conformance suite against the bundled reference CSMS; writes reports/ (JUnit,
## summary.json, Allure results, and the reviewer's conformance.html / conformance.md).
conformance: $(STAMP)
	$(BIN)/ocpp-upi run; status=$$?; $(BIN)/ocpp-upi report; exit $$status

## The fast layer, for every edit: lint, format, unit and property tests (under a minute, on
## pytest-xdist workers: one per core, at most four).
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -m "not slow" -n auto --maxprocesses 4

## Run the harness's own tests: the fast layer first (a broken unit test is seen in a minute),
## then the slow one (integration, the foreign CSMS, fault injection, fleet mode; marked in
## tests/conftest.py) on four workers, a module per worker (its module-scoped suite runs are
## shared by its tests): most of it waits on the suites its tests start, so four workers pay off
## on two cores. The two busiest modules start first, the rest longest first (tests/conftest.py
## gives the order). The slow layer's own prerequisites (the foreign CSMS's
## venv, Chromium from apt: about 40 s on a clean machine, mostly download) install while the
## fast layer runs; each target's output is printed whole when it ends.
test: $(STAMP)
	$(MAKE) --no-print-directory -j3 --output-sync=target check $(FOREIGN_STAMP) $(CHROMIUM)
	$(BIN)/pytest -m slow -n 4 --dist loadfile --no-loadscope-reorder

## Benchmarks (figures, never pass/fail gates): validator throughput, harness CPU per scenario.
bench: $(STAMP)
	$(BIN)/python benchmarks/validate.py
	$(BIN)/python benchmarks/overhead.py

clean:
	rm -rf $(VENV) $(FOREIGN_VENV) reports/allure-results reports/junit.xml reports/summary.json \
		reports/conformance.html reports/conformance.md reports/traces reports/fleet
