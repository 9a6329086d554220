#!/usr/bin/env bash
# The room archive (XEP-0313 on room JIDs) side by side with Prosody's own mod_muc_mam.
#
# One private Prosody on 127.0.0.1 (temporary directory, ports picked free) serves both MUCs:
# Prosody's own MUC with mod_muc_mam on muc.localhost (archiving on by default, internal storage)
# and this service attached as the component conference.localhost (memory storage, a fresh
# process per script). Every archive script (Fixtures/scansion/muc_archive*.scs) runs twice
# through that server with `scansion-run --server`: as written, against our service, and with
# the room domain rewritten (conference.localhost -> muc.localhost, in a temporary copy) against
# Prosody's MUC, which is restarted on an empty MUC store before each script.
#
# The scripts' expectations are OUR behaviour: a failure against our service is a failure of
# this run (exit status 1); a failure against Prosody's MUC is a difference between the two
# archives, printed with the runner's diff, to be listed in docs/protocol-support.md ("Compared
# with Prosody's mod_muc_mam") with the reason for ours.
#
# Usage: bash scripts/interop/archive-side-by-side.sh
# Environment: BIN_DIR (where muc-component and scansion-run are; default `swift build
# --show-bin-path`, nothing is built), ARCHIVE_SCRIPTS (the scripts; default
# Fixtures/scansion/muc_archive*.scs), INTEROP_KEEP=1 keeps the working directory (kept anyway
# when a script fails against our service). Everything it starts is stopped on exit, by pid.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/interop/lib.sh

PROSODY_MUC=muc.localhost

ensure_packages prosody || exit 2

shopt -s nullglob
if [ -n "${ARCHIVE_SCRIPTS:-}" ]; then
    read -r -a SCRIPTS <<<"$ARCHIVE_SCRIPTS"
else
    SCRIPTS=(Fixtures/scansion/muc_archive*.scs)
