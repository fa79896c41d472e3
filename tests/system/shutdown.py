#!/usr/bin/env python3
"""Graceful shutdown: SIGTERM under load finishes the requests in flight and exits 0.

src/cli/serve.cpp: on SIGTERM the server stops accepting, finishes the requests in flight
(grace 10 s) and exits 0. docs/architecture.md §4: an acknowledged write is never lost.

Set-up: WRITERS threads POST organizations with a long `notes` text in a loop (a new
connection per request), plus one idle keep-alive connection that must not hold the shutdown
up. Once writes are being acknowledged, the server gets SIGTERM. Asserted:
  - the process exits with status 0 within 10 s of the signal;
  - every request that got a response got a complete one: status 201, the whole body, valid
    JSON with the name that was sent; the others got a connection error (not yet accepted);
  - the log says the signal was received and the server stopped;
  - after a restart every 201-acknowledged record is there (GET by id: same number, name);
  - no request that ended in a connection error was nevertheless committed (a request the
    server took on was answered, not dropped after its commit);
Three rounds, so the SIGTERM lands at different moments. Then, deterministically: a POST whose
headers the server has taken on (it answered `Expect: 100-continue`) gets SIGTERM before its
body is sent; the body is then processed and answered 201 with the record, the server exits 0
and the record is there after a restart. Finally `kanri journal verify` is OK.

    python3 tests/system/shutdown.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import http.client
import json
import pathlib
import random
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402

WRITERS = 8
ROUNDS = 3
NOTES = "長い備考、サービス停止の記録。Long notes for a slow-ish request. " * 400  # ~40 KB of UTF-8
GRACE_S = 10


def test(args, t: systest.Checks):
    rnd = random.Random()
    with harness.Stack.from_args(args) as stack:
        srv = stack.server
        db = systest.Db(stack.database_url)
        acked: dict = {}
        for rnd_no in range(1, ROUNDS + 1):
            prefix = f"sd-r{rnd_no}"
            idle = http.client.HTTPConnection(srv.host, srv.port, timeout=30)
            idle.request("GET", "/healthz")
            ir = idle.getresponse()
            ir.read()
            t.check(ir.status == 200 and not ir.will_close,
                    f"round {rnd_no}: an idle keep-alive connection is open", quiet=True)

            stop = threading.Event()
            writers = [systest.Writer(srv, prefix, k, stop, stop_on_error=True, extra={"notes": NOTES})
                       for k in range(WRITERS)]
            for w in writers:
                w.start()
            systest.wait_until(lambda: sum(1 for w in writers for o in w.outcomes if o.acknowledged()) >= 30
                               or any(not w.is_alive() for w in writers), 20)
            time.sleep(rnd.uniform(0.0, 0.3))
            proc = srv.process
            log_offset = srv.log_path.stat().st_size
            signalled = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            try:
                status = proc.wait(timeout=GRACE_S)
            except subprocess.TimeoutExpired:
                status = None
            if status is None:
                srv.kill9()
            stop.set()
            for w in writers:
                w.join(60)
            idle.close()
            t.check(status is not None, f"round {rnd_no}: the server exits within {GRACE_S} s of SIGTERM",
                    lambda: f"still running; it was killed\n--- log ---\n{srv.log_tail(since_start=True)}")
            t.check(status == 0, f"round {rnd_no}: exit status 0", lambda: f"status {status}\n--- log ---\n"
                    f"{srv.log_tail(since_start=True)}")
            crashes = [(w.name, w.crash) for w in writers if w.crash]
            t.check(not crashes and all(not w.is_alive() for w in writers),
                    f"round {rnd_no}: every writer thread ended cleanly", repr(crashes))

            outcomes = [o for w in writers for o in w.outcomes]
            responses = [o for o in outcomes if o.response is not None]
            errors = [o for o in outcomes if o.error is not None]
            incomplete = [o for o in responses if o.acknowledged() is None]
            t.check(not incomplete,
                    f"round {rnd_no}: all {len(responses)} responses are complete 201s with a JSON record",
                    lambda: "\n\n".join(f"{o.name}:\n{o.response.describe(600)}" for o in incomplete[:5]))
            wrong_name = [o for o in responses if o.acknowledged()[2] != o.name]
            t.check(not wrong_name, f"round {rnd_no}: each 201 carries the record that was sent",
                    lambda: "\n".join(o.name for o in wrong_name[:10]))
            kinds = sorted({type(o.error).__name__ for o in errors})
            finished = sum(1 for o in responses if o.ended > signalled)
            t.say(f"--   round {rnd_no}: {len(responses)} answered 201 ({finished} of them after the signal), "
                  f"{len(errors)} got a connection error ({', '.join(kinds) or 'none'})")
            with open(srv.log_path, "rb") as f:
                f.seek(log_offset)
                log = f.read().decode("utf-8", "replace")
            t.check("SIGTERM" in log and "stopped" in log,
                    f"round {rnd_no}: the log says SIGTERM was received and the server stopped", log[-2000:])

            for o in responses:
                rid, number, name = o.acknowledged()
                acked[rid] = (number, name)
            srv.start()
            wrong = []
            for rid, (number, name) in sorted(acked.items()):
                g = srv.request("GET", f"/api/v1/organizations/{rid}")
                if g.status != 200 or g.json().get("number") != number or g.json().get("name") != name:
                    wrong.append(f"id {rid} ({number} {name}): {g.status} {g.text[:200]}")
            t.check(not wrong, f"round {rnd_no}: after restart all {len(acked)} acknowledged records are there",
                    lambda: "\n".join(wrong[:10]))

            stored = {r[0] for r in db.query(f"SELECT name FROM rec_organization WHERE name LIKE '{prefix}-%'")}
            dropped = sorted(stored & {o.name for o in errors})
            t.check(not dropped,
                    f"round {rnd_no}: no request that ended in a connection error was committed "
                    f"(every request the server took on was answered)",
                    lambda: f"{len(dropped)} committed without a response: {dropped[:10]}")
            unexplained = sorted(stored - {o.name for o in outcomes})
            t.check(not unexplained, f"round {rnd_no}: the database holds no record nobody sent", repr(unexplained[:10]))

        in_flight_request(t, srv)

        v = srv.run("journal", "verify", check=False)
        t.check(v.returncode == 0 and v.stdout.startswith("OK"),
                f"`kanri journal verify` exits 0 and prints OK ({v.stdout.strip()})",
                lambda: f"exit {v.returncode}\nstdout:\n{v.stdout}\nstderr:\n{v.stderr}")


def in_flight_request(t: systest.Checks, srv: harness.KanriServer):
    """A request the server has taken on (it answered 100 Continue) before SIGTERM is completed."""
    body = json.dumps({"name": "sd-in-flight", "kind": "customer"}).encode()
    sock = socket.create_connection((srv.host, srv.port), timeout=30)
    try:
        sock.sendall((f"POST /api/v1/organizations HTTP/1.1\r\nHost: {srv.host}:{srv.port}\r\n"
                      f"Authorization: Bearer {srv.token}\r\nContent-Type: application/json\r\n"
                      f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode())
        interim = b""
        while b"\r\n\r\n" not in interim:
            chunk = sock.recv(1)
            if not chunk:
                break
            interim += chunk
        t.check(interim.startswith(b"HTTP/1.1 100"), "in flight: the server took the request on (100 Continue "
                "after the headers, before the body)", repr(interim))
        log_offset = srv.log_path.stat().st_size
        proc = srv.process
        proc.send_signal(signal.SIGTERM)

        def log_says_sigterm():
            with open(srv.log_path, "rb") as f:
                f.seek(log_offset)
                return b"SIGTERM" in f.read()
        t.check(systest.wait_until(log_says_sigterm, GRACE_S) and proc.poll() is None,
                "in flight: SIGTERM sent; the server logs it and waits for the request")
        sock.sendall(body)
        resp = http.client.HTTPResponse(sock)
        try:
            resp.begin()
            data = resp.read()
            got = (resp.status, data)
        except (OSError, http.client.HTTPException) as e:
            got = (None, repr(e))
        t.check(got[0] == 201, "in flight: the body sent after SIGTERM is processed and answered 201", repr(got))
        rec = json.loads(got[1])
        t.check(rec.get("name") == "sd-in-flight", "in flight: the answer is the complete record", repr(got))
    finally:
        sock.close()
    try:
        status = proc.wait(timeout=GRACE_S)
    except subprocess.TimeoutExpired:
        srv.kill9()
        status = None
    t.check(status == 0, f"in flight: then the server exits with status 0 within {GRACE_S} s", f"status {status}")
    srv.start()
    g = srv.request("GET", f"/api/v1/organizations/{rec['id']}")
    t.check(g.status == 200 and g.json().get("number") == rec["number"], "in flight: the record is there after restart",
            lambda: g.describe())


if __name__ == "__main__":
    sys.exit(systest.main(test, "SIGTERM under load: requests in flight complete, exit 0, no write lost"))
