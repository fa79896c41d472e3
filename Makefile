# Kanri's front door. `make run` and `make test` work on a fresh Debian 12 machine: they
# install what is missing, build, and then serve or test.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
KANRI := build/bin/kanri
export KANRI_DATABASE ?= sqlite://$(CURDIR)/var/kanri.db
export KANRI_LISTEN ?= 127.0.0.1:8080

.PHONY: run test build web deps bench unit api-tests api-sqlite api-postgres system-tests browser-tests clean

# The web UI's browser code (web/src → web/dist, see vite.config.mjs), rebuilt only when a
# source, the build configuration or the locked npm packages changed since the last build.
WEB_MANIFEST := web/dist/.vite/manifest.json
WEB_INPUTS := $(shell find web/src 2>/dev/null) vite.config.mjs package-lock.json

deps:
	@scripts/install-deps

build: deps
	@$(MAKE) -s --no-print-directory $(WEB_MANIFEST)
	@cmake --preset release >/dev/null
	@cmake --build build -j $(JOBS)

web: deps
	@$(MAKE) -s --no-print-directory $(WEB_MANIFEST)

$(WEB_MANIFEST): $(WEB_INPUTS)
	@node node_modules/vite/bin/vite.js build --logLevel warn
	@touch $@

run: build
	@mkdir -p var
	@$(KANRI) init --demo
	@echo "Kanri on http://$(KANRI_LISTEN)  — sign in at http://$(KANRI_LISTEN)/login as admin (its password is printed above"
	@echo "  at the first init, or taken from KANRI_ADMIN_PASSWORD) or as a demo user (sato, tanaka…: password printed above)."
	@echo "  An API token: KANRI_DATABASE=$(KANRI_DATABASE) $(KANRI) token create --user admin"
	@$(KANRI) serve

test: build
	@scripts/run-tests

unit: build
	@ctest --test-dir build --output-on-failure -j $(JOBS)

api-sqlite: build
	@python3 tests/api/runner.py --engine sqlite

api-postgres: build
	@python3 tests/api/runner.py --engine postgres

browser-tests: build
	@python3 tests/system/web_ui.py --engine sqlite

bench: build
	@cmake --build build -j $(JOBS) --target bench-tools
	@bench/run-all

clean:
	rm -rf build build-debug build-asan web/dist
