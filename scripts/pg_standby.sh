#!/usr/bin/env bash
# A real primary and hot standby pair for the replica tests (issue 22), of their own: a fresh primary made by initdb
# on port 5434 and its streaming replica, made with pg_basebackup -R, on port 5433, both in one temporary directory.
# The server of the machine (5432) is not touched: a physical standby copies a whole cluster, which on a machine
# holding large databases beside the CI's takes as long as copying them.
#
#   scripts/pg_standby.sh start    # initdb, start the primary, base backup, start the standby, wait for both
#   scripts/pg_standby.sh stop     # stop both and remove their directory (safe to call when they are not running)
#   scripts/pg_standby.sh status
#
# Then DATABASE_URL=postgres://postgres@127.0.0.1:5434/<name> and DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/<name>
# (docs/deployment.md, "Read replica and pgbouncer", for production). Runs as root (as CI does: the servers then run
# as the postgres user) or as the postgres user.
set -euo pipefail

PG_USER="${PG_USER:-postgres}"
PRIMARY_PORT="${REPLICA_PRIMARY_PORT:-5434}"
STANDBY_PORT="${STANDBY_PORT:-5433}"
PG_VERSION="${PG_VERSION:-15}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/$PG_VERSION/bin}"
STATE="${STANDBY_STATE:-/tmp/minsheng-standby-$STANDBY_PORT.dir}"

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    for port in "$PRIMARY_PORT" "$STANDBY_PORT"; do
        if pg_isready -q -h 127.0.0.1 -p "$port"; then echo "something already listens on port $port"; exit 1; fi
    done
    [ -x "$PG_BIN/pg_ctl" ] || { apt-get update -q && apt-get install -y -q "postgresql-$PG_VERSION"; }
    dir="$(mktemp -d /tmp/minsheng-standby.XXXXXX)"
    chmod 700 "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    echo "$dir" >"$STATE"
    as_postgres "$PG_BIN/initdb" -D "$dir/primary" -U "$PG_USER" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    {
        echo "port = $PRIMARY_PORT"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$dir'"
        echo "wal_level = replica"
        echo "max_wal_senders = 4"
        echo "fsync = off"   # throw-away test servers
    } | as_postgres tee -a "$dir/primary/postgresql.conf" >/dev/null
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n' \
        | as_postgres tee "$dir/primary/pg_hba.conf" >/dev/null
    as_postgres "$PG_BIN/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w -t 60 start >/dev/null
    as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U "$PG_USER" -D "$dir/standby" \
        -R -X stream -c fast --no-sync
    {
        echo "port = $STANDBY_PORT"
        echo "hot_standby = on"
    } | as_postgres tee -a "$dir/standby/postgresql.conf" >/dev/null
    as_postgres "$PG_BIN/pg_ctl" -D "$dir/standby" -l "$dir/standby.log" -w -t 60 start >/dev/null
    for _ in $(seq 1 60); do
        if [ "$(psql -X -At -h 127.0.0.1 -p "$STANDBY_PORT" -U "$PG_USER" -d postgres \
            -c "SELECT pg_is_in_recovery()" 2>/dev/null)" = t ]; then
            echo "primary on 127.0.0.1:$PRIMARY_PORT, hot standby on 127.0.0.1:$STANDBY_PORT streaming from it"
            return 0
        fi
        sleep 1
    done
    echo "the standby did not come up; its log:"; tail -n 30 "$dir/standby.log"; exit 1
}

stop() {
    [ -f "$STATE" ] || { echo "no standby started by this script on port $STANDBY_PORT"; return 0; }
    dir="$(cat "$STATE")"
    case "$dir" in /tmp/minsheng-standby.*) ;; *) echo "unexpected directory in $STATE: $dir"; exit 1 ;; esac
    for data in standby primary; do
        if [ -f "$dir/$data/postmaster.pid" ]; then
            as_postgres "$PG_BIN/pg_ctl" -D "$dir/$data" -m immediate -w -t 60 stop >/dev/null || true
        fi
    done
    rm -rf "$dir" "$STATE"
    echo "primary and standby on ports $PRIMARY_PORT and $STANDBY_PORT stopped and removed"
}

status() {
    if [ -f "$STATE" ] && pg_isready -q -h 127.0.0.1 -p "$STANDBY_PORT"; then
        psql -X -At -h 127.0.0.1 -p "$STANDBY_PORT" -U "$PG_USER" -d postgres \
            -c "SELECT 'in recovery: ' || pg_is_in_recovery() || ', replayed up to ' || pg_last_wal_replay_lsn()"
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
