# Sourced by the CI contract and client checks: starts the server binary ($BIN, default the
# debug build) on a fresh SQLite database in a temporary folder, on a free loopback port, with a
# bootstrap administrator; stops it by its PID and removes the folder on exit.
# Sets: dir (the temporary folder), port, base (http://127.0.0.1:$port), pid, admin_pw.
BIN=${BIN:-target/debug/worklog-kpi}
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
admin_pw=${ADMIN_PW:-'Kiem-thu-hop-dong-2026'}
APP__SERVER__HOST=127.0.0.1 APP__SERVER__PORT=$port APP__DATABASE__URL="sqlite://$dir/contract.db" \
  APP__BOOTSTRAP__ADMIN_USERNAME=admin APP__BOOTSTRAP__ADMIN_PASSWORD="$admin_pw" \
  RUST_LOG=warn "$BIN" serve >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 60); do curl -sf "$base/health" >/dev/null && break; sleep 0.5; done
if ! curl -sf "$base/health" >/dev/null; then
  echo "the server did not start:"; cat "$dir/server.log"; exit 1
fi
