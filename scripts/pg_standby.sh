#!/usr/bin/env bash
# A real hot standby of the local PostgreSQL for the replica tests (issue 22): streaming replication, made with
# pg_basebackup -R from the primary (127.0.0.1:5432) into a temporary directory, started on port 5433.
#
#   scripts/pg_standby.sh start    # base backup, start, wait until it accepts read-only connections
#   scripts/pg_standby.sh stop     # stop it and remove its directory (safe to call when it is not running)
#   scripts/pg_standby.sh status
#
# Then DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/<the primary's database> (docs/deployment.md,
# "Read replica and pgbouncer"). The primary must accept replication connections from 127.0.0.1: when its pg_hba.conf
# has no such line, `start` adds `host replication all 127.0.0.1/32 trust` (as the trust line for every database it
# already has) and reloads it. A physical standby copies the whole cluster: on a machine holding large databases
# beside the CI's, the base backup takes as long as copying them.
# Runs as root (as CI does: the server then runs as the postgres user) or as the postgres user.
set -euo pipefail

PRIMARY_HOST="${PRIMARY_HOST:-127.0.0.1}"
PRIMARY_PORT="${PRIMARY_PORT:-5432}"
PG_USER="${PG_USER:-postgres}"
STANDBY_PORT="${STANDBY_PORT:-5433}"
PG_VERSION="${PG_VERSION:-15}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/$PG_VERSION/bin}"
STATE="${STANDBY_STATE:-/tmp/minsheng-standby-$STANDBY_PORT.dir}"

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
primary() { psql -X -q -At -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PG_USER" -d postgres -c "$1"; }

start() {
    if pg_isready -q -h 127.0.0.1 -p "$STANDBY_PORT"; then
        echo "something already listens on port $STANDBY_PORT"; exit 1
    fi
    [ -x "$PG_BIN/pg_ctl" ] || { apt-get update -q && apt-get install -y -q "postgresql-$PG_VERSION"; }
    # Replication connections from this host (pg_hba "all" does not cover them).
    if [ "$(primary "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)
                     AND (address = '127.0.0.1' OR address IS NULL AND type = 'local')")" = 0 ]; then
        hba="$(primary "SHOW hba_file")"
        echo "adding 'host replication all 127.0.0.1/32 trust' to $hba"
        printf '\n# Streaming replication from this host (minsheng scripts/pg_standby.sh)\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
        primary "SELECT pg_reload_conf()" >/dev/null
        sleep 1
    fi
    # The copy is the whole cluster: refuse rather than fill the disk (other databases may share the server).
    need="$(primary "SELECT sum(pg_database_size(datname)) FROM pg_database")"
    free="$(df --output=avail -B1 /tmp | tail -n 1)"
    if [ "$((need / 10 * 12))" -gt "$free" ]; then
        echo "the cluster at $PRIMARY_HOST:$PRIMARY_PORT holds $((need / 1000000000)) GB; /tmp has $((free / 1000000000)) GB free:" \
            "not enough for a standby copy (and 20 % to spare)"
        exit 1
    fi
    dir="$(mktemp -d /tmp/minsheng-standby.XXXXXX)"
    chmod 700 "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    echo "$dir" >"$STATE"
    echo "base backup of $PRIMARY_HOST:$PRIMARY_PORT into $dir/data"
    as_postgres "$PG_BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PG_USER" -D "$dir/data" \
        -R -X stream -c fast --no-sync
    # A hot standby needs at least the primary's values of these.
    {
        echo "port = $STANDBY_PORT"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$dir'"
        echo "hot_standby = on"
        echo "shared_buffers = 128MB"
        echo "fsync = off"   # a throw-away test server
        for setting in max_connections max_worker_processes max_wal_senders max_prepared_transactions \
            max_locks_per_transaction; do
            echo "$setting = $(primary "SHOW $setting")"
        done
    } | as_postgres tee "$dir/data/postgresql.conf" >/dev/null
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' | as_postgres tee "$dir/data/pg_hba.conf" >/dev/null
    as_postgres touch "$dir/data/pg_ident.conf"
    as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 start >/dev/null
    for _ in $(seq 1 60); do
        if [ "$(psql -X -At -h 127.0.0.1 -p "$STANDBY_PORT" -U "$PG_USER" -d postgres \
            -c "SELECT pg_is_in_recovery()" 2>/dev/null)" = t ]; then
            echo "hot standby on 127.0.0.1:$STANDBY_PORT streaming from $PRIMARY_HOST:$PRIMARY_PORT"
            return 0
        fi
        sleep 1
    done
    echo "the standby did not come up; its log:"; tail -n 30 "$dir/server.log"; exit 1
}

stop() {
    [ -f "$STATE" ] || { echo "no standby started by this script on port $STANDBY_PORT"; return 0; }
    dir="$(cat "$STATE")"
    case "$dir" in /tmp/minsheng-standby.*) ;; *) echo "unexpected directory in $STATE: $dir"; exit 1 ;; esac
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || true
    fi
    rm -rf "$dir" "$STATE"
    echo "standby on port $STANDBY_PORT stopped and removed"
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
