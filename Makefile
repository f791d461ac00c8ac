# Two commands a newcomer needs (README): `make run` and `make test`. Both set up the machine first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
ASSETS := forms_service/static/govuk-frontend.min.css
NODE := node_modules/.package-lock.json

.PHONY: run test test-browser setup system-deps test-deps bench messages clean

run: setup
	DEMO_MODE=$${DEMO_MODE:-1} $(BIN)/forms-service serve

# One pytest worker per core (TEST_WORKERS=1 for one process); the browser tests share one worker.
TEST_WORKERS ?= auto
test: setup test-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

# The browser journeys and accessibility checks alone (tests/browser, Chromium).
test-browser: setup test-deps
	$(BIN)/python -m pytest tests/browser

setup: system-deps $(STAMP) $(ASSETS)

system-deps:
	@scripts/install-system-deps.sh

test-deps:
	@scripts/install-system-deps.sh --test

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

# npm packages pinned in package-lock.json: GOV.UK Frontend; for the tests (devDependencies, which npm ci installs),
# axe-core for the browser tests and oidc-provider, the OpenID provider the single sign-on tests start on loopback.
$(NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# GOV.UK Frontend's assets; its CSS expects /assets/fonts and /assets/images.
$(ASSETS): $(NODE)
	mkdir -p forms_service/static
	cp -R node_modules/govuk-frontend/dist/govuk/assets/fonts node_modules/govuk-frontend/dist/govuk/assets/images \
	      node_modules/govuk-frontend/dist/govuk/assets/manifest.json forms_service/static/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js forms_service/static/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css $@

bench: setup
	@scripts/install-system-deps.sh --bench
	$(BIN)/python benchmarks/run.py

# The letters' fixed words into the message catalogues (forms_service/translations/), after a template changes.
messages: setup
	$(BIN)/python tools/extract_messages.py

clean:
	rm -rf $(VENV) node_modules forms_service/static/fonts forms_service/static/images \
	       forms_service/static/manifest.json forms_service/static/govuk-frontend.min.*
