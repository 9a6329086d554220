# Shared helpers of scripts/interop/run.sh and demo.sh: private Prosody and ejabberd instances on
# loopback, the muc-component binary attached to them, and careful process handling (everything is
# stopped by the pid this script recorded when it started it, never by name).
#
# Sourced, not run. Callers set INTEROP_DIR (a private working directory) before starting anything.

INTEROP_SECRET=${INTEROP_SECRET:-interop-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')}
INTEROP_DOMAIN=localhost
INTEROP_COMPONENT=conference.localhost
# The service admin of the scripts (Fixtures/scansion/README.md): admin of this service and of Prosody.
INTEROP_ADMIN=admin@localhost

say() { printf '%s\n' "$*" >&2; }

# --- ports and processes ------------------------------------------------------------------------

# Whether something listens on 127.0.0.1:$1.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pick_port VAR PREFERRED: sets VAR to PREFERRED if it is free, else to the next free port above it
# (ports already handed out by this script are skipped too: a server may not listen on them yet).
# MUC_PORT_OFFSET (default 0) moves PREFERRED, so that runs side by side do not race for a port.
PICKED_PORTS=" "
pick_port() {
    local -n _port=$1
    local p=$(($2 + ${MUC_PORT_OFFSET:-0})) tries=0
    while port_in_use "$p" || [[ "$PICKED_PORTS" == *" $p "* ]]; do
        p=$((p + 1)); tries=$((tries + 1))
        if [ "$tries" -gt 500 ]; then say "no free port near $2"; return 1; fi
    done
    PICKED_PORTS+="$p "
    _port=$p
}

# Waits until 127.0.0.1:$1 accepts connections, at most $2 seconds; fails early if pid $3 died.
wait_port() {
    local port=$1 seconds=$2 pid=${3:-} i
    for ((i = 0; i < seconds * 10; i++)); do
        port_in_use "$port" && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
        sleep 0.1
    done
    return 1
}

# Waits until file $1 holds at least $3 lines matching the fixed string $2, at most $4 seconds.
wait_log() {
    local file=$1 text=$2 count=$3 seconds=$4 i n
    for ((i = 0; i < seconds * 10; i++)); do
        n=$(grep -cF -- "$text" "$file" 2>/dev/null || true)
        [ "${n:-0}" -ge "$count" ] && return 0
        sleep 0.1
    done
    return 1
}

# Stops pid $1: SIGTERM, then SIGKILL after $2 seconds (default 10); reaps it when it is our child.
stop_pid() {
    local pid=$1 seconds=${2:-10} i
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < seconds * 10; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null || true
}

# The first descendant of pid $1 whose command name is $2 (ejabberdctl runs beam.smp under su).
descendant_named() {
    local root=$1 name=$2 i pid
    for ((i = 0; i < 100; i++)); do
        local queue=("$root")
        while [ ${#queue[@]} -gt 0 ]; do
            pid=${queue[0]}; queue=("${queue[@]:1}")
            if [ "$pid" != "$root" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
                echo "$pid"; return 0
            fi
            for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do queue+=("$child"); done
        done
        sleep 0.1
    done
    return 1
}

# --- accounts -----------------------------------------------------------------------------------

# script_accounts FILE...: "localpart<TAB>password" for every [Client] of the scripts whose JID is
# on $INTEROP_DOMAIN (resource dropped), each localpart once (the first password wins).
script_accounts() {
    awk '
        /^\[Client\]/ { inside = 1; jid = ""; next }
        /^-----/ { inside = 0 }
        inside && /^[ \t]+jid:/ { sub(/^[ \t]+jid:[ \t]*/, ""); sub(/[ \t\r]+$/, ""); jid = $0 }
        inside && /^[ \t]+password:/ { sub(/^[ \t]+password:[ \t]*/, ""); sub(/[ \t\r]+$/, ""); print jid "\t" $0 }
    ' "$@" | while IFS=$'\t' read -r jid password; do
        jid=${jid%%/*}
        [ "${jid#*@}" = "$INTEROP_DOMAIN" ] || { say "skipping account $jid: not on $INTEROP_DOMAIN"; continue; }
        printf '%s\t%s\n' "${jid%@*}" "$password"
    done | awk -F '\t' '!seen[$1]++'
}

# --- packages -----------------------------------------------------------------------------------

# Pids of system XMPP server processes, the kind a package install starts: Prosody on its default
# configuration (private instances always pass --config), the ejabberd@ node, epmd. Listing only:
# used to tell which ones a package install started.
server_pids() {
    ps -eo pid=,comm=,args= | awk '
        ($2 ~ /^lua/ && / \/usr\/bin\/prosody/ && !/--config/) ||
        ($2 == "beam.smp" && /-sname ejabberd@/) ||
        $2 == "epmd" { print $1 }' | sort -n
}

# Installs prosody and ejabberd from Debian when missing. A package's install script may start the
# system service: any server process that appears during the install was started by it, and is
# stopped again by its pid.
ensure_packages() {
    local want=() p
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || want+=("$p")
    done
    [ ${#want[@]} -gt 0 ] || return 0
    say "installing from Debian: ${want[*]}"
    local before after
    before=$(server_pids)
    if [ "$(id -u)" != 0 ]; then say "installing packages needs root (apt-get install ${want[*]})"; return 1; fi
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >/dev/null
    after=$(server_pids)
    for p in $(comm -13 <(echo "$before") <(echo "$after")); do
        say "stopping $(cat "/proc/$p/comm" 2>/dev/null) (pid $p), started by the package install"
        kill -TERM "$p" 2>/dev/null || true
    done
}

# --- Prosody ------------------------------------------------------------------------------------

# prosody_config DIR C2S_PORT COMPONENT_PORT LOG_LEVEL [MUC_HOST]: a private Prosody configuration
# in DIR. With MUC_HOST, Prosody's own MUC is loaded there too, with its room archive (mod_muc_mam,
# on for every room unless its owner turns it off), as a reference to compare the service with
# (scripts/differential/run.sh).
prosody_config() {
    local dir=$1 c2s=$2 comp=$3 level=${4:-info} muc_host=${5:-}
    mkdir -p "$dir/data" "$dir/certs"
    cat > "$dir/prosody.cfg.lua" <<EOF
-- Private Prosody for muc-component interop tests (written by scripts/interop/lib.sh).
run_as_root = true
daemonize = false
pidfile = "$dir/prosody.pid"
data_path = "$dir/data"
certificates = "$dir/certs"
log = { { levels = { min = "$level" }, to = "file", filename = "$dir/prosody.log" } }
interfaces = { "127.0.0.1" }
-- The scripts' service admin (see Fixtures/scansion/README.md), for Prosody's own MUC.
admins = { "$INTEROP_ADMIN" }
c2s_ports = { $c2s }
c2s_direct_tls_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { }
component_ports = { $comp }
component_interfaces = { "127.0.0.1" }
network_settings = { nagle = false }
modules_enabled = { "saslauth", "disco", "ping", "roster" }
-- No offline storage: stanzas for an absent test user must not pile up between scripts.
modules_disabled = { "s2s", "offline" }
storage = "internal"
authentication = "internal_hashed"
-- Plain TCP on loopback, for the test clients' SASL PLAIN.
c2s_require_encryption = false
allow_unencrypted_plain_auth = true

VirtualHost "$INTEROP_DOMAIN"

-- The MUC service: an external component (XEP-0114). The server's own MUC is not loaded here.
Component "$INTEROP_COMPONENT"
    component_secret = "$INTEROP_SECRET"
EOF
    [ -n "$muc_host" ] || return 0
    cat >> "$dir/prosody.cfg.lua" <<EOF

-- Prosody's own MUC with its room archive (XEP-0313), the reference for side-by-side comparisons.
Component "$muc_host" "muc"
    modules_enabled = { "muc_mam" }
    muc_log_by_default = true
    -- As in Prosody 13 and in this service by default: the admin account is no room owner.
    component_admins_as_room_owners = false
EOF
}

# prosody_register DIR USER PASSWORD: creates USER@localhost (the server need not run).
prosody_register() {
    prosodyctl --config "$1/prosody.cfg.lua" register "$2" "$INTEROP_DOMAIN" "$3" >>"$1/prosodyctl.out" 2>&1
}

# prosody_start DIR C2S_PORT COMPONENT_PORT: starts it in the background; sets PROSODY_PID.
prosody_start() {
    local dir=$1 c2s=$2 comp=$3
    prosody --config "$dir/prosody.cfg.lua" -F >>"$dir/prosody.out" 2>&1 &
    PROSODY_PID=$!
    if ! wait_port "$c2s" 30 "$PROSODY_PID" || ! wait_port "$comp" 10 "$PROSODY_PID"; then
        say "prosody did not open ports $c2s/$comp; its output:"
        tail -n 20 "$dir/prosody.out" "$dir/prosody.log" >&2 2>/dev/null
        stop_pid "$PROSODY_PID" 5; PROSODY_PID=
        return 1
    fi
}

prosody_stop() {
    stop_pid "${PROSODY_PID:-}" 15
    PROSODY_PID=
}

# --- ejabberd -----------------------------------------------------------------------------------

# ejabberd_config DIR C2S_PORT COMPONENT_PORT DIST_PORT NODE: a private ejabberd node in DIR.
ejabberd_config() {
    local dir=$1 c2s=$2 comp=$3 dist=$4 node=$5
    mkdir -p "$dir/spool" "$dir/logs"
    : > "$dir/inetrc"
    cat > "$dir/ejabberd.yml" <<EOF
# Private ejabberd for muc-component interop tests (written by scripts/interop/lib.sh).
loglevel: info
log_rotate_count: 0
hosts:
  - "$INTEROP_DOMAIN"
certfiles: []
auth_method: internal
listen:
  -
    port: $c2s
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls: false
  -
    # The MUC service: an external component (XEP-0114). The server's own mod_muc is not loaded.
    port: $comp
    ip: "127.0.0.1"
    module: ejabberd_service
    hosts:
      "$INTEROP_COMPONENT":
        password: "$INTEROP_SECRET"
acl:
  loopback:
    ip:
      - 127.0.0.0/8
modules:
  mod_disco: {}
  mod_ping: {}
  mod_roster: {}
EOF
    # ERL_DIST_PORT: no epmd on 4369; the node's distribution listens on loopback only.
    cat > "$dir/ejabberdctl.cfg" <<EOF
ERLANG_NODE=$node
ERL_DIST_PORT=$dist
INET_DIST_INTERFACE=127.0.0.1
EOF
    chmod 755 "$(dirname "$dir")"
    chown -R ejabberd: "$dir" 2>/dev/null || true
}

ejabberdctl_private() {
    local dir=$1; shift
    ejabberdctl --config-dir "$dir" --config "$dir/ejabberd.yml" --ctl-config "$dir/ejabberdctl.cfg" \
        --spool "$dir/spool" --logs "$dir/logs" --node "$EJABBERD_NODE" "$@"
}

# ejabberd_start DIR C2S_PORT COMPONENT_PORT NODE: sets EJABBERD_PID (beam.smp) and EJABBERD_LAUNCHER.
ejabberd_start() {
    local dir=$1 c2s=$2 comp=$3
    EJABBERD_NODE=$4
    ejabberdctl_private "$dir" foreground >>"$dir/ejabberd.out" 2>&1 &
    EJABBERD_LAUNCHER=$!
    if ! wait_port "$c2s" 60 "$EJABBERD_LAUNCHER" || ! wait_port "$comp" 10 "$EJABBERD_LAUNCHER"; then
        say "ejabberd did not open ports $c2s/$comp; its output:"
        tail -n 20 "$dir/ejabberd.out" "$dir/logs/ejabberd.log" "$dir/logs/error.log" >&2 2>/dev/null
        ejabberd_stop
        return 1
    fi
    EJABBERD_PID=$(descendant_named "$EJABBERD_LAUNCHER" beam.smp || echo "$EJABBERD_LAUNCHER")
}

# ejabberd_register DIR USER PASSWORD: creates USER@localhost (the node must run).
ejabberd_register() {
    ejabberdctl_private "$1" register "$2" "$INTEROP_DOMAIN" "$3" >>"$1/ejabberdctl.out" 2>&1
}

ejabberd_stop() {
    # The launcher (su, sh) exits with the node; epmd is never started (ERL_DIST_PORT).
    stop_pid "${EJABBERD_PID:-}" 15
    stop_pid "${EJABBERD_LAUNCHER:-}" 5
    EJABBERD_PID=
    EJABBERD_LAUNCHER=
}

# --- the component ------------------------------------------------------------------------------

# binaries_ready: sets BIN_DIR to where muc-component and scansion-run are: as given, or built
# here (`swift build --product …`, the output shown only when it fails). Fails when either is missing.
binaries_ready() {
    if [ -z "${BIN_DIR:-}" ]; then
        say "building muc-component and scansion-run"
        local log
        log=$(mktemp /tmp/muc-build.XXXXXX)
        if ! { swift build --product muc-component && swift build --product scansion-run; } >"$log" 2>&1; then
            cat "$log" >&2; rm -f "$log"; say "the build failed"; return 1
        fi
        rm -f "$log"
        BIN_DIR=$(swift build --show-bin-path)
    fi
    local b
    for b in muc-component scansion-run; do
        [ -x "$BIN_DIR/$b" ] || { say "no $b in '$BIN_DIR'"; return 1; }
    done
}

# component_config FILE PORT BACKEND [SQLITE_PATH] [SERVICE_LINES]: muc-component's TOML for the
# private server; SERVICE_LINES are more keys of its [service] table (whose admin is $INTEROP_ADMIN).
component_config() {
    local file=$1 port=$2 backend=$3 path=${4:-} service=${5:-}
    {
        cat <<EOF
# Written by scripts/interop/lib.sh.
[component]
domain = "$INTEROP_COMPONENT"
host = "127.0.0.1"
port = $port
secret = "$INTEROP_SECRET"
reconnect_initial_seconds = 0.2
reconnect_max_seconds = 2

[storage]
backend = "$backend"
EOF
        [ -n "$path" ] && echo "path = \"$path\""
        cat <<EOF

[service]
admins = ["$INTEROP_ADMIN"]
$service

[log]
level = "info"
EOF
    } > "$file"
}

COMPONENT_READY_LINE="connected to the XMPP server"

# component_start BINARY CONFIG LOG: starts muc-component and waits until it is attached; sets COMPONENT_PID.
component_start() {
    local bin=$1 config=$2 log=$3
    : > "$log"
    "$bin" run --config "$config" >>"$log" 2>&1 &
    COMPONENT_PID=$!
    if ! wait_log "$log" "$COMPONENT_READY_LINE" 1 30; then
        say "muc-component did not attach within 30 s; its log:"
        tail -n 20 "$log" >&2
        component_stop
        return 1
    fi
}

component_stop() {
    stop_pid "${COMPONENT_PID:-}" 10
    COMPONENT_PID=
}
