#!/usr/bin/env bash
# Contract check: schemathesis against the served spec of a fresh server, as an administrator and
# as a member of staff. Bounded examples; fails on server errors, undocumented statuses, responses
# that do not match their schema and wrong content types.
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${ST_EXAMPLES:-8}
command -v st >/dev/null 2>&1 || python3 -m pip install --quiet 'schemathesis>=4,<5'
staff_pw='Nhan-vien-hop-dong-2026'
# A fresh server on a free port (sets dir, base, pid, admin_pw; stops it on exit).
. .ci/server.sh
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
login() { curl -sf "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"$1\",\"password\":\"$2\"}" | json '["access_token"]'; }
ADMIN=$(login admin "$admin_pw")
unit=$(curl -sf "$base/api/v1/units" -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"code":"HD","name":"Phường Hợp Đồng","level":"ward"}' | json '["id"]')
curl -sf "$base/api/v1/staff" -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d "{\"unit_id\":$unit,\"username\":\"nv.hopdong\",\"password\":\"$staff_pw\",\"full_name\":\"Nguyễn Văn Hợp\",\"joined_on\":\"2024-01-02\"}" >/dev/null
STAFF=$(login nv.hopdong "$staff_pw")
status=0
for who in admin staff; do
  token=$ADMIN; [ "$who" = staff ] && token=$STAFF
  echo "-- schemathesis as $who ($EXAMPLES examples per operation)"
  st run "$base/api-docs/openapi.json" --url "$base" -H "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
    --max-examples "$EXAMPLES" --phases examples,fuzzing --seed 20261130 --no-color \
    --exclude-path /api/v1/auth/logout --exclude-path-regex '/me/password$' \
    >"$dir/st-$who.txt" 2>&1 || status=1
  sed -n '/SUMMARY/,$p' "$dir/st-$who.txt"
  if [ $status -ne 0 ]; then sed -n '1,/SUMMARY/p' "$dir/st-$who.txt" | grep -vE '^\s*$' | tail -120; break; fi
done
exit $status
