# The two commands: `make run` (the app with a demo edition on SQLite) and `make test` (the suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000

.PHONY: run test install install-test bench clean vendor-leaflet

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