fi
[ ${#SCRIPTS[@]} -gt 0 ] || { say "no archive scripts (Fixtures/scansion/muc_archive*.scs)"; exit 2; }

BIN_DIR=${BIN_DIR:-$(swift build --show-bin-path 2>/dev/null)}
for b in muc-component scansion-run; do
    [ -x "$BIN_DIR/$b" ] || { say "no $b in '$BIN_DIR' (set BIN_DIR, or swift build --product $b)"; exit 2; }
done

mapfile -t ACCOUNTS < <(script_accounts "${SCRIPTS[@]}")
[ ${#ACCOUNTS[@]} -gt 0 ] || { say "no [Client] accounts found in the scripts"; exit 2; }

INTEROP_DIR=$(mktemp -d /tmp/muc-archive-sbs.XXXXXX)
OURS_FAILED=0

cleanup() {
    component_stop
    prosody_stop
    if [ "$OURS_FAILED" = 0 ] && [ "${INTEROP_KEEP:-0}" != 1 ]; then
        rm -rf "$INTEROP_DIR"
    else
        say "logs and configurations kept in $INTEROP_DIR"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Private copies of the binaries, so that a rebuild meanwhile changes nothing under this run.
mkdir -p "$INTEROP_DIR/bin" "$INTEROP_DIR/scripts"
cp "$BIN_DIR/muc-component" "$BIN_DIR/scansion-run" "$INTEROP_DIR/bin/" || exit 2
COMPONENT_BIN=$INTEROP_DIR/bin/muc-component
RUNNER_BIN=$INTEROP_DIR/bin/scansion-run

# --- the server ---------------------------------------------------------------------------------

PROSODY_DIR=$INTEROP_DIR/prosody
pick_port C2S_PORT 26222 && pick_port COMPONENT_PORT 26347 || exit 2
prosody_config "$PROSODY_DIR" "$C2S_PORT" "$COMPONENT_PORT" info "$PROSODY_MUC"
for account in "${ACCOUNTS[@]}"; do
    IFS=$'\t' read -r user password <<<"$account"
    prosody_register "$PROSODY_DIR" "$user" "$password" || { say "prosodyctl register $user failed"; exit 2; }
done

# prosody_fresh_muc: (re)starts Prosody with its MUC's rooms and archives removed, so that every
# script meets an empty Prosody MUC as it meets a fresh service of ours.
prosody_fresh_muc() {
    prosody_stop
    local store=${PROSODY_MUC//./%2e}
    rm -rf "$PROSODY_DIR/data/$store"
    prosody_start "$PROSODY_DIR" "$C2S_PORT" "$COMPONENT_PORT"
}

prosody_fresh_muc || { say "prosody did not start (files in $PROSODY_DIR)"; OURS_FAILED=1; exit 2; }
PROSODY_VERSION=$(dpkg-query -W -f '${Version}' prosody 2>/dev/null)
say "prosody $PROSODY_VERSION: client port $C2S_PORT, component port $COMPONENT_PORT;" \
    "ours on $INTEROP_COMPONENT, Prosody's MUC + mod_muc_mam on $PROSODY_MUC"

# --- the runs -----------------------------------------------------------------------------------

# report TARGET SCRIPT RC OUT: PASS/FAIL line, and on failure the runner's diff (without its summary).
report() {
    local target=$1 script=$2 rc=$3 out=$4
    if [ "$rc" = 0 ]; then
        echo "$target PASS $script"
        return 0
    fi
    echo "$target FAIL $script"
    grep -v -E '^(PASS|FAIL) |^[0-9]+ passed, [0-9]+ failed$' "$out" | sed 's/^/    /'
    return 1
}

# run_ours SCRIPT: the script as written, against a fresh muc-component (memory storage).
run_ours() {
    local script=$1 base dir
    base=$(basename "$script" .scs)
    dir=$INTEROP_DIR/ours/$base
    mkdir -p "$dir"
    cp "$script" "$dir/$base.scs"
    component_config "$dir/component.toml" "$COMPONENT_PORT" memory
    if ! component_start "$COMPONENT_BIN" "$dir/component.toml" "$dir/component.log"; then
        echo "ours FAIL $script: the service did not attach (log: $dir/component.log)"
        return 1
    fi
    timeout 300 "$RUNNER_BIN" --server "127.0.0.1:$C2S_PORT" "$dir/$base.scs" >"$dir/run.out" 2>&1
    local rc=$?
    component_stop
    report ours "$script" $rc "$dir/run.out" || { echo "    (service log: $dir/component.log)"; return 1; }
}

# run_prosody SCRIPT: the script with the room domain rewritten, against Prosody's MUC.
run_prosody() {
    local script=$1 base dir
    base=$(basename "$script" .scs)
    dir=$INTEROP_DIR/prosody-muc/$base
    mkdir -p "$dir"
    sed "s/${INTEROP_COMPONENT//./\\.}/$PROSODY_MUC/g" "$script" >"$dir/$base.scs"
    if ! prosody_fresh_muc; then
        echo "prosody-muc FAIL $script: prosody did not restart (files in $PROSODY_DIR)"
        return 1
    fi
    timeout 300 "$RUNNER_BIN" --server "127.0.0.1:$C2S_PORT" "$dir/$base.scs" >"$dir/run.out" 2>&1
    report prosody-muc "$script" $? "$dir/run.out" || {
        echo "    (the script as run: $dir/$base.scs; Prosody's log: $PROSODY_DIR/prosody.log)"; return 1; }
}

ours_passed=0 ours_failed=0 prosody_passed=0 prosody_differs=0
OURS_FAILURES=() DIFFERENCES=()
for script in "${SCRIPTS[@]}"; do
    say "== $script"
    if run_ours "$script"; then
        ours_passed=$((ours_passed + 1))
    else
        ours_failed=$((ours_failed + 1)); OURS_FAILURES+=("$script")
    fi
    if run_prosody "$script"; then
        prosody_passed=$((prosody_passed + 1))
    else
        prosody_differs=$((prosody_differs + 1)); DIFFERENCES+=("$script")
    fi
done

[ $ours_failed = 0 ] || OURS_FAILED=1

echo
echo "== summary (Prosody $PROSODY_VERSION)"
echo "ours ($INTEROP_COMPONENT): $ours_passed passed, $ours_failed failed"
for s in "${OURS_FAILURES[@]}"; do echo "    FAILED: $s"; done
echo "Prosody mod_muc + mod_muc_mam ($PROSODY_MUC): $prosody_passed behave as ours, $prosody_differs differ"
for s in "${DIFFERENCES[@]}"; do echo "    differs: $s (diff above; see docs/protocol-support.md, \"Compared with Prosody's mod_muc_mam\")"; done
exit $OURS_FAILED
