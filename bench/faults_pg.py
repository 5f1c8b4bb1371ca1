#!/usr/bin/env python3
"""Fault figures for a frozen and a stopped PostgreSQL (issue #9, item 7). Needs a THROW-AWAY
PostgreSQL instance of your own on 127.0.0.1:5499 with a database `worklog_freeze` (never the
shared server: this script SIGSTOPs, SIGCONTs and finally SIGKILLs the instance by the PID you
give), e.g. as the postgres user:
    initdb -D /tmp/pgfreeze/data -U postgres --auth=trust
    postgres -D /tmp/pgfreeze/data -p 5499 -k /tmp/pgfreeze -c listen_addresses=127.0.0.1 &
    psql -h 127.0.0.1 -p 5499 -U postgres -c 'CREATE DATABASE worklog_freeze'
Then: bench/faults_pg.py BINARY POSTMASTER_PID. It starts BINARY on a free 127.0.0.1 port, sends
bounded bursts of GET /me and /ready while healthy, frozen (SIGSTOP of the postmaster and its
children for ~20 s), thawed, and stopped (SIGKILL), and stops the server by its PID."""
import json, os, signal, socket, subprocess, sys, tempfile, threading, time, http.client

BIN, PGPID = sys.argv[1], int(sys.argv[2])
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def call(port, method, path, body=None, token=None, timeout=60):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = {}
    d = None
    if body is not None: d = json.dumps(body).encode(); h["Content-Type"] = "application/json"
    if token: h["Authorization"] = f"Bearer {token}"
    t0 = time.perf_counter()
    try:
        c.request(method, path, body=d, headers=h); r = c.getresponse(); p = r.read()
        return r.status, r.getheader("Retry-After"), p, time.perf_counter() - t0
    except Exception as e:
        return -1, None, str(e).encode(), time.perf_counter() - t0
    finally: c.close()
def pg_pids():
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(PGPID)], capture_output=True, text=True).stdout
    return [PGPID] + [int(x) for x in out.split()]
port = free_port()
env = dict(os.environ, APP__DATABASE__URL="postgres://postgres@127.0.0.1:5499/worklog_freeze",
           APP__SERVER__PORT=str(port), APP__BOOTSTRAP__ADMIN_USERNAME="admin",
           APP__BOOTSTRAP__ADMIN_PASSWORD="Fault-bench-admin-2026", RUST_LOG="error")
env.pop("APP_ENV", None)
srv = subprocess.Popen([BIN, "serve"], env=env, cwd=tempfile.mkdtemp(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        if call(port, "GET", "/health", timeout=1)[0] == 200: break
        time.sleep(0.1)
    st, _, p, _ = call(port, "POST", "/api/v1/auth/login", {"username": "admin", "password": "Fault-bench-admin-2026"})
    token = json.loads(p)["access_token"]
    def burst(label, n=12):
        res = []
        ths = [threading.Thread(target=lambda: res.append(call(port, "GET", "/api/v1/me", token=token))) for _ in range(n)]
        for t in ths: t.start()
        for t in ths: t.join()
        r = call(port, "GET", "/ready")
        sts = {}
        for x in res: sts[x[0]] = sts.get(x[0], 0) + 1
        print(f"{label}: GET /me x{n} answers {sts}, Retry-After {sorted(set(str(x[1]) for x in res))}, "
              f"max {max(x[3] for x in res):.2f}s; /ready {r[0]} in {r[3]:.2f}s (Retry-After {r[1]})", flush=True)
    burst("healthy")
    pids = pg_pids()
    for pid in pids:
        try: os.kill(pid, signal.SIGSTOP)
        except ProcessLookupError: pass
    t0 = time.time()
    burst("frozen (SIGSTOP), t+0")
    burst(f"frozen, t+{time.time()-t0:.0f}s")
    time.sleep(max(0, 20 - (time.time() - t0)))
    burst(f"frozen, t+{time.time()-t0:.0f}s")
    for pid in pids:
        try: os.kill(pid, signal.SIGCONT)
        except ProcessLookupError: pass
    t1 = time.time()
    for _ in range(600):
        if call(port, "GET", "/api/v1/me", token=token)[0] == 200: break
        time.sleep(0.1)
    print(f"thawed after {t1-t0:.0f}s: first 200 after {time.time()-t1:.2f}s", flush=True)
    burst("thawed")
    # Stopped: the server process killed (connections reset).
    for pid in pg_pids():
        try: os.kill(pid, signal.SIGKILL)
        except ProcessLookupError: pass
    time.sleep(0.5)
    burst("stopped (SIGKILL), t+0")
    time.sleep(5)
    burst("stopped, t+5s")
    print("the instance is killed; restart it for another run", flush=True)
finally:
    srv.terminate(); srv.wait()
