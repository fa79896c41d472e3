#!/usr/bin/env python3
"""Web UI benchmarks against a running `kanri serve` on a database with the generated services:

    measure.py --base http://127.0.0.1:PORT --token TOKEN --engine sqlite|postgres --out DIR
               [--db URL] [--server-pid PID] [--duration 10] [--rounds 50]

run by bench/run-ui. Steps, all through HTTP like a browser:
  1. sign in with the /login form (GET /login: the `kanri_login` cookie and the hidden csrf field;
     POST csrf, username, password, next=/), which gives the `kanri_session` cookie;
  2. a service with exactly 100 history entries: created through the API, then 99
     PATCH /api/v1/services/<id> with If-Match (each a journal entry);
  3. the JavaScript and CSS the home page and a list page load (<script src>, <link rel=stylesheet>),
     fetched with and without Accept-Encoding: gzip, bytes as transferred;
  4. single requests, one after the other, every page in turn (`--rounds` rounds, interleaved so that
     a drift of the machine favours none): the pages with the session cookie and Accept-Encoding:
     gzip, and the same pages taken apart (the API request for the same rows: query + to_json; the
     page without gzip; the htmx fragment without the layout);
  5. wrk per page (2 threads, 16 connections, --duration s, bench/wrk/get.lua) with the cookie and
     Accept-Encoding: gzip;
  6. when perf is installed (and BENCH_UI_PERF is not 0): a CPU profile of the server during a wrk
     run of the slowest list page, the functions with the most samples.
Each measured run waits first (at most BENCH_QUIET_WAIT s) until processes other than ours leave
the CPUs alone, records the CPU seconds they used during the run, and is repeated (at most
BENCH_RETRIES times) when that exceeds BENCH_DISTURBED. Writes DIR/ui.json.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
QUIET_WAIT = float(os.environ.get("BENCH_QUIET_WAIT", "300"))
RETRIES = int(os.environ.get("BENCH_RETRIES", "2"))
DISTURBED = float(os.environ.get("BENCH_DISTURBED", "0.5"))
PERF = os.environ.get("BENCH_UI_PERF", "1") != "0"
HISTORY = 100
TARGETS = {"list": 30.0, "detail": 20.0, "assets_kb": 300.0}


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S", time.gmtime()) + " bench: " + msg, file=sys.stderr, flush=True)


# ---- HTTP ------------------------------------------------------------------------------------

class Client:
    def __init__(self, base: str):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                r = self.conn.getresponse()
                data = r.read()
                return r.status, {k.lower(): v for k, v in r.getheaders()}, r.getheader("set-cookie"), data
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def cookie_value(set_cookie: str | None, name: str) -> str:
    m = re.search(rf"(?:^|[,;]\s*){re.escape(name)}=([^;,]*)", set_cookie or "")
    return m.group(1) if m else ""


def sign_in(c: Client, username: str, password: str) -> str:
    """The /login form as a browser fills it in; returns the session cookie's value."""
    st, _, sc, body = c.request("GET", "/login")
    if st != 200:
        raise SystemExit(f"GET /login: {st}")
    login = cookie_value(sc, "kanri_login")
    m = re.search(rb'name="csrf"\s+value="([^"]+)"', body) or re.search(rb'value="([^"]+)"\s+name="csrf"', body)
    if not login or not m:
        raise SystemExit("GET /login: no kanri_login cookie or csrf field")
    form = urllib.parse.urlencode({"csrf": m.group(1).decode(), "username": username, "password": password,
                                   "next": "/"}).encode()
    st, h, sc, body = c.request("POST", "/login", {"Content-Type": "application/x-www-form-urlencoded",
                                                   "Cookie": f"kanri_login={login}"}, form)
    session = cookie_value(sc, "kanri_session")
    if st not in (302, 303) or not session:
        raise SystemExit(f"POST /login: {st} {h.get('location', '')} {body[:300]!r}")
    return session


