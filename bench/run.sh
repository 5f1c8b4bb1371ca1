#!/usr/bin/env bash
# Benchmarks of architecture.md "What must be measured": builds --release, seeds a fresh database
# with `seed-demo`, starts the server on a free 127.0.0.1 port and measures it with bench/load.py
# (Python stdlib). Everything it starts is stopped by PID on exit.
#
#   bench/run.sh                                  # STAFF=2000 UNITS=60 MONTHS=3 (a few minutes)
#   STAFF=20000 UNITS=600 bench/run.sh            # province scale (~5 M entries)
#   DATABASE=postgres bench/run.sh                # fresh database on postgres://postgres@127.0.0.1:5432
#
# Other knobs: ENTRIES_PER_DAY=4 SEED=42 THREADS=4 PHASE_SECONDS=10 PG_URL=postgres://postgres@127.0.0.1:5432
# GRADING_THREADS=1 (client threads opening the province's grading rounds, which stop after
# PHASE_SECONDS x 6 s), INSERT_ROWS=5000 INSERT_SECONDS=$PHASE_SECONDS (raw insert ceiling, run by
# examples/insert_ceiling on a side database of the same kind, with 1, THREADS and WRK_CONNECTIONS connections;
# INSERT_CEILING=0 skips it and the build of the example). CARGO_TARGET_DIR is respected.
# WRK_CONNECTIONS=16: POST /entries (and GET /health, the client's ceiling) measured with wrk
# and a Lua script at that many connections when `wrk` is installed (0 skips it).
# PORT=n: serve on that port (default: a free one).
# PG_DB_PREFIX=worklog_bench: the run's throw-away PostgreSQL databases are <prefix>_<pid>[_ceiling].
# POOL_SIZE=n: the server's pool (default: the config's 8; on PostgreSQL WRK_CONNECTIONS when larger).
# SEED_CACHE=dir: keep the seeded database for the next run with the same knobs (same day).
# RATE_LIMIT_PER_SECOND=0: the server's per-client rate limit (0: off, see below).
# PHASES=health,writes,reads,mixed,approving,grading (default all): the phases of bench/load.py to run;
# PHASES=health,reads measures the read paths only (bench/growth.sh). WARM_WAIT=s: wait for the
# rollup warmer's first pass before measuring (default 300, 0: do not wait; see below). BENCH_JSON=file: the rows
# as JSON too. The "mixed" phase: wrk POST /entries at WRK_CONNECTIONS in the background while the
# whole organisation's dashboard is read sequentially (its p50/p99, the POST rate, the RSS peak).
# The "approving" phase: the same wrk load while the largest unit's head approves a line and the
# whole organisation's dashboard is read after each approval (every read rebuilds a month).
# BIN_DIR=dir: use dir/worklog-kpi and dir/insert_ceiling instead of building (e.g. the binaries
# of an earlier commit, for a before/after comparison on the same machine).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STAFF="${STAFF:-2000}"
UNITS="${UNITS:-60}"
MONTHS="${MONTHS:-3}"
ENTRIES_PER_DAY="${ENTRIES_PER_DAY:-4}"
SEED="${SEED:-42}"
THREADS="${THREADS:-4}"
PHASE_SECONDS="${PHASE_SECONDS:-10}"
DATABASE="${DATABASE:-sqlite}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
GRADING_THREADS="${GRADING_THREADS:-1}"
INSERT_CEILING="${INSERT_CEILING:-1}"
INSERT_ROWS="${INSERT_ROWS:-5000}"
INSERT_SECONDS="${INSERT_SECONDS:-$PHASE_SECONDS}"
WRK_CONNECTIONS="${WRK_CONNECTIONS:-16}"
BIN_DIR="${BIN_DIR:-}"
PHASES="${PHASES:-all}"
BENCH_JSON="${BENCH_JSON:-}"

WORK="$(mktemp -d -t worklog-bench.XXXXXX)"
SERVER_PID=""
PG_DB=""
PG_CEILING_DB=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  for db in "$PG_DB" "$PG_CEILING_DB"; do
    if [[ -n "$db" ]]; then
      psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [[ -n "$BIN_DIR" ]]; then
  echo "== binaries from $BIN_DIR"
  BIN="$BIN_DIR/worklog-kpi"
  CEILING_BIN="$BIN_DIR/insert_ceiling"
else
  echo "== build (release)"
  BUILD_TARGETS=(--bin worklog-kpi)
  [[ "$INSERT_CEILING" == 1 ]] && BUILD_TARGETS+=(--example insert_ceiling)
  (cd "$ROOT" && cargo build --release --quiet "${BUILD_TARGETS[@]}")
  # Wherever cargo put it (CARGO_TARGET_DIR, build.target-dir, or ./target).
  TARGET_DIR="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
  BIN="$TARGET_DIR/release/worklog-kpi"
  CEILING_BIN="$TARGET_DIR/release/examples/insert_ceiling"
fi

