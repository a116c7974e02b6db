# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= $(shell for p in python3 python3.11 python3.12 python3.13; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	&& { command -v $$p; break; }; done)
VENV ?= .venv
EXTRAS ?= test
PORT ?= 8000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(EXTRAS)

.PHONY: run test lint bench bench-quick eval clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Parceldesk needs Python 3.11 or newer (python3.11+ on PATH)."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	@touch $(STAMP)

# The sandbox's histories unfold an hour per second here, so a demo moves while you watch.
run: export SANDBOX_CLOCK_SPEED ?= 3600
run: export SWEEP_INTERVAL_SECONDS ?= 10
run: $(STAMP)
	$(BIN)/parceldesk up --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m bench

bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

# Leave-one-source-out accuracy of the classifier on config/corpus (docs/classification.md).
eval: $(STAMP)
	$(BIN)/parceldesk classify --evaluate

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
