#!/usr/bin/env python3
"""Incident resolution benchmarks against a running `kanri serve` on a database of
kanri-bench-incidents (run by bench/run-resolution):

    measure.py --base http://127.0.0.1:PORT --token TOKEN --engine sqlite|postgres --out DIR
               [--server-pid PID] [--postmaster PID] [--duration 10] [--rounds 50]
               [--clients "2 4 8"] [--trend-runs 3]

All through HTTP, with the admin's bearer token (the pages with the session of the /login form):
  1. the incident queue of a group: GET /api/v1/incidents?group=GRP-…&state=in_progress (the type's
     default order -updated_at, 50 a page) and the page /r/incidents?group=…&state=in_progress, for
     the largest group, one in the middle and one of the smallest (the generator draws groups by a
     Zipf distribution in creation order); single requests in interleaved rounds, then wrk
     (2 threads, 16 connections) per request;
  2. the trend analysis, POST /api/v1/problem_proposals/analyse, --trend-runs times one after the
     other: the first proposes what the window holds, the next ones bring the proposals up to date;
  3. incident creation, POST /api/v1/incidents with bench/wrk/incident_create.lua, for each number
     of connections in --clients (2 threads; 1 for one connection), after checking that a
     resolution policy is active (its matrix sets the priority); then, when perf is installed and
     BENCH_RESOLUTION_PERF is not 0, a CPU profile of the server during one more creation run.
Each measured run waits for the other processes to leave the CPUs alone and is repeated when
disturbed (bench/ui/measure.py: BENCH_QUIET_WAIT, BENCH_RETRIES, BENCH_DISTURBED). Writes
DIR/resolution.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ui"))
from measure import (Client, Ours, log, measured, perf_profile, quiesce, server_memory, sign_in,  # noqa: E402
                     singles, wrk)

TARGETS = {"create_per_s": 3000.0, "trend_s": 5.0, "queue_p95_ms": 20.0}
PERF = os.environ.get("BENCH_RESOLUTION_PERF", "1") != "0"


def api(c: Client, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    st, _, _, raw = c.request(method, path, headers, data)
    try:
        return st, json.loads(raw) if raw else {}
    except ValueError:
        return st, {"raw": raw[:300].decode("utf-8", "replace")}


def id_range(c: Client, token: str, collection: str) -> tuple[int, int]:
    _, first = api(c, token, "GET", f"/api/v1/{collection}?sort=id&limit=1")
    _, last = api(c, token, "GET", f"/api/v1/{collection}?sort=-id&limit=1")
    if not first.get("items"):
        raise SystemExit(f"no {collection}: generate the data with kanri-bench-incidents first")
    return first["items"][0]["id"], last["items"][0]["id"]


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
    ap.add_argument("--clients", default="2 4 8")
    ap.add_argument("--trend-runs", type=int, default=3)
    ap.add_argument("--agents", type=int, default=200, help="users agent0001… that exist")
    ap.add_argument("--password", default="bench-admin-password")
    ap.add_argument("--incidents", type=int, default=0, help="for the result: incidents generated")
    ap.add_argument("--data-note", default="")
    ap.add_argument("--engine-version", default="")
    ap.add_argument("--binary", default="")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ours = Ours(args.server_pid, args.postmaster or None)
    c = Client(args.base)
    token = args.token
    result: dict = {"engine": args.engine, "incidents": args.incidents, "data": args.data_note,
                    "engine_version": args.engine_version, "kanri_binary": args.binary,
                    "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "loadavg_start": Path("/proc/loadavg").read_text().split()[:3], "targets": TARGETS,
                    "cpus": os.cpu_count(), "duration_s": args.duration}

    # ---- 1. the incident queue of a group -----------------------------------------------------
    log(f"{args.engine}: signing in through the /login form")
    cookie = f"kanri_session={sign_in(c, 'admin', args.password)}"
    st, groups = api(c, token, "GET", "/api/v1/support_groups?sort=id&limit=500")
    items = groups.get("items", [])
    if st != 200 or not items:
        raise SystemExit(f"GET /api/v1/support_groups: {st}; generate the data with kanri-bench-incidents first")
    chosen = {"large": items[0], "middle": items[len(items) // 2], "small": items[-1]}
    browser = {"Cookie": cookie, "Accept-Encoding": "gzip"}
    bearer = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}
    variants, queue = [], {}
    for size, g in chosen.items():
        q = f"group={urllib.parse.quote(g['number'])}&state=in_progress"
        st, first = api(c, token, "GET", f"/api/v1/incidents?{q}")
        if st != 200:
            raise SystemExit(f"GET /api/v1/incidents?{q}: {st} {first}")
        queue[size] = {"group": g["number"], "group_name": g.get("name"), "rows_first_page": len(first.get("items", [])),
                       "more_pages": bool(first.get("next_cursor"))}
        variants.append({"name": f"api_{size}", "page": size, "kind": "API", "path": f"/api/v1/incidents?{q}", "headers": bearer})
        variants.append({"name": f"page_{size}", "page": size, "kind": "page", "path": f"/r/incidents?{q}", "headers": browser})
    for v in variants:
        st, _, _, body = c.request("GET", v["path"], v["headers"])
        if st != 200:
            raise SystemExit(f"GET {v['path']}: {st} {body[:300]!r}")
    names = ", ".join(f"{k} {v['group']}" for k, v in queue.items())
    log(f"{args.engine}: incident queues {names}: {args.rounds} interleaved rounds of {len(variants)} requests")
    result["queue"] = {"groups": queue, "singles": singles(args.base, variants, args.rounds, ours), "wrk": {}}
    for v in variants:
        s = result["queue"]["singles"]["variants"][v["name"]]
        log(f"{args.engine}:   {v['name']}: p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, max {s['max_ms']} ms")
    for v in variants:
        r, info = measured(ours, lambda: wrk(args.base, v["path"], v["headers"], args.duration, out, v["name"]))
        quiesce(args.server_pid)
        r["run"] = info
        result["queue"]["wrk"][v["name"]] = r
        log(f"{args.engine}:   wrk {v['name']}: {r['rps']}/s, p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
            f"non-200 {r.get('non200', 0)}, other CPU {info['other_cpu_s']} s")

    # ---- 2. the trend analysis ----------------------------------------------------------------
    runs = []
    for i in range(args.trend_runs):
        def analyse():
            t0 = time.perf_counter()
            st, body = api(c, token, "POST", "/api/v1/problem_proposals/analyse", {})
            return st, body, time.perf_counter() - t0
        (st, body, seconds), info = measured(ours, analyse)
        if st not in (200, 201):
            raise SystemExit(f"POST /api/v1/problem_proposals/analyse: {st} {body}")
        runs.append({"run": i + 1, "seconds": round(seconds, 3), "response": body, "other_cpu_s": info["other_cpu_s"],
                     "disturbed": info["disturbed"]})
        log(f"{args.engine}: trend analysis {i + 1}: {seconds:.2f} s, {json.dumps(body)[:200]}")
    result["trend"] = {"runs": runs}

    # ---- 3. incident creation -----------------------------------------------------------------
    st, pol = api(c, token, "GET", "/api/v1/resolution_policies?active=true")
    if st != 200 or not pol.get("items"):
        raise SystemExit("no active resolution policy: the generator makes one (bench/resolution/incident_gen.cpp)")
    result["policy"] = {k: pol["items"][0].get(k) for k in ("number", "name", "version", "priority_matrix")}
    ranges = {k: id_range(c, token, k) for k in ("services", "support_groups", "categories")}
    lua_args = tuple(f"{lo}-{hi}" for lo, hi in ranges.values()) + (args.agents,)
    result["create"] = {"ranges": ranges, "runs": {}}
    for n in [int(x) for x in args.clients.split()]:
        r, info = measured(ours, lambda: wrk(args.base, "/api/v1/incidents", {"Authorization": f"Bearer {token}"},
                                             args.duration, out, f"create-{n}", "incident_create.lua", n, lua_args))
        quiesce(args.server_pid)
        r["run"] = info
        result["create"]["runs"][str(n)] = r
        log(f"{args.engine}: create, {n} connections: {r['rps']}/s, p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
            f"max {r['max_ms']} ms, non-201 {r.get('non201', 0)}, other CPU {info['other_cpu_s']} s")
    st, sample = api(c, token, "GET", "/api/v1/incidents?sort=-id&limit=1")
    result["create"]["last"] = {k: sample["items"][0].get(k) for k in ("number", "priority", "impact", "urgency", "search_text")
                                if k in sample["items"][0]} if sample.get("items") else {}
    if PERF:
        n = max(int(x) for x in args.clients.split())
        log(f"{args.engine}: CPU profile of the server during a creation run with {n} connections")
        result["profile"] = perf_profile(args.base, "/api/v1/incidents", {"Authorization": f"Bearer {token}"},
                                         args.server_pid, out, max(5, args.duration), "incident_create.lua", n, lua_args)
        quiesce(args.server_pid)
    result["memory"] = server_memory(args.server_pid)
    result["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    (out / "resolution.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