def history_service(c: Client, token: str) -> dict:
    """A new service with HISTORY journal entries: its creation, then HISTORY-1 updates."""
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = {"name": f"UI benchmark history {int(time.time())}", "description": "revision 0",
            "criticality": "high", "support_hours": "24x7", "availability_target": 99.9}
    st, h, _, data = c.request("POST", "/api/v1/services", auth, json.dumps(body).encode())
    if st != 201:
        raise SystemExit(f"POST /api/v1/services: {st} {data[:300]!r}")
    rec = json.loads(data)
    key, version = str(rec["id"]), h.get("etag", "")
    crit = ["medium", "high", "critical", "low"]
    for i in range(1, HISTORY):
        patch = {"description": f"revision {i}: 障害発生時は一次切り分け後、30分以内に顧客へ連絡する。",
                 "criticality": crit[i % 4], "users_count": 100 + i}
        st, h, _, data = c.request("PATCH", f"/api/v1/services/{key}", {**auth, "If-Match": version},
                                   json.dumps(patch).encode())
        if st != 200:
            raise SystemExit(f"PATCH /api/v1/services/{key}: {st} {data[:300]!r}")
        version = h.get("etag", "")
    st, _, _, data = c.request("GET", f"/api/v1/services/{key}/history", auth)
    hist = json.loads(data) if st == 200 else {}
    entries = hist.get("items", hist.get("entries", hist)) if isinstance(hist, dict) else hist
    return {"id": rec["id"], "number": rec["number"], "history_entries": len(entries) if isinstance(entries, list) else None}


# ---- other processes' CPU time ---------------------------------------------------------------

def busy_ticks() -> int:
    with open("/proc/stat") as f:
        parts = f.readline().split()
    return int(parts[1]) + int(parts[2]) + int(parts[3])


def proc_ticks(pid: int, children: bool = False) -> int:
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    t = int(f[11]) + int(f[12])  # utime, stime
    if children:
        t += int(f[13]) + int(f[14])
    return t


class Ours:
    """CPU ticks of the benchmark's own processes: this script and what it waited for, the
    server, and the PostgreSQL cluster's processes."""

    def __init__(self, server_pid: int, postmaster: int | None):
        self.server_pid, self.postmaster = server_pid, postmaster

    def ticks(self) -> int:
        t = proc_ticks(os.getpid(), children=True) + proc_ticks(self.server_pid)
        if self.postmaster:
            t += proc_ticks(self.postmaster, children=True)
            kids = subprocess.run(["pgrep", "-P", str(self.postmaster)], capture_output=True, text=True).stdout.split()
            for k in kids:
                t += proc_ticks(int(k))
        return t


