# The README's two commands: `make demo` and `make test`. Both set up from scratch.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test demo bench venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The main job on the embedded emulator: validate, plan, apply the saved plan, then plan again ("No changes").
DEMO := .reconciler/demo
demo: $(STAMP)
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/reconciler validate manifests/
	RECONCILER_ENDPOINT=emulator:$(DEMO)/emulator.db $(BIN)/reconciler plan manifests/ --out $(DEMO)/plan.json
	RECONCILER_ENDPOINT=emulator:$(DEMO)/emulator.db $(BIN)/reconciler apply $(DEMO)/plan.json --journal $(DEMO)/journal.jsonl
	RECONCILER_ENDPOINT=emulator:$(DEMO)/emulator.db $(BIN)/reconciler plan manifests/ --detailed-exitcode

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .reconciler .pytest_cache
