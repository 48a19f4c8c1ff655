# plonesocial: the everyday commands.  `make run` and `make test` are all a
# fresh machine needs; see README.md.

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8080
SMTP_PORT ?= 8025
SITE ?= Plone
STORAGE ?= filestorage
INSTANCE ?= var/instance$(if $(filter-out filestorage,$(STORAGE)),-$(STORAGE))
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
STAMP := $(VENV)/.installed
TESTRUNNER := PYTHONPATH=$(CURDIR) $(BIN)/zope-testrunner --path src --test-path $(CURDIR) --auto-color --auto-progress

.DEFAULT_GOAL := help

.PHONY: help install axe instance site run jobs chromium stress bench test test-unit test-buildout buildout i18n lint format \
        security-matrix pins pins-generate pins-check clean distclean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): setup.py constraints.txt requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -c constraints.txt pip setuptools wheel
	$(PIP) install -q -r requirements.txt
	touch $@

install: $(STAMP) axe ## Create .venv and install plonesocial with the pinned Plone

node_modules/axe-core/axe.min.js: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund; \
	else echo "no npm: the browser tests skip their axe checks (CI=true fails instead)"; fi

axe: node_modules/axe-core/axe.min.js ## Install axe-core (pinned in package-lock.json) for the browser tests

$(INSTANCE)/etc/zope.conf: scripts/instance.py | $(STAMP)
	$(BIN)/python scripts/instance.py $(INSTANCE) --storage $(STORAGE)

instance: $(INSTANCE)/etc/zope.conf ## Create the Zope instance (FileStorage under var/)

site: instance ## Create the Plone site with demo users and data if it does not exist
	SMTP_PORT=$(SMTP_PORT) $(BIN)/zconsole run $(INSTANCE)/etc/zope.conf scripts/create_site.py $(SITE)

run: $(STAMP) ## Serve the demo site on http://localhost:$(PORT) with the realtime gateway (STORAGE=filestorage|zeo|relstorage)
	BIN=$(BIN) STORAGE=$(STORAGE) HOST=$(HOST) PORT=$(PORT) SMTP_PORT=$(SMTP_PORT) \
	  SITE=$(SITE) INSTANCE=$(INSTANCE) scripts/run.sh

jobs: instance ## Run the scheduled jobs once (digests, fan-out, cleanup); stop `make run` first
	@# The demo mails to a debugging SMTP server that `make run` started and stopped:
	@# start one for the jobs unless something listens already.
	@smtp=; if ! $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', $(SMTP_PORT)), 1)" 2>/dev/null; then \
	  $(BIN)/python -m aiosmtpd -n -l 127.0.0.1:$(SMTP_PORT) & smtp=$$!; sleep 1; \
	  echo "Mail goes to a debugging SMTP server on 127.0.0.1:$(SMTP_PORT), printed below"; fi; \
	$(BIN)/plonesocial-jobs $(INSTANCE)/etc/zope.conf all; status=$$?; \
	if [ -n "$$smtp" ]; then kill $$smtp; fi; exit $$status

chromium: ## Install Debian's Chromium for the browser tests (needs root and apt)
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version)"; \
	elif command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "no apt-get: install Chromium yourself, or the browser tests skip"; fi

test: $(STAMP) lint axe ## Run every test: lint, unit, integration and the doctests in docs/
	$(BIN)/python scripts/pins.py check
	$(BIN)/python scripts/i18n.py check
	$(TESTRUNNER) -v

lint: $(STAMP) ## ruff (pycodestyle, pyflakes, Plone's import order, no private access) and zpretty
	$(BIN)/ruff check .
	$(BIN)/zpretty --check --include '\.(xml|zcml)$$' src

format: $(STAMP) ## Fix what ruff can (imports) and format the ZCML and profile XML with zpretty
	$(BIN)/ruff check --fix .
	$(BIN)/zpretty -i --include '\.(xml|zcml)$$' src

test-unit: $(STAMP) ## Run only the fast unit tests (no Plone layer)
	$(TESTRUNNER) -v --layer zope.testrunner.layer.UnitTests

i18n: $(STAMP) ## Extract the messages into locales/plonesocial.pot and update the .po files
	$(BIN)/python scripts/i18n.py

security-matrix: $(STAMP) ## Regenerate the permission matrix in docs/security.md from the registered endpoints
	PYTHONPATH=$(CURDIR) $(BIN)/python scripts/security_matrix.py

stress: $(STAMP) ## The full stress run on ZEO and RelStorage/PostgreSQL, with a killed client and restarts
	for storage in zeo relstorage; do \
	  $(BIN)/python scripts/stress.py --storage $$storage --processes 4 --threads 4 --ops 150 || exit 1; \
	  $(BIN)/python scripts/stress.py --storage $$storage --processes 4 --threads 4 --ops 150 --kill --restart || exit 1; \
	done

bench: $(STAMP) ## Benchmarks S1-S6 on FileStorage, ZEO and RelStorage/PostgreSQL, S7 realtime: a table and var/bench/results.json
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

pins: ## Re-resolve pins/requirements.in into the known-good set and regenerate the pin files
	$(PYTHON) scripts/pins.py refresh

pins-generate: ## Regenerate constraints.txt and versions.cfg from pins/known-good.txt
	$(PYTHON) scripts/pins.py generate

pins-check: ## Fail if constraints.txt or versions.cfg do not match pins/known-good.txt
	$(PYTHON) scripts/pins.py check

var/buildout/bin/buildout: constraints.txt
	test -x var/buildout/bin/python || $(PYTHON) -m venv var/buildout
	var/buildout/bin/python -m pip install -q -c constraints.txt pip setuptools wheel zc.buildout
	touch $@

buildout: var/buildout/bin/buildout ## Run buildout: bin/instance and bin/test with versions.cfg
	var/buildout/bin/buildout -N -c buildout.cfg

test-buildout: buildout ## Build with buildout, run the install tests with bin/test, check zeo.cfg and relstorage.cfg
	bin/test -v -t test_setup
	scripts/buildout_storages.sh

clean: ## Remove the virtualenv and build artefacts (keeps var/ and its data)
	rm -rf $(VENV) bin develop-eggs eggs parts .installed.cfg src/*.egg-info

distclean: clean ## Remove everything, the site's data in var/ too
	rm -rf var