def wait_quiet(ours: Ours) -> float:
    """Waits until others used < 0.3 CPU-s over 3 s (at most QUIET_WAIT s); returns the wait."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < QUIET_WAIT:
        b0, o0 = busy_ticks(), ours.ticks()
        time.sleep(3)
        if (busy_ticks() - b0) - (ours.ticks() - o0) < 30:
            break
    return round(time.monotonic() - t0, 1)


def measured(ours: Ours, fn):
    """Runs fn() after waiting for quiet, repeats it when disturbed; returns (result, info)."""
    tries = []
    for attempt in range(RETRIES + 1):
        waited = wait_quiet(ours)
        b0, o0 = busy_ticks(), ours.ticks()
        res = fn()
        other = max(0, (busy_ticks() - b0) - (ours.ticks() - o0)) / 100.0
        tries.append({"waited_s": waited, "other_cpu_s": round(other, 2)})
        if other <= DISTURBED:
            break
    return res, {"tries": tries, "other_cpu_s": tries[-1]["other_cpu_s"], "disturbed": tries[-1]["other_cpu_s"] > DISTURBED}


# ---- measurements ----------------------------------------------------------------------------

def percentile(xs: list[float], p: float) -> float:
    s = sorted(xs)
    if not s:
        return float("nan")
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def page_facts(body: bytes, headers: dict) -> dict:
    raw = gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body
    return {"bytes_transferred": len(body), "bytes_html": len(raw), "encoding": headers.get("content-encoding", "identity"),
            "rows": max(0, raw.count(b"<tr>") - 1), "history_entries": raw.count(b'class="history-entry"')}


class References(HTMLParser):
    """<script src> and <link rel=stylesheet href> of a page."""

    def __init__(self):
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        elif tag == "link" and "stylesheet" in (a.get("rel") or "").split() and a.get("href"):
            self.styles.append(a["href"])


def assets(c: Client, cookie: str, pages: dict[str, str]) -> dict:
    """The scripts and style sheets each page references, fetched as a browser would."""
    out = {"pages": {}, "files": {}}
    for name, path in pages.items():
        st, h, _, body = c.request("GET", path, {"Cookie": cookie})
        html = body.decode("utf-8", "replace")
        refs = References()
        refs.feed(html)
        scripts, styles = refs.scripts, refs.styles
        urls = list(dict.fromkeys(scripts + styles))
        out["pages"][name] = {"path": path, "status": st, "scripts": scripts, "styles": list(dict.fromkeys(styles)), "urls": urls}
        for u in urls:
            if u in out["files"]:
                continue
            st1, h1, _, gz = c.request("GET", u, {"Accept-Encoding": "gzip"})
            st2, h2, _, raw = c.request("GET", u)
            out["files"][u] = {"status": st1, "type": h1.get("content-type", ""), "gzip_bytes": len(gz),
                               "content_encoding": h1.get("content-encoding", "identity"), "raw_bytes": len(raw),
                               "cache_control": h1.get("cache-control", "")}
    for p in out["pages"].values():
        p["raw_bytes"] = sum(out["files"][u]["raw_bytes"] for u in p["urls"])
        p["gzip_bytes"] = sum(out["files"][u]["gzip_bytes"] for u in p["urls"])
    return out


def singles(base: str, variants: list[dict], rounds: int, ours: Ours) -> dict:
    """Interleaved single requests: every variant once per round, `rounds` rounds."""
    def run():
        c = Client(base)
        for v in variants:  # warm-up, not counted
            c.request("GET", v["path"], v["headers"])
        times = {v["name"]: [] for v in variants}
        statuses = {v["name"]: set() for v in variants}
        for _ in range(rounds):
            for v in variants:
                t0 = time.perf_counter()
                st, _, _, _ = c.request("GET", v["path"], v["headers"])
                times[v["name"]].append((time.perf_counter() - t0) * 1000.0)
                statuses[v["name"]].add(st)
        return times, statuses
    (times, statuses), info = measured(ours, run)
    out = {}
    for v in variants:
        t = times[v["name"]]
        out[v["name"]] = {"path": v["path"], "kind": v["kind"], "page": v["page"], "n": len(t),
                          "p50_ms": round(percentile(t, 50), 2), "p95_ms": round(percentile(t, 95), 2),
                          "p99_ms": round(percentile(t, 99), 2), "max_ms": round(max(t), 2),
                          "mean_ms": round(statistics.mean(t), 2), "statuses": sorted(statuses[v["name"]])}
    return {"variants": out, "run": info, "rounds": rounds}


def wrk(base: str, path: str, headers: dict, duration: int, out_dir: Path, name: str, script: str = "get.lua",
        connections: int = 16, args: tuple = ()) -> dict:
    """wrk with bench/wrk/SCRIPT (2 threads, 1 for 1 connection) and SCRIPT's ARGS; its result line."""
    threads = min(2, connections)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency", "-s",
           str(BENCH / "wrk" / script)]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(base + path)
    if args:
        cmd += ["--", *map(str, args)]
    env = {**os.environ, "LUA_PATH": f"{BENCH}/wrk/?.lua;;"}
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    (out_dir / f"wrk-{name}.txt").write_text(res.stdout + res.stderr)
    line = [l for l in res.stdout.splitlines() if l.startswith("BENCH_JSON ")]
    if not line:
        raise SystemExit(f"wrk gave no result for {name}; see {out_dir}/wrk-{name}.txt")
    r = json.loads(line[-1].split(" ", 1)[1])
    secret = {"Cookie": "kanri_session=$SESSION", "Authorization": "Bearer $TOKEN"}
    shown = " ".join(cmd[:7]) + f" -s wrk/{script}" + "".join(
        f" -H '{k}: {secret.get(k, v)}'" for k, v in headers.items()) + f" '{base}{path}'"
    if args:
        shown += " -- " + " ".join(map(str, args))
    r["command"] = shown
    return r


