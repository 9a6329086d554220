#!/usr/bin/env bash
# The benchmark (`make bench`): builds release binaries, runs the standard scenarios against
#   direct          muc-component alone, the bench playing the XMPP server
#   archive         the same on SQLite (synchronous = FULL) in persistent rooms, archive off against
#                   archive on (A, B, C interleaved), then the archive store alone: appends/s, page
#                   latency and bytes per message over BENCH_ARCHIVE_MESSAGES messages in 1 000 rooms,
#                   on SQLite and on PostgreSQL (a throwaway server with its default durability)
#   prosody-muc     Prosody 0.12 with its own mod_muc
#   prosody-ours    Prosody with muc-component attached as a component
#   prosody-echo    Prosody with the do-nothing echo component (its routing ceiling)
#   ejabberd-muc, ejabberd-ours, ejabberd-echo   the same with ejabberd 23.01
#   c2s             real client connections (scripts/bench/c2s.py: c2s logins over TCP, SASL PLAIN)
#                   through one Prosody: c2s-prosody-mam (its mod_muc + mod_muc_mam, archive in
#                   SQLite) against c2s-ours (muc-component, SQLite, archive on), B and C,
#                   interleaved; not in the default targets (about 20 minutes: Prosody's archive
#                   commits every message on its main loop, so its C takes minutes)
# and prints a table with ratios (docs/performance.md explains how to read it).
#
# Environment:
#   BENCH_TARGETS    groups to run (default "direct archive prosody ejabberd")
#   BENCH_ARCHIVE_MESSAGES  messages of the archive store runs (default 10 000 000; about 9 GB on disk
#                    for SQLite while it runs, removed afterwards)
#   BENCH_ARCHIVE_PAIRS  archive off / on pairs of A, B and C (default 3; the table takes the medians)
#   BENCH_SCENARIOS  scenarios to run (default "A B C D E F G"; see scenario_args below)
#   BENCH_SLOW=1     also run the combinations left out by default because they take more than
#                    ten minutes: G (O(n²) presence burst) behind the servers, and F against
#                    Prosody's own mod_muc (it spends O(occupants) per join even with lean presence:
#                    ~30 ms per join at 1 000 occupants, so filling 10 000 takes about half an hour)
#   BENCH_PARTS      what to run behind each server (default "muc ours echo")
#   BENCH_OUT        output directory (default .build/bench/<date>)
#   BENCH_BUILD=0    use the existing release binaries
#   BENCH_DEADLINE   seconds after which remaining runs are skipped (default 1200)
#   BENCH_PERF=1     also record a perf profile of the direct 1x100 message phase
#   BENCH_REPEAT=N   behind each server, run A, B and C N times for ours and for the echo,
#                    interleaved (ours, echo, ours, echo, …); the table takes the median run.
#                    Default 3 behind Prosody (a run takes ~30 s there) and 7 behind ejabberd
#                    (~4 s: its phases of A last half a second, too short for one pair to say much)
#   BENCH_SERVICE    the muc-component binary to measure (default .build/release/muc-component;
#                    another build, to compare two versions with BENCH_BUILD=0)
#   BENCH_LONG=N     N times the messages per sender in A, B and C (behind a server a 2-second
#                    phase varies more between runs than the few percent it is meant to show)
#   BENCH_FRESH_SERVER=1  a new Prosody or ejabberd instance for every run behind it (slower; no run
#                    inherits the server state an earlier one left)
#   BENCH_C2S_REPEAT=N  runs of each c2s target and scenario, interleaved (default 3; the table
#                    takes the median)
#   BENCH_C2S_DEADLINE  seconds after the c2s group's start after which its remaining runs are
#                    skipped (default 3600; the group does not use BENCH_DEADLINE)
#   BENCH_INSTRUCTIONS=0  skip the count of Prosody's instructions per delivery behind ours and the
#                    echo (scripts/bench/instructions.sh, about 4 minutes), which runs by default
#                    when prosody is among the targets: the steady figure behind "ours / echo"
set -uo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/scripts/bench
# shellcheck source=servers.sh
. "$HERE/servers.sh"

