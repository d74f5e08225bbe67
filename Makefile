# Two commands do all the set-up on a fresh machine (see README):
#   make demo   — install into .venv, then check the bundled compliant sample claim
#   make test   — install into .venv, then lint and run the test suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
CLUSTER_TESTS := tests/test_cluster_scheduler.py tests/test_cluster.py

.PHONY: demo test lint fixtures bench clean

$(BIN)/coop-rules: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/coop-rules
	$(BIN)/coop-rules check fixtures/claims/compliant

test: $(BIN)/coop-rules
	$(BIN)/ruff check coop_rules tests fixtures bench
	$(BIN)/ruff format --check coop_rules tests fixtures bench
	$(BIN)/mypy
	.ci/wheel-check $(BIN)/python
	$(BIN)/pytest -m "slow or not slow" $(CLUSTER_TESTS:%=--ignore=%)
	# The Dask tests each in a process of their own: a LocalCluster leaves threads and
	# child-process state behind in the process that started it.
	for t in $(CLUSTER_TESTS); do $(BIN)/pytest -m "slow or not slow" $$t || exit 1; done

lint: $(BIN)/coop-rules
	$(BIN)/ruff check coop_rules tests fixtures bench
	$(BIN)/ruff format --check coop_rules tests fixtures bench
	$(BIN)/mypy

fixtures: $(BIN)/coop-rules
	$(BIN)/python fixtures/generate.py

bench: $(BIN)/coop-rules
	$(BIN)/python bench/check.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
