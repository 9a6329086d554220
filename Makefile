# muc-component: build, test and run targets. `make help` lists them.
SWIFT ?= swift
CONFIG ?= Fixtures/config/local-demo.toml
# A test run still going after this many minutes (build included) is stopped by scripts/test-watchdog.sh,
# which names the tests that never finished and prints the test process's threads.
TEST_MINUTES ?= 30

.PHONY: help deps build test test-postgres scansion interop differential demo run release bench bench-instructions clean

help:
	@echo "make build     - debug build"
	@echo "make test      - all tests: unit tests and the scansion fixtures against the fake server"
	@echo "make test-postgres - storage and crash tests against a throwaway PostgreSQL server"
	@echo "make scansion  - run Fixtures/scansion/*.scs with scansion-run (PASS/FAIL per script)"
	@echo "make differential - every scansion script against this service and Prosody's own MUC, received stanzas compared (needs root)"
	@echo "make demo      - private Prosody on loopback with the service attached; prints how to chat; Ctrl-C stops it"
	@echo "make interop   - the scansion scripts through real Prosody and ejabberd (installs them; needs root), plus link loss"
	@echo "make run       - run the service with CONFIG=$(CONFIG)"
	@echo "make release   - optimised build in .build/release"
	@echo "make bench     - benchmark: the service alone and behind Prosody and ejabberd (docs/performance.md)"
	@echo "make bench-instructions - Prosody's instructions per delivery behind the service and the echo (valgrind)"

# Debian packages the build needs (libxml2-dev, pkg-config), installed when missing.
deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

test: deps
	scripts/test-watchdog.sh $(TEST_MINUTES) $(SWIFT) test

# Needs the Debian package postgresql (installed by .ci/run); starts and removes its own server.
# The crash tests freeze that server for seconds (SIGSTOP, an unreachable database), so they run
# after the storage suites, never beside them: a storage test caught in the freeze would fail.
test-postgres:
	@scripts/install-deps.sh postgresql
	scripts/with-postgres.sh sh -c "scripts/test-watchdog.sh $(TEST_MINUTES) $(SWIFT) test --filter StorageTests \
		&& scripts/test-watchdog.sh $(TEST_MINUTES) $(SWIFT) test --skip-build --filter CrashRecoveryTests"

interop:
	bash scripts/interop/run.sh

differential:
	bash scripts/differential/run.sh

demo:
	bash scripts/interop/demo.sh

scansion: build
	$(SWIFT) run scansion-run Fixtures/scansion

run: build
	$(SWIFT) run muc-component run --config $(CONFIG)

release: deps
	$(SWIFT) build -c release

bench:
	scripts/bench/run.sh

bench-instructions:
	scripts/bench/instructions.sh

clean:
	rm -rf .build