TARGETS=${BENCH_TARGETS:-"direct archive prosody ejabberd"}
ARCHIVE_MESSAGES=${BENCH_ARCHIVE_MESSAGES:-10000000}
ARCHIVE_PAIRS=${BENCH_ARCHIVE_PAIRS:-3}
SCENARIOS=${BENCH_SCENARIOS:-"A B C D E F G"}
PARTS=${BENCH_PARTS:-"muc ours echo"}
has_part() { [[ " $PARTS " == *" $1 "* ]]; }
OUT=${BENCH_OUT:-$ROOT/.build/bench/$(date -u +%Y%m%d-%H%M%S)}
DEADLINE=${BENCH_DEADLINE:-1200}
LONG=${BENCH_LONG:-1}
REPEAT=${BENCH_REPEAT:-}
SECRET=bench$RANDOM$RANDOM
BENCH=$ROOT/.build/release/muc-bench
SERVICE=${BENCH_SERVICE:-$ROOT/.build/release/muc-component}
RESULTS=$OUT/results.jsonl
START=$(date +%s)
mkdir -p "$OUT/logs" "$OUT/work"
: > "$RESULTS"

# The standard scenarios (rooms x occupants x messages per sender).
scenario_args() {
    case $1 in
        A) echo "--rooms 1 --occupants 10 --messages $((200 * LONG)) --in-flight 8 --warmup 10" ;;
        B) echo "--rooms 1 --occupants 100 --messages $((20 * LONG)) --warmup 2" ;;
        C) echo "--rooms 100 --occupants 10 --messages $((20 * LONG)) --warmup 2" ;;
        D) echo "--rooms 500 --occupants 10 --messages 0" ;;
        E) echo "--rooms 1 --occupants 1000 --messages 10 --senders 50 --lean --no-leave --join-window 256" ;;
        F) echo "--rooms 1 --occupants 10000 --messages 5 --senders 10 --lean --no-leave --join-window 256" ;;
        G) echo "--rooms 1 --occupants 1000 --messages 0 --no-leave" ;;
        *) echo "unknown scenario $1" >&2; return 1 ;;
    esac
}

scenario_title() {
    case $1 in
        A) echo "1 x 10 x 200, 8 in flight" ;;
        B) echo "1 x 100 x 20, 1 in flight" ;;
        C) echo "100 x 10 x 20, 1 in flight" ;;
        D) echo "5 000 joins over 500 rooms" ;;
        E) echo "1 x 1 000, lean presence (50 senders x 10)" ;;
        F) echo "1 x 10 000, lean presence (10 senders x 5)" ;;
        G) echo "1 x 1 000 joins, full presence (every occupant sees every nick)" ;;
    esac
}

# The echo component only needs the message scenarios (the routing ceiling).
echo_scenarios() {
    local s out=""
    for s in $SCENARIOS; do case $s in A|B|C) out="$out $s" ;; esac; done
    echo "$out"
}

elapsed() { echo $(( $(date +%s) - START )); }

# Scenarios for a server target ($1): G, and F on prosody-muc, only with BENCH_SLOW=1.
server_scenarios() {
    local s out=""
    for s in $SCENARIOS; do
        if [ "${BENCH_SLOW:-0}" != 1 ]; then
            [ "$s" = G ] && continue
            [ "$s" = F ] && [ "$1" = prosody-muc ] && continue
        fi
        out="$out $s"
    done
    echo "$out"
}

# run_bench TARGET SCENARIO ARGS... : one bench run, its JSON line appended to results.jsonl.
run_bench() {
    local target=$1 scenario=$2
    shift 2
    if [ "$(elapsed)" -ge "$DEADLINE" ]; then
        echo "  $target $scenario: skipped (deadline of ${DEADLINE}s reached)"
        echo "{\"target\":\"$target\",\"tag\":\"$scenario\",\"skipped\":true}" >> "$RESULTS"
        return 0
    fi
    local log=$OUT/logs/$target-$scenario$RUN_SUFFIX.txt
    local before
    before=$(wc -l < "$RESULTS")
    # shellcheck disable=SC2046
    timeout 600 "$BENCH" "$@" $(scenario_args "$scenario") --label "$target" --tag "$scenario" \
        --json-out "$RESULTS" --work-dir "$OUT/work/$target-$scenario$RUN_SUFFIX" > "$log" 2>&1
    local rc=$?
    printf '  %-14s %s %5ss  %s%s\n' "$target" "$scenario" "$(elapsed)" "$(python3 "$HERE/table.py" --summary "$log")" \
        "$([ $rc -eq 0 ] || echo "  [exit $rc, see $log]")"
    if [ "$(wc -l < "$RESULTS")" = "$before" ]; then
        # No result line (a setup error or the time limit): record the failure for the table.
        echo "{\"target\":\"$target\",\"tag\":\"$scenario\",\"failed\":true}" >> "$RESULTS"
        tail -n 5 "$log" | sed 's/^/      /'
    fi
}

