# Two commands on a fresh machine (see README):
#   make run   - set everything up, run the baseline city and write its results
#   make test  - set everything up and run the test suite
# and the workshop dashboard: make dashboard (http://127.0.0.1:8765, no internet needed); the workshop room,
# where everyone decides from their own phone: make room (see README);
# the researchers' notebooks in JupyterLab: make notebooks.
PYTHON ?= $(shell command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian's Chromium drives the dashboard's browser test (Playwright's own browser download needs the internet).
CHROMIUM := /usr/bin/chromium
# make dashboard CITY=mycity.toml MAP=wijkenbuurten_2024.gpkg starts the dashboard in a real city (vitality city import).
export VITALITY_CITY = $(CITY)
export VITALITY_MAP = $(MAP)

.PHONY: setup browser run test lint bench dashboard room notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
		(echo "Python 3.12 or newer is needed (found $$($(PYTHON) --version)); install it or set PYTHON=..." && exit 2)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
# compile the model's kernels now (about a minute, said aloud), so that the first `make run` starts at once
	$(BIN)/python -m model.experiments.kernels
	touch $(STAMP)

setup: $(STAMP)

browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the dashboard's browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	else \
		echo "$(CHROMIUM) is missing: the dashboard's browser test will be skipped."; \
		echo "Install it with: sudo apt-get install --no-install-recommends chromium"; \
	fi

run: setup
	$(BIN)/vitality run

test: setup browser
	$(BIN)/python -m pytest -q

dashboard: setup
	$(BIN)/solara run dashboard.py --host 127.0.0.1 --production

room: setup
	$(BIN)/vitality room

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python benchmarks/throughput.py

$(VENV)/.notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,notebooks]"
	touch $@

notebooks: $(VENV)/.notebooks
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) results
