#!/usr/bin/env bash
# Runs a test command under a time limit.
#   scripts/test-watchdog.sh MINUTES COMMAND [ARG...]
# A wait that never ends inside the test process (a swift-testing time limit cannot cancel a wait on
# an EventLoopFuture) would otherwise keep the run going until CI's own limit and leave nothing to
# go on. Past MINUTES this prints the tests that started and never finished and every thread's stack
# (when gdb is installed), stops the run and exits 124. Otherwise it exits with the command's status.
set -uo pipefail
minutes=$1
shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Own process group, so that everything the command started can be stopped together.
setsid bash -c 'set -o pipefail; "$@" 2>&1 | tee "$0"' "$log" "$@" &
leader=$!
deadline=$((SECONDS + minutes * 60))
while kill -0 "$leader" 2>/dev/null; do
  if ((SECONDS >= deadline)); then
    echo
    echo "=== test-watchdog: '$*' still running after $minutes minutes; tests started and not finished:"
    python3 - "$log" <<'EOF'
import re, sys
started, ended = [], set()
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"Test (.+?) started\.", line)
    if m:
        started.append(m.group(1))
    m = re.search(r"Test (.+?) (passed|failed|skipped|recorded)", line)
    if m:
        ended.add(m.group(1))
for name in started:
    if name not in ended:
        print("    " + name)
EOF
    if command -v gdb >/dev/null; then
      for p in $(pgrep -g "$leader" -f 'PackageTests.xctest'); do
        echo "=== test-watchdog: threads of test process $p"
        gdb -p "$p" -batch -ex 'thread apply all bt 30' 2>/dev/null | grep -E '^Thread|^#'
      done
    fi
    kill -TERM -- "-$leader" 2>/dev/null
    sleep 3
    kill -KILL -- "-$leader" 2>/dev/null
    wait "$leader" 2>/dev/null
    echo "=== test-watchdog: stopped after $minutes minutes"
    exit 124
  fi
  sleep 5
done
wait "$leader"