case "$DATABASE" in
  sqlite) DB_URL="sqlite://$WORK/bench.db" ;;
  postgres)
    PG_DB="${PG_DB_PREFIX:-worklog_bench}_$$"
    psql "$PG_URL/postgres" -qc "CREATE DATABASE $PG_DB" >/dev/null
    DB_URL="$PG_URL/$PG_DB" ;;
  *) echo "DATABASE must be sqlite or postgres" >&2; exit 2 ;;
esac
PORT="${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
# The per-client rate limit (100/s, burst 1,000, keyed by IP) is off: every request of the load
# client comes from 127.0.0.1, so it would measure the limiter (≈ 200 POST /entries/s over 10 s,
# the rest answered 429), not the server. RATE_LIMIT_PER_SECOND=100 measures with it.
# PostgreSQL: a pool as large as wrk's connection count (production.toml has 16), so that the
# write path and the raw insert ceiling it is compared with commit as many transactions at once.
# SQLite writes go through one writer connection whatever the pool's size (POOL_SIZE=n to set it).
if [[ -n "${POOL_SIZE:-}" ]]; then
  export APP__DATABASE__POOL_SIZE="$POOL_SIZE"
elif [[ "$DATABASE" == postgres && "$WRK_CONNECTIONS" -gt 8 ]]; then
  export APP__DATABASE__POOL_SIZE="$WRK_CONNECTIONS"
fi
export APP_CONFIG_DIR="$ROOT/config" APP__DATABASE__URL="$DB_URL" \
  APP__SERVER__HOST=127.0.0.1 APP__SERVER__PORT="$PORT" RUST_LOG="${RUST_LOG:-warn}" \
  APP__SERVER__RATE_LIMIT__PER_SECOND="${RATE_LIMIT_PER_SECOND:-0}"

echo "== load before the run: $(uptime)"
echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo); database: $DATABASE"
echo "== seed-demo --staff $STAFF --units $UNITS --months $MONTHS --entries-per-day $ENTRIES_PER_DAY --seed $SEED"
# SEED_CACHE=dir keeps the seeded database (a SQLite file, or a PostgreSQL template database) and
# its log per (staff, units, months, entries a day, seed, day): a province seeds in minutes, and a
# before/after comparison must start from the same data anyway. The server's migrations run on the
# copy when it starts, so a cache made by an older build serves a newer one.
SEED_CACHE="${SEED_CACHE:-}"
SEED_KEY="s${STAFF}-u${UNITS}-m${MONTHS}-e${ENTRIES_PER_DAY}-r${SEED}-$(date +%Y%m%d)"
seed_fresh() {
  "$BIN" seed-demo --staff "$STAFF" --units "$UNITS" --months "$MONTHS" \
    --entries-per-day "$ENTRIES_PER_DAY" --seed "$SEED" | tee "$WORK/seed.log"
}
if [[ -z "$SEED_CACHE" ]]; then
  seed_fresh
elif [[ "$DATABASE" == sqlite ]]; then
  mkdir -p "$SEED_CACHE"
  if [[ ! -f "$SEED_CACHE/$SEED_KEY.db" ]]; then
    seed_fresh
    sqlite3_checkpoint() { python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); c.close()" "$1"; }
    sqlite3_checkpoint "$WORK/bench.db"
    cp "$WORK/bench.db" "$SEED_CACHE/$SEED_KEY.db.part" && mv "$SEED_CACHE/$SEED_KEY.db.part" "$SEED_CACHE/$SEED_KEY.db"
    cp "$WORK/seed.log" "$SEED_CACHE/$SEED_KEY.log"
  else
    echo "   (copy of $SEED_CACHE/$SEED_KEY.db)"
    cp "$SEED_CACHE/$SEED_KEY.db" "$WORK/bench.db"
    cp "$SEED_CACHE/$SEED_KEY.log" "$WORK/seed.log"
  fi
else
  mkdir -p "$SEED_CACHE"
  TEMPLATE="worklog_seed_$(echo "$SEED_KEY" | tr -c 'a-z0-9\n' '_')"
  if [[ ! -f "$SEED_CACHE/$SEED_KEY.pg.log" ]] \
    || ! psql "$PG_URL/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$TEMPLATE'" | grep -q 1; then
    seed_fresh
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $TEMPLATE" >/dev/null
    psql "$PG_URL/postgres" -qc "CREATE DATABASE $TEMPLATE TEMPLATE $PG_DB" >/dev/null
    cp "$WORK/seed.log" "$SEED_CACHE/$SEED_KEY.pg.log"
  else
    echo "   (copy of template database $TEMPLATE)"
    psql "$PG_URL/postgres" -qc "DROP DATABASE $PG_DB" >/dev/null
    psql "$PG_URL/postgres" -qc "CREATE DATABASE $PG_DB TEMPLATE $TEMPLATE" >/dev/null
    cp "$SEED_CACHE/$SEED_KEY.pg.log" "$WORK/seed.log"
  fi
