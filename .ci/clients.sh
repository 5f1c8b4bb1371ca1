#!/usr/bin/env bash
# Generated clients: the Python client (openapi-python-client) and TypeScript types
# (openapi-typescript, calls with openapi-fetch) are generated from openapi/openapi.json; the
# generation fails on any warning (a schema or an operation a generator drops); then each client
# runs the daily loop (log, submit, approve one, return one, fix, resubmit, approve, read the KPI)
# against a fresh server: clients/python/daily_loop.py and clients/ts/daily_loop.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
SPEC=$(realpath "${SPEC:-openapi/openapi.json}")
VENV=${CLIENTS_VENV:-${TMPDIR:-/tmp}/worklog-kpi-clients-venv}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "-- Python: openapi-python-client"
if ! "$VENV/bin/python" -c 'import openapi_python_client, httpx, attrs, dateutil' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r clients/python/requirements.txt
fi
"$VENV/bin/openapi-python-client" --version
"$VENV/bin/openapi-python-client" generate --path "$SPEC" --meta none \
  --config clients/python/config.yaml --output-path "$out/py/worklog_kpi_client" >"$out/py-gen.log" 2>&1 \
  || { cat "$out/py-gen.log"; echo "openapi-python-client failed"; exit 1; }
# The generator exits 0 when it drops a schema or an operation; its log says so.
if grep -qiE 'warning|unable to|will not be generated|omitted|removal of|unsupported' "$out/py-gen.log"; then
  cat "$out/py-gen.log"; echo "openapi-python-client dropped part of the spec (above)"; exit 1
fi
echo "generated $(ls "$out/py/worklog_kpi_client/api" | wc -l) tags, $(find "$out/py/worklog_kpi_client/api" -name '*.py' ! -name '__init__.py' | wc -l) operations, $(ls "$out/py/worklog_kpi_client/models" | grep -vc '__init__') models, no warning"

echo "-- TypeScript: openapi-typescript, tsc (strict)"
(
  cd clients/ts
  [ -d node_modules ] || npm ci --no-audit --no-fund --silent
  npx openapi-typescript "$SPEC" -o generated/schema.d.ts >"$out/ts-gen.log" 2>&1 \
    || { cat "$out/ts-gen.log"; exit 1; }
  if grep -qiE 'warn|error' "$out/ts-gen.log"; then cat "$out/ts-gen.log"; echo "openapi-typescript warned"; exit 1; fi
  rm -rf dist
  npx tsc -p .
)

# A fresh server on a free port (sets dir, base, pid, admin_pw; stops it on exit).
trap - EXIT
. .ci/server.sh
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir" "$out"' EXIT
export WORKLOG_BASE=$base WORKLOG_ADMIN=admin WORKLOG_ADMIN_PASSWORD=$admin_pw

echo "-- daily loop through the Python client"
PYTHONPATH="$out/py" timeout 60 "$VENV/bin/python" clients/python/daily_loop.py
echo "-- daily loop through the TypeScript client"
timeout 60 node clients/ts/dist/daily_loop.js
