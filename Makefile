# Two commands matter: `make demo` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed

.PHONY: demo lab test unit lint bench sandbox screenshots clean install

# The runtime: the package with JupyterLab (the [lab] extra); enough for the demo.
$(RUNTIME): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(RUNTIME)

# Development: the runtime plus the test, lint and type-checking tools.
$(STAMP): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e ".[lab]" --group dev
	touch $(STAMP)

install: $(STAMP)

demo: $(RUNTIME)
	$(BIN)/attentive-nb demo

lab: $(RUNTIME)
	$(BIN)/attentive-nb lab

sandbox: $(RUNTIME)
	$(BIN)/attentive-nb sandbox

test: lint
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

lint: $(STAMP)
	$(BIN)/ruff check attentive_nb tests benchmarks scripts docs
	$(BIN)/ruff format --check attentive_nb tests benchmarks scripts docs
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_sandbox.py
	$(BIN)/python benchmarks/sim_ratelimit.py
	$(BIN)/python benchmarks/bench_send.py
	$(BIN)/python benchmarks/bench_shared_pace.py
	$(BIN)/python benchmarks/bench_bulk.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/python benchmarks/bench_ledger.py
	$(BIN)/python benchmarks/bench_lookup.py
	$(BIN)/python benchmarks/bench_cpu.py
	$(BIN)/python benchmarks/bench_companies.py
	$(BIN)/python benchmarks/bench_stream.py

# Refresh the README's screenshots from the browser test and the sign-in panel script.
screenshots: $(STAMP)
	ATTENTIVE_NB_UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser -q
	$(BIN)/python docs/make_signin_screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
