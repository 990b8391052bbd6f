#!/usr/bin/env bash
# Runs the whole Segnala test suite: unit, use-case and system tests, the last against
# the real PostgreSQL and RabbitMQ of this machine.
#
#   tests/run.sh [nextest arguments…]      e.g. tests/run.sh -E 'test(outbox)'
#
# On a fresh Debian machine it installs and starts what is missing (run it as root or as
# a user with sudo): PostgreSQL on 127.0.0.1:5432, RabbitMQ on 127.0.0.1:5672, Rust and
# cargo-nextest. It then removes what interrupted earlier runs left behind (databases
# named segnala_t_*, queues and exchanges named t_*) and runs `cargo nextest`.
#
# Environment:
#   SEGNALA_TEST_DATABASE_URL  PostgreSQL URL of a role that may create databases
#                              (default: the local postgres superuser; see below)
#   SEGNALA_TEST_AMQP_URL      RabbitMQ URL (default amqp://guest:guest@127.0.0.1:5672/%2f)
#   SEGNALA_OPEN311_VENV       where the Python clients (Open311, gRPC reflection) are installed
#                              (default /var/tmp/segnala-open311-venv)
#   SEGNALA_RUN_TESTS=0        prepare everything, then stop before running the tests
#
# Both URLs are exported for the tests. For a preset URL that points to another host
# nothing is installed or started (and, for RabbitMQ, nothing is cleaned up).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly PG_WAIT_SECONDS=60
readonly RABBIT_WAIT_SECONDS=90
readonly PG_TEST_PASSWORD=segnala-test
readonly TEST_DATABASE_PREFIX=segnala_t_
readonly TEST_BROKER_PREFIX=t_

log() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    else
        sudo "$@"
    fi
}