if [ "${BENCH_BUILD:-1}" != 0 ]; then
    echo "building release binaries (swift build -c release)…"
    # One product per invocation: SwiftPM builds only the last of several --product flags.
    swift build -c release --product muc-component || exit 2
    swift build -c release --product muc-bench || exit 2
fi
[ -x "$BENCH" ] && [ -x "$SERVICE" ] || { echo "missing $BENCH or $SERVICE" >&2; exit 2; }

START=$(date +%s)
RUN_SUFFIX=
"$BENCH" selftest --rounds 50 || exit 2
echo "muc-bench run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores; results in $OUT"
echo "scenarios:"
for s in $SCENARIOS; do echo "  $s  $(scenario_title "$s")  [$(scenario_args "$s")]"; done

# server_up GROUP: starts Prosody or ejabberd (a new instance in a new folder) and sets pid and the
# argument lists common (the load tool), ours (plus our service) and echo (plus the echo component).
# RESTARTS numbers the folders of the instances after the first.
server_up() {
    local group=$1 dir load_port conference_port echo_port
    SERVER_USED=0
    dir=$OUT/$group
    [ "$RESTARTS" -gt 0 ] && dir=$OUT/$group-$RESTARTS
    if [ "$group" = prosody ]; then
        if ! bench_prosody_start "$dir" "$SECRET"; then echo "Prosody did not start; skipped"; return 1; fi
        pid=$PROSODY_PID
        load_port=$PROSODY_PORT
        conference_port=$PROSODY_PORT
        echo_port=$PROSODY_PORT
    else
        if ! bench_ejabberd_start "$dir" "$SECRET"; then echo "ejabberd did not start; skipped"; return 1; fi
        pid=$EJABBERD_PID
        load_port=$EJABBERD_PORT_LOAD
        conference_port=$EJABBERD_PORT_CONFERENCE
        echo_port=$EJABBERD_PORT_ECHO
    fi
    common=(server --port "$load_port" --secret "$SECRET-load" --server-pid "$pid")
    ours=("${common[@]}" --muc conference.localhost --spawn-service --service "$SERVICE"
          --service-secret "$SECRET-conference" --service-port "$conference_port")
    # With --echo-ids the echo sends what the service sends (occupant and stanza ids, the sender's
    # xml:lang; `muc-bench selftest` checks it), from a domain as long as conference.localhost.
    echo=("${common[@]}" --muc echo-rooms.localhost --spawn-echo --echo-ids --service-secret "$SECRET-echo" --service-port "$echo_port")
}

server_down() {
    if [ "$1" = prosody ]; then prosody_stop; else ejabberd_stop; fi
}

# fresh_server GROUP: with BENCH_FRESH_SERVER=1, a new server instance for every run after the
# first on an instance, so that no run inherits the state (heap, caches) an earlier one left.
FRESH=${BENCH_FRESH_SERVER:-0}
fresh_server() {
    if [ "$FRESH" = 1 ] && [ "$SERVER_USED" = 1 ]; then
        server_down "$1"
        RESTARTS=$((RESTARTS + 1))
        server_up "$1" || return 1
    fi
    SERVER_USED=1
}

