# crm-lab — the two commands of the README, and their helpers.
#   make suite   run every notebook with its default parameters (into build/suite)
#   make test    run the test suite (with the doctests of crm_lab and the wheel-install test)
#   make lint    ruff (configured in pyproject.toml)
# Both create the virtual environment .venv on first use (Python 3.11+).

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
OUT    ?= build/suite

.PHONY: suite test install test-min student lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

suite: $(STAMP)
	$(BIN)/crm-lab run --all --output-dir $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest

# The same tests on the lowest versions pyproject.toml allows (see .ci/min_versions.py).
test-min:
	rm -rf .venv-min
	$(PYTHON) -m venv .venv-min
	$(PYTHON) .ci/min_versions.py > .venv-min/constraints.txt
	.venv-min/bin/python -m pip install --quiet --upgrade pip
	.venv-min/bin/python -m pip install --quiet -c .venv-min/constraints.txt -e ".[test]"
	.venv-min/bin/python -m pytest

# Not yet part of `make test` or .ci/run (files still to be cleaned up).
lint: $(STAMP)
	$(BIN)/ruff check crm_lab tests benchmarks conftest.py setup.py

# Student versions (solutions and outputs removed) in build/student, and the instructor
# notebooks with nbgrader's cell metadata as an nbgrader course in build/nbgrader
# (then: cd build/nbgrader && nbgrader generate_assignment crm-lab).
student: $(STAMP)
	$(BIN)/crm-lab student --output-dir build/student
	$(BIN)/python -c "from crm_lab import teaching; teaching.make_nbgrader_sources('build/nbgrader')"

clean:
	rm -rf build .venv-min
