# Kanri's front door. `make run` and `make test` work on a fresh Debian 12 machine: they
# install what is missing, build, and then serve or test.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
KANRI := build/bin/kanri
export KANRI_DATABASE ?= sqlite://$(CURDIR)/var/kanri.db
export KANRI_LISTEN ?= 127.0.0.1:8080

.PHONY: run test build deps bench unit api-tests api-sqlite api-postgres system-tests clean

deps:
	@scripts/install-deps

build: deps
	@cmake --preset release >/dev/null
	@cmake --build build -j $(JOBS)

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

bench: build
	@bench/run-all

clean:
	rm -rf build build-debug build-asan
