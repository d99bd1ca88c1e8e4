# crm-lab — the two commands of the README, and their helpers.
#   make suite   run every notebook with its default parameters, in parallel (into build/suite)
#   make test    run the test suite (with the doctests of crm_lab and the wheel-install test)
#   make lint    ruff (configured in pyproject.toml)
# Both create the virtual environment .venv on first use (Python 3.11+).

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
OUT    ?= build/suite
# Test files spread over the cores; a notebook's cells (nbval) stay together in one worker.
PYTEST_PARALLEL ?= -n auto --dist loadfile

.PHONY: suite test install test-min student slides lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

# All notebooks in parallel worker processes (WORKERS=N to choose; default: the cores);
# benchmarks/bench_suite.py reports the per-notebook and total wall time.
suite: $(STAMP)
	$(BIN)/crm-lab run --all --output-dir $(OUT) $(if $(WORKERS),--workers $(WORKERS))

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

# The same tests on the lowest versions pyproject.toml allows (see .ci/min_versions.py).
test-min:
	rm -rf .venv-min
	$(PYTHON) -m venv .venv-min
	$(PYTHON) .ci/min_versions.py > .venv-min/constraints.txt
	.venv-min/bin/python -m pip install --quiet --upgrade pip
	.venv-min/bin/python -m pip install --quiet -c .venv-min/constraints.txt -e ".[test]"
	.venv-min/bin/python -m pytest $(PYTEST_PARALLEL)

# Not yet part of `make test` or .ci/run (files still to be cleaned up).
lint: $(STAMP)
	$(BIN)/ruff check crm_lab tests benchmarks conftest.py setup.py

# Student versions (solutions and outputs removed) in build/student, and the instructor
# notebooks with nbgrader's cell metadata as an nbgrader course in build/nbgrader
# (then: cd build/nbgrader && nbgrader generate_assignment crm-lab).
student: $(STAMP)
	$(BIN)/crm-lab student --output-dir build/student
	$(BIN)/python -c "from crm_lab import teaching; teaching.make_nbgrader_sources('build/nbgrader')"

# Offline reveal.js slides of every notebook (executed with the default parameters) in
# build/slides: one self-contained NAME.slides.html each, to copy to a USB stick.
slides: $(STAMP)
	$(BIN)/crm-lab slides --all --output-dir build/slides

clean:
	rm -rf build .venv-min
