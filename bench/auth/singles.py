#!/usr/bin/env python3
"""Single requests, interleaved: the latency of several list requests without load, measured so
that a drift of the machine (another process, the page cache) affects all of them alike.

    singles.py --url http://127.0.0.1:PORT --spec SCENARIOS.json [--rounds 50] [--warmup 5]

SCENARIOS.json: [{"name": N, "path": "/api/v1/services?…", "token": T}, …]. Each round sends
one request of every scenario in turn (each scenario on its own keep-alive connection, one
request at a time); the first --warmup rounds are not counted. Prints one JSON object:
    {N: {"runs_ms": [...], "median_ms": M, "p90_ms": P, "min_ms": m, "statuses": {"200": k},
         "rows": R, "ids": [first page's ids], "next_cursor": bool}, …}
Exit status 1 when a response was not 200.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--spec", required=True)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args()
    u = urllib.parse.urlsplit(args.url)
    spec = json.load(open(args.spec))
    conns = {s["name"]: http.client.HTTPConnection(u.hostname, u.port, timeout=120) for s in spec}
    out = {s["name"]: {"runs_ms": [], "statuses": {}} for s in spec}
    ok = True
    for rnd in range(args.warmup + args.rounds):
        for s in spec:
            conn = conns[s["name"]]
            t0 = time.perf_counter()
            conn.request("GET", s["path"], headers={"Authorization": f"Bearer {s['token']}"})
            resp = conn.getresponse()
            body = resp.read()
            ms = (time.perf_counter() - t0) * 1000.0
            o = out[s["name"]]
            if resp.status != 200:
                ok = False
                o.setdefault("first_error", f"{resp.status} {body[:300].decode(errors='replace')}")
            if rnd < args.warmup:
                if rnd == 0 and resp.status == 200:
                    page = json.loads(body)
                    o["rows"] = len(page.get("items", []))
                    o["ids"] = [i.get("id") for i in page.get("items", [])]
                    o["next_cursor"] = page.get("next_cursor") is not None
                continue
            o["runs_ms"].append(round(ms, 3))
            o["statuses"][str(resp.status)] = o["statuses"].get(str(resp.status), 0) + 1
    for c in conns.values():
        c.close()
    for o in out.values():
        r = sorted(o["runs_ms"])
        o["median_ms"] = round(statistics.median(r), 3)
        o["p90_ms"] = round(percentile(r, 0.90), 3)
        o["min_ms"] = r[0]
    print(json.dumps(out))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
