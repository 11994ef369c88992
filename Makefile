# aftersales_service: the two commands a new user needs are `make run` and
# `make test`; the rest are their steps.
SHELL := /bin/bash
PYTHON ?= python3
PGHOST ?= 127.0.0.1
PGPORT ?= 5432
PGUSER ?= odoo
DB ?= aftersales
TEST_DB ?= aftersales_test
HTTP_PORT ?= 8069
export PYTHON PGHOST PGPORT PGUSER HTTP_PORT

VAR := .var
CONF := $(VAR)/odoo.conf
ODOO := $(PYTHON) -m odoo
# PDF reports (with Chinese fonts), the browser tests, and pdftotext to read the PDFs back.
APT_PACKAGES := wkhtmltopdf fonts-noto-cjk chromium poppler-utils

.PHONY: run test lint pot readme odoo deps pg conf clean screenshots demo-db bench soak

odoo:
	@tools/check-odoo

# Python packages from PyPI; Debian packages for PDF reports and browser tests.
deps: odoo $(VAR)/deps.stamp
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends$$missing >/dev/null; \
	fi

$(VAR)/deps.stamp: requirements.txt
	@mkdir -p $(VAR)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r requirements.txt
	@touch $@

pg: odoo
	@tools/pg-up

conf: odoo
	@tools/odoo-conf $(CONF)

# Serve the demo database at http://127.0.0.1:$(HTTP_PORT) (admin/admin).
run: demo-db
	@echo "Odoo serves $(DB) at http://127.0.0.1:$(HTTP_PORT) (login admin, password admin). Ctrl-C stops it."
	$(ODOO) -c $(CONF) -d $(DB) --db-filter='^$(DB)$$' --http-interface=127.0.0.1 --http-port=$(HTTP_PORT)

# The screens of each role, in English and Chinese, from the demo database,
# into docs/screenshots/ (headless Chromium; Odoo on a free loopback port).
screenshots: demo-db
	$(PYTHON) tools/screenshots $(CONF) $(DB)

demo-db: deps pg conf
	@if ! psql -h $(PGHOST) -p $(PGPORT) -U $(PGUSER) -d postgres -Atc "select 1 from pg_database where datname='$(DB)'" | grep -q 1; then \
	  echo "Creating database $(DB) with aftersales_service and demo data (a few minutes)..."; \
	  $(ODOO) -c $(CONF) -d $(DB) -i aftersales_service --with-demo --stop-after-init --logfile=$(VAR)/install-$(DB).log \
	    || { tail -n 30 $(VAR)/install-$(DB).log; exit 1; }; \
	fi

lint: deps
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m pylint --rcfile=.pylintrc-mandatory aftersales_service
	$(PYTHON) tools/gen-readme --check

# Fresh test database: install with demo data and without (logs checked), then
# the add-on's tests and the outside-client tests under pytest-odoo.
test: deps pg conf lint
	@tools/run-tests $(CONF) $(TEST_DB)

# The add-on beside its reference, measured in one run: bench/RESULTS.md.
# Sizes: $(PYTHON) bench/bench.py --help; pass them as BENCH_ARGS="...".
bench: deps pg conf $(VAR)/bench-deps.stamp
	$(PYTHON) bench/bench.py $(CONF) $(BENCH_ARGS)

$(VAR)/bench-deps.stamp: bench/requirements.txt
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r bench/requirements.txt
	@touch $@

# Scheduled actions killed (SIGKILL) mid-run and run again: bench/SOAK.md.
soak: deps pg conf
	$(PYTHON) bench/soak.py $(CONF) $(SOAK_ARGS)

# Regenerate the translation template from the test database.
pot: deps pg conf
	$(ODOO) i18n export -c $(CONF) -d $(TEST_DB) -o aftersales_service/i18n/aftersales_service.pot aftersales_service

# The add-on's README.rst from readme/*.md and the manifest, in the layout of
# OCA's oca-gen-addon-readme (not on PyPI; tools/gen-readme stands in for it).
readme: odoo
	$(PYTHON) tools/gen-readme aftersales_service

clean:
	-@tools/pg-down
	rm -rf $(VAR)
