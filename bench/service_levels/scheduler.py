#!/usr/bin/env python3
"""Issue #7 (b): the SLA threshold scheduler of a running `kanri serve` (job workers on) over a
database with many open clocks and their threshold timers pending.

    scheduler.py --base URL --token T --db SQLITE_FILE --server-pid PID --out FILE.json
                 [--idle 30] [--probes 5] [--wait 60]

1. Settle: waits until no job is due (the timers of the generated data that came due before the
   server started — the generation dates its changes in the past, and a cached database ages —
   are fired first, as a server that was down would fire them), and records how many ran and how
   long it took.
2. Idle: the server's CPU time (utime + stime of /proc/PID/stat) over --idle seconds with no
   request at all, as a share of one CPU; the jobs it ran meanwhile (the timers of the data that
   come due by themselves while service hours pass) are counted.
3. Firing delay: an organization, a service, a 24×7 calendar and an SLA (response 4 s, resolution
   8 s) made through the API, approved by a second user (four eyes), then --probes incidents one
   second apart: each has six timer firings (50/75/100 % of each target, due 2, 3, 4 and 4, 6, 8 s
   after it was recorded; a clock's one timer moves on to its next share when it fires). The delay of each is the job's finished_at − due_at in the jobs table, and
   for the 100 % ones also the sla_breach journal entry's time − the due time it names.
Only SQLite (the database file is read directly, read-only, next to the server).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import time
import urllib.request
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S", time.gmtime()) + " bench: " + msg, file=sys.stderr, flush=True)


def cpu_s(pid: int) -> float:
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK  # utime, stime (fields 14 and 15)


def busy_s() -> float:
    f = Path("/proc/stat").read_text().split("\n")[0].split()[1:]
    v = [int(x) for x in f]
    return (sum(v) - v[3] - v[4]) / TICK  # all but idle and iowait


class Api:
    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {token or self.token}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                raw = r.read()
        except urllib.error.HTTPError as e:
            raise SystemExit(f"{method} {path}: {e.code} {e.read()[:500]!r}")
        return json.loads(raw) if raw else {}


def now_ms() -> int:
    return int(time.time() * 1000)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--server-pid", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--idle", type=float, default=30)
    ap.add_argument("--probes", type=int, default=5)
    ap.add_argument("--wait", type=float, default=60, help="seconds to wait for the probes' timers")
    ap.add_argument("--settle-max", type=float, default=3600)
    a = ap.parse_args()
    db = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True, timeout=30)

    def one(sql: str, *args):
        return db.execute(sql, args).fetchone()[0]

    def done_jobs() -> int:
        return one("SELECT COUNT(*) FROM jobs WHERE state = 'done'")

    out: dict = {"loadavg_start": Path("/proc/loadavg").read_text().split()[:3]}
    out["data"] = {
        "tickets_with_clocks": one("SELECT COUNT(DISTINCT record_id) FROM sla_clocks"),
        "clocks": one("SELECT COUNT(*) FROM sla_clocks"),
        "clocks_by_mode": dict(db.execute("SELECT mode, COUNT(*) FROM sla_clocks GROUP BY mode").fetchall()),
        "pending_jobs_by_kind": dict(db.execute("SELECT kind, COUNT(*) FROM jobs WHERE state = 'pending' GROUP BY kind").fetchall()),
    }
    log(f"clocks by mode {out['data']['clocks_by_mode']}; pending jobs {out['data']['pending_jobs_by_kind']}")

    # 1. Settle.
    t0, cpu0, done0 = time.monotonic(), cpu_s(a.server_pid), done_jobs()
    due0 = one("SELECT COUNT(*) FROM jobs WHERE state = 'pending' AND due_at <= ?", now_ms())
    log(f"settle: {due0} jobs due when the server started; waiting until none is due")
    while True:
        due = one("SELECT COUNT(*) FROM jobs WHERE (state = 'pending' AND due_at <= ?) OR state = 'running'", now_ms())
        if due == 0:
            break
        if time.monotonic() - t0 > a.settle_max:
            raise SystemExit(f"still {due} jobs due after {a.settle_max} s")
        time.sleep(1)
    settle_s = time.monotonic() - t0
    out["settle"] = {"due_at_start": due0, "jobs_done": done_jobs() - done0, "seconds": round(settle_s, 1),
                     "server_cpu_s": round(cpu_s(a.server_pid) - cpu0, 2),
                     "by_kind": dict(db.execute("SELECT kind, COUNT(*) FROM jobs WHERE state = 'done' GROUP BY kind").fetchall()),
                     "improvements": one("SELECT COUNT(*) FROM rec_improvement")}
    log(f"settle: {out['settle']['jobs_done']} jobs in {settle_s:.1f} s")
    time.sleep(2)

    # 2. Idle.
    out["pending_timers"] = one("SELECT COUNT(*) FROM jobs WHERE state = 'pending' AND kind = 'sla.threshold'")
    out["open_clocks"] = one("SELECT COUNT(*) FROM sla_clocks WHERE mode <> 'stopped'")
    out["running_clocks"] = one("SELECT COUNT(*) FROM sla_clocks WHERE mode = 'running'")
    log(f"idle: {a.idle:.0f} s with {out['open_clocks']:,} open clocks ({out['running_clocks']:,} running) and "
        f"{out['pending_timers']:,} threshold timers pending")
    la0 = Path("/proc/loadavg").read_text().split()[:3]
    done0 = done_jobs()
    c0, b0, w0 = cpu_s(a.server_pid), busy_s(), time.monotonic()
    time.sleep(a.idle)
    c1, b1, w1 = cpu_s(a.server_pid), busy_s(), time.monotonic()
    wall = w1 - w0
    out["idle"] = {"seconds": round(wall, 2), "server_cpu_s": round(c1 - c0, 3),
                   "server_cpu_percent": round(100 * (c1 - c0) / wall, 3),
                   "machine_busy_cpu_s": round(b1 - b0, 2),
                   "other_cpu_s": round((b1 - b0) - (c1 - c0), 2),
                   "jobs_run": done_jobs() - done0, "loadavg_before": la0,
                   "loadavg_after": Path("/proc/loadavg").read_text().split()[:3]}
    log(f"idle: server {out['idle']['server_cpu_s']} CPU s in {wall:.1f} s = {out['idle']['server_cpu_percent']} % "
        f"of one CPU; {out['idle']['jobs_run']} jobs ran meanwhile; other processes {out['idle']['other_cpu_s']} CPU s")

    # 3. Firing delay.
    api = Api(a.base, a.token)
    tag = str(now_ms())
    org = api.call("POST", "/api/v1/organizations", {"name": f"Probe customer {tag}", "kind": "customer"})
    svc = api.call("POST", "/api/v1/services", {"name": f"Probe service {tag}", "criticality": "high"})
    always = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cal = api.call("POST", "/api/v1/business_calendars", {"name": f"Probe 24x7 {tag}", "time_zone": "UTC",
                                                         "national_holidays": "none", "hours": always})
    sla = api.call("POST", "/api/v1/agreements", {"title": f"Probe SLA {tag}", "kind": "sla", "customer": org["id"],
                                                  "calendar": cal["id"]})
    api.call("POST", f"/api/v1/agreements/{sla['id']}/links", {"relation": "covers", "target": svc["id"]})
    api.call("POST", "/api/v1/service_level_targets", {"agreement": sla["id"], "metric": "response", "target_time": "PT4S"})
    api.call("POST", "/api/v1/service_level_targets", {"agreement": sla["id"], "metric": "resolution", "target_time": "PT8S"})
    user = f"probe-owner-{tag}"
    api.call("POST", "/api/v1/users", {"username": user, "display_name": "Probe owner", "kind": "agent",
                                       "password": "Probe-Passw0rd-" + tag, "roles": ["service_owner"]})
    owner = api.call("POST", "/api/v1/tokens", {"label": "probe", "user": user})["secret"]
    api.call("POST", f"/api/v1/agreements/{sla['id']}/transitions/submit", {"change_summary": "Probe"})
    api.call("POST", f"/api/v1/agreements/{sla['id']}/transitions/approve", {}, token=owner)
    probes = []
    for i in range(a.probes):
        inc = api.call("POST", "/api/v1/incidents", {"title": f"Threshold probe {i + 1}", "service": svc["id"],
                                                     "organization": org["id"], "impact": "low", "urgency": "low"})
        probes.append(inc)
        time.sleep(1)
    ids = [p["id"] for p in probes]
    marks = ",".join("?" * len(ids))
    expected = 6 * len(ids)
    deadline = time.monotonic() + a.wait
    while time.monotonic() < deadline:
        n = one(f"SELECT COUNT(*) FROM jobs WHERE kind = 'sla.threshold' AND state = 'done' AND "
                f"CAST(json_extract(payload, '$.record_id') AS INTEGER) IN ({marks})", *ids)
        if n >= expected:
            break
        time.sleep(0.5)
    rows = db.execute(f"SELECT job_key, due_at, finished_at, updated_at, attempts FROM jobs WHERE kind = 'sla.threshold' AND "
                      f"state = 'done' AND CAST(json_extract(payload, '$.record_id') AS INTEGER) IN ({marks}) ORDER BY id",
                      ids).fetchall()
    delays = [(r[2] - r[1]) for r in rows if r[2] is not None]
    breaches = []
    for iid in ids:
        for at, changes in db.execute("SELECT at, changes FROM journal WHERE record_type = 'incident' AND record_id = ? "
                                      "AND action = 'sla_breach'", (iid,)).fetchall():
            due = json.loads(changes).get("due_at", "")
            # "2026-12-02T03:04:05.678Z"
            from datetime import datetime
            d = datetime.fromisoformat(due.replace("Z", "+00:00"))
            breaches.append(at - int(d.timestamp() * 1000))

    def stats(v: list[int]) -> dict:
        if not v:
            return {"n": 0}
        s = sorted(v)
        return {"n": len(s), "p50_ms": statistics.median(s), "p95_ms": s[min(len(s) - 1, int(0.95 * len(s)))],
                "max_ms": s[-1], "min_ms": s[0]}

    out["firing"] = {"probes": len(ids), "timers_expected": expected, "timers_fired": len(rows),
                     "job_delay": stats(delays), "breach_delay": stats(breaches),
                     "jobs": [{"key": r[0], "due_at": r[1], "finished_at": r[2], "delay_ms": r[2] - r[1], "attempts": r[4]}
                              for r in rows]}
    log(f"firing: {len(rows)}/{expected} timers fired; delay (finished_at − due_at) {out['firing']['job_delay']}; "
        f"sla_breach entries − due time {out['firing']['breach_delay']}")
    status = Path(f"/proc/{a.server_pid}/status").read_text()
    out["server_memory"] = {k: v.strip() for k, v in (l.split(":", 1) for l in status.splitlines())
                            if k in ("VmHWM", "VmRSS", "Threads")}
    out["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    Path(a.out).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
