#!/usr/bin/env bash
# Private Prosody and ejabberd instances for the benchmark (sourced by scripts/bench/run.sh).
#
# The process helpers (ports, waiting, stopping by pid, package installs) come from
# scripts/interop/lib.sh; the configurations are the benchmark's own, because it needs more than
# the interop tests: each server hosts four domains
#   muc.localhost         the server's own MUC
#   conference.localhost  external component: muc-component
#   echo-rooms.localhost  external component: muc-bench echo (the routing ceiling); its name is
#                         as long as conference.localhost, so both send stanzas of one size
#   load.localhost        external component: muc-bench's simulated users
# with the MUC limits raised (10 000-occupant rooms, 500 rooms) and shapers off, so the figures
# are the servers' processing cost rather than their default rate limits.
#
# Each component domain has its own secret (SECRET-conference, SECRET-echo, SECRET-load). On
# ejabberd each also has its own listener: ejabberd routes every domain of an ejabberd_service
# listener to each connection made to it, which would mix the bench's traffic with the MUC's.

BENCH_SERVERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../interop/lib.sh
. "$BENCH_SERVERS_DIR/../interop/lib.sh"

# bench_port VAR: a free loopback port (above 35000) in VAR.
bench_port() {
    pick_port "$1" $((35000 + RANDOM % 20000))
}

# --- Prosody ---------------------------------------------------------------------------------

# bench_prosody_start DIR SECRET: sets PROSODY_PID and PROSODY_PORT (every component domain
# connects to that one component port).
bench_prosody_start() {
    local dir=$1 secret=$2 c2s
    ensure_packages prosody || return 1
    bench_port c2s || return 1
    bench_port PROSODY_PORT || return 1
    mkdir -p "$dir/data" "$dir/certs"
    cat > "$dir/prosody.cfg.lua" <<EOF
-- Private Prosody for muc-bench (written by scripts/bench/servers.sh).
run_as_root = true
daemonize = false
pidfile = "$dir/prosody.pid"
data_path = "$dir/data"
certificates = "$dir/certs"
log = { { levels = { min = "warn" }, to = "file", filename = "$dir/prosody.log" } }
interfaces = { "127.0.0.1" }
c2s_ports = { $c2s }
c2s_direct_tls_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { }
component_ports = { $PROSODY_PORT }
component_interfaces = { "127.0.0.1" }
network_settings = { nagle = false }
modules_enabled = { "disco" }
modules_disabled = { "s2s", "offline" }
storage = "memory"
authentication = "internal_hashed"

VirtualHost "localhost"

Component "muc.localhost" "muc"
    restrict_room_creation = false
    muc_room_cache_size = 20000
    muc_tombstones = false
    max_history_messages = 20
    muc_room_default_history_length = 5

Component "conference.localhost"
    component_secret = "$secret-conference"
Component "echo-rooms.localhost"
    component_secret = "$secret-echo"
Component "load.localhost"
    component_secret = "$secret-load"
EOF
    # shellcheck disable=SC2086 # PROSODY_COMMAND is a command line (e.g. prosody under valgrind)
    ${PROSODY_COMMAND:-prosody} --config "$dir/prosody.cfg.lua" -F >> "$dir/prosody.out" 2>&1 &
    PROSODY_PID=$!
    if ! wait_port "$PROSODY_PORT" 30 "$PROSODY_PID"; then
        say "Prosody did not open its component port $PROSODY_PORT; its output:"
        tail -n 20 "$dir/prosody.out" "$dir/prosody.log" >&2 2>/dev/null
        prosody_stop
        return 1
    fi
}

# prosody_stop (from lib.sh) stops PROSODY_PID.

# --- ejabberd --------------------------------------------------------------------------------

# Writes one ejabberd_service listener: PORT DOMAIN PASSWORD.
bench_ejabberd_listener() {
    printf '  -\n    port: %s\n    ip: "127.0.0.1"\n    module: ejabberd_service\n    max_stanza_size: 1048576\n    hosts:\n      "%s":\n        password: "%s"\n' "$1" "$2" "$3"
}