# archive_store BACKEND: muc-bench archive-store on sqlite or postgres, its JSON line into the results.
archive_store() {
    local backend=$1 log=$OUT/logs/archive-store-$1.txt rc
    if [ "$(elapsed)" -ge "$DEADLINE" ]; then
        echo "  archive-$backend: skipped (deadline of ${DEADLINE}s reached)"
        return 0
    fi
    local args=(archive-store --backend "$backend" --messages "$ARCHIVE_MESSAGES" --rooms 1000 --batch 2000
                --queries 2000 --page 50 --json-out "$RESULTS")
    if [ "$backend" = sqlite ]; then
        rm -f "$OUT/work/archive.sqlite"*
        timeout 3600 "$BENCH" "${args[@]}" --path "$OUT/work/archive.sqlite" > "$log" 2>&1
        rc=$?
        rm -f "$OUT/work/archive.sqlite"*
    else
        if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
            echo "  archive-postgres: skipped (no PostgreSQL server: apt-get install postgresql)"
            return 0
        fi
        PG_DURABLE=1 timeout 3600 "$ROOT/scripts/with-postgres.sh" sh -c 'MUC_BENCH_POSTGRES=$MUC_TEST_POSTGRES exec "$0" "$@"' \
            "$BENCH" "${args[@]}" > "$log" 2>&1
        rc=$?
    fi
    sed -n 's/^/  /p' "$log" | grep -E "appended|pages of|bytes" || true
    [ $rc -eq 0 ] || echo "  archive-$backend: exit $rc, see $log"
}