apt_updated=0
apt_install() {
    if [[ $apt_updated -eq 0 ]]; then
        as_root apt-get update -qq
        apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Waits up to $1 seconds for the command after $2 to succeed; dies with message $2.
wait_until() {
    local seconds=$1 message=$2 waited=0
    shift 2
    until "$@"; do
        ((waited < seconds)) || die "$message after ${seconds}s"
        sleep 1
        waited=$((waited + 1))
    done
}

# True when the URL in $1 names this machine (or names no host at all).
is_local_url() {
    local rest=${1#*://}
    rest=${rest##*@}
    local host=${rest%%[:/?]*}
    [[ -z $host || $host == 127.0.0.1 || $host == localhost || $host == '[::1]' ]]
}

# ---------------------------------------------------------------------------------------
# PostgreSQL

pg_ready() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h 127.0.0.1 -p 5432
    else
        port_open 5432
    fi
}

ensure_postgres() {
    if pg_ready; then
        log "postgres: running"
        return
    fi
    if [[ ! -d /etc/postgresql ]] || [[ -z $(find /etc/postgresql -mindepth 1 -maxdepth 1) ]]; then
        log "postgres: installing"
        apt_install postgresql
    fi
    if ! pg_ready; then
        local version
        version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | head -n 1)
        log "postgres: starting cluster $version/main"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    fi
    wait_until "$PG_WAIT_SECONDS" "postgres: not ready on 127.0.0.1:5432" pg_ready
    log "postgres: ready"
}

pg_can_connect() {
    PGCONNECT_TIMEOUT=5 psql -w -X -q -At "$1" -c 'select 1' >/dev/null 2>&1
}

choose_database_url() {
    if [[ -n ${SEGNALA_TEST_DATABASE_URL:-} ]]; then
        pg_can_connect "$SEGNALA_TEST_DATABASE_URL" \
            || die "postgres: cannot connect with the preset SEGNALA_TEST_DATABASE_URL"
        return
    fi
    local url=postgres://postgres@127.0.0.1:5432/postgres
    if ! pg_can_connect "$url"; then
        # A fresh install asks for a password over TCP; set one through the local socket.
        log "postgres: setting a password for the postgres role"
        as_root runuser -u postgres -- psql -X -q -c "ALTER ROLE postgres PASSWORD '$PG_TEST_PASSWORD'" >/dev/null
        url=postgres://postgres:$PG_TEST_PASSWORD@127.0.0.1:5432/postgres
        pg_can_connect "$url" || die "postgres: cannot connect as postgres on 127.0.0.1:5432"
    fi
    SEGNALA_TEST_DATABASE_URL=$url
}

# Test databases, queues and exchanges are named after the time their test began (the
# first 12 hex digits of a UUID v7: milliseconds). Only those older than this are left
# over; younger ones may belong to a run in progress beside this one.
readonly LEFTOVER_AGE_MS=$((2 * 60 * 60 * 1000))

# Reads names on stdin and prints those whose 12-hex-digit time after prefix $1 is old
# enough (or unreadable: an older naming scheme).
leftovers() {
    local prefix=$1 name stamp now_ms
    now_ms=$(($(date +%s) * 1000))
    while IFS= read -r name; do
        [[ $name == "$prefix"* ]] || continue
        stamp=${name#"$prefix"}
        stamp=${stamp:0:12}
        if [[ ! $stamp =~ ^[0-9a-f]{12}$ ]] || ((now_ms - 16#$stamp > LEFTOVER_AGE_MS)); then
            printf '%s\n' "$name"
        fi
    done
}

clean_databases() {
    local url=$SEGNALA_TEST_DATABASE_URL names
    names=$(psql -w -X -q -At "$url" -c "select datname from pg_database" | leftovers "$TEST_DATABASE_PREFIX")
    if [[ -z $names ]]; then
        return
    fi
    log "postgres: dropping $(wc -l <<<"$names") leftover test database(s)"
    local name
    while IFS= read -r name; do
        psql -w -X -q -At "$url" -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null \
            || log "postgres: could not drop $name"
    done <<<"$names"
}

# ---------------------------------------------------------------------------------------
# RabbitMQ

ensure_rabbitmq() {
    if port_open 5672; then
        log "rabbitmq: running"
        return
    fi
    if ! command -v rabbitmq-server >/dev/null 2>&1 && [[ ! -x /usr/sbin/rabbitmq-server ]]; then
        log "rabbitmq: installing"
        apt_install rabbitmq-server
    fi
    if ! port_open 5672; then
        log "rabbitmq: starting"
        as_root rabbitmq-server -detached || true
    fi
    wait_until "$RABBIT_WAIT_SECONDS" "rabbitmq: not ready on 127.0.0.1:5672" port_open 5672
    log "rabbitmq: ready"
}

# True when the local broker answers its own health checks promptly and raises no
# resource alarm (a broker in an alarm blocks publishers, so every test would time out).
rabbitmq_healthy() {
    as_root timeout 30 rabbitmq-diagnostics -q ping >/dev/null 2>&1 \
        && as_root timeout 30 rabbitmq-diagnostics -q check_local_alarms >/dev/null 2>&1
}

# A broker that accepts TCP but stopped answering is restarted once.
ensure_rabbitmq_healthy() {
    command -v rabbitmq-diagnostics >/dev/null 2>&1 || return 0
    if rabbitmq_healthy; then
        return
    fi
    log "rabbitmq: not answering its health checks; restarting it"
    as_root timeout 60 rabbitmqctl -q stop >/dev/null 2>&1 \
        || as_root pkill -KILL -u rabbitmq -f beam.smp || true
    wait_until 30 "rabbitmq: did not stop" bash -c '! timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/5672" 2>/dev/null'
    as_root rabbitmq-server -detached || true
    wait_until "$RABBIT_WAIT_SECONDS" "rabbitmq: not ready on 127.0.0.1:5672" port_open 5672
    wait_until "$RABBIT_WAIT_SECONDS" "rabbitmq: still unhealthy after a restart" rabbitmq_healthy
    log "rabbitmq: restarted"
}

# The vhost named by the AMQP URL in $1: its path, percent-decoded; "/" when absent.
amqp_vhost() {
    local rest=${1#*://}
    rest=${rest%%\?*}
    if [[ $rest != */* ]]; then
        printf '/'
        return
    fi
    local path=${rest#*/}
    if [[ -z $path ]]; then
        printf '/'
        return
    fi
    printf '%b' "${path//%/\\x}"
}

rabbitmqctl_() {
    as_root rabbitmqctl "$@"
}

# Names (one a line, on stdin) as an Erlang list of binaries. Only plain names are
# taken; others are skipped (queues then go the slower one-by-one way).
erlang_binaries() {
    local name first=1
    printf '['
    while IFS= read -r name; do
        [[ $name =~ ^[A-Za-z0-9._:/-]+$ ]] || continue
        if [[ $first -eq 0 ]]; then printf ','; fi
        printf '<<"%s">>' "$name"
        first=0
    done
    printf ']'
}

clean_broker() {
    local vhost=$1 queues exchanges
    queues=$(rabbitmqctl_ list_queues -q --no-table-headers -p "$vhost" name | leftovers "$TEST_BROKER_PREFIX")
    exchanges=$(rabbitmqctl_ list_exchanges -q --no-table-headers -p "$vhost" name | leftovers "$TEST_BROKER_PREFIX")
    if [[ -z $queues && -z $exchanges ]]; then
        return
    fi
    # The vhost as an Erlang binary; empty when it is not a plain name.
    local erl_vhost
    erl_vhost=$(erlang_binaries <<<"$vhost")
    erl_vhost=${erl_vhost#[}
    erl_vhost=${erl_vhost%]}

    if [[ -n $queues ]]; then
        log "rabbitmq: deleting $(wc -l <<<"$queues") leftover test queue(s)"
        # One broker call for all of them, then one call per queue for any left over.
        if [[ -n $erl_vhost ]]; then
            rabbitmqctl_ eval "
                VHost = $erl_vhost,
                [case rabbit_amqqueue:lookup(rabbit_misc:r(VHost, queue, N)) of
                     {ok, Q} -> rabbit_amqqueue:delete(Q, false, false, <<\"tests/run.sh\">>);
                     Missing -> Missing
                 end || N <- $(erlang_binaries <<<"$queues")]." >/dev/null 2>&1 || true
        fi
        local queue
        while IFS= read -r queue; do
            rabbitmqctl_ delete_queue -q -p "$vhost" "$queue" </dev/null >/dev/null 2>&1 || true
        done < <(rabbitmqctl_ list_queues -q --no-table-headers -p "$vhost" name | leftovers "$TEST_BROKER_PREFIX")
    fi

    if [[ -n $exchanges && -n $erl_vhost ]]; then
        # rabbitmqctl has no delete_exchange; the broker's own API does it.
        log "rabbitmq: deleting $(wc -l <<<"$exchanges") leftover test exchange(s)"
        rabbitmqctl_ eval "
            VHost = $erl_vhost,
            [rabbit_exchange:delete(rabbit_misc:r(VHost, exchange, N), false, <<\"tests/run.sh\">>)
             || N <- $(erlang_binaries <<<"$exchanges")]." >/dev/null 2>&1 \
            || log "rabbitmq: could not delete leftover exchanges (harmless)"
    fi
}

# ---------------------------------------------------------------------------------------
# Rust toolchain and nextest

ensure_cargo() {
    if command -v cargo >/dev/null 2>&1; then
        return
    fi
    if [[ -f $HOME/.cargo/env ]]; then
        # shellcheck source=/dev/null
        source "$HOME/.cargo/env"
        command -v cargo >/dev/null 2>&1 && return
    fi
    die "rust: cargo not found; install the Rust toolchain (rustup, version 1.94 or newer) first"
}

ensure_nextest() {
    if ! cargo nextest --version >/dev/null 2>&1; then
        log "nextest: installing"
        cargo install cargo-nextest --locked
    fi
    log "nextest: $(cargo nextest --version 2>/dev/null | head -n 1)"
}

# The status pages are tested in a real headless browser: Debian's chromium.
ensure_chromium() {
    if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
        log "chromium: installing from the distribution's packages"
        apt_install chromium fonts-dejavu-core
    fi
    log "chromium: $(chromium --version 2>/dev/null || chromium-browser --version 2>/dev/null)"
}

# The photo tests tag camera-like files and read them back with exiftool.
ensure_exiftool() {
    if ! command -v exiftool >/dev/null 2>&1; then
        log "exiftool: installing from the distribution's packages"
        apt_install libimage-exiftool-perl
    fi
    log "exiftool: $(exiftool -ver)"
}

# ---------------------------------------------------------------------------------------
# Clients written by others, which the system tests drive against the servers: PyPI's
# Open311 clients `georeport` and `three`, and `grpcio-reflection`.

readonly OPEN311_VENV=${SEGNALA_OPEN311_VENV:-/var/tmp/segnala-open311-venv}

ensure_open311_clients() {
    if "$OPEN311_VENV/bin/python" -c 'import georeport, relaxml, simplejson, grpc_reflection' 2>/dev/null; then
        log "python clients: ready in $OPEN311_VENV"
        return
    fi
    command -v python3 >/dev/null 2>&1 || apt_install python3
    python3 -m venv --help >/dev/null 2>&1 || apt_install python3-venv
    log "python clients: installing georeport, three and grpcio-reflection into $OPEN311_VENV"
    python3 -m venv "$OPEN311_VENV" || { apt_install python3-venv && python3 -m venv "$OPEN311_VENV"; }
    "$OPEN311_VENV/bin/pip" install --quiet georeport==0.3.1 three==0.8.0 grpcio-reflection==1.85.1
}

# ---------------------------------------------------------------------------------------

main() {
    if [[ -z ${SEGNALA_TEST_DATABASE_URL:-} ]] || is_local_url "$SEGNALA_TEST_DATABASE_URL"; then
        ensure_postgres
    fi
    command -v psql >/dev/null 2>&1 || apt_install postgresql-client
    choose_database_url
    export SEGNALA_TEST_DATABASE_URL
    clean_databases
    log "postgres: ready for tests"

    SEGNALA_TEST_AMQP_URL=${SEGNALA_TEST_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}
    export SEGNALA_TEST_AMQP_URL
    if is_local_url "$SEGNALA_TEST_AMQP_URL"; then
        ensure_rabbitmq
        ensure_rabbitmq_healthy
        clean_broker "$(amqp_vhost "$SEGNALA_TEST_AMQP_URL")"
    fi
    log "rabbitmq: ready for tests"

    ensure_open311_clients
    export SEGNALA_OPEN311_VENV=$OPEN311_VENV

    ensure_chromium
    ensure_exiftool
    ensure_cargo
    ensure_nextest

    if [[ ${SEGNALA_RUN_TESTS:-1} == 0 ]]; then
        log "tests: skipped (SEGNALA_RUN_TESTS=0)"
        exit 0
    fi

    log "tests: cargo nextest run --workspace --no-fail-fast $*"
    exec cargo nextest run --workspace --no-fail-fast "$@"
}

main "$@"
