#!/usr/bin/env python3
"""Issue #7 (a): the due times of the open tickets computed again, as a business calendar's edit
does it: `PATCH /api/v1/business_calendars/{id}` on a `kanri serve` (job workers off, so nothing
else writes) over a database with many running clocks under that calendar. The edit's response
comes after its transaction committed, which holds every due time and threshold timer it moved.

    calendar_edit.py --base URL --token T (--db SQLITE_FILE | --db-url postgresql://…) --out FILE.json [--kanri BIN]

Three edits, in this order, each timed with the clock of this process around the request:
  holiday_far   a holiday three months ahead: no running clock is due that late, so nothing
                moves; what is left is the arithmetic (each clock's due time and next share
                under the calendar as it was and as it is) and the reads.
  holiday_soon  the next weekday (Asia/Tokyo) a holiday: most clocks are due after it.
  hours         Monday to Friday 09:00-17:30 instead of 09:00-18:00: every running clock moves.
  hours_longer  Monday to Friday 09:00-19:00 and tomorrow's holiday taken back: every running
                clock moves, and sooner than its threshold timer was set for (the three edits
                before move shares later, which leaves the timers to fire early and wait again),
                so every timer is moved too: the most an edit writes.
For each: the running clocks under the calendar, how many due times changed (compared row by row,
read-only, next to the server) and how many threshold timers were rewritten. An edit moves the
timers whose share now comes within 15 minutes itself and queues a sweep (job
sla.calendar_timers) for the later ones; with --kanri, that sweep is run and timed after the edit
with `kanri sla align-timers` (the server's job workers are off), and once more after the last
edit as a check that it finds nothing left to change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S", time.gmtime()) + " bench: " + msg, file=sys.stderr, flush=True)


def call(base: str, token: str, method: str, path: str, body: dict | None = None, etag: str | None = None):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if etag:
        headers["If-Match"] = etag
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None,
                                 method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read() or b"null"), r.headers.get("ETag")


class Psql:
    """The few read-only queries below on PostgreSQL, through psql (no driver needed): `?`
    takes an integer parameter, as in sqlite3."""

    def __init__(self, url: str):
        self.url = url

    def execute(self, sql: str, params=()):
        for p in params:
            sql = sql.replace("?", str(int(p)), 1)
        out = subprocess.run(["psql", "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", self.url, "-c", sql],
                             check=True, capture_output=True, text=True).stdout
        rows = [tuple(int(v) if v.lstrip("-").isdigit() else (None if v == "" else v) for v in line.split("\t"))
                for line in out.splitlines()]
        return Rows(rows)


class Rows:
    def __init__(self, rows):
        self.rows = rows

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self):
        return self.rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--db", help="the SQLite database file")
    ap.add_argument("--db-url", help="the PostgreSQL database, postgresql://…")
    ap.add_argument("--out", required=True)
    ap.add_argument("--kanri", help="the kanri binary: an edit that queued its sweep of the timers due later "
                                    "(sla.calendar_timers) is followed by `kanri sla align-timers`, timed")
    a = ap.parse_args()
    if bool(a.db) == bool(a.db_url):
        print("give one of --db and --db-url", file=sys.stderr)
        return 2
    db = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True) if a.db else Psql(a.db_url)
    row = db.execute("SELECT calendar_id, COUNT(*) FROM sla_clocks WHERE mode = 'running' AND calendar_id IS NOT NULL "
                     "GROUP BY calendar_id ORDER BY 2 DESC LIMIT 1").fetchone()
    if not row:
        print("no running clock under a calendar", file=sys.stderr)
        return 1
    cal_id = row[0]
    open_tickets = db.execute("SELECT COUNT(DISTINCT record_id) FROM sla_clocks WHERE mode <> 'stopped' AND calendar_id = ?",
                              (cal_id,)).fetchone()[0]
    cal, _ = call(a.base, a.token, "GET", f"/api/v1/business_calendars/{cal_id}")
    holidays = list(cal.get("extra_holidays") or [])
    tokyo = dt.timezone(dt.timedelta(hours=9))
    today = dt.datetime.now(tokyo).date()

    def weekday_after(days: int) -> str:
        d = today + dt.timedelta(days=days)
        taken = {h.get("date") if isinstance(h, dict) else h for h in holidays}
        while d.weekday() >= 5 or d.isoformat() in taken:
            d += dt.timedelta(days=1)
        return d.isoformat()

    far, soon = weekday_after(90), weekday_after(1)
    hours = cal.get("hours")
    if isinstance(hours, str):
        hours = json.loads(hours)
    def ending(at: str) -> dict:
        return {day: [[iv[0], at if iv[1] == "18:00" else iv[1]] for iv in ivs] for day, ivs in (hours or {}).items()}

    shorter, longer = ending("17:30"), ending("19:00")
    edits = [
        ("holiday_far", f"extra holiday {far}", {"extra_holidays": holidays + [{"date": far, "name": "Bench far"}]}),
        ("holiday_soon", f"extra holiday {soon}",
         {"extra_holidays": holidays + [{"date": far, "name": "Bench far"}, {"date": soon, "name": "Bench soon"}]}),
        ("hours", "weekday hours end at 17:30 instead of 18:00", {"hours": shorter}),
        ("hours_longer", "weekday hours end at 19:00 instead of 17:30, and tomorrow a working day again",
         {"hours": longer, "extra_holidays": holidays + [{"date": far, "name": "Bench far"}]}),
    ]
    out = {"calendar_id": cal_id, "open_tickets": open_tickets, "edits": []}
    for name, what, body in edits:
        before = dict(db.execute("SELECT id, due_at FROM sla_clocks WHERE mode = 'running' AND calendar_id = ?",
                                 (cal_id,)).fetchall())
        _, etag = call(a.base, a.token, "GET", f"/api/v1/business_calendars/{cal_id}")
        since_ms = int(time.time() * 1000) - 1
        t0 = time.perf_counter()
        call(a.base, a.token, "PATCH", f"/api/v1/business_calendars/{cal_id}", body, etag)
        wall = time.perf_counter() - t0
        after = dict(db.execute("SELECT id, due_at FROM sla_clocks WHERE mode = 'running' AND calendar_id = ?",
                                (cal_id,)).fetchall())
        moved = sum(1 for k, v in after.items() if before.get(k) != v)
        def timers_since() -> int:
            return db.execute("SELECT COUNT(*) FROM jobs WHERE kind = 'sla.threshold' AND state IN ('pending', 'cancelled') "
                              "AND updated_at >= ?", (since_ms,)).fetchone()[0]
        timers = timers_since()
        e = {"name": name, "what": what, "running_clocks": len(after), "due_times_moved": moved,
             "timers_written": timers, "wall_s": round(wall, 3),
             "per_100k_open_tickets_s": round(wall * 100_000 / max(1, open_tickets), 3)}
        log(f"{name} ({what}): {wall:.2f} s; {len(after):,} running clocks, {moved:,} due times moved, "
            f"{timers:,} timers written; {e['per_100k_open_tickets_s']} s per 100,000 open tickets")
        # The timers due beyond 15 minutes that the edit left to its sweep (job workers are off
        # here, so the sweep is run by hand, as its job would run it).
        # (job_key compared here: the psql stand-in takes integer parameters only)
        queued = sum(1 for r in db.execute("SELECT job_key, updated_at FROM jobs WHERE kind = 'sla.calendar_timers' "
                                           "AND state = 'pending'").fetchall()
                     if r[0] == f"sla.calendar_timers:{cal_id}" and r[1] >= since_ms)
        e["sweep_queued"] = bool(queued)
        if queued and a.kanri:
            t1 = time.perf_counter()
            res = subprocess.run([a.kanri, "sla", "align-timers", str(cal_id)], capture_output=True, text=True)
            sweep = time.perf_counter() - t1
            if res.returncode != 0:
                print(res.stdout + res.stderr, file=sys.stderr)
                return 1
            total = timers_since()
            e["sweep"] = {"wall_s": round(sweep, 3), "timers_written": total - timers, "output": res.stdout.strip(),
                          "per_100k_open_tickets_s": round(sweep * 100_000 / max(1, open_tickets), 3)}
            log(f"    its sweep (kanri sla align-timers {cal_id}): {sweep:.2f} s, {total - timers:,} timers written; "
                f"{e['sweep']['per_100k_open_tickets_s']} s per 100,000 open tickets")
        out["edits"].append(e)
    if a.kanri and any("sweep" in e for e in out["edits"]):
        # The check: the timers as the edits and their sweeps left them, looked at again under the
        # calendar as it is now, need nothing more (0 brought forward, 0 set).
        res = subprocess.run([a.kanri, "sla", "align-timers", str(cal_id)], capture_output=True, text=True, check=True)
        m = re.search(r"(\d+) brought forward, (\d+) set, (\d+) cancelled", res.stdout)
        out["timers_check"] = {"output": res.stdout.strip(),
                               "changed": sum(int(x) for x in m.groups()) if m else None}
        log(f"check: {res.stdout.strip()}")
    Path(a.out).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
