# muc-component: build, test and run targets. `make help` lists them.
SWIFT ?= swift
CONFIG ?= Fixtures/config/local-demo.toml

.PHONY: help build test unit scansion run release clean

help:
	@echo "make build     - debug build"
	@echo "make test      - all tests: unit tests and the scansion fixtures against the fake server"
	@echo "make scansion  - run Fixtures/scansion/*.scs with scansion-run (PASS/FAIL per script)"
	@echo "make run       - run the service with CONFIG=$(CONFIG)"
	@echo "make release   - optimised build in .build/release"

build:
	$(SWIFT) build

test:
	$(SWIFT) test

scansion: build
	$(SWIFT) run scansion-run Fixtures/scansion

run: build
	$(SWIFT) run muc-component run --config $(CONFIG)

release:
	$(SWIFT) build -c release

clean:
	rm -rf .build