def quiesce(server_pid: int) -> None:
    """Until the server has finished what wrk left in flight (its CPU time stands still), at most
    BENCH_UI_QUIESCE s: a server whose job workers are busy (notifications of a bulk load) never
    stands still."""
    prev = proc_ticks(server_pid)
    for _ in range(int(2 * float(os.environ.get("BENCH_UI_QUIESCE", "30")))):
        time.sleep(0.5)
        now = proc_ticks(server_pid)
        if now - prev <= 2:
            return
        prev = now


def symbol(s: str) -> str:
    s = re.sub(r"\s+", " ", s).strip()
    s = s.replace("std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string")
    s = s.replace("nlohmann::json_abi_v3_11_2::basic_json<std::map, std::vector, std::string, bool, long, unsigned long, "
                  "double, std::allocator, nlohmann::json_abi_v3_11_2::adl_serializer, std::vector<unsigned char, "
                  "std::allocator<unsigned char> >, void>", "json")
    return s[:200]


def perf_profile(base: str, path: str, headers: dict, server_pid: int, out_dir: Path, seconds: int,
                 script: str = "get.lua", connections: int = 16, args: tuple = ()) -> dict | None:
    if not PERF or not shutil.which("perf"):
        return None
    data = out_dir / "perf.data"
    rec = subprocess.Popen(["perf", "record", "-F", "199", "--call-graph", "dwarf,16384", "-p", str(server_pid), "-o", str(data), "--", "sleep", str(seconds)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    wrk(base, path, headers, max(1, seconds - 1), out_dir, "perf", script, connections, args)
    rec.wait()
    if not data.exists():
        return None
    rep = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--sort", "symbol", "--stdio",
                          "--percent-limit", "0.7", "-g", "none"], capture_output=True, text=True, timeout=300)
    top = []
    for l in rep.stdout.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+\[\.\]\s+(.*)", l) or re.match(r"\s*([\d.]+)%\s+\[k\]\s+(.*)", l)
        if m:
            top.append({"percent": float(m.group(1)), "symbol": symbol(m.group(2))})
    inc = subprocess.run(["perf", "report", "-i", str(data), "--children", "--sort", "symbol", "--stdio",
                          "--percent-limit", "3", "-g", "none"], capture_output=True, text=True, timeout=300)
    inclusive = []
    for l in inc.stdout.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+([\d.]+)%\s+\[[.k]\]\s+(.*)", l)
        if m:
            inclusive.append({"children_percent": float(m.group(1)), "self_percent": float(m.group(2)),
                              "symbol": symbol(m.group(3))})
    (out_dir / "perf-report.txt").write_text(rep.stdout + "\n\n" + inc.stdout)
    data.unlink(missing_ok=True)
    return {"path": path, "seconds": seconds, "self": top[:30], "inclusive": inclusive[:40]}


