#!/usr/bin/env bash
# make differential: every scansion script against this service and against Prosody's own MUC,
# and what each client received from the two compared (see scripts/differential/README.md).
#
# A private Prosody on 127.0.0.1 (temporary directory, ports picked free, the accounts of the
# scripts' [Client] blocks) serves both MUCs: Prosody's own MUC with mod_muc_mam on muc.localhost,
# and this service attached as the component conference.localhost (memory storage, a fresh process
# per script). Scripts are shared out among DIFFERENTIAL_JOBS lanes, each with its own Prosody and
# service. Before each script Prosody is restarted with its MUC store removed. Each script runs
# twice with `scansion-run --server … --record DIR`: as written against our service, and with
# conference.localhost rewritten to muc.localhost against Prosody's MUC. In record mode a stanza
# that does not match does not stop the script, so both runs play every step. Then compare.py
# normalises both recordings and compares them per client, stanza by stanza, order included, and
# checks each difference against Fixtures/differential/differences/<script>.diff.
#
# Usage: bash scripts/differential/run.sh [--accept] [SCRIPT...]
#   SCRIPT...   only these scripts (paths or names such as muc_history; default Fixtures/scansion/*.scs)
#   --accept    write each given script's current difference as its accepted one
#               (Fixtures/differential/differences/<script>.diff); an existing reason is kept,
#               else a '# reason: TODO' line is written, to be replaced by hand.
# Environment: BIN_DIR (where muc-component and scansion-run are; default: built with
# `swift build --product …`), DIFFERENTIAL_KEEP=1 keeps the working directory (recordings, logs),
# DIFFERENTIAL_RECEIVE_TIMEOUT (seconds a receive step waits for a matching stanza; 3),
# DIFFERENTIAL_NOTHING_WAIT (seconds of `receives: nothing`, and the settle after the last step; 1),
# DIFFERENTIAL_JOBS (lanes side by side; 3), MUC_PORT_OFFSET (see scripts/interop/lib.sh).
# Exit status: 0 when every script is the same or differs exactly as listed, 1 otherwise, 2 when
# the setup failed. Everything it starts is stopped on exit, by pid.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/interop/lib.sh

PROSODY_MUC=muc.localhost
DIFF_DIR=Fixtures/differential/differences
RECEIVE_TIMEOUT=${DIFFERENTIAL_RECEIVE_TIMEOUT:-3}
NOTHING_WAIT=${DIFFERENTIAL_NOTHING_WAIT:-1}

ACCEPT=0
ARGS=()
for a in "$@"; do
    case $a in
        --accept) ACCEPT=1 ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) say "unknown option $a"; exit 2 ;;
        *) ARGS+=("$a") ;;
    esac
done

