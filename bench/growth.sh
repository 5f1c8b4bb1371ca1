#!/usr/bin/env bash
# The growth table of issue 14: the read paths at three headcounts with the same units, so a
# figure that grows with people rather than units × periods shows in the last column.
#
#   bench/growth.sh                              # STAFF 2000 5000 20000, UNITS=600, MONTHS=3, SQLite
#   DATABASE=postgres bench/growth.sh
#   POINTS="2000 5000" bench/growth.sh           # other headcounts (the ratio is last / first)
#
# Each point is one bench/run.sh with PHASES=health,reads (no write phases, no grading, no insert
# ceiling). The seeded databases are kept in SEED_CACHE (default $ROOT/target/bench-seeds: a
# province seeds in minutes once per day and knobs). The release binary is built once; BIN_DIR
# reuses given binaries. Every other knob of run.sh (PHASE_SECONDS, THREADS, PG_URL, ...) passes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POINTS="${POINTS:-2000 5000 20000}"
export UNITS="${UNITS:-600}" MONTHS="${MONTHS:-3}" DATABASE="${DATABASE:-sqlite}"
export SEED_CACHE="${SEED_CACHE:-$ROOT/target/bench-seeds}"
export PHASES="${GROWTH_PHASES:-health,reads}" INSERT_CEILING=0
OUT="$(mktemp -d -t worklog-growth.XXXXXX)"
trap 'rm -rf "$OUT"' EXIT INT TERM

if [[ -z "${BIN_DIR:-}" ]]; then
  echo "== build (release)"
  (cd "$ROOT" && cargo build --release --quiet --bin worklog-kpi)
  TARGET_DIR="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
  export BIN_DIR="$TARGET_DIR/release"
fi

for staff in $POINTS; do
  echo "== STAFF=$staff UNITS=$UNITS MONTHS=$MONTHS DATABASE=$DATABASE"
  STAFF="$staff" BENCH_JSON="$OUT/$staff.json" "$ROOT/bench/run.sh" | tee "$OUT/$staff.log"
done

echo "== growth ($DATABASE, UNITS=$UNITS, MONTHS=$MONTHS; load after: $(uptime | sed 's/.*load average: //'))"
python3 - "$OUT" $POINTS <<'PY'
import json, re, sys

out, points = sys.argv[1], sys.argv[2:]


def rows(staff):
    with open(f"{out}/{staff}.json") as f:
        return {r["name"]: r for r in json.load(f)}


def entries(staff):
    with open(f"{out}/{staff}.log") as f:
        m = re.search(r"^\s*seeded .*? (\d+) entries", f.read(), re.M)
    return int(m.group(1)) if m else None


def find(r, prefix, suffix):
    for name, v in r.items():
        if name.startswith(prefix) and name.endswith(suffix):
            return v["value"]
    return "n/a"


cols = [
    ("dashboard p50/p99 ms", "GET /dashboard (org) p50", ""),
    ("subtree p50/p99 ms", "GET /dashboard?unit_id=", "(district, org) p50 / p99 ms"),
    ("under-logged p50/p99 ms", "GET /reports/under-logged (org) p50", ""),
    ("JSON bytes", "GET /dashboard (org) JSON bytes", ""),
    ("/health p50 ms", "GET /health p50", ""),
]
table = []
for p in points:
    r = rows(p)
    table.append([p, str(entries(p))] + [find(r, pre, suf) for _, pre, suf in cols])


def first(v):
    try:
        return [float(x) for x in v.split("/")]
    except ValueError:
        return None


ratio = [f"ratio {points[-1]}/{points[0]}", ""]
for i in range(len(cols)):
    a, b = first(table[0][2 + i]), first(table[-1][2 + i])
    ratio.append(" / ".join(f"{y / x:.2f}" for x, y in zip(a, b) if x) if a and b else "n/a")
e0, e1 = table[0][1], table[-1][1]
if e0.isdigit() and e1.isdigit():
    ratio[1] = f"{int(e1) / int(e0):.2f}"
head = ["staff", "entries"] + [c[0] for c in cols]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for line in table + [ratio]:
    print("| " + " | ".join(line) + " |")
PY
