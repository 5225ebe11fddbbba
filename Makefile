# The two commands: `make run` (the app with a demo edition on SQLite) and `make test` (the suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000

.PHONY: run test install install-test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-app

install: $(VENV)/.installed-app
	$(BIN)/pb i18n compile

install-test: $(VENV)/.installed-test
	$(BIN)/pb i18n compile

# Links pb writes (e-mails, letters, codes, the demo's voting links) use the port served:
# `make run PORT=5100` gives links on 5100 (unless PB_BASE_URL says otherwise).
run: export PB_BASE_URL := $(or $(PB_BASE_URL),http://127.0.0.1:$(PORT))
run: install
	$(BIN)/pb db upgrade
	$(BIN)/pb demo --if-empty
	$(BIN)/pb run --host 127.0.0.1 --port $(PORT)

test: install-test
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
