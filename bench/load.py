#!/usr/bin/env python3
"""Small stdlib load client for bench/run.sh: threads + keep-alive http.client, every phase
bounded in requests and seconds. Prints a compact table; only talks to 127.0.0.1."""
import argparse
import datetime
import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
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


def load(port, threads, max_requests, max_seconds, make, on_response=None):
    """make(thread_index, n) -> (method, path, body, token). Returns (latencies, statuses, secs).
    on_response(n, status, payload), when given, sees every answer (from the worker threads)."""
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
                status, payload, dt = request(conn, method, path, body, token)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                status, payload, dt = -1, b"", 0.0
            if on_response is not None:
                on_response(n, status, payload)
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


def read_insert_ceilings(path):
    """{threads: (rows_per_s, fields)} from `insert_ceiling key=value ...` lines."""
    out = {}
    if not path:
        return out
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError:
        return out
    for line in lines:
        if not line.startswith("insert_ceiling "):
            continue
        fields = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        try:
            out[int(fields["threads"])] = (float(fields["rows_per_s"]), fields)
        except (KeyError, ValueError):
            pass
    return out


def get_all(port, path, token, max_pages):
    """Every item of a paged list (`items` + `next_cursor`), at most max_pages pages of 500."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    items, cursor, pages = [], None, 0
    sep = "&" if "?" in path else "?"
    while pages < max_pages:
        url = f"{path}{sep}limit=500" + (f"&cursor={cursor}" if cursor else "")
        status, payload, _ = request(conn, "GET", url, token=token)
        if status != 200:
            raise SystemExit(f"GET {url}: HTTP {status} {payload[:200]!r}")
        page = json.loads(payload)
        items.extend(page["items"])
        pages += 1
        cursor = page.get("next_cursor")
        if not cursor:
            break
    conn.close()
    return items, cursor is None


WRK_POST_ENTRIES = r"""
-- POST /api/v1/entries from many people (tokens cycled), a distinct client_ref per request.
local tokens = {%(tokens)s}
local counter = 0
function setup(thread)
  thread:set("id", __wrk_threads or 0)
  __wrk_threads = (__wrk_threads or 0) + 1
end
request = function()
  counter = counter + 1
  local tok = tokens[(counter * 7 + (id or 0)) %% #tokens + 1]
  local body = string.format('{"work_date":"%(day)s","product_id":%(product)d,"quantity":1,' ..
    '"minutes":1,"note":"bench","client_ref":"wrk-%(run)d-%%d-%%d"}', id or 0, counter)
  return wrk.format("POST", "/api/v1/entries",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tok}, body)
