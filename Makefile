# The two commands a fresh clone needs: `make run` (local stack) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The console's end-to-end tests drive Debian's chromium (never a downloaded browser build).
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint format synth bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m devstack run

test: $(STAMP) $(CHROMIUM)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

synth: $(STAMP)
	$(PY) -m infrastructure.synth

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) cdk.out .pytest_cache .ruff_cache .devstack

$(CHROMIUM):
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the console's end-to-end tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "error: the end-to-end tests need Debian's chromium at $(CHROMIUM);" \
			"run 'sudo apt-get install -y chromium' (or set CHROMIUM=/path/to/chromium)" >&2; \
		exit 1; \
	fi
