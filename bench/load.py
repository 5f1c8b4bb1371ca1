#!/usr/bin/env python3
"""Small stdlib load client for bench/run.sh: threads + keep-alive http.client, every phase
bounded in requests and seconds. Prints a compact table; only talks to 127.0.0.1."""
import argparse
import datetime
import http.client
import json
import threading
import time


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.05)


def request(conn, method, path, body=None, token=None):
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    t0 = time.perf_counter()
    conn.request(method, path, body=data, headers=headers)
    resp = conn.getresponse()
    payload = resp.read()
    return resp.status, payload, time.perf_counter() - t0


def login(port, username, password):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    status, payload, _ = request(conn, "POST", "/api/v1/auth/login",
                                 {"username": username, "password": password})
    conn.close()
    if status != 200:
        raise SystemExit(f"login {username}: HTTP {status} {payload[:200]!r}")
    return json.loads(payload)["access_token"]


def load(port, threads, max_requests, max_seconds, make):
    """make(thread_index, n) -> (method, path, body, token). Returns (latencies, statuses, secs)."""
    lat, statuses, lock = [], {}, threading.Lock()
    counter = iter(range(max_requests))
    deadline = time.perf_counter() + max_seconds

    def worker(ti):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine, st = [], {}
        while time.perf_counter() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            method, path, body, token = make(ti, n)
            try:
                status, _, dt = request(conn, method, path, body, token)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                status, dt = -1, 0.0
            mine.append(dt)
            st[status] = st.get(status, 0) + 1
        conn.close()
        with lock:
            lat.extend(mine)
            for k, v in st.items():
                statuses[k] = statuses.get(k, 0) + v

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sorted(lat), statuses, time.perf_counter() - t0


def pct(sorted_lat, p):
    if not sorted_lat:
        return float("nan")
    return sorted_lat[min(len(sorted_lat) - 1, int(len(sorted_lat) * p / 100))] * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--largest-unit", type=int, required=True)
    ap.add_argument("--largest-head", required=True)
    ap.add_argument("--staff", type=int, required=True)
    ap.add_argument("--password", default="Demo-worklog-2026")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--utc-offset-minutes", type=int, default=420)
    a = ap.parse_args()
    port, rows = a.port, []

    def row(name, value, note=""):
        rows.append((name, value, note))
        print(f"  {name:<44} {value:>14}  {note}", flush=True)

    rss_idle = rss_kib(a.pid)
    sampler = RssSampler(a.pid)
    sampler.start()

    print("== (a) ceiling: GET /health")
    lat, st, secs = load(port, a.threads, 50000, a.seconds, lambda ti, n: ("GET", "/health", None, None))
    health_rps = len(lat) / secs
    health_p50 = pct(lat, 50)
    row("GET /health req/s", f"{health_rps:.0f}", f"{a.threads} threads, {len(lat)} req, {st}")
    row("GET /health p50 / p99 ms", f"{health_p50:.2f} / {pct(lat, 99):.2f}")

    org = login(port, "tochuc", a.password)
    # Writers: ordinary members spread over the organisation (nv00002, …), one per thread x2.
    step = max(1, a.staff // (2 * a.threads + 1))
    writers = [f"nv{2 + i * step:05d}" for i in range(2 * a.threads)]
    tokens = [login(port, u, a.password) for u in writers]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    _, payload, _ = request(conn, "GET", "/api/v1/products?limit=5", token=org)
    product_id = json.loads(payload)["items"][0]["id"]
    _, payload, _ = request(conn, "GET", "/api/v1/me", token=tokens[0])
    me = json.loads(payload)
    reader_id = me["staff"]["id"]
    conn.close()
    today = (datetime.datetime.now(datetime.timezone.utc)
             + datetime.timedelta(minutes=a.utc_offset_minutes)).date().isoformat()
    run_id = int(time.time())

    print("== (b) write path: POST /api/v1/entries (authenticated, distinct client_ref)")

    def make_entry(ti, n):
        tok = tokens[n % len(tokens)]
        return ("POST", "/api/v1/entries",
                {"work_date": today, "product_id": product_id, "quantity": 1, "minutes": 1,
                 "note": "bench", "client_ref": f"bench-{run_id}-{n}"}, tok)

    lat, st, secs = load(port, a.threads, 8 * 1000, a.seconds, make_entry)
    ok = st.get(201, 0)
    write_rps = ok / secs
    row("POST /entries created/s", f"{write_rps:.0f}",
        f"{ok} created in {secs:.1f}s, statuses {st}")
    row("  ratio to /health req/s", f"{write_rps / health_rps:.3f}")
    row("  p50 / p99 ms", f"{pct(lat, 50):.2f} / {pct(lat, 99):.2f}")

    print("== (c) read paths (1 client, sequential)")
    reads = [
        ("GET /staff/{id}/weeks", f"/api/v1/staff/{reader_id}/weeks", tokens[0], 300),
        ("GET /reports/under-logged (org)", "/api/v1/reports/under-logged", org, 60),
        ("GET /dashboard (org)", "/api/v1/dashboard", org, 30),
    ]
    for name, path, tok, n in reads:
        lat, st, secs = load(port, 1, n, 60, lambda ti, k, p=path, t=tok: ("GET", p, None, t))
        p50, p99 = pct(lat, 50), pct(lat, 99)
        row(f"{name} p50 / p99 ms", f"{p50:.1f} / {p99:.1f}",
            f"{len(lat)} req, {st}; p50 = {p50 / health_p50:.1f}x /health p50")

    print("== (d) aggregation")
    first = datetime.date.fromisoformat(today).replace(day=1)
    period = (first - datetime.timedelta(days=1)).strftime("%Y-%m")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    status, payload, dt = request(conn, "POST", "/api/v1/grading/rounds",
                                  {"unit_id": a.largest_unit, "period": period}, org)
    graded = ""
    if status == 201:
        graded = f"{len(json.loads(payload).get('grades', []))} grades"
    row(f"open grading round unit {a.largest_unit} {period} ms", f"{dt * 1000:.0f}",
        f"HTTP {status} {graded or payload[:120]!r}")
    lat, st, secs = load(port, 1, 20, 120, lambda ti, k: (
        "GET", f"/api/v1/kpi/units/{a.largest_unit}?period={period}", None, org))
    row(f"GET /kpi/units/{a.largest_unit} p50 / max ms", f"{pct(lat, 50):.0f} / {lat[-1] * 1000 if lat else 0:.0f}",
        f"{len(lat)} req, {st}")
    conn.close()

    sampler.stop.set()
    sampler.join()
    print("== (e) memory")
    row("server RSS idle MiB", f"{rss_idle / 1024:.1f}")
    row("server RSS peak under load MiB", f"{sampler.peak / 1024:.1f}")
    row("server RSS after run MiB", f"{rss_kib(a.pid) / 1024:.1f}")


if __name__ == "__main__":
    main()