end
"""

WRK_DONE = r"""
done = function(summary, latency, requests)
  io.write(string.format("wrk_result requests=%d seconds=%.3f non2xx=%d socket_errors=%d " ..
    "p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n", summary.requests, summary.duration / 1e6,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""


def run_wrk(wrk, port, path, connections, seconds, script):
    """Runs wrk (2 threads) with a Lua script; returns the fields of its `wrk_result` line."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script + WRK_DONE)
        name = f.name
    try:
        out = subprocess.run(
            [wrk, "-t2", f"-c{connections}", f"-d{max(1, int(seconds))}s", "--timeout", "10s",
             "-s", name, f"http://127.0.0.1:{port}{path}"],
            capture_output=True, text=True, timeout=seconds + 60).stdout
    finally:
        os.unlink(name)
    m = re.search(r"^wrk_result (.*)$", out, re.M)
    if not m:
        raise SystemExit(f"wrk printed no result:\n{out}")
    return {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


PHASES = ("health", "writes", "reads", "mixed", "approving", "grading")


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
    ap.add_argument("--grading-threads", type=int, default=1,
                    help="client threads opening the province's grading rounds (default 1)")
    ap.add_argument("--wrk-connections", type=int, default=16,
                    help="connections of the wrk phase of POST /entries (0: skip; needs wrk)")
    ap.add_argument("--insert-ceiling-file", default="",
                    help="output of `examples/insert_ceiling` runs (run.sh writes it)")
    ap.add_argument("--phases", default="all",
                    help="comma-separated phases to run: health, writes, reads, mixed, approving, grading "
                         f"(default all = {','.join(PHASES)}); memory is always reported")
    ap.add_argument("--json-out", default="",
                    help="also write the rows as JSON (name, value, note) to this file")
    a = ap.parse_args()
    port, rows = a.port, []
    phases = set(PHASES) if a.phases == "all" else {p.strip() for p in a.phases.split(",") if p.strip()}
    unknown = phases - set(PHASES)
    if unknown:
        raise SystemExit(f"unknown phases {sorted(unknown)}; known: {','.join(PHASES)}")

    def row(name, value, note=""):
        rows.append((name, value, note))
        print(f"  {name:<44} {value:>14}  {note}", flush=True)

    rss_idle = rss_kib(a.pid)
    sampler = RssSampler(a.pid)
    sampler.start()

    health_p50 = float("nan")
    health_rps = float("nan")
    if "health" in phases:
        print("== (a) ceiling: GET /health")
        lat, st, secs = load(port, a.threads, 50000, a.seconds,
                             lambda ti, n: ("GET", "/health", None, None))
        health_rps = len(lat) / secs
        health_p50 = pct(lat, 50)
        row("GET /health req/s", f"{health_rps:.0f}", f"{a.threads} threads, {len(lat)} req, {st}")
        row("GET /health p50 / p99 ms", f"{health_p50:.2f} / {pct(lat, 99):.2f}")
    # Raw single-row inserts into `entries` (db::entries::insert, autocommit), measured by
    # run.sh with examples/insert_ceiling on a side database of the same kind before the server
    # started: {connections: (rows/s, line)}.
    ceilings = read_insert_ceilings(a.insert_ceiling_file)
    for conns, (rps, fields) in sorted(ceilings.items()):
        row(f"raw insert ceiling rows/s ({conns} conn)", f"{rps:.0f}",
            f"{fields.get('backend')}, {fields.get('rows')} rows in {fields.get('seconds')}s, "
            f"p50 / p99 {fields.get('p50_ms')} / {fields.get('p99_ms')} ms")

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
    wrk = shutil.which("wrk")
    wrk_tokens = []

    def wrk_script():
        """The wrk Lua script of POST /entries from 64 people spread over the organisation."""
        if not wrk_tokens:
            many = [f"nv{3 + i * max(1, a.staff // 65):05d}" for i in range(64)]
            wrk_tokens.extend(login(port, u, a.password) for u in many)
        return WRK_POST_ENTRIES % {
            "tokens": ",".join(f'"{t}"' for t in wrk_tokens), "day": today,
            "product": product_id, "run": run_id}

    def make_entry(ti, n):
        tok = tokens[n % len(tokens)]
        return ("POST", "/api/v1/entries",
                {"work_date": today, "product_id": product_id, "quantity": 1, "minutes": 1,
                 "note": "bench", "client_ref": f"bench-{run_id}-{n}"}, tok)

    if "writes" in phases:
        print("== (b) write path: POST /api/v1/entries (authenticated, distinct client_ref)")
        lat, st, secs = load(port, a.threads, 8 * 1000, a.seconds, make_entry)
        ok = st.get(201, 0)
        write_rps = ok / secs
        row("POST /entries created/s", f"{write_rps:.0f}",
            f"{ok} created in {secs:.1f}s, statuses {st}")
        row("  ratio to /health req/s", f"{write_rps / health_rps:.3f}")
        for conns, (rps, _) in sorted(ceilings.items()):
            row(f"  ratio to raw insert ceiling ({conns} conn)", f"{write_rps / rps:.3f}",
                f"POST /entries = {write_rps / rps:.2f} x raw insert ceiling")
        row("  p50 / p99 ms", f"{pct(lat, 50):.2f} / {pct(lat, 99):.2f}")

    if "writes" in phases and a.wrk_connections > 0 and wrk:
        c = a.wrk_connections
        print(f"== (b) write path with wrk: {c} connections, 2 client threads, {a.seconds:.0f}s")
        # What client and server do together on the cheapest route: the client's own ceiling is
        # at least this.
        h = run_wrk(wrk, port, "/health", c, a.seconds, "")
        health_wrk = h["requests"] / h["seconds"]
        row(f"wrk GET /health req/s ({c} conn)", f"{health_wrk:.0f}",
            f"p50 / p99 {h['p50_ms']:.2f} / {h['p99_ms']:.2f} ms (client ceiling >= this)")
        w = run_wrk(wrk, port, "/api/v1/entries", c, a.seconds, wrk_script())
        created = (w["requests"] - w["non2xx"]) / w["seconds"]
        row(f"wrk POST /entries created/s ({c} conn)", f"{created:.0f}",
            f"{w['requests']:.0f} req in {w['seconds']:.1f}s, non-2xx {w['non2xx']:.0f}, "
            f"socket errors {w['socket_errors']:.0f}, 64 people")
        row("  p50 / p99 / max ms", f"{w['p50_ms']:.2f} / {w['p99_ms']:.2f} / {w['max_ms']:.0f}")
        row("  ratio to wrk GET /health", f"{created / health_wrk:.3f}")
        for conns, (rps, _) in sorted(ceilings.items()):
            same = " <- same connection count" if conns == c else ""
            row(f"  ratio to raw insert ceiling ({conns} conn)", f"{created / rps:.3f}", same)

    def ratio_note(p50):
        return f"; p50 = {p50 / health_p50:.1f}x /health p50" if health_p50 == health_p50 else ""

    def timed_reads(name, path, tok, n, note=""):
        lat, st, secs = load(port, 1, n, 60, lambda ti, k, p=path, t=tok: ("GET", p, None, t))
        p50, p99 = pct(lat, 50), pct(lat, 99)
        row(f"{name} p50 / p99 ms", f"{p50:.1f} / {p99:.1f}",
            f"{len(lat)} req, {st}{ratio_note(p50)}{note}")

    if "reads" in phases:
        print("== (c) read paths (1 client, sequential)")
        timed_reads("GET /staff/{id}/weeks", f"/api/v1/staff/{reader_id}/weeks", tokens[0], 300)
        timed_reads("GET /reports/under-logged (org)", "/api/v1/reports/under-logged", org, 60)
        timed_reads("GET /dashboard (org)", "/api/v1/dashboard", org, 30)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        status, payload, _ = request(conn, "GET", "/api/v1/dashboard", token=org)
        conn.close()
        row("GET /dashboard (org) JSON bytes", f"{len(payload)}",
            f"HTTP {status}, uncompressed, {len(payload) / 1024:.1f} KiB")
        # A district: a unit directly under the root that has units under it (the lowest id).
        units, _ = get_all(port, "/api/v1/units", org, a.staff // 500 + 20)
        ids = {u["id"] for u in units}
        roots = sorted(u["id"] for u in units if u.get("parent_id") not in ids)
        with_children = {u["parent_id"] for u in units if u.get("parent_id") is not None}
        districts = sorted(u["id"] for u in units
                           if u.get("parent_id") in roots and u["id"] in with_children)
        if districts:
            d = districts[0]
            below = sum(1 for u in units if u.get("parent_id") == d)
            timed_reads(f"GET /dashboard?unit_id={d} (district, org)",
                        f"/api/v1/dashboard?unit_id={d}", org, 60,
                        f"; {below} units directly under it")
        else:
            row("GET /dashboard?unit_id= (district, org)", "n/a", "no unit under the root has units under it")
        head = login(port, a.largest_head, a.password)
        timed_reads(f"GET /dashboard?unit_id={a.largest_unit} (head)",
                    f"/api/v1/dashboard?unit_id={a.largest_unit}", head, 60)
        # The dashboard right after an approval: an approved line changes its month's credited
        # minutes, which invalidates that month's KPI rollup (services::kpi_months), so the next
        # read rebuilds the month for everybody. Ten times: the largest unit's head approves the
        # oldest line of their queue, then the whole organisation's dashboard is read.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        status, payload, _ = request(conn, "GET", "/api/v1/approvals/queue?limit=10", token=head)
        queue = [i["entry"]["id"] for i in json.loads(payload)["items"]] if status == 200 else []
        after, approve_st = [], {}
        for eid in queue:
            s1, _, _ = request(conn, "POST", f"/api/v1/entries/{eid}/approve", {}, head)
            approve_st[s1] = approve_st.get(s1, 0) + 1
            s2, _, dt = request(conn, "GET", "/api/v1/dashboard", token=org)
            if s1 == 200 and s2 == 200:
                after.append(dt)
        conn.close()
        after.sort()
        if after:
            row("GET /dashboard (org) after an approval p50 / max ms",
                f"{pct(after, 50):.1f} / {after[-1] * 1000:.1f}",
                f"{len(after)} approvals (statuses {approve_st}), each followed by one read: "
                "the read rebuilds the approved line's month")
        else:
            row("GET /dashboard (org) after an approval", "n/a",
                f"nothing approved (queue HTTP {status}, statuses {approve_st})")

    if "mixed" in phases:
        c = max(1, a.wrk_connections or 16)
        print(f"== (c') mixed load: POST /entries at {c} connections in the background, "
              f"GET /dashboard (org) sequential, {a.seconds:.0f}s")
        mixed = RssSampler(a.pid)
        mixed.start()
        post_result = {}
        if wrk:
            def background():
                post_result.update(run_wrk(wrk, port, "/api/v1/entries", c, a.seconds, wrk_script()))
            how = "wrk"
        else:
            # Without wrk: Python threads (the client may then be the bottleneck).
            def background():
                lat, st, secs = load(port, c, 10 ** 6, a.seconds, make_entry)
                post_result.update(requests=float(len(lat)), seconds=secs,
                                   non2xx=float(len(lat) - st.get(201, 0)),
                                   p50_ms=pct(lat, 50), p99_ms=pct(lat, 99))
            how = "Python threads"
        if wrk:
            wrk_script()  # its logins before the clock starts
        bg = threading.Thread(target=background)
        bg.start()
        time.sleep(0.3)
        lat, st = [], {}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while bg.is_alive() and len(lat) < 200:
            status, _, dt = request(conn, "GET", "/api/v1/dashboard", token=org)
            if bg.is_alive() or not lat:
                lat.append(dt)
                st[status] = st.get(status, 0) + 1
        conn.close()
        bg.join()
        mixed.stop.set()
        mixed.join()
        lat.sort()
        row("mixed: GET /dashboard (org) p50 / p99 ms", f"{pct(lat, 50):.1f} / {pct(lat, 99):.1f}",
            f"{len(lat)} req, {st}, while {c} connections POST /entries ({how})")
        post_row(row, "mixed", c, post_result)
        row("mixed: server RSS peak MiB", f"{mixed.peak / 1024:.1f}", "sampled every 50 ms")

    if "approving" in phases:
        approving(a, port, org, wrk, wrk_script, row)

    if "grading" in phases:
        grading(a, port, org, today, health_p50, ceilings, row)

    sampler.stop.set()
    sampler.join()
    print("== (e) memory")
    row("server RSS idle MiB", f"{rss_idle / 1024:.1f}")
    row("server RSS peak under load MiB", f"{sampler.peak / 1024:.1f}")
    row("server RSS after run MiB", f"{rss_kib(a.pid) / 1024:.1f}")
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump([{"name": n, "value": v, "note": t} for n, v, t in rows], f, indent=1)


def post_row(row, phase, c, post_result):
    """The row of a background POST /entries load (nothing when it did not run)."""
    if post_result:
        created = (post_result["requests"] - post_result["non2xx"]) / post_result["seconds"]
        row(f"{phase}: POST /entries created/s ({c} conn)", f"{created:.0f}",
            f"{post_result['requests']:.0f} req, non-2xx {post_result['non2xx']:.0f}, "
            f"p50 / p99 {post_result['p50_ms']:.2f} / {post_result['p99_ms']:.2f} ms")


def approving(a, port, org, wrk, wrk_script, row):
    """The mixed load with approvals: wrk POSTs /entries at the wrk connection count while one
    client, in a loop, has the largest unit's head approve the oldest line of the queue and then
    reads the whole organisation's dashboard. Every approval invalidates its month's KPI rollup,
    so every read rebuilds a month at province scale while the diary writes go on: what a
    rebuild costs the writers shows in the POST figures, next to the mixed phase's."""
    c = max(1, a.wrk_connections or 16)
    if not wrk:
        row("approving: POST /entries", "n/a", "needs wrk")
        return
    print(f"== (c'') approving: POST /entries at {c} connections (wrk) in the background, "
          f"approve + GET /dashboard (org) sequential, {a.seconds:.0f}s")
    head = login(port, a.largest_head, a.password)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    status, payload, _ = request(conn, "GET", "/api/v1/approvals/queue?limit=200", token=head)
    queue = [i["entry"]["id"] for i in json.loads(payload)["items"]] if status == 200 else []
    script = wrk_script()  # its logins before the clock starts
    post_result = {}
    bg = threading.Thread(target=lambda: post_result.update(
        run_wrk(wrk, port, "/api/v1/entries", c, a.seconds, script)))
    bg.start()
    time.sleep(0.3)
    after, approve_st = [], {}
    while bg.is_alive() and queue:
        eid = queue.pop(0)
        s1, _, _ = request(conn, "POST", f"/api/v1/entries/{eid}/approve", {}, head)
        approve_st[s1] = approve_st.get(s1, 0) + 1
        s2, _, dt = request(conn, "GET", "/api/v1/dashboard", token=org)
        if s1 == 200 and s2 == 200 and bg.is_alive():
            after.append(dt)
    conn.close()
    bg.join()
    after.sort()
    if after:
        row("approving: GET /dashboard (org) p50 / p99 ms",
            f"{pct(after, 50):.1f} / {pct(after, 99):.1f}",
            f"{len(after)} approvals (statuses {approve_st}), each followed by one read "
            "that rebuilds the approved line's month")
    else:
        row("approving: GET /dashboard (org)", "n/a",
            f"nothing approved (queue HTTP {status}, statuses {approve_st})")
    post_row(row, "approving", c, post_result)


def grading(a, port, org, today, health_p50, ceilings, row):
    print("== (d) aggregation")
    first = datetime.date.fromisoformat(today).replace(day=1)
    period = (first - datetime.timedelta(days=1)).strftime("%Y-%m")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    status, payload, dt = request(conn, "POST", "/api/v1/grading/rounds",
                                  {"unit_id": a.largest_unit, "period": period}, org)
    graded = ""
    largest_round_secs, largest_round_people = None, 0
    if status == 201:
        largest_round_secs = dt
        largest_round_people = len(json.loads(payload).get("grades", []))
        graded = f"{largest_round_people} grades"
    row(f"open grading round unit {a.largest_unit} {period} ms", f"{dt * 1000:.0f}",
        f"HTTP {status} {graded or payload[:120]!r}")
    lat, st, secs = load(port, 1, 20, 120, lambda ti, k: (
        "GET", f"/api/v1/kpi/units/{a.largest_unit}?period={period}", None, org))
    row(f"GET /kpi/units/{a.largest_unit} p50 / max ms", f"{pct(lat, 50):.0f} / {lat[-1] * 1000 if lat else 0:.0f}",
        f"{len(lat)} req, {st}")
    conn.close()

    print(f"== (d) aggregation: grading a province month ({period}), a round for every unit with members")
    # Units with members: every active person's unit (GET /staff is paged, 500 a page).
    max_pages = a.staff // 500 + 20
    people, complete = get_all(port, "/api/v1/staff?active=true", org, max_pages)
    members = {}
    for p in people:
        if p.get("unit_id") is not None:
            members[p["unit_id"]] = members.get(p["unit_id"], 0) + 1
    units, units_complete = get_all(port, "/api/v1/units", org, max_pages)
    with_members = [u["id"] for u in units if members.get(u["id"], 0) > 0]
    # The largest unit's round was opened just above: it counts with its own time.
    todo = [u for u in with_members if u != a.largest_unit]
    row("units / with members", f"{len(units)} / {len(with_members)}",
        f"{len(people)} active people{'' if complete and units_complete else ' (lists cut short)'}")
    grading_threads = max(1, a.grading_threads)
    budget = a.seconds * 6
    graded_people, errors, glock = [0], [], threading.Lock()

    def open_round(ti, n):
        return ("POST", "/api/v1/grading/rounds", {"unit_id": todo[n], "period": period}, org)

    def opened(n, status, payload):
        with glock:
            if status == 201:
                graded_people[0] += len(json.loads(payload).get("grades", []))
            elif len(errors) < 3:
                try:
                    detail = json.loads(payload).get("detail")
                except ValueError:
                    detail = payload[:160].decode("utf-8", "replace")
                errors.append(f"unit {todo[n]}: HTTP {status} {detail}")

    lat, st, secs = load(port, grading_threads, len(todo), budget, open_round, opened)
    opened_ok = st.get(201, 0)
    rounds = opened_ok + (1 if largest_round_secs is not None else 0)
    people_graded = graded_people[0] + largest_round_people
    wall = secs + (largest_round_secs or 0.0)
    stopped = "" if len(lat) >= len(todo) else f"; STOPPED at the {budget:.0f}s budget"
    row("rounds opened / units with members", f"{rounds} / {len(with_members)}",
        f"{grading_threads} threads, statuses {st} (+ the largest unit in the row above){stopped}")
    row("wall time s", f"{wall:.2f}", f"{people_graded} people graded")
    if wall > 0:
        row("rounds/s", f"{rounds / wall:.1f}")
        row("people graded/s", f"{people_graded / wall:.0f}")
        for conns, (rps, _) in sorted(ceilings.items()):
            row(f"  ratio to raw insert ceiling ({conns} conn)", f"{people_graded / wall / rps:.3f}",
                "grade rows written/s over raw single-row insert rows/s")
    if lat:
        row("open round p50 / p99 / max ms", f"{pct(lat, 50):.0f} / {pct(lat, 99):.0f} / {lat[-1] * 1000:.0f}",
            f"p50 = {pct(lat, 50) / health_p50:.0f}x /health p50")
    for e in errors:
        print(f"    {e}")

    # The same province month in one request: POST /grading/rounds/batch on the root unit opens
    # every unit's round and computes them together. The month before (the loop above took
    # `period`), so that both start from no rounds.
    roots = [u["id"] for u in units if u.get("parent_id") is None]
    period_before = (first.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    period_before = (period_before - datetime.timedelta(days=1)).strftime("%Y-%m")
    print(f"== (d) aggregation: grading a province month ({period_before}) in one request "
          "(POST /grading/rounds/batch per root unit)")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t0 = time.perf_counter()
    b_rounds, b_people, b_status = 0, 0, []
    for root in roots:
        status, payload, _ = request(conn, "POST", "/api/v1/grading/rounds/batch",
                                     {"unit_id": root, "period": period_before}, org)
        b_status.append(status)
        if status == 200:
            done = json.loads(payload)
            b_rounds += len(done["opened"])
            b_people += sum(r["graded"] for r in done["opened"])
        else:
            print(f"    root {root}: HTTP {status} {payload[:160]!r}")
    b_wall = time.perf_counter() - t0
    row("batch rounds opened / units with members", f"{b_rounds} / {len(with_members)}",
        f"{len(roots)} request(s), statuses {b_status}")
    row("batch wall time s", f"{b_wall:.2f}", f"{b_people} people graded")
    if b_rounds > 0 and b_wall > 0 and wall > 0:
        row("  batch vs per-unit loop", f"{wall / b_wall:.1f}x faster",
            f"per-unit loop {wall:.2f} s for {people_graded} people")
    t0 = time.perf_counter()
    again = [request(conn, "POST", "/api/v1/grading/rounds/batch",
                     {"unit_id": root, "period": period_before}, org) for root in roots]
    reopened = sum(len(json.loads(p)["opened"]) for st, p, _ in again if st == 200)
    row("batch retried: rounds opened again / s", f"{reopened} / {time.perf_counter() - t0:.2f}",
        "idempotent: existing rounds are returned, none opened twice")
    conn.close()

if __name__ == "__main__":
    main()
