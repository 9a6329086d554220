#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server.
#
#   scripts/with-postgres.sh swift test --filter StorageTests
#
# Creates a data directory in a fresh temporary folder, starts `postgres` on 127.0.0.1 and a free
# port (as the unprivileged `postgres` user when run as root: PostgreSQL refuses to run as root),
# creates a database, and runs the command with
#   MUC_TEST_POSTGRES=127.0.0.1:<port>:<user>:<database>
#   MUC_TEST_PSQL=<path to psql>          (tests use it to create per-test databases)
# On exit (normal or not) it stops the server it started, by pid, and removes the folder.
# The command's exit status is the script's.
#
# Environment: PGBIN (default: newest /usr/lib/postgresql/*/bin), PG_TEST_OS_USER (default postgres),
# PG_DURABLE=1 keeps PostgreSQL's default durability (fsync, synchronous commit: for benchmarks).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

if [ -z "${PGBIN:-}" ]; then
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "${PGBIN:-}" ] || [ ! -x "$PGBIN/postgres" ]; then
    echo "with-postgres: no PostgreSQL server binaries found (set PGBIN; Debian: apt-get install postgresql)" >&2
    exit 1
fi

DB_USER=muc
DB_NAME=muc_test
WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/muc-postgres.XXXXXX")
SERVER_PID=""

# Runs a server-side command as the unprivileged user when we are root.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups -- "$@"
    else
        "$@"
    fi
}

cleanup() {
    local status=$?
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        # SIGINT = "fast" shutdown: roll back open transactions, disconnect clients, stop.
        kill -INT "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            kill -QUIT "$SERVER_PID" 2>/dev/null || true
        fi
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORKDIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

OS_USER=${PG_TEST_OS_USER:-postgres}
if [ "$(id -u)" -eq 0 ]; then
    if ! id "$OS_USER" >/dev/null 2>&1; then
        echo "with-postgres: running as root needs an unprivileged user '$OS_USER' (set PG_TEST_OS_USER)" >&2
        exit 1
    fi
    chown "$OS_USER": "$WORKDIR"
fi
chmod 700 "$WORKDIR"

as_owner "$PGBIN/initdb" --pgdata="$WORKDIR/data" --username="$DB_USER" --auth=trust \
    --encoding=UTF8 --locale=C --no-sync >"$WORKDIR/initdb.log" 2>&1 || {
    cat "$WORKDIR/initdb.log" >&2
    echo "with-postgres: initdb failed" >&2
    exit 1
}

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    else
        echo $(( 20000 + RANDOM % 20000 ))
    fi
}

# A port found free can be taken before the server binds it: retry a few times.
for attempt in 1 2 3 4 5; do
    PORT=$(free_port)
    # fsync off: this data is thrown away; durability is what the SQLite tests and docs are about
    # (benchmarks ask for the defaults with PG_DURABLE=1).
    durability=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
    if [ "${PG_DURABLE:-0}" = 1 ]; then durability=(); fi
    # Started directly in the background (not through a shell function), so that $! is the
    # postmaster itself: setpriv execs it in place.
    server_args=(-D "$WORKDIR/data" -h 127.0.0.1 -p "$PORT" -k "$WORKDIR"
        "${durability[@]}" -c max_connections=200)
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups -- \
            "$PGBIN/postgres" "${server_args[@]}" >"$WORKDIR/server.log" 2>&1 &
    else
        "$PGBIN/postgres" "${server_args[@]}" >"$WORKDIR/server.log" 2>&1 &
    fi
    SERVER_PID=$!
    ready=no
    for _ in $(seq 1 150); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
        if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U "$DB_USER"; then ready=yes; break; fi
        sleep 0.1
    done
    if [ "$ready" = yes ]; then break; fi
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -INT "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    else
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
    if [ "$attempt" -eq 5 ]; then
        cat "$WORKDIR/server.log" >&2
        echo "with-postgres: the server did not start" >&2
        exit 1
    fi
done

"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$DB_USER" "$DB_NAME"

export MUC_TEST_POSTGRES="127.0.0.1:$PORT:$DB_USER:$DB_NAME"
export MUC_TEST_PSQL="$PGBIN/psql"
export MUC_TEST_POSTGRES_PID="$SERVER_PID"
echo "with-postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (pid $SERVER_PID), MUC_TEST_POSTGRES=$MUC_TEST_POSTGRES" >&2

# Not exec: the trap must still run to stop the server.
set +e
"$@"
status=$?
set -e
exit "$status"