def server_memory(pid: int) -> dict:
    """The server's peak and current memory from /proc (empty when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {k: v.strip() for k, v in (l.split(":", 1) for l in status.splitlines())
            if k in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "Threads")}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--engine", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--server-pid", type=int, required=True)
    ap.add_argument("--postmaster", type=int, default=0)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--password", default="bench-admin-password")
    ap.add_argument("--records", type=int, default=0, help="for the result: services generated")
    ap.add_argument("--data-note", default="", help="for the result: where the data comes from")
    ap.add_argument("--engine-version", default="")
    ap.add_argument("--binary", default="", help="for the result: the kanri binary's hash and build time")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ours = Ours(args.server_pid, args.postmaster or None)
    c = Client(args.base)
    result: dict = {"engine": args.engine, "records": args.records, "data": args.data_note,
                    "engine_version": args.engine_version, "kanri_binary": args.binary, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "loadavg_start": Path("/proc/loadavg").read_text().split()[:3], "targets": TARGETS}

    log(f"{args.engine}: signing in through the /login form")
    session = sign_in(c, "admin", args.password)
    cookie = f"kanri_session={session}"
    log(f"{args.engine}: a service with {HISTORY} history entries (1 create + {HISTORY - 1} PATCH with If-Match)")
    svc = history_service(c, args.token)
    result["history_service"] = svc
    log(f"{args.engine}:   {svc['number']} (id {svc['id']}), {svc['history_entries']} entries in the API's history")

    pages = [  # name, path of the page, the API request for the same rows
        ("list", "/r/services", "/api/v1/services?limit=50"),
        ("list_high", "/r/services?criticality=high&sort=-updated_at", "/api/v1/services?criticality=high&sort=-updated_at&limit=50"),
        ("search_printer", "/r/services?q=printer", "/api/v1/services?q=printer&limit=50"),
        ("search_shougai", "/r/services?q=%E9%9A%9C%E5%AE%B3", "/api/v1/services?q=%E9%9A%9C%E5%AE%B3&limit=50"),
        ("detail_history", f"/r/services/{svc['number']}", f"/api/v1/services/{svc['id']}"),
        ("home", "/", None),
    ]
    browser = {"Cookie": cookie, "Accept-Encoding": "gzip"}
    facts = {}
    for name, path, _ in pages:
        st, h, _, body = c.request("GET", path, browser)
        if st != 200:
            raise SystemExit(f"GET {path}: {st} {body[:300]!r}")
        facts[name] = {"path": path, **page_facts(body, h)}
    result["pages"] = facts

    log(f"{args.engine}: scripts and style sheets of the home page and a list page")
    result["assets"] = assets(c, cookie, {"home": "/", "list": "/r/services"})
    for name, p in result["assets"]["pages"].items():
        log(f"{args.engine}:   {name}: {len(p['urls'])} files, {p['raw_bytes'] / 1024:.1f} KiB raw, {p['gzip_bytes'] / 1024:.1f} KiB gzip")

    variants = []
    for name, path, api in pages:
        variants.append({"name": name, "page": name, "kind": "page", "path": path, "headers": browser})
        if name == "home":
            continue
        variants.append({"name": name + ":identity", "page": name, "kind": "page without gzip", "path": path, "headers": {"Cookie": cookie}})
        variants.append({"name": name + ":fragment", "page": name, "kind": "htmx fragment (no layout), gzip", "path": path,
                         "headers": {**browser, "HX-Request": "true", "HX-Target": "main"}})
        variants.append({"name": name + ":api", "page": name, "kind": "API, same rows (query + to_json)", "path": api,
                         "headers": {"Authorization": f"Bearer {args.token}", "Accept-Encoding": "gzip"}})
    log(f"{args.engine}: single requests, {args.rounds} interleaved rounds of {len(variants)} requests")
    result["singles"] = singles(args.base, variants, args.rounds, ours)
    for name, _, _ in pages:
        s = result["singles"]["variants"][name]
        log(f"{args.engine}:   {name}: p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, p99 {s['p99_ms']} ms")

    result["wrk"] = {}
    for name, path, _ in pages:
        log(f"{args.engine}: wrk {args.duration} s of {path}")
        r, info = measured(ours, lambda: wrk(args.base, path, browser, args.duration, out, name))
        quiesce(args.server_pid)
        r["run"] = info
        result["wrk"][name] = r
        log(f"{args.engine}:   {r['requests']} requests, {r['rps']}/s, p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
            f"p99 {r['p99_ms']} ms, non-200 {r.get('non200', 0)}, other CPU {info['other_cpu_s']} s")

    slowest = max((n for n, _, _ in pages if n.startswith(("list", "search"))),
                  key=lambda n: result["singles"]["variants"][n]["p95_ms"])
    log(f"{args.engine}: CPU profile of the server during wrk on {slowest}")
    result["profile"] = perf_profile(args.base, dict((n, p) for n, p, _ in pages)[slowest], browser, args.server_pid, out,
                                     max(5, args.duration))
    quiesce(args.server_pid)
    result["memory"] = server_memory(args.server_pid)
    result["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    (out / "ui.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
