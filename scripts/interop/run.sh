#!/usr/bin/env bash
# make interop: the service attached to real XMPP servers, driven by real client logins.
#
# For each server (Debian's Prosody and ejabberd, installed when missing): a private instance on
# 127.0.0.1 with its own configuration and data under a temporary directory, the test accounts
# of the scripts' [Client] blocks (user, user2, … @localhost, password 'password') and a
# component entry for conference.localhost (the server's own MUC is not loaded). Then every script
# in Fixtures/scansion/ runs through that server with `scansion-run --server`, against a fresh
# muc-component (memory storage) per script; then the archive through slixmpp, an independent client
# library (send, restart the service on SQLite, read back with XEP-0313); then the link-loss test: the server is killed (kill -9)
# while two users sit in a room, restarted, the service must reconnect on its own, and the room must
# hold no ghost of the lost sessions (scripts/interop/linkloss/).
#
# The servers run side by side, each with its own ports. Prints one line per server, `prosody: N passed, N failed` and `ejabberd: N passed, N failed`
# (the slixmpp and link-loss tests count as one each), and exits non-zero if anything failed. Everything it starts
# is stopped on exit, by pid.
#
# Environment: INTEROP_SERVERS ("prosody ejabberd"), INTEROP_SCRIPTS (Fixtures/scansion),
# INTEROP_JOBS (instances of each server running a share of the scripts side by side; 2),
# INTEROP_KEEP=1 keeps the working directory (kept anyway when something failed), BIN_DIR (where
# muc-component and scansion-run are; default: built with `swift build --product …`).
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/interop/lib.sh

SERVERS=${INTEROP_SERVERS:-prosody ejabberd}
SCRIPTS_DIR=${INTEROP_SCRIPTS:-Fixtures/scansion}
LINKLOSS_DIR=scripts/interop/linkloss

# --- preparation --------------------------------------------------------------------------------

packages=()
for s in $SERVERS; do
    case $s in
        prosody) packages+=(prosody) ;;
        ejabberd) packages+=(ejabberd) ;;
        *) say "unknown server '$s' in INTEROP_SERVERS (prosody, ejabberd)"; exit 2 ;;
    esac
done
ensure_packages "${packages[@]}" || exit 2
# slixmpp (PyPI), the independent client of the archive test.
if ! python3 -c 'import slixmpp' 2>/dev/null; then
    say "installing slixmpp from PyPI"
    python3 -m pip install --quiet 'slixmpp==1.17.0' || { say "could not install slixmpp (pip install slixmpp)"; exit 2; }
fi

binaries_ready || exit 2