fi
LARGEST="$(sed -n 's/^largest unit: id \([0-9]*\) .*head \(nv[0-9]*\).*/\1 \2/p' "$WORK/seed.log")"
read -r LARGEST_UNIT LARGEST_HEAD <<<"$LARGEST"
echo "   $(grep -m1 '^seeded ' "$WORK/seed.log")"
[[ "$DATABASE" == sqlite ]] && echo "   database file: $(du -h "$WORK/bench.db" | cut -f1)"

# Raw single-row insert ceiling: db::entries::insert, one autocommit statement per row, on a
# fresh side database of the same kind (SQLite file next to the run's, or a throw-away PostgreSQL
# database on the same server), before the server starts. Bounded by INSERT_ROWS and INSERT_SECONDS.
: >"$WORK/ceiling.txt"
if [[ "$INSERT_CEILING" == 1 ]]; then
  case "$DATABASE" in
    sqlite) CEILING_URL="sqlite://$WORK/ceiling.db" ;;
    postgres)
      PG_CEILING_DB="${PG_DB}_ceiling"
      psql "$PG_URL/postgres" -qc "CREATE DATABASE $PG_CEILING_DB" >/dev/null
      CEILING_URL="$PG_URL/$PG_CEILING_DB" ;;
  esac
  # 1 connection, the client's THREADS, and wrk's connection count (the write path's ratio is
  # read against the ceiling at the same number of connections).
  CEILING_THREADS=(1)
  [[ "$THREADS" -gt 1 ]] && CEILING_THREADS+=("$THREADS")
  if [[ "$WRK_CONNECTIONS" -gt 1 && "$WRK_CONNECTIONS" != "$THREADS" ]] && command -v wrk >/dev/null; then
    CEILING_THREADS+=("$WRK_CONNECTIONS")
  fi
  for t in "${CEILING_THREADS[@]}"; do
    echo "== raw insert ceiling: $INSERT_ROWS rows or ${INSERT_SECONDS}s, $t connection(s), $DATABASE side database"
    INSERT_CEILING_URL="$CEILING_URL" INSERT_CEILING_ROWS="$INSERT_ROWS" \
      INSERT_CEILING_SECONDS="$INSERT_SECONDS" INSERT_CEILING_THREADS="$t" \
      "$CEILING_BIN" | tee -a "$WORK/ceiling.txt"
  done
  if [[ -n "$PG_CEILING_DB" ]]; then
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_CEILING_DB" >/dev/null && PG_CEILING_DB=""
  fi
  rm -f "$WORK"/ceiling.db*
fi

echo "== serve on 127.0.0.1:$PORT"
# The warmer's passes are logged at info (how long its first pass takes is a figure below).
RUST_LOG="$RUST_LOG,worklog_kpi::services::warm=info" "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
SERVE_STARTED=$(date +%s%N)
for _ in $(seq 100); do
  if python3 -c "import http.client,sys; c=http.client.HTTPConnection('127.0.0.1',$PORT,timeout=1); c.request('GET','/health'); sys.exit(c.getresponse().status!=200)" 2>/dev/null; then break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.2
done
sleep 1
# WARM_WAIT=s (default 300, 0: do not wait): the rollup warmer's first pass after a start builds
# the weeks and months the dashboard reads; a reader that comes first waits for it or builds them
# itself (the p99 of a read phase is then that first read). The read phases measure after it, and
# its time is reported: what the first reader after a restart or a new day would wait at most.
WARM_WAIT="${WARM_WAIT:-300}"
if [[ "$WARM_WAIT" -gt 0 ]]; then
  for _ in $(seq $((WARM_WAIT * 5))); do
    grep -q "rollups warmed" "$WORK/server.log" && break
    sleep 0.2
  done
  if grep -q "rollups warmed" "$WORK/server.log"; then
    warm_ms=$(grep "rollups warmed" "$WORK/server.log" | head -n 1 | grep -oE 'elapsed_ms[^0-9]*[0-9]+' | grep -oE '[0-9]+$')
    echo "== the warmer's first pass after the start: ${warm_ms:-?} ms (waited $(( ($(date +%s%N) - SERVE_STARTED) / 1000000 )) ms from the start)"
  else
    echo "== the warmer's first pass was not logged within ${WARM_WAIT} s (warm_interval_secs = 0, or a short pass): measuring now"
  fi
fi

python3 "$ROOT/bench/load.py" --port "$PORT" --pid "$SERVER_PID" --staff "$STAFF" \
  --largest-unit "$LARGEST_UNIT" --largest-head "$LARGEST_HEAD" \
  --threads "$THREADS" --seconds "$PHASE_SECONDS" --grading-threads "$GRADING_THREADS" \
  --wrk-connections "$WRK_CONNECTIONS" \
  --insert-ceiling-file "$WORK/ceiling.txt" --phases "$PHASES" --json-out "$BENCH_JSON"