# bench_ejabberd_start DIR SECRET: sets EJABBERD_PID (beam.smp), EJABBERD_LAUNCHER and the
# component ports EJABBERD_PORT_LOAD, EJABBERD_PORT_CONFERENCE and EJABBERD_PORT_ECHO.
bench_ejabberd_start() {
    local dir=$1 secret=$2 dist
    ensure_packages ejabberd || return 1
    bench_port dist || return 1
    bench_port EJABBERD_PORT_LOAD || return 1
    bench_port EJABBERD_PORT_CONFERENCE || return 1
    bench_port EJABBERD_PORT_ECHO || return 1
    mkdir -p "$dir/spool" "$dir/logs"
    : > "$dir/inetrc"
    {
        printf '# Private ejabberd for muc-bench (written by scripts/bench/servers.sh).\n'
        printf 'loglevel: warning\nlog_rotate_count: 0\nhosts:\n  - localhost\ncertfiles: []\nlisten:\n'
        bench_ejabberd_listener "$EJABBERD_PORT_LOAD" load.localhost "$secret-load"
        bench_ejabberd_listener "$EJABBERD_PORT_CONFERENCE" conference.localhost "$secret-conference"
        bench_ejabberd_listener "$EJABBERD_PORT_ECHO" echo-rooms.localhost "$secret-echo"
        cat <<'EOF'
acl:
  loopback:
    ip:
      - 127.0.0.0/8
access_rules:
  muc_anyone:
    allow: all
modules:
  mod_disco: {}
  mod_muc:
    host: "muc.localhost"
    access: muc_anyone
    access_create: muc_anyone
    access_persistent: muc_anyone
    access_register: muc_anyone
    history_size: 5
    max_users: 20000
    max_users_presence: 20000
    max_user_conferences: 100000
    min_message_interval: 0
    min_presence_interval: 0
    room_shaper: none
    user_message_shaper: none
    user_presence_shaper: none
    default_room_options:
      max_users: 20000
      mam: false
      persistent: false
EOF
    } > "$dir/ejabberd.yml"
    printf 'ERLANG_NODE=muc-bench@localhost\nERL_DIST_PORT=%s\nINET_DIST_INTERFACE=127.0.0.1\n' "$dist" > "$dir/ejabberdctl.cfg"
    chmod 755 "$(dirname "$dir")"
    chown -R ejabberd: "$dir" 2>/dev/null || true
    EJABBERD_NODE=muc-bench@localhost
    ejabberdctl_private "$dir" foreground >> "$dir/ejabberd.out" 2>&1 &
    EJABBERD_LAUNCHER=$!
    if ! wait_port "$EJABBERD_PORT_ECHO" 60 "$EJABBERD_LAUNCHER" || ! wait_port "$EJABBERD_PORT_LOAD" 10 "$EJABBERD_LAUNCHER"; then
        say "ejabberd did not open its component ports; its output:"
        tail -n 20 "$dir/ejabberd.out" "$dir/logs/ejabberd.log" "$dir/logs/error.log" >&2 2>/dev/null
        ejabberd_stop
        return 1
    fi
    EJABBERD_PID=$(descendant_named "$EJABBERD_LAUNCHER" beam.smp || echo "$EJABBERD_LAUNCHER")
}

# ejabberd_stop (from lib.sh) stops EJABBERD_PID and EJABBERD_LAUNCHER.

# --- Prosody with real clients (the c2s group) -------------------------------------------------

