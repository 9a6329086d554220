#!/usr/bin/env bash
# Private Prosody and ejabberd instances for the benchmark (sourced by scripts/bench/run.sh).
#
# Each server gets its own directory, loopback-only ports and four domains on one component port:
#   muc.localhost         the server's own MUC
#   conference.localhost  external component: muc-component
#   echo.localhost        external component: muc-bench echo (the routing ceiling)
#   load.localhost        external component: muc-bench's simulated users
# Each component domain has its own secret ($SECRET-conference, $SECRET-echo, $SECRET-load):
# ejabberd routes every domain of a listener that shares a password to the one connection that
# authenticated with it, so shared secrets would mix the bench's traffic with the MUC's.
# The MUC limits are raised so that 10 000-occupant rooms and 500 rooms fit, and shapers are off,
# so the figures are the servers' processing cost rather than their default rate limits.
#
# If scripts/interop/ provides its own launchers, run.sh still uses these: the benchmark needs
# these four domains and these limits, which interop tests do not.

# Waits until something listens on 127.0.0.1:$1 (up to $2 seconds).
bench_wait_port() {
    local port=$1 limit=${2:-30} i=0
    while ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        i=$((i + 1))
        if [ "$i" -gt $((limit * 10)) ]; then return 1; fi
        sleep 0.1
    done
}

# A free TCP port on loopback.
bench_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# The first descendant of pid $1 whose command name is $2 (ejabberdctl starts beam.smp under su).
bench_descendant() {
    local root=$1 name=$2 queue=("$1") p c
    while [ "${#queue[@]}" -gt 0 ]; do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
            if [ "$(cat /proc/"$c"/comm 2>/dev/null)" = "$name" ]; then echo "$c"; return 0; fi
            queue+=("$c")
        done
    done
    [ "$root" ] && return 1
}

# --- Prosody ---------------------------------------------------------------------------------

# bench_prosody_start DIR COMPONENT_PORT SECRET → sets PROSODY_PID (the server process).
bench_prosody_start() {
    local dir=$1 port=$2 secret=$3
    local c2s
    c2s=$(bench_free_port)
    mkdir -p "$dir/data" "$dir/certs"
    cat > "$dir/prosody.cfg.lua" <<EOF
-- Private Prosody for muc-bench (written by scripts/bench/servers.sh).
run_as_root = true
daemonize = false
pidfile = "$dir/prosody.pid"
data_path = "$dir/data"
log = { { levels = { min = "warn" }, to = "file", filename = "$dir/prosody.log" } }
interfaces = { "127.0.0.1" }
c2s_ports = { $c2s }
s2s_ports = { }
http_ports = { }
https_ports = { }
component_ports = { $port }
component_interfaces = { "127.0.0.1" }
network_settings = { nagle = false }
modules_enabled = { "disco" }
modules_disabled = { "s2s" }
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
Component "echo.localhost"
    component_secret = "$secret-echo"
Component "load.localhost"
    component_secret = "$secret-load"
EOF
    prosody --config "$dir/prosody.cfg.lua" -F > "$dir/prosody.out" 2>&1 &
    PROSODY_LAUNCHER=$!
    if ! bench_wait_port "$port" 30; then
        echo "Prosody did not open its component port $port; log:" >&2
        tail -20 "$dir/prosody.out" "$dir/prosody.log" >&2 2>/dev/null
        return 1
    fi
    PROSODY_PID=$(cat "$dir/prosody.pid" 2>/dev/null || echo "$PROSODY_LAUNCHER")
}

bench_prosody_stop() {
    local pid=${PROSODY_PID:-}
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    [ -n "${PROSODY_LAUNCHER:-}" ] && wait "$PROSODY_LAUNCHER" 2>/dev/null
    PROSODY_PID=
}

# --- ejabberd --------------------------------------------------------------------------------

# Writes one ejabberd_service listener: PORT DOMAIN PASSWORD.
bench_ejabberd_listener() {
    printf '  -\n    port: %s\n    ip: "127.0.0.1"\n    module: ejabberd_service\n    max_stanza_size: 1048576\n    hosts:\n      "%s":\n        password: "%s"\n' "$1" "$2" "$3"
}

# bench_ejabberd_start DIR LOAD_PORT SECRET → sets EJABBERD_PID (beam.smp) and the component
# ports EJABBERD_PORT_LOAD (= LOAD_PORT), EJABBERD_PORT_CONFERENCE and EJABBERD_PORT_ECHO.
# ejabberd registers every domain of an ejabberd_service listener for each connection made to
# it, so each component domain gets a listener of its own.
bench_ejabberd_start() {
    local dir=$1 port=$2 secret=$3
    local dist
    dist=$(bench_free_port)
    EJABBERD_PORT_LOAD=$port
    EJABBERD_PORT_CONFERENCE=$(bench_free_port)
    EJABBERD_PORT_ECHO=$(bench_free_port)
    mkdir -p "$dir/spool" "$dir/logs"
    touch "$dir/inetrc"
    {
        printf '# Private ejabberd for muc-bench (written by scripts/bench/servers.sh).\n'
        printf 'loglevel: warning\nlog_rotate_count: 0\nhosts:\n  - localhost\nlisten:\n'
        bench_ejabberd_listener "$EJABBERD_PORT_LOAD" load.localhost "$secret-load"
        bench_ejabberd_listener "$EJABBERD_PORT_CONFERENCE" conference.localhost "$secret-conference"
        bench_ejabberd_listener "$EJABBERD_PORT_ECHO" echo.localhost "$secret-echo"
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
    chown -R ejabberd: "$dir" 2>/dev/null
    ejabberdctl --config-dir "$dir" --config "$dir/ejabberd.yml" --ctl-config "$dir/ejabberdctl.cfg" \
        --spool "$dir/spool" --logs "$dir/logs" --node muc-bench@localhost foreground > "$dir/ejabberd.out" 2>&1 &
    EJABBERD_LAUNCHER=$!
    if ! bench_wait_port "$EJABBERD_PORT_ECHO" 60 || ! bench_wait_port "$EJABBERD_PORT_LOAD" 5; then
        echo "ejabberd did not open its component ports; log:" >&2
        tail -n 20 "$dir/ejabberd.out" "$dir/logs/ejabberd.log" "$dir/logs/error.log" >&2 2>/dev/null
        return 1
    fi
    EJABBERD_PID=$(bench_descendant "$EJABBERD_LAUNCHER" beam.smp || echo "$EJABBERD_LAUNCHER")
}

bench_ejabberd_stop() {
    local pid=${EJABBERD_PID:-}
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    # epmd is not started (ERL_DIST_PORT); the launcher (su/sh) exits with the node.
    [ -n "${EJABBERD_LAUNCHER:-}" ] && wait "$EJABBERD_LAUNCHER" 2>/dev/null
    EJABBERD_PID=
}
