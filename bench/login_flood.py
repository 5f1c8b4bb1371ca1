#!/usr/bin/env python3
"""Login flood (issue #9, item 4): starts the server binary on a fresh SQLite file on 127.0.0.1,
floods POST /auth/login with failed logins from N threads (bounded in requests and seconds) while
another user calls GET /me, and prints the answers, the latency of GET /me and the server's RSS
(idle, peak, after). Python stdlib only; talks to 127.0.0.1 only; stops the server by its PID.

    bench/login_flood.py --bin target/debug/worklog-kpi [--threads 256] [--seconds 10]
        [--max-requests 4096] [--env KEY=VALUE ...]

--env passes settings to the server, e.g. APP__SERVER__RATE_LIMIT__PER_SECOND=0 (rate limit
off) or APP__AUTH__LOGIN__FAILURES_PER_ADDRESS=1000000 (measure the hashing bound alone).
"""
import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

ADMIN, ADMIN_PASSWORD = "admin", "Flood-bench-admin-2026"


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, body=None, token=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    t0 = time.perf_counter()
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        payload = resp.read()
        return resp.status, payload, time.perf_counter() - t0
    except (OSError, http.client.HTTPException):
        return -1, b"", time.perf_counter() - t0
    finally:
        conn.close()


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--threads", type=int, default=256)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--max-requests", type=int, default=4096)
    ap.add_argument("--env", action="append", default=[])
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="login-flood-")
    port = free_port()
    env = dict(os.environ)
    env.update({
        "APP__DATABASE__URL": f"sqlite://{tmp}/flood.db",
        "APP__SERVER__HOST": "127.0.0.1",
        "APP__SERVER__PORT": str(port),
        "APP__BOOTSTRAP__ADMIN_USERNAME": ADMIN,
        "APP__BOOTSTRAP__ADMIN_PASSWORD": ADMIN_PASSWORD,
        "RUST_LOG": "error",
    })
    env.pop("APP_ENV", None)
    for kv in args.env:
        k, _, v = kv.partition("=")
        env[k] = v
    server = subprocess.Popen([args.bin, "serve"], env=env, cwd=tmp,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            if call(port, "GET", "/health", timeout=1)[0] == 200:
                break
            time.sleep(0.1)
        else:
            raise SystemExit("server did not start")
        status, payload, _ = call(port, "POST", "/api/v1/auth/login",
                                  {"username": ADMIN, "password": ADMIN_PASSWORD})
        if status != 200:
            raise SystemExit(f"admin login: {status} {payload[:200]!r}")
        token = json.loads(payload)["access_token"]
        time.sleep(1)
        idle = rss_mib(server.pid)

        lock = threading.Lock()
        counter = iter(range(args.max_requests))
        statuses, login_lat = {}, []
        stop = threading.Event()
        deadline = time.perf_counter() + args.seconds

        def flooder(i):
            while time.perf_counter() < deadline:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                st, _, dt = call(port, "POST", "/api/v1/auth/login",
                                 {"username": f"ghost{n}", "password": "wrong-password-1"})
                with lock:
                    statuses[st] = statuses.get(st, 0) + 1
                    login_lat.append(dt)

        me_lat, me_status = [], {}

        def prober():
            while not stop.is_set():
                st, _, dt = call(port, "GET", "/api/v1/me", token=token)
                me_lat.append(dt)
                me_status[st] = me_status.get(st, 0) + 1
                time.sleep(0.05)

        peak = [idle]

        def sampler():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_mib(server.pid))
                time.sleep(0.05)

        helpers = [threading.Thread(target=prober, daemon=True),
                   threading.Thread(target=sampler, daemon=True)]
        for t in helpers:
            t.start()
        started = time.perf_counter()
        flood = [threading.Thread(target=flooder, args=(i,), daemon=True)
                 for i in range(args.threads)]
        for t in flood:
            t.start()
        for t in flood:
            t.join()
        elapsed = time.perf_counter() - started
        stop.set()
        for t in helpers:
            t.join()
        after = {}
        for wait in (2, 10):
            time.sleep(wait - (2 if wait == 10 else 0))
            after[wait] = rss_mib(server.pid)
        total = sum(statuses.values())
        print(f"flood: {args.threads} threads, {total} failed logins in {elapsed:.1f}s; "
              f"answers {dict(sorted(statuses.items()))}; login p50 {pct(login_lat, 50)*1000:.0f} ms, "
              f"p99 {pct(login_lat, 99)*1000:.0f} ms")
        print(f"GET /me meanwhile: {len(me_lat)} calls, answers {dict(sorted(me_status.items()))}, "
              f"p50 {pct(me_lat, 50)*1000:.1f} ms, p99 {pct(me_lat, 99)*1000:.1f} ms, "
              f"max {max(me_lat or [0])*1000:.1f} ms")
        print(f"RSS: idle {idle:.0f} MiB, peak {peak[0]:.0f} MiB, "
              f"2 s after {after[2]:.0f} MiB, 10 s after {after[10]:.0f} MiB")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    sys.exit(main())
