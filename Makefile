# muc-component: build, test and run targets. `make help` lists them.
SWIFT ?= swift
CONFIG ?= Fixtures/config/local-demo.toml

.PHONY: help build test test-postgres scansion run release bench clean

help:
	@echo "make build     - debug build"
	@echo "make test      - all tests: unit tests and the scansion fixtures against the fake server"
	@echo "make test-postgres - storage and crash tests against a throwaway PostgreSQL server"
	@echo "make scansion  - run Fixtures/scansion/*.scs with scansion-run (PASS/FAIL per script)"
	@echo "make run       - run the service with CONFIG=$(CONFIG)"
	@echo "make release   - optimised build in .build/release"
	@echo "make bench     - benchmark: the service alone and behind Prosody and ejabberd (docs/performance.md)"

build:
	$(SWIFT) build

test:
	$(SWIFT) test

# Needs the Debian package postgresql (installed by .ci/run); starts and removes its own server.
test-postgres:
	scripts/with-postgres.sh $(SWIFT) test --filter 'StorageTests|CrashRecoveryTests'

scansion: build
	$(SWIFT) run scansion-run Fixtures/scansion

run: build
	$(SWIFT) run muc-component run --config $(CONFIG)

release:
	$(SWIFT) build -c release

bench:
	scripts/bench/run.sh

clean:
	rm -rf .build
