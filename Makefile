# Two commands a newcomer needs (README): `make run` and `make test`. Both set up the machine first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
ASSETS := forms_service/static/govuk-frontend.min.css

.PHONY: run test setup system-deps bench clean

run: setup
	DEMO_MODE=$${DEMO_MODE:-1} $(BIN)/forms-service serve

test: setup
	$(BIN)/python -m pytest

setup: system-deps $(STAMP) $(ASSETS)

system-deps:
	@scripts/install-system-deps.sh

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

# GOV.UK Frontend from npm, pinned in package-lock.json; its CSS expects /assets/fonts and /assets/images.
$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p forms_service/static
	cp -R node_modules/govuk-frontend/dist/govuk/assets/fonts node_modules/govuk-frontend/dist/govuk/assets/images \
	      node_modules/govuk-frontend/dist/govuk/assets/manifest.json forms_service/static/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js forms_service/static/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css $@

bench: setup
	@scripts/install-bench-deps.sh
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) node_modules forms_service/static/fonts forms_service/static/images \
	       forms_service/static/manifest.json forms_service/static/govuk-frontend.min.*
