# The two commands: `make run` (the app with a demo edition on SQLite) and `make test` (the suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000

# Every install is pinned by constraints.txt, the lock generated from pyproject.toml (`make lock`).
LOCK   := constraints.txt

.PHONY: run test install install-test bench lock clean vendor-leaflet

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-app: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(LOCK) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[test]'
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
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[test,bench]'
	$(BIN)/python bench/run.py

# The one command that regenerates the lock, after a dependency changed in pyproject.toml (or a
# merge brought one): every extra, resolved for Python 3.11 on Linux, the newest versions the
# bounds allow. Then `make install-test` and the suite, and commit both files.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet 'uv>=0.5,<1'
	$(BIN)/uv pip compile --quiet pyproject.toml --all-extras --python-version 3.11 --python-platform linux \
		--custom-compile-command "make lock" --annotation-style line -o $(LOCK)

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis

# Leaflet (the map) is vendored into static/vendor/leaflet from its npm package: pb serves it
# itself (no CDN). To change version: edit LEAFLET_VERSION, run `make vendor-leaflet` (needs
# npm), check the map pages, commit static/vendor/leaflet. See docs/map.md.
LEAFLET_VERSION = 1.9.4
vendor-leaflet:
	rm -rf var/leaflet && mkdir -p var/leaflet
	cd var/leaflet && npm pack --silent leaflet@$(LEAFLET_VERSION)
	tar xzf var/leaflet/leaflet-$(LEAFLET_VERSION).tgz -C var/leaflet
	rm -rf static/vendor/leaflet && mkdir -p static/vendor/leaflet/images
	cp var/leaflet/package/dist/leaflet.js var/leaflet/package/dist/leaflet.css var/leaflet/package/LICENSE \
		static/vendor/leaflet/
	cp var/leaflet/package/dist/images/*.png static/vendor/leaflet/images/
	echo "leaflet@$(LEAFLET_VERSION)" > static/vendor/leaflet/VERSION
