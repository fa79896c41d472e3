#!/usr/bin/env python3
"""Cold start: time from exec of a server command to its first 200 from a health URL.

    coldstart.py --url http://127.0.0.1:PORT/healthz [--runs 5] [--timeout 30] [--log FILE] -- CMD ARGS...

Each run starts CMD (environment inherited), polls the URL every millisecond (a refused
connection is retried at once), stops the server with SIGTERM as soon as it answers 200 and
waits for it to exit. Prints one JSON object on stdout:
    {"runs_ms": [...], "median_ms": M, "min_ms": m, "max_ms": x}
Exit status 1 when a run failed (server exited or did not answer in time).
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse


def first_200(url: str, proc: subprocess.Popen, timeout: float) -> float | None:
    u = urllib.parse.urlsplit(url)
    path = u.path or "/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return None
        try:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=2)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return time.monotonic()
        except (ConnectionError, OSError, http.client.HTTPException):
            pass
        time.sleep(0.001)
    return None


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--log", default=None, help="append the servers' output here")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    # Stopped by run-all's cleanup: still stop the server we started (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    if not cmd:
        ap.error("no command given")
    log = open(args.log, "ab") if args.log else subprocess.DEVNULL
    runs = []
    try:
        for i in range(args.runs):
            started = time.monotonic()
            proc = subprocess.Popen(cmd, stdout=log, stderr=log)
            try:
                ready = first_200(args.url, proc, args.timeout)
            finally:
                stop(proc)
            if ready is None:
                print(f"coldstart: run {i + 1}: no 200 from {args.url} (exit status {proc.returncode})",
                      file=sys.stderr)
                return 1
            runs.append(round((ready - started) * 1000.0, 1))
            print(f"coldstart: run {i + 1}: {runs[-1]} ms", file=sys.stderr)
    finally:
        if log is not subprocess.DEVNULL:
            log.close()
    print(json.dumps({"runs_ms": runs, "median_ms": statistics.median(runs), "min_ms": min(runs),
                      "max_ms": max(runs)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
