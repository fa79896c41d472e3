#!/usr/bin/env python3
"""Latency of single requests, one after the other on one connection: the service time of a
request with nothing else running (wrk measures it under load). Also warms the server up.

    probe.py --url URL [--token T] [--count 5] [--max-seconds 20]

Sends GET URL up to --count times, stopping early once --max-seconds have passed (at least one
request is always sent). Prints {"runs_ms": [...], "median_ms": M, "min_ms": m, "statuses": [...]}.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", default="")
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--max-seconds", type=float, default=20.0)
    args = ap.parse_args()
    u = urllib.parse.urlsplit(args.url)
    path = u.path + ("?" + u.query if u.query else "")
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    runs, statuses = [], []
    began = time.monotonic()
    for _ in range(max(1, args.count)):
        t0 = time.monotonic()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        runs.append(round((time.monotonic() - t0) * 1000.0, 2))
        statuses.append(resp.status)
        if time.monotonic() - began > args.max_seconds:
            break
    conn.close()
    print(json.dumps({"runs_ms": runs, "median_ms": statistics.median(runs), "min_ms": min(runs),
                      "statuses": statuses}))
    return 0 if all(s == 200 for s in statuses) else 1


if __name__ == "__main__":
    sys.exit(main())