# bench_prosody_c2s_start DIR SECRET USERS PASSWORD: a private Prosody for real client connections
# (scripts/bench/c2s.py): plain-TCP c2s with SASL PLAIN, accounts u1..uUSERS@localhost with
# PASSWORD, Prosody's own MUC with its archive (mod_muc_mam) on muc.localhost and a component
# entry for muc-component as conference.localhost. Sets PROSODY_PID, PROSODY_PORT (component) and
# PROSODY_C2S_PORT. bench_prosody_start above is unchanged (the other groups use it).
#
# Storage: accounts in Prosody's internal file store, written here directly (one Lua file per user
# in the format of its accounts store, as mod_auth_internal_plain reads it) instead of USERS
# prosodyctl calls; everything of muc.localhost (room configurations and mod_muc_mam's muc_log
# archive) in SQLite through mod_storage_sql, which keeps SQLite's defaults: rollback journal,
# synchronous = FULL, one transaction per archived message. muc-component writes its own SQLite
# file with WAL and synchronous = FULL.
bench_prosody_c2s_start() {
    local dir=$1 secret=$2 users=$3 password=$4 i
    ensure_packages prosody lua-dbi-sqlite3 || return 1
    bench_port PROSODY_C2S_PORT || return 1
    bench_port PROSODY_PORT || return 1
    mkdir -p "$dir/data/localhost/accounts" "$dir/certs"
    for ((i = 1; i <= users; i++)); do
        printf 'return {\n\t["password"] = "%s";\n};\n' "$password" > "$dir/data/localhost/accounts/u$i.dat"
    done
    cat > "$dir/prosody.cfg.lua" <<CONFIG
-- Private Prosody for the c2s benchmark (written by scripts/bench/servers.sh).
run_as_root = true
daemonize = false
pidfile = "$dir/prosody.pid"
data_path = "$dir/data"
certificates = "$dir/certs"
log = { { levels = { min = "warn" }, to = "file", filename = "$dir/prosody.log" } }
interfaces = { "127.0.0.1" }
c2s_ports = { $PROSODY_C2S_PORT }
c2s_direct_tls_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { }
component_ports = { $PROSODY_PORT }
component_interfaces = { "127.0.0.1" }
network_settings = { nagle = false }
modules_enabled = { "saslauth", "disco" }
modules_disabled = { "s2s", "offline" }
storage = "internal"
sql = { driver = "SQLite3", database = "prosody.sqlite" }
authentication = "internal_plain"
-- Plain TCP on loopback (the load generator speaks SASL PLAIN without TLS).
c2s_require_encryption = false
allow_unencrypted_plain_auth = true

VirtualHost "localhost"

-- Prosody's MUC with its room archive; rooms and archive in SQLite.
Component "muc.localhost" "muc"
    modules_enabled = { "muc_mam" }
    muc_log_by_default = true
    storage = "sql"
    restrict_room_creation = false
    muc_room_cache_size = 20000
    muc_tombstones = false
    max_history_messages = 20

-- muc-component (its archive in its own SQLite file).
Component "conference.localhost"
    component_secret = "$secret-conference"
CONFIG
    # shellcheck disable=SC2086 # PROSODY_COMMAND is a command line
    ${PROSODY_COMMAND:-prosody} --config "$dir/prosody.cfg.lua" -F >> "$dir/prosody.out" 2>&1 &
    PROSODY_PID=$!
    if ! wait_port "$PROSODY_C2S_PORT" 30 "$PROSODY_PID" || ! wait_port "$PROSODY_PORT" 10 "$PROSODY_PID"; then
        say "Prosody did not open its ports $PROSODY_C2S_PORT/$PROSODY_PORT; its output:"
        tail -n 20 "$dir/prosody.out" "$dir/prosody.log" >&2 2>/dev/null
        prosody_stop
        return 1
    fi
}

# bench_c2s_service_start DIR BINARY SECRET PORT: muc-component attached to that Prosody as
# conference.localhost with SQLite storage in DIR and its archive on (persistent rooms archive by
# default). Sets COMPONENT_PID (component_stop from lib.sh stops it).
bench_c2s_service_start() {
    local dir=$1 bin=$2 secret=$3 port=$4
    mkdir -p "$dir"
    cat > "$dir/muc.toml" <<CONFIG
# Written by scripts/bench/servers.sh for the c2s benchmark.
[component]
domain = "conference.localhost"
host = "127.0.0.1"
port = $port
secret = "$secret-conference"

[storage]
backend = "sqlite"
path = "$dir/muc.sqlite"

[archive]
enabled = true
default = true

[log]
level = "info"
CONFIG
    component_start "$bin" "$dir/muc.toml" "$dir/muc-component.log"
}
