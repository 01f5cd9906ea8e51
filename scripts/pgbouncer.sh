#!/usr/bin/env bash
# pgbouncer in transaction mode in front of the local PostgreSQL, for CI and the load test (issue 22).
#
#   scripts/pgbouncer.sh start    # 127.0.0.1:6432 → 127.0.0.1:5432, every database, transaction pooling
#   scripts/pgbouncer.sh stop     # stop it and remove its directory (safe to call when it is not running)
#   scripts/pgbouncer.sh status
#
# Django then connects with DATABASE_URL=postgres://postgres@127.0.0.1:6432/<database> and DATABASE_POOLER=1
# (DISABLE_SERVER_SIDE_CURSORS; docs/deployment.md, "Read replica and pgbouncer"). The production configuration, with
# scram-sha-256 and TLS, is in that section; this one trusts local connections as the CI's PostgreSQL does.
# Installs pgbouncer with apt when it is missing. Runs as root (the server then runs as the postgres user) or as
# an ordinary user.
set -euo pipefail

PRIMARY_HOST="${PRIMARY_HOST:-127.0.0.1}"
PRIMARY_PORT="${PRIMARY_PORT:-5432}"
PG_USER="${PG_USER:-postgres}"
POOLER_PORT="${POOLER_PORT:-6432}"
POOL_SIZE="${POOL_SIZE:-20}"
STATE="${POOLER_STATE:-/tmp/minsheng-pgbouncer-$POOLER_PORT.dir}"

as_server_user() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    if pg_isready -q -h 127.0.0.1 -p "$POOLER_PORT"; then
        echo "something already listens on port $POOLER_PORT"; exit 1
    fi
    command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || {
        apt-get update -q && apt-get install -y -q --no-install-recommends pgbouncer
    }
    dir="$(mktemp -d /tmp/minsheng-pgbouncer.XXXXXX)"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    echo "$dir" >"$STATE"
    printf '"%s" ""\n' "$PG_USER" >"$dir/userlist.txt"
    cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=$PRIMARY_HOST port=$PRIMARY_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $POOLER_PORT
unix_socket_dir = $dir
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = $PG_USER
pool_mode = transaction
; server connections per (database, user): what PostgreSQL's max_connections must cover, whatever the number of
; gunicorn threads and Celery processes connecting here (max_client_conn)
default_pool_size = $POOL_SIZE
max_client_conn = 1000
; Django's connection health check and its SET of the time zone are per connection: pgbouncer keeps TimeZone per
; client and sets it again on the server connection it lends
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"/*; fi
    as_server_user "$(command -v pgbouncer || echo /usr/sbin/pgbouncer)" -d "$dir/pgbouncer.ini"
    for _ in $(seq 1 30); do
        if psql -X -At -h 127.0.0.1 -p "$POOLER_PORT" -U "$PG_USER" -d postgres -c "SELECT 1" >/dev/null 2>&1; then
            echo "pgbouncer on 127.0.0.1:$POOLER_PORT (transaction pooling, $POOL_SIZE server connections a database)" \
                "in front of $PRIMARY_HOST:$PRIMARY_PORT"
            return 0
        fi
        sleep 1
    done
    echo "pgbouncer did not come up; its log:"; tail -n 30 "$dir/pgbouncer.log"; exit 1
}

stop() {
    [ -f "$STATE" ] || { echo "no pgbouncer started by this script on port $POOLER_PORT"; return 0; }
    dir="$(cat "$STATE")"
    case "$dir" in /tmp/minsheng-pgbouncer.*) ;; *) echo "unexpected directory in $STATE: $dir"; exit 1 ;; esac
    if [ -f "$dir/pgbouncer.pid" ]; then
        pid="$(cat "$dir/pgbouncer.pid")"
        kill -INT "$pid" 2>/dev/null || true   # SIGINT: stop at once (SIGTERM would wait for clients to leave)
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
    rm -rf "$dir" "$STATE"
    echo "pgbouncer on port $POOLER_PORT stopped and removed"
}

status() {
    if [ -f "$STATE" ] && pg_isready -q -h 127.0.0.1 -p "$POOLER_PORT"; then
        psql -X -h 127.0.0.1 -p "$POOLER_PORT" -U "$PG_USER" -d pgbouncer -c "SHOW POOLS" 2>/dev/null \
            || echo "running on port $POOLER_PORT"
    else
        echo "not running"; return 1
    fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