shopt -s nullglob
SCRIPTS=()
if [ ${#ARGS[@]} -gt 0 ]; then
    for a in "${ARGS[@]}"; do
        if [ -f "$a" ]; then SCRIPTS+=("$a")
        elif [ -f "Fixtures/scansion/${a%.scs}.scs" ]; then SCRIPTS+=("Fixtures/scansion/${a%.scs}.scs")
        else say "no script '$a'"; exit 2; fi
    done
else
    SCRIPTS=(Fixtures/scansion/*.scs)
fi
[ ${#SCRIPTS[@]} -gt 0 ] || { say "no scripts"; exit 2; }
[ "$ACCEPT" = 0 ] || [ ${#ARGS[@]} -gt 0 ] || { say "--accept needs the scripts to accept"; exit 2; }

ensure_packages prosody || exit 2

binaries_ready || exit 2

mapfile -t ACCOUNTS < <(script_accounts "${SCRIPTS[@]}")
[ ${#ACCOUNTS[@]} -gt 0 ] || { say "no [Client] accounts found in the scripts"; exit 2; }

INTEROP_DIR=$(mktemp -d /tmp/muc-differential.XXXXXX)
KEEP=${DIFFERENTIAL_KEEP:-0}

LANE_PIDS=()
cleanup() {
    for pid in "${LANE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${LANE_PIDS[@]}"; do stop_pid "$pid" 20; done
    # A lane stopped while a script ran leaves that script's processes: all run from this directory.
    pkill -KILL -f "$INTEROP_DIR/" 2>/dev/null
    if [ "$KEEP" != 1 ]; then
        rm -rf "$INTEROP_DIR"
    else
        say "recordings, logs and configurations kept in $INTEROP_DIR"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Private copies of the binaries, so that a rebuild meanwhile changes nothing under this run.
mkdir -p "$INTEROP_DIR/bin" "$INTEROP_DIR/ours" "$INTEROP_DIR/prosody-muc" "$INTEROP_DIR/scripts"
cp "$BIN_DIR/muc-component" "$BIN_DIR/scansion-run" "$INTEROP_DIR/bin/" || exit 2
COMPONENT_BIN=$INTEROP_DIR/bin/muc-component
RUNNER_BIN=$INTEROP_DIR/bin/scansion-run

# --- the lanes ----------------------------------------------------------------------------------

# Scripts run in JOBS lanes side by side, each with its own private Prosody (own directory and
# ports, the same accounts) and its own service process: a script's two runs take ~10 s, mostly
# waiting, so lanes divide the time without competing for the two cores.
JOBS=${DIFFERENTIAL_JOBS:-3}
[ "$JOBS" -ge 1 ] 2>/dev/null || { say "DIFFERENTIAL_JOBS must be a number of at least 1"; exit 2; }
[ "$JOBS" -le ${#SCRIPTS[@]} ] || JOBS=${#SCRIPTS[@]}

LANE_C2S=()
LANE_COMPONENT=()
for ((lane = 0; lane < JOBS; lane++)); do
    pick_port c2s $((27222 + lane * 10)) && pick_port comp $((27347 + lane * 10)) || exit 2
    LANE_C2S+=("$c2s")
    LANE_COMPONENT+=("$comp")
    dir=$INTEROP_DIR/prosody-$lane
    prosody_config "$dir" "$c2s" "$comp" info "$PROSODY_MUC"
    for account in "${ACCOUNTS[@]}"; do
        IFS=$'\t' read -r user password <<<"$account"
        prosody_register "$dir" "$user" "$password" || { say "prosodyctl register $user failed"; exit 2; }
    done
done

PROSODY_VERSION=$(dpkg-query -W -f '${Version}' prosody 2>/dev/null)
say "prosody $PROSODY_VERSION: ours on $INTEROP_COMPONENT, Prosody's MUC + mod_muc_mam on $PROSODY_MUC;" \
    "${#SCRIPTS[@]} scripts, $JOBS lanes"

# run_lane LANE SCRIPT...: plays each script against both MUCs through the lane's Prosody; a script
# that could not be recorded is named in $INTEROP_DIR/failed-LANE. Runs in a subshell.
run_lane() {
    local lane=$1; shift
    local dir=$INTEROP_DIR/prosody-$lane c2s=${LANE_C2S[$lane]} comp=${LANE_COMPONENT[$lane]}
    local failed=$INTEROP_DIR/failed-$lane
    local run=("$RUNNER_BIN" --server "127.0.0.1:$c2s" --receive-timeout "$RECEIVE_TIMEOUT" --nothing-wait "$NOTHING_WAIT")
    trap 'component_stop; prosody_stop' EXIT
    trap 'exit 130' TERM INT
    : > "$failed"
    for script in "$@"; do
        local base
        base=$(basename "$script" .scs)
        say "== $base"
        # Prosody restarted with its MUC's rooms and archives removed: each script meets an empty
        # Prosody MUC, as it meets a fresh service of ours.
        prosody_stop
        rm -rf "$dir/data/${PROSODY_MUC//./%2e}"
        if ! prosody_start "$dir" "$c2s" "$comp"; then
            echo "$base (prosody did not start: files in $dir)" >> "$failed"
            continue
        fi
        # Ours: the script as written, a fresh muc-component with memory storage.
        mkdir -p "$INTEROP_DIR/logs/$base"
        component_config "$INTEROP_DIR/logs/$base/component.toml" "$comp" memory
        if component_start "$COMPONENT_BIN" "$INTEROP_DIR/logs/$base/component.toml" "$INTEROP_DIR/logs/$base/component.log"; then
            timeout 300 "${run[@]}" --record "$INTEROP_DIR/ours" "$script" >"$INTEROP_DIR/logs/$base/ours.out" 2>&1 \
                || echo "$base (ours: $(tail -n 3 "$INTEROP_DIR/logs/$base/ours.out" | tr '\n' ' '))" >> "$failed"
            component_stop
        else
            echo "$base (ours: the service did not attach)" >> "$failed"
        fi
        # Prosody's MUC: the room domain rewritten.
        sed "s/${INTEROP_COMPONENT//./\\.}/$PROSODY_MUC/g" "$script" >"$INTEROP_DIR/prosody-muc/$base.scs"
        timeout 300 "${run[@]}" --record "$INTEROP_DIR/prosody-muc" "$INTEROP_DIR/prosody-muc/$base.scs" \
            >"$INTEROP_DIR/logs/$base/prosody.out" 2>&1 \
            || echo "$base (prosody: $(tail -n 3 "$INTEROP_DIR/logs/$base/prosody.out" | tr '\n' ' '))" >> "$failed"
    done
}

for script in "${SCRIPTS[@]}"; do cp "$script" "$INTEROP_DIR/scripts/"; done
LANE_PIDS=()
for ((lane = 0; lane < JOBS; lane++)); do
    share=()
    for ((i = lane; i < ${#SCRIPTS[@]}; i += JOBS)); do share+=("${SCRIPTS[$i]}"); done
    run_lane "$lane" "${share[@]}" &
    LANE_PIDS+=($!)
done
for pid in "${LANE_PIDS[@]}"; do wait "$pid"; done
LANE_PIDS=()
SETUP_FAILED=()
for ((lane = 0; lane < JOBS; lane++)); do
    while IFS= read -r line; do [ -n "$line" ] && SETUP_FAILED+=("$line"); done < "$INTEROP_DIR/failed-$lane"
done

if [ ${#SETUP_FAILED[@]} -gt 0 ]; then
    KEEP=1
    for f in "${SETUP_FAILED[@]}"; do say "not recorded: $f"; done
fi

COMPARE=(python3 scripts/differential/compare.py --scripts "$INTEROP_DIR/scripts" --differences "$DIFF_DIR"
         --prosody-version "$PROSODY_VERSION" "$INTEROP_DIR/ours" "$INTEROP_DIR/prosody-muc")
if [ "$ACCEPT" = 1 ]; then
    for script in "${SCRIPTS[@]}"; do COMPARE+=(--accept "$(basename "$script" .scs)"); done
fi
"${COMPARE[@]}"
rc=$?
[ ${#SETUP_FAILED[@]} = 0 ] || rc=1
[ $rc = 0 ] || KEEP=1
exit $rc
