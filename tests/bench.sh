#!/usr/bin/env bash
# The performance scenarios of docs/performance.md, on this machine: builds the release
# binary, starts the platform on a fresh PostgreSQL database and RabbitMQ prefix (or
# embedded), runs `segnala bench` and prints its figures. Needs what tests/run.sh
# needs (it does not install anything).
#
#   tests/bench.sh broker      # PostgreSQL + RabbitMQ: sustained, 50/s latency, flat out,
#                              # sustained with 30% duplicates
#   tests/bench.sh embedded    # SQLite + in-process bus, flat out
#   tests/bench.sh open311     # PostgreSQL + RabbitMQ, submitting over Open311
#   tests/bench.sh services    # PostgreSQL + RabbitMQ, each service its own process
#                              # (`segnala serve`), as docker-compose runs them: the
#                              # memory of each at the sustained rate
#   tests/bench.sh intake      # intake alone (`segnala serve intake`): how many reports
#                              # a second it accepts and stores, over gRPC and Open311
#
# SEGNALA_BENCH_SECONDS (default 30) sets each run's length.
set -euo pipefail

cd "$(dirname "$0")/.."
mode=${1:-broker}
seconds=${SEGNALA_BENCH_SECONDS:-30}
pg_admin=${SEGNALA_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}
amqp=${SEGNALA_BENCH_AMQP:-amqp://guest:guest@127.0.0.1:5672/%2f}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/segnala-target}

cargo build --release --quiet -p segnala
segnala="$CARGO_TARGET_DIR/release/segnala"
work=$(mktemp -d)
database=segnala_bench_$(date +%s)
prefix="bench_$(date +%s)_"
platform_pid=
service_pids=()

stop_platform() {
    local pid
    for pid in $platform_pid "${service_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    platform_pid=
    service_pids=()
}

cleanup() {
    stop_platform
    if [[ $mode != embedded ]]; then
        psql -w -X -q "$pg_admin" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
        # A backlog left in the broker's queues would weigh on every later run.
        local queue
        for queue in $(rabbitmqctl list_queues -q --no-table-headers name 2>/dev/null | grep "^$prefix"); do
            rabbitmqctl delete_queue -q "$queue" >/dev/null 2>&1 || true
        done
        # Its exchanges too; rabbitmqctl has no delete_exchange, the broker's API does it.
        local exchanges
        exchanges=$(rabbitmqctl list_exchanges -q --no-table-headers name 2>/dev/null | grep "^$prefix" | sed 's/.*/<<"&">>/' | paste -sd, -)
        if [[ -n $exchanges ]]; then
            rabbitmqctl eval "[rabbit_exchange:delete(rabbit_misc:r(<<\"/\">>, exchange, N), false, <<\"tests/bench.sh\">>) || N <- [$exchanges]]." >/dev/null 2>&1 || true
        fi
    fi
    [[ -n ${SEGNALA_BENCH_KEEP:-} ]] || rm -rf "$work"; echo "work: $work" >&2
}
trap cleanup EXIT

database_url=${pg_admin%/*}/$database
start_platform() {
    local args=()
    # One machine sends everything: the per-address and per-key limits would refuse it.
    export SEGNALA__INTAKE__RATE_LIMIT__PER_ADDRESS_PER_MINUTE=100000000
    export SEGNALA__INTAKE__RATE_LIMIT__PER_KEY_PER_MINUTE=100000000
    if [[ $mode != embedded ]]; then
        psql -w -X -q "$pg_admin" -c "CREATE DATABASE $database" >/dev/null
        args=(--database-url "$database_url" --amqp-url "$amqp")
        export SEGNALA__BUS__PREFIX=$prefix
    fi
    (cd "$work" && RUST_LOG=warn exec "$segnala" up "${args[@]}" >"$work/up.log" 2>&1) &
    platform_pid=$!
    wait_for_line "$work/up.log" "Press Ctrl-C" "the platform"
}

# Waits up to 20 s for a process's log $1 to show $2; otherwise shows the log and stops,
# naming what did not start ($3).
wait_for_line() {
    for _ in $(seq 100); do
        grep -q "$2" "$1" 2>/dev/null && return
        sleep 0.2
    done
    cat "$1" >&2
    echo "$3 did not start" >&2
    exit 1
}

bench() {
    echo
    echo "\$ segnala bench $*"
    local pid watched=()
    for pid in $platform_pid "${service_pids[@]}"; do
        watched+=(--watch-pid "$pid")
    done
    (cd "$work" && "$segnala" bench "${watched[@]}" "$@" 2>"$work/bench.err") || { grep -v "^ *[0-9]*: \\|^ *at " "$work/bench.err" | tail -8 >&2; return 1; }
}

# PostgreSQL plans the platform's queries from statistics of its tables, which
# autovacuum gathers within a minute or so on a default server. A fresh database has
# none, and a server may run without autovacuum (this machine's CI settings do): without
# statistics, a lookup of a few hundred reports by incident reads the whole table, a
# cost that grows with every report. Once the first run has put rows in the tables,
# gather the statistics as autovacuum would, so that the runs after it measure the
# platform as it runs in a city rather than in its first minute.
gather_statistics() {
    psql -w -X -q "$database_url" -c "ANALYZE" >/dev/null
}

# Runs one service in its own process (`segnala serve`) on the platform's database and
# broker prefix, with the admin key `segnala up` made.
serve() {
    local service=$1
    cat >"$work/serve.toml" <<TOML
[database]
url = "$database_url"
[bus]
url = "$amqp"
prefix = "$prefix"
[intake]
triage_url = "http://127.0.0.1:50052"
status_url = "http://127.0.0.1:50054"
[[auth.api_keys]]
name = "bench"
role = "admin"
key = "$(cat "$work/segnala-data/api-key")"
TOML
    (cd "$work" && RUST_LOG=warn exec "$segnala" serve --config "$work/serve.toml" "$service" >"$work/$service.log" 2>&1) &
    service_pids+=($!)
    wait_for_line "$work/$service.log" "gRPC" "$service"
}

start_platform
case $mode in
broker)
    bench --duration "$seconds" --rate 50 --concurrency 16 --warmup 5 \
        --baseline --database-url "$database_url" --amqp-url "$amqp"
    gather_statistics
    # Each run its own reports: with the same seed, a run's reports would land on the
    # incidents the one before opened and nearly a third join them (see the figures).
    bench --duration "$seconds" --rate 1000 --concurrency 64 --seed 2
    bench --duration "$seconds" --concurrency 64 --seed 3
    # A storm: three reports in ten repeat a problem someone has just reported.
    bench --duration "$seconds" --rate 1000 --concurrency 64 --seed 4 --duplicates 0.3
    ;;
services)
    stop_platform
    for service in intake triage tracking status; do
        serve "$service"
    done
    bench --duration "$seconds" --rate 50 --concurrency 16 --warmup 5
    gather_statistics
    bench --duration "$seconds" --rate 1000 --concurrency 64 --seed 2
    ;;
open311)
    bench --via open311 --duration "$seconds" --rate 200 --concurrency 32
    gather_statistics
    bench --via open311 --duration "$seconds" --concurrency 64 --seed 2
    ;;
intake)
    # The whole platform first declares the broker's queues and makes the key; then
    # intake runs alone, its events waiting in the queues as in a surge downstream.
    stop_platform
    serve intake
    # Open311 checks service codes against triage's list: triage runs beside intake,
    # and consumes what intake announces.
    serve triage
    for _ in $(seq 50); do
        curl -sf -o /dev/null http://127.0.0.1:8081/open311/v2/services.json && break
        sleep 0.2
    done
    bench --intake-only --via open311 --duration "$seconds" --rate 200 --concurrency 32
    bench --intake-only --via open311 --duration "$seconds" --concurrency 64
    # gRPC needs nothing but intake.
    kill "${service_pids[1]}" && wait "${service_pids[1]}" 2>/dev/null || true
    unset 'service_pids[1]'
    bench --intake-only --duration "$seconds" --rate 200 --concurrency 32
    bench --intake-only --duration "$seconds" --concurrency 64
    ;;
embedded)
    bench --duration "$seconds" --rate 50 --concurrency 16 --warmup 5 --baseline
    bench --duration "$seconds" --concurrency 64 --seed 2
    ;;
*)
    echo "usage: tests/bench.sh broker|embedded|services|open311|intake" >&2
    exit 2
    ;;
esac
