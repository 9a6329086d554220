#!/usr/bin/env bash
# Prosody's instructions per delivered stanza behind muc-component and behind the echo component,
# counted by valgrind (callgrind) instead of timed (`make bench-instructions`).
#
# Behind Prosody the target "ours at least 95 % of the echo's deliveries/s" is a ratio of two
# throughputs that Prosody's single core limits; on a shared VM a 2-second phase varies by
# ±10–50 % from one run to the next, more than the difference the target is about. An
# instruction count does not depend on the machine's speed: this script runs a private Prosody under
# callgrind, and for each component (ours, echo) runs the same bench scenario twice, with and
# without the message phase. The difference of Prosody's instruction counts between the two runs,
# divided by the deliveries, is what Prosody executes per delivered message; its inverse ratio
# (echo / ours) is the throughput ratio to expect while Prosody's core is the bottleneck.
#
# Environment:
#   BENCH_IR_ROUNDS   rounds of (ours, echo) pairs (default 2)
#   BENCH_IR_ARGS     the scenario (default: 10 rooms x 10 occupants x 10 messages, 1 in flight,
#                     10 000 deliveries; under callgrind Prosody delivers ~350 stanzas/s)
#   BENCH_BUILD=0     use the existing release binaries
#   BENCH_SERVICE     the muc-component binary (default .build/release/muc-component)
#   BENCH_OUT         output directory (default .build/bench/instructions-<date>)
#   BENCH_IR_JSON     also append the result as one JSON line to this file (run.sh's results)
set -uo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/scripts/bench
# shellcheck source=servers.sh
. "$HERE/servers.sh"

ROUNDS=${BENCH_IR_ROUNDS:-2}
read -r -a SCENARIO <<< "${BENCH_IR_ARGS:---rooms 10 --occupants 10 --messages 10}"
OUT=${BENCH_OUT:-$ROOT/.build/bench/instructions-$(date -u +%Y%m%d-%H%M%S)}
SECRET=bench$RANDOM$RANDOM
BENCH=$ROOT/.build/release/muc-bench
SERVICE=${BENCH_SERVICE:-$ROOT/.build/release/muc-component}
RESULTS=$OUT/results.txt
mkdir -p "$OUT/work"

if [ "${BENCH_BUILD:-1}" != 0 ]; then
    swift build -c release --product muc-component || exit 2
    swift build -c release --product muc-bench || exit 2
fi
[ -x "$BENCH" ] && [ -x "$SERVICE" ] || { echo "missing $BENCH or $SERVICE" >&2; exit 2; }
ensure_packages valgrind || exit 2
command -v callgrind_control > /dev/null || { echo "callgrind_control is missing (package valgrind)" >&2; exit 2; }

ensure_packages prosody || exit 2
PROSODY_COMMAND="valgrind --tool=callgrind --callgrind-out-file=$OUT/callgrind.out.%p lua5.4 $(command -v prosody)"
if ! bench_prosody_start "$OUT/prosody" "$SECRET"; then echo "Prosody did not start under valgrind" >&2; exit 2; fi
trap prosody_stop EXIT
common=(server --port "$PROSODY_PORT" --secret "$SECRET-load" --server-pid "$PROSODY_PID"
        --warmup-joins 0 --stall-seconds 120 --connect-timeout 120 --quiet)
ours=("${common[@]}" --muc conference.localhost --spawn-service --service "$SERVICE"
      --service-secret "$SECRET-conference")
echo=("${common[@]}" --muc echo-rooms.localhost --spawn-echo --echo-ids --service-secret "$SECRET-echo")

# prosody_instructions ARGS...: one bench run; prints Prosody's instruction count during it and
# the deliveries it counted ("IR DELIVERIES"), or fails.
prosody_instructions() {
    local json=$OUT/work/run.json
    callgrind_control --zero "$PROSODY_PID" > /dev/null 2>&1 || return 1
    "$BENCH" "$@" --work-dir "$OUT/work/last" > "$json" || { tail -n 3 "$json" >&2; return 1; }
    callgrind_control --dump "$PROSODY_PID" > /dev/null 2>&1 || return 1
    python3 - "$OUT" "$PROSODY_PID" "$json" <<'PY'
import glob, json, os, sys
out, pid, path = sys.argv[1:]
dumps = glob.glob(f"{out}/callgrind.out.{pid}.*")
newest = max(dumps, key=os.path.getmtime)
ir = next(int(l.split()[1]) for l in open(newest) if l.startswith(("totals:", "summary:")))
report = json.loads(open(path).read().strip().splitlines()[-1])
if not report.get("ok"):
    sys.exit("the bench run was not correct: " + json.dumps(report.get("correctness")))
print(ir, report.get("received", {}).get("deliveries", 0))
PY
}

echo "Prosody under callgrind; scenario: ${SCENARIO[*]}; $ROUNDS round(s); results in $RESULTS"
: > "$RESULTS"
# Unmeasured: the first component sessions and joins of a fresh Prosody cost it more (one-time work).
prosody_instructions "${ours[@]}" "${SCENARIO[@]}" --messages 0 > /dev/null || exit 1
prosody_instructions "${echo[@]}" "${SCENARIO[@]}" --messages 0 > /dev/null || exit 1
for ((round = 1; round <= ROUNDS; round++)); do
    for part in ours echo; do
        if [ "$part" = ours ]; then args=("${ours[@]}"); else args=("${echo[@]}"); fi
        idle=$(prosody_instructions "${args[@]}" "${SCENARIO[@]}" --messages 0) || exit 1
        full=$(prosody_instructions "${args[@]}" "${SCENARIO[@]}") || exit 1
        read -r ir0 _ <<< "$idle"
        read -r ir1 deliveries <<< "$full"
        per=$(( (ir1 - ir0) / deliveries ))
        echo "$part $per" >> "$RESULTS"
        printf '  round %d  %-4s  %s instructions with messages, %s without, %s deliveries: %s per delivery\n' \
            "$round" "$part" "$ir1" "$ir0" "$deliveries" "$per"
    done
done
python3 - "$RESULTS" "${BENCH_IR_JSON:-}" "${SCENARIO[*]}" <<'PY'
import json, statistics, sys
results, json_out, scenario = sys.argv[1:]
per = {}
for line in open(results):
    part, n = line.split()
    per.setdefault(part, []).append(int(n))
ours, echo = statistics.mean(per["ours"]), statistics.mean(per["echo"])
print(f"Prosody instructions per delivery: ours {ours:,.0f}, echo {echo:,.0f}; "
      f"expected deliveries/s ours / echo while Prosody is the bottleneck: {echo / ours:.3f}")
if json_out:
    with open(json_out, "a") as f:
        f.write(json.dumps({"target": "prosody", "tag": "instructions", "scenario": scenario,
                            "ours_per_delivery": per["ours"], "echo_per_delivery": per["echo"],
                            "expected_ratio": round(echo / ours, 4)}) + "\n")
PY