shopt -s nullglob
SCRIPTS=("$SCRIPTS_DIR"/*.scs)
[ ${#SCRIPTS[@]} -gt 0 ] || { say "no .scs scripts in $SCRIPTS_DIR"; exit 2; }

# The accounts the scripts log in with, from their [Client] blocks.
mapfile -t ACCOUNTS < <(script_accounts "${SCRIPTS[@]}" "$LINKLOSS_DIR"/*.scs)
[ ${#ACCOUNTS[@]} -gt 0 ] || { say "no [Client] accounts found in the scripts"; exit 2; }

INTEROP_DIR=$(mktemp -d /tmp/muc-interop.XXXXXX)
chmod 755 "$INTEROP_DIR"   # ejabberd runs as its own user and must reach its directory
ANY_FAILED=0
REPORT=()

LINKLOSS_RUNNER=
SERVER_PIDS=()
cleanup() {
    for pid in "${SERVER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${SERVER_PIDS[@]}"; do stop_pid "$pid" 30; done
    # A server's run stopped in the middle of a script leaves that script's processes.
    pkill -KILL -f "$INTEROP_DIR/" 2>/dev/null
    if [ "$ANY_FAILED" = 0 ] && [ "${INTEROP_KEEP:-0}" != 1 ]; then
        rm -rf "$INTEROP_DIR"
    else
        say "logs and configurations kept in $INTEROP_DIR"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Private copies of the binaries: the whole run uses one build, and a rebuild in .build meanwhile
# neither changes them under us nor fails on a busy executable.
mkdir -p "$INTEROP_DIR/bin"
cp "$BIN_DIR/muc-component" "$BIN_DIR/scansion-run" "$INTEROP_DIR/bin/" || exit 2
COMPONENT_BIN=$INTEROP_DIR/bin/muc-component
RUNNER_BIN=$INTEROP_DIR/bin/scansion-run
# And of the scripts, so that both servers run the same ones (reports name the originals).
mkdir -p "$INTEROP_DIR/scripts"
cp "${SCRIPTS[@]}" "$INTEROP_DIR/scripts/" || exit 2

# --- per-server operations ----------------------------------------------------------------------

# server_start NAME: starts (or restarts) the private instance of NAME on its ports.
server_start() {
    case $1 in
        prosody) prosody_start "$SERVER_DIR" "$C2S_PORT" "$COMPONENT_PORT" ;;
        ejabberd) ejabberd_start "$SERVER_DIR" "$C2S_PORT" "$COMPONENT_PORT" "$EJABBERD_NODE" ;;
    esac
}

# server_kill NAME: kill -9, as a crash or a power cut would.
server_kill() {
    case $1 in
        prosody)
            kill -KILL "$PROSODY_PID" 2>/dev/null
            wait "$PROSODY_PID" 2>/dev/null
            PROSODY_PID= ;;
        ejabberd)
            kill -KILL "$EJABBERD_PID" 2>/dev/null
            stop_pid "$EJABBERD_LAUNCHER" 5
            EJABBERD_PID= EJABBERD_LAUNCHER= ;;
    esac
}

server_stop() {
    case $1 in
        prosody) prosody_stop ;;
        ejabberd) ejabberd_stop ;;
    esac
}

# server_setup NAME LANE: picks ports, writes the configuration (in SERVER_DIR), starts the
# server, creates the accounts. Each lane has its own instance.
server_setup() {
    local name=$1 lane=$2 dir=$SERVER_DIR account user password
    case $name in
        prosody)
            pick_port C2S_PORT $((25222 + lane * 10)) && pick_port COMPONENT_PORT $((25347 + lane * 10)) || return 1
            prosody_config "$dir" "$C2S_PORT" "$COMPONENT_PORT" info
            for account in "${ACCOUNTS[@]}"; do
                IFS=$'\t' read -r user password <<<"$account"
                prosody_register "$dir" "$user" "$password" || { say "prosodyctl register $user failed"; return 1; }
            done
            server_start prosody ;;
        ejabberd)
            local dist
            pick_port C2S_PORT $((35222 + lane * 10)) && pick_port COMPONENT_PORT $((35347 + lane * 10)) \
                && pick_port dist $((35369 + lane * 10)) || return 1
            EJABBERD_NODE=muc-interop-$$-$lane@localhost
            ejabberd_config "$dir" "$C2S_PORT" "$COMPONENT_PORT" "$dist" "$EJABBERD_NODE"
            server_start ejabberd || return 1
            for account in "${ACCOUNTS[@]}"; do
                IFS=$'\t' read -r user password <<<"$account"
                ejabberd_register "$dir" "$user" "$password" || { say "ejabberdctl register $user failed"; return 1; }
            done ;;
    esac
}

# run_script NAME SCRIPT: one fixture against a fresh service; prints PASS/FAIL with the diff.
run_script() {
    local name=$1 script=$2 base dir
    base=$(basename "$script" .scs)
    local copy=$INTEROP_DIR/scripts/$base.scs
    dir=$INTEROP_DIR/$name-runs/$base
    mkdir -p "$dir"
    component_config "$dir/component.toml" "$COMPONENT_PORT" memory
    if ! component_start "$COMPONENT_BIN" "$dir/component.toml" "$dir/component.log"; then
        echo "$name FAIL $script: the service did not attach (log: $dir/component.log)"
        return 1
    fi
    timeout 300 "$RUNNER_BIN" --server "127.0.0.1:$C2S_PORT" "$copy" >"$dir/run.out" 2>&1
    local rc=$?
    component_stop
    if [ $rc = 0 ]; then
        echo "$name PASS $script"
        return 0
    fi
    echo "$name FAIL $script"
    # The diff, without scansion-run's own summary line (this script prints the per-server one).
    grep -v -E '^(PASS|FAIL) |^[0-9]+ passed, [0-9]+ failed$' "$dir/run.out" | sed 's/^/    /'
    echo "    (service log: $dir/component.log)"
    return 1
}

# linkloss_test NAME: kill -9 the server while two users are in a room, restart it; the service must
# reconnect by itself and hold no ghost occupant (a new user takes a lost user's nick, the room is
# new, the old user rejoins).
linkloss_test() {
    local name=$1 dir=$INTEROP_DIR/$1-runs/linkloss
    mkdir -p "$dir"
    component_config "$dir/component.toml" "$COMPONENT_PORT" memory
    component_start "$COMPONENT_BIN" "$dir/component.toml" "$dir/component.log" || {
        echo "    the service did not attach"; return 1; }

    "$RUNNER_BIN" --server "127.0.0.1:$C2S_PORT" --progress --nothing-wait 120 \
        "$LINKLOSS_DIR/1-before.scs" >"$dir/1-before.out" 2>&1 &
    local runner=$! i reached=0
    LINKLOSS_RUNNER=$runner
    # Every earlier step passed once the script reaches its last step (a failure stops the runner).
    for ((i = 0; i < 600; i++)); do
        if grep -qF "receives: nothing" "$dir/1-before.out"; then reached=1; break; fi
        kill -0 "$runner" 2>/dev/null || break
        sleep 0.1
    done
    if [ $reached = 0 ]; then
        stop_pid "$runner" 5
        LINKLOSS_RUNNER=
        echo "    part 1 (two users join a room) failed:"
        sed 's/^/      /' "$dir/1-before.out"
        return 1
    fi
    server_kill "$name"
    stop_pid "$runner" 5
    LINKLOSS_RUNNER=
    if ! server_start "$name"; then
        echo "    $name did not restart"
        return 1
    fi
    if ! wait_log "$dir/component.log" "$COMPONENT_READY_LINE" 2 60; then
        echo "    the service did not reconnect within 60 s after the restart; its log:"
        tail -n 15 "$dir/component.log" | sed 's/^/      /'
        return 1
    fi
    # After the handshake the service pings every occupant; the lost sessions' bounces remove them
    # within milliseconds. A second is ample.
    sleep 1
    if ! timeout 120 "$RUNNER_BIN" --server "127.0.0.1:$C2S_PORT" "$LINKLOSS_DIR/2-after.scs" >"$dir/2-after.out" 2>&1; then
        echo "    part 2 (after the restart) failed:"
        grep -v -E '^[0-9]+ passed, [0-9]+ failed$' "$dir/2-after.out" | sed 's/^/      /'
        echo "    (service log: $dir/component.log)"
        component_stop
        return 1
    fi
    component_stop
}

# slixmpp_test NAME: the archive through a client library nobody here wrote. slixmpp (PyPI) logs
# in through the server, creates a persistent room and sends messages; the service is stopped and
# started again on its SQLite file; a second slixmpp user pages through the room's archive with
# slixmpp's XEP-0313 plugin and must get every message, in order, under the stanza id delivered.
slixmpp_test() {
    local name=$1 dir=$INTEROP_DIR/$1-runs/slixmpp
    local room="slixmpp@$INTEROP_COMPONENT"
    mkdir -p "$dir"
    component_config "$dir/component.toml" "$COMPONENT_PORT" sqlite "$dir/muc.sqlite"
    component_start "$COMPONENT_BIN" "$dir/component.toml" "$dir/component.log" || {
        echo "    the service did not attach"; return 1; }
    if ! timeout 120 python3 scripts/interop/slixmpp/archive.py send 127.0.0.1 "$C2S_PORT" "$room" 40 "$dir/sent.json" \
            >"$dir/send.out" 2>&1; then
        echo "    sending failed:"; sed 's/^/      /' "$dir/send.out"; component_stop; return 1
    fi
    component_stop
    component_start "$COMPONENT_BIN" "$dir/component.toml" "$dir/component-2.log" || {
        echo "    the service did not attach again"; return 1; }
    if ! timeout 120 python3 scripts/interop/slixmpp/archive.py read 127.0.0.1 "$C2S_PORT" "$room" "$dir/sent.json" \
            >"$dir/read.out" 2>&1; then
        echo "    reading the archive failed:"; sed 's/^/      /' "$dir/read.out"; component_stop; return 1
    fi
    component_stop
    sed 's/^/    /' "$dir/send.out" "$dir/read.out"
}

# --- the run ------------------------------------------------------------------------------------

# run_lane NAME LANE SCRIPT...: the scripts through the lane's own instance of NAME (lane 0 also
# runs the slixmpp and link-loss tests); "PASSED FAILED" goes to $INTEROP_DIR/count-NAME-LANE.
# Runs in a subshell.
run_lane() {
    local name=$1 lane=$2 passed=0 failed=0
    shift 2
    SERVER_DIR=$INTEROP_DIR/$name-$lane
    trap 'stop_pid "$LINKLOSS_RUNNER" 5; component_stop; server_stop "$name"' EXIT
    trap 'exit 130' TERM INT
    if ! server_setup "$name" "$lane"; then
        echo "$name: lane $lane could not be set up (files in $SERVER_DIR)"
        echo "0 $(($# + 1))" > "$INTEROP_DIR/count-$name-$lane"
        return
    fi
    say "$name lane $lane: client port $C2S_PORT, component port $COMPONENT_PORT, $# scripts"
    for script in "$@"; do
        if run_script "$name" "$script"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    done
    if [ "$lane" = 0 ]; then
        if slixmpp_test "$name"; then
            echo "$name PASS slixmpp archive (send, restart the service, read back through XEP-0313)"
            passed=$((passed + 1))
        else
            echo "$name FAIL slixmpp archive (send, restart the service, read back through XEP-0313)"
            failed=$((failed + 1))
        fi
        if linkloss_test "$name"; then
            echo "$name PASS link loss (kill -9, restart, reconnect, no ghost occupants)"
            passed=$((passed + 1))
        else
            echo "$name FAIL link loss (kill -9, restart, reconnect, no ghost occupants)"
            failed=$((failed + 1))
        fi
    fi
    echo "$passed $failed" > "$INTEROP_DIR/count-$name-$lane"
}

# run_server NAME: the scripts shared out among INTEROP_JOBS lanes (each its own instance of the
# server, side by side: a script mostly waits); its report line goes to $INTEROP_DIR/report-NAME.
run_server() {
    local name=$1 lane i passed=0 failed=0 p f
    local pids=()
    trap 'for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done' EXIT
    say "== $name"
    for ((lane = 0; lane < LANES; lane++)); do
        local share=()
        for ((i = lane; i < ${#SCRIPTS[@]}; i += LANES)); do share+=("${SCRIPTS[$i]}"); done
        run_lane "$name" "$lane" "${share[@]}" > "$INTEROP_DIR/output-$name-$lane" 2>&1 &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    pids=()
    for ((lane = 0; lane < LANES; lane++)); do
        cat "$INTEROP_DIR/output-$name-$lane"
        read -r p f < "$INTEROP_DIR/count-$name-$lane" 2>/dev/null || { p=0; f=1; echo "$name: lane $lane did not finish"; }
        passed=$((passed + p)); failed=$((failed + f))
    done
    echo "$name: $passed passed, $failed failed" > "$INTEROP_DIR/report-$name"
}

LANES=${INTEROP_JOBS:-2}
[ "$LANES" -ge 1 ] 2>/dev/null || { say "INTEROP_JOBS must be a number of at least 1"; exit 2; }

# The servers run side by side (their ports differ), each printing into its own file; the files
# are shown one after the other once both are done.
SERVER_PIDS=()
for name in $SERVERS; do
    run_server "$name" > "$INTEROP_DIR/output-$name" 2>&1 &
    SERVER_PIDS+=($!)
done
for pid in "${SERVER_PIDS[@]}"; do wait "$pid"; done
SERVER_PIDS=()
for name in $SERVERS; do
    cat "$INTEROP_DIR/output-$name"
    line=$(cat "$INTEROP_DIR/report-$name" 2>/dev/null) || line="$name: did not finish"
    REPORT+=("$line")
    [[ "$line" == *" 0 failed" ]] || ANY_FAILED=1
done

for line in "${REPORT[@]}"; do echo "$line"; done
exit $ANY_FAILED
