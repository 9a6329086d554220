#!/usr/bin/env bash
# make demo: try the service with a real XMPP client on this machine.
#
# Brings up a private Prosody on 127.0.0.1 (client port 5222 if free, else the next free one) with
# muc-component attached as conference.localhost, SQLite storage, demo accounts alice@localhost and
# bob@localhost, and prints how to connect a terminal XMPP client and join a room. Everything lives
# in .demo/ (DEMO_DIR): Prosody's data, the service's database, the secret and the passwords, which
# are kept from one run to the next. Ctrl-C stops it all.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/interop/lib.sh

DEMO_DIR=${DEMO_DIR:-$PWD/.demo}
DEMO_USERS=(alice bob)
DEMO_ROOM=lobby@$INTEROP_COMPONENT

ensure_packages prosody || exit 2
say "building muc-component"
mkdir -p "$DEMO_DIR"
swift build --product muc-component >"$DEMO_DIR/build.log" 2>&1 || { cat "$DEMO_DIR/build.log" >&2; say "the build failed"; exit 2; }
# A private copy: a rebuild in .build while the demo runs neither fails on a busy executable nor
# changes the running service.
mkdir -p "$DEMO_DIR/bin"
cp "$(swift build --show-bin-path)/muc-component" "$DEMO_DIR/bin/muc-component" || exit 2
COMPONENT_BIN=$DEMO_DIR/bin/muc-component

mkdir -p "$DEMO_DIR"
chmod 700 "$DEMO_DIR"
random_word() { od -An -N6 -tx1 /dev/urandom | tr -d ' \n'; }

# The component secret and the passwords are made once and kept.
[ -s "$DEMO_DIR/secret" ] || random_word > "$DEMO_DIR/secret"
INTEROP_SECRET=$(cat "$DEMO_DIR/secret")
touch "$DEMO_DIR/accounts"
for user in "${DEMO_USERS[@]}"; do
    grep -q "^$user	" "$DEMO_DIR/accounts" || printf '%s\t%s\n' "$user" "$(random_word)" >> "$DEMO_DIR/accounts"
done
password_of() { awk -F '\t' -v u="$1" '$1 == u { print $2 }' "$DEMO_DIR/accounts"; }

pick_port C2S_PORT 5222 && pick_port COMPONENT_PORT 5347 || exit 2

prosody_config "$DEMO_DIR/prosody" "$C2S_PORT" "$COMPONENT_PORT" warn
for user in "${DEMO_USERS[@]}"; do
    prosody_register "$DEMO_DIR/prosody" "$user" "$(password_of "$user")" || { say "prosodyctl register $user failed (see $DEMO_DIR/prosody/prosodyctl.out)"; exit 1; }
done

component_config "$DEMO_DIR/muc-component.toml" "$COMPONENT_PORT" sqlite "$DEMO_DIR/muc.sqlite" 'name = "muc-component demo"'
cat >> "$DEMO_DIR/muc-component.toml" <<EOF

[rooms]
# Demo rooms outlive their last occupant and are kept in the SQLite file across runs.
persistent = true
EOF

# A poezio configuration per user: connects to the private server and joins the demo room.
for user in "${DEMO_USERS[@]}"; do
    cat > "$DEMO_DIR/poezio-$user.cfg" <<EOF
[Poezio]
jid = $user@$INTEROP_DOMAIN
password = $(password_of "$user")
custom_host = 127.0.0.1
custom_port = $C2S_PORT
force_encryption = false
rooms = $DEMO_ROOM/$user
EOF
done

stop_all() {
    trap - EXIT INT TERM
    say ""
    say "stopping the demo"
    component_stop
    prosody_stop
}
trap stop_all EXIT
trap 'exit 130' INT TERM

prosody_start "$DEMO_DIR/prosody" "$C2S_PORT" "$COMPONENT_PORT" || exit 1
component_start "$COMPONENT_BIN" "$DEMO_DIR/muc-component.toml" "$DEMO_DIR/muc-component.log" || exit 1

rel=${DEMO_DIR#"$PWD"/}
cat <<EOF

The muc-component demo is running. Ctrl-C stops it.

  XMPP server   Prosody on 127.0.0.1:$C2S_PORT, domain $INTEROP_DOMAIN (plain TCP, loopback only)
  MUC service   $INTEROP_COMPONENT: muc-component, SQLite $rel/muc.sqlite, log $rel/muc-component.log
  Accounts      alice@$INTEROP_DOMAIN   password $(password_of alice)
                bob@$INTEROP_DOMAIN     password $(password_of bob)

Chat from two terminals, one as alice and one as bob.

  profanity (apt-get install profanity):
    profanity
    /connect alice@$INTEROP_DOMAIN server 127.0.0.1 port $C2S_PORT tls disable
    (type the password above)
    /join $DEMO_ROOM nick alice
    /room accept          (once, by the first to join: a new room stays locked until configured)

  poezio (apt-get install poezio; it refuses to run as root), which logs in and joins by itself:
    poezio -f $rel/poezio-alice.cfg

  Any other client: account alice@$INTEROP_DOMAIN, server 127.0.0.1, port $C2S_PORT, no TLS
  (allow plain-text authentication), then join $DEMO_ROOM.

EOF

# Until Ctrl-C, or until one of the two stops by itself.
wait -n "$PROSODY_PID" "$COMPONENT_PID"
if ! kill -0 "$PROSODY_PID" 2>/dev/null; then
    say "Prosody stopped; its log: $DEMO_DIR/prosody/prosody.log"
else
    say "muc-component stopped; its log: $DEMO_DIR/muc-component.log"
fi
exit 1
