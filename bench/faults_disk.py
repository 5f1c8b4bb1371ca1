#!/usr/bin/env python3
"""Fault figures for a full SQLite disk (issue #9, item 8). Needs a small tmpfs of your own:
    mkdir -p /tmp/full && mount -t tmpfs -o size=2m tmpfs /tmp/full
Then: bench/faults_disk.py BINARY. It EMPTIES /tmp/full, starts BINARY on a free 127.0.0.1 port
with its database there, fills the disk to ~300 KiB free with a filler file, writes diary lines
until 30 have failed, reports the answers and /ready, frees the space, and runs check-totals."""
import json, os, socket, subprocess, sys, time, http.client, datetime
BIN = sys.argv[1]; DIR = "/tmp/full"
if not os.path.ismount(DIR):
    raise SystemExit(f"{DIR} is not a mount point: mount a small tmpfs there first")
for f in os.listdir(DIR): os.remove(os.path.join(DIR, f))
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def call(port, method, path, body=None, token=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30); h = {}; d = None
    if body is not None: d = json.dumps(body).encode(); h["Content-Type"] = "application/json"
    if token: h["Authorization"] = f"Bearer {token}"
    c.request(method, path, body=d, headers=h); r = c.getresponse(); p = r.read(); c.close()
    return r.status, r.getheader("Retry-After"), r.getheader("Content-Type"), p
port = free_port()
env = dict(os.environ, APP__DATABASE__URL=f"sqlite://{DIR}/w.db", APP__SERVER__PORT=str(port),
           APP__BOOTSTRAP__ADMIN_USERNAME="admin", APP__BOOTSTRAP__ADMIN_PASSWORD="Disk-full-admin-2026", RUST_LOG="error")
env.pop("APP_ENV", None)
srv = subprocess.Popen([BIN, "serve"], env=env, cwd="/tmp", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            if call(port, "GET", "/health")[0] == 200: break
        except OSError: pass
        time.sleep(0.1)
    login = lambda u, p: json.loads(call(port, "POST", "/api/v1/auth/login", {"username": u, "password": p})[3])["access_token"]
    admin = login("admin", "Disk-full-admin-2026")
    unit = json.loads(call(port, "POST", "/api/v1/units", {"code": "W1", "name": "Phường Một", "level": "ward"}, admin)[3])
    st = call(port, "POST", "/api/v1/staff", {"unit_id": unit["id"], "username": "s1", "password": "Mat-khau-123456", "full_name": "Nguyễn Thị Ánh"}, admin)
    prod = json.loads(call(port, "POST", "/api/v1/products", {"code": "HS", "name": "Hồ sơ", "measuring_unit": "hồ sơ", "standard_minutes": 30}, admin)[3])
    s1 = login("s1", "Mat-khau-123456")
    # Leave ~300 KiB free on the 2 MiB tmpfs.
    st = os.statvfs(DIR); free = st.f_bavail * st.f_frsize
    with open(os.path.join(DIR, "filler"), "wb") as f: f.write(b"\0" * max(0, free - 300 * 1024))
    today = (datetime.datetime.utcnow() + datetime.timedelta(hours=7)).date()
    statuses = {}; created = 0; first_fail = None
    for i in range(3000):
        day = today - datetime.timedelta(days=i % 5)
        s, ra, ct, p = call(port, "POST", "/api/v1/entries", {"work_date": str(day), "product_id": prod["id"], "quantity": 1, "minutes": 1, "note": "Thẩm định hồ sơ " * 60 + str(i)}, s1)
        statuses[s] = statuses.get(s, 0) + 1
        if s == 201: created += 1
        elif first_fail is None: first_fail = (s, ra, ct, p[:160])
        if sum(v for k, v in statuses.items() if k != 201) >= 30: break
    r = call(port, "GET", "/ready")
    print(f"writes on a full disk: answers {statuses}; first failure {first_fail}")
    print(f"/ready while full: {r[0]} Retry-After {r[1]}")
    os.remove(os.path.join(DIR, "filler"))
    s, *_ = call(port, "POST", "/api/v1/entries", {"work_date": str(today), "product_id": prod["id"], "quantity": 1, "minutes": 1, "note": "after"}, s1)
    print(f"after freeing space: write {s}; /ready {call(port, 'GET', '/ready')[0]} (immediately)")
    time.sleep(31)
    print(f"/ready 31 s later: {call(port, 'GET', '/ready')[0]}; acknowledged entries {created + (1 if s == 201 else 0)}")
finally:
    srv.terminate(); srv.wait()
out = subprocess.run([BIN, "check-totals"], env=env, cwd="/tmp", capture_output=True, text=True)
print("check-totals:", out.returncode, out.stdout.strip()[:300], out.stderr.strip()[-300:])