cleanup() {
    component_stop
    prosody_stop
    ejabberd_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_c2s TARGET SCENARIO MUC_DOMAIN [ARGS...]: one c2s.py run through the c2s Prosody, its JSON
# line appended to results.jsonl (a failure line when it wrote none).
C2S_PASSWORD=bench$RANDOM
run_c2s() {
    local target=$1 scenario=$2 muc=$3
    shift 3
    if [ $(( $(date +%s) - C2S_START )) -ge "$C2S_DEADLINE" ]; then
        echo "  $target $scenario: skipped (c2s deadline of ${C2S_DEADLINE}s reached)"
        echo "{\"target\":\"$target\",\"tag\":\"$scenario\",\"skipped\":true}" >> "$RESULTS"
        return 0
    fi
    local log=$OUT/logs/$target-$scenario$RUN_SUFFIX.txt before rc
    before=$(wc -l < "$RESULTS")
    # shellcheck disable=SC2046
    timeout 1800 python3 "$HERE/c2s.py" --port "$PROSODY_C2S_PORT" --password "$C2S_PASSWORD" --muc "$muc" \
        --server-pid "$PROSODY_PID" --service-pid "$COMPONENT_PID" $(scenario_args "$scenario") \
        --timeout 1200 --target "$target" --tag "$scenario" --run-id "$(echo "$scenario$RUN_SUFFIX" | tr 'A-Z' 'a-z')" \
        --json-out "$RESULTS" "$@" > "$log" 2>&1
    rc=$?
    printf '  %-16s %s %5ss  %s\n' "$target" "$scenario" "$(elapsed)" "$(tail -n 1 "$log")"
    if [ "$(wc -l < "$RESULTS")" = "$before" ]; then
        echo "{\"target\":\"$target\",\"tag\":\"$scenario\",\"failed\":true}" >> "$RESULTS"
        tail -n 5 "$log" | sed 's/^/      /'
    fi
    [ $rc -eq 0 ] || echo "      [exit $rc, see $log]"
}

for group in $TARGETS; do
    case $group in
    c2s)
        # Real clients: B and C only (c2s.py keeps one message in flight per sender).
        C2S_START=$(date +%s)
        C2S_DEADLINE=${BENCH_C2S_DEADLINE:-3600}
        c2s_scenarios=""
        users=0
        for s in $SCENARIOS; do
            case $s in
                B) c2s_scenarios="$c2s_scenarios B"; [ "$users" -ge 100 ] || users=100 ;;
                C) c2s_scenarios="$c2s_scenarios C"; users=1000 ;;
            esac
        done
        [ -n "$c2s_scenarios" ] || { echo "c2s: only scenarios B and C (none selected)"; continue; }
        if ! bench_prosody_c2s_start "$OUT/c2s/prosody" "$SECRET" "$users" "$C2S_PASSWORD"; then
            echo "c2s: Prosody did not start; skipped"; continue
        fi
        if ! bench_c2s_service_start "$OUT/c2s/service" "$SERVICE" "$SECRET" "$PROSODY_PORT"; then
            echo "c2s: muc-component did not attach; skipped"; prosody_stop; continue
        fi
        echo "c2s (Prosody pid $PROSODY_PID, c2s port $PROSODY_C2S_PORT, $users accounts; muc-component pid $COMPONENT_PID):"
        for ((rep = 1; rep <= ${BENCH_C2S_REPEAT:-3}; rep++)); do
            RUN_SUFFIX=$([ "$rep" = 1 ] || echo "-$rep")
            for s in $c2s_scenarios; do
                run_c2s c2s-prosody-mam "$s" muc.localhost --service-idle
                run_c2s c2s-ours "$s" conference.localhost
            done
        done
        RUN_SUFFIX=
        component_stop
        prosody_stop
        ;;
    direct)
        echo "direct (the service alone):"
        for s in $SCENARIOS; do
            extra=""
            if [ "$s" = B ]; then
                extra="--paced-fraction 0.5"
                if [ "${BENCH_PERF:-0}" = 1 ]; then extra="$extra --perf-record $OUT/direct-B.perf.data"; fi
            fi
            # shellcheck disable=SC2086
            run_bench direct "$s" direct --service "$SERVICE" $extra
        done
        ;;
    archive)
        echo "archive (the service alone on SQLite, synchronous = FULL, persistent rooms; archive off then on, $ARCHIVE_PAIRS pairs):"
        for ((rep = 1; rep <= ARCHIVE_PAIRS; rep++)); do
            RUN_SUFFIX=$([ "$rep" = 1 ] || echo "-$rep")
            for s in $(echo_scenarios); do
                for archiving in off on; do
                    target=direct-sqlite
                    [ "$archiving" = on ] && target=direct-archive
                    run_bench "$target" "$s" direct --service "$SERVICE" --service-storage sqlite \
                        --service-archive "$archiving" --room-form muc#roomconfig_persistentroom=1
                done
            done
        done
        RUN_SUFFIX=
        archive_store sqlite
        archive_store postgres
        ;;
    prosody|ejabberd)
        RESTARTS=0
        if ! server_up "$group"; then continue; fi
        echo "$group (pid $pid):"
        has_part muc && for s in $(server_scenarios "$group-muc"); do
            fresh_server "$group" && run_bench "$group-muc" "$s" "${common[@]}" --muc muc.localhost
        done
        has_part ours && for s in $(server_scenarios "$group-ours"); do
            fresh_server "$group" && run_bench "$group-ours" "$s" "${ours[@]}"
        done
        has_part echo && for s in $(echo_scenarios); do
            fresh_server "$group" && run_bench "$group-echo" "$s" "${echo[@]}"
        done
        # A 2-second phase behind a server varies between runs by more than the few percent that
        # ours / echo is about (the VM's speed changes from minute to minute): more pairs,
        # interleaved so that a slow minute hits both; the table takes the median of each.
        if has_part ours && has_part echo; then
            pairs=${REPEAT:-$([ "$group" = ejabberd ] && echo 7 || echo 3)}
            for ((rep = 2; rep <= pairs; rep++)); do
                RUN_SUFFIX=-$rep
                for s in $(echo_scenarios); do
                    fresh_server "$group" && run_bench "$group-ours" "$s" "${ours[@]}"
                    fresh_server "$group" && run_bench "$group-echo" "$s" "${echo[@]}"
                done
                RUN_SUFFIX=
            done
        fi
        server_down "$group"
        ;;
    *)
        echo "unknown target group '$group' (direct, archive, prosody, ejabberd, c2s)" >&2
        ;;
    esac
done

if [[ " $TARGETS " == *" prosody "* ]] && [ "${BENCH_INSTRUCTIONS:-1}" != 0 ]; then
    echo "prosody under valgrind (instructions per delivery, ours and echo):"
    BENCH_BUILD=0 BENCH_SERVICE=$SERVICE BENCH_OUT=$OUT/instructions BENCH_IR_JSON=$RESULTS \
        "$HERE/instructions.sh" 2>&1 | sed 's/^/  /'
fi

echo
python3 "$HERE/table.py" "$RESULTS" | tee "$OUT/table.md"
echo
echo "total $(elapsed) s; raw results: $RESULTS; per-run logs: $OUT/logs/"
