#!/usr/bin/env python3
"""`kanri sla recompute`: every SLA clock recomputed from the journal equals the live clock.

On a real database that a running `kanri serve` writes: an approved SLA on Tokyo office hours
with Japan's holidays and one around the clock in Europe/Berlin cover a service; 40 incidents of
the two customers, opened up to ten days earlier, are worked through 2,000 random changes (assign, take, the three pending states, resolve, reopen, priority
overrides and their removal), and the calendar gains a holiday half-way. Asserted:
  - every incident has its response and resolution clock, and each clock's timeline (replayed
    from the journal) adds up to the business time the live clock reports;
  - `kanri sla recompute` recomputes every clock from the journal, finds none that differs and
    exits 0, also when it reads the tickets a few at a time (`--batch 7`: the journal entries and
    clocks of ranges of tickets, so each ticket is matched with its own across the ranges);
  - a clock altered behind the server's back is found (exit 1, "DIFFERS INC-… resolution:
    elapsed_ms …"), `--fix` replaces it with its recomputation, and a second run is clean;
  - `--open` recomputes all the clocks of the tickets with a clock running or paused and only
    those (also three at a time, whose ranges hold stopped tickets too): a ticket whose clocks
    all stopped, altered, is left to the full recompute;
  - `kanri sla align-timers` finds every live timer in line with its calendar, brings forward a
    timer moved a day late behind the server's back, sets one that went missing, and refuses an
    unknown calendar.

    python3 tests/system/sla_recompute.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import pathlib
import random
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402

INCIDENTS = 40
CHANGES = 2000


def test(args, t: systest.Checks):
    rnd = random.Random(20261201)
    with harness.Stack.from_args(args) as stack:
        srv = stack.server

        def api(method, path, body=None, token=None, headers=None, expect=(200, 201)):
            kw = {"headers": headers} if headers else {}
            if token:
                kw["token"] = token
            r = srv.request(method, path, json=body, **kw) if body is not None else srv.request(method, path, **kw)
            if r.status not in expect:
                raise systest.Failure(f"{method} {path}: {r.describe()}")
            return r.json() if r.body else {}

        customer = api("POST", "/api/v1/organizations", {"name": "Recompute customer", "kind": "customer"})
        svc = api("POST", "/api/v1/services", {"name": "Recomputed service", "criticality": "high"})
        group = api("POST", "/api/v1/support_groups", {"name": "Recompute desk", "tier": 1})
        hours = {d: [["09:00", "12:00"], ["13:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
        cal = api("POST", "/api/v1/business_calendars", {"name": "Tokyo office", "time_zone": "Asia/Tokyo",
                                                          "national_holidays": "japan", "hours": hours})
        sla = api("POST", "/api/v1/agreements", {"title": "Recompute SLA", "kind": "sla", "customer": customer["id"],
                                                 "calendar": cal["id"]})
        api("POST", f"/api/v1/agreements/{sla['id']}/links", {"relation": "covers", "target": svc["id"]})
        api("POST", "/api/v1/service_level_targets", {"agreement": sla["id"], "metric": "response", "target_time": "PT30M"})
        for p, time in (("p1", "PT2H"), ("p2", "PT4H"), ("p3", "PT8H"), ("p4", "PT16H")):
            api("POST", "/api/v1/service_level_targets",
                {"agreement": sla["id"], "metric": "resolution", "priority": p, "target_time": time})
        api("POST", "/api/v1/users", {"username": "recompute-owner", "display_name": "Owner", "kind": "agent",
                                      "password": "Recompute-Passw0rd-1", "roles": ["service_owner"]})
        owner = api("POST", "/api/v1/tokens", {"label": "owner", "user": "recompute-owner"})["secret"]
        api("POST", f"/api/v1/agreements/{sla['id']}/transitions/submit", {"change_summary": "Targets"})
        api("POST", f"/api/v1/agreements/{sla['id']}/transitions/approve", {}, token=owner)
        # A second customer around the clock: its clocks count the milliseconds between changes.
        other = api("POST", "/api/v1/organizations", {"name": "Recompute customer 24x7", "kind": "customer"})
        always = api("POST", "/api/v1/business_calendars", {
            "name": "24x7", "time_zone": "Europe/Berlin", "national_holidays": "none",
            "hours": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}})
        sla2 = api("POST", "/api/v1/agreements", {"title": "Recompute SLA 24x7", "kind": "sla",
                                                  "customer": other["id"], "calendar": always["id"]})
        api("POST", f"/api/v1/agreements/{sla2['id']}/links", {"relation": "covers", "target": svc["id"]})
        api("POST", "/api/v1/service_level_targets", {"agreement": sla2["id"], "metric": "response", "target_time": "PT15M"})
        api("POST", "/api/v1/service_level_targets", {"agreement": sla2["id"], "metric": "resolution", "target_time": "PT4H"})
        api("POST", f"/api/v1/agreements/{sla2['id']}/transitions/submit", {"change_summary": "Targets"})
        api("POST", f"/api/v1/agreements/{sla2['id']}/transitions/approve", {}, token=owner)

        t.step(f"{INCIDENTS} incidents worked through {CHANGES} random changes")
        incidents = []
        for i in range(INCIDENTS):
            # Opened up to ten days ago (as if recorded late): the first segment spans nights,
            # weekends and holidays of the office calendar.
            opened = f"2026-11-{rnd.randint(20, 30):02d}T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00Z"
            inc = api("POST", "/api/v1/incidents", {
                "title": f"Recompute {i}", "service": svc["id"], "organization": (customer if i % 2 else other)["id"],
                "impact": rnd.choice(["high", "medium", "low"]), "urgency": rnd.choice(["high", "medium", "low"]),
                "opened_at": opened})
            incidents.append({"number": inc["number"], "state": inc["state"], "version": inc["version"],
                              "override": False})
        moves = {
            "assign": (("new", "assigned", "in_progress"), {"group": group["number"]}),
            "take": (("new", "assigned", "pending_requester", "pending_supplier", "pending_change"), {"assignee": "admin"}),
            "wait_requester": (("assigned", "in_progress"), {"pending_reason": "Waiting for the caller"}),
            "wait_supplier": (("assigned", "in_progress"), {"pending_reason": "Vendor ticket open"}),
            "wait_change": (("assigned", "in_progress"), {"pending_reason": "Needs a change"}),
            "resolve": (("new", "assigned", "in_progress", "pending_requester", "pending_supplier", "pending_change"),
                        {"resolution": "Fixed", "resolution_code": "solved"}),
            "reopen": (("resolved",), {}),
        }
        done = 0
        while done < CHANGES:
            if done == CHANGES // 2:
                # The calendar gains a holiday while the clocks run: from then on it counts.
                c = api("GET", f"/api/v1/business_calendars/{cal['id']}")
                api("PATCH", f"/api/v1/business_calendars/{cal['id']}", {"extra_holidays": ["2030-01-07"]},
                    headers={"If-Match": f'"{c["version"]}"'})
            inc = rnd.choice(incidents)
            if rnd.random() < 0.2:
                body = ({"priority_override": None} if inc["override"] else
                        {"priority_override": rnd.choice(["p1", "p2", "p3", "p4"]), "priority_reason": "Test"})
                r = api("PATCH", f"/api/v1/incidents/{inc['number']}", body,
                        headers={"If-Match": f'"{inc["version"]}"'})
                inc["override"] = not inc["override"]
            else:
                name, (states, body) = rnd.choice([(n, m) for n, m in moves.items() if inc["state"] in m[0]])
                r = api("POST", f"/api/v1/incidents/{inc['number']}/transitions/{name}", body)
            inc["state"], inc["version"] = r["state"], r["version"]
            done += 1
        db = systest.Db(stack.database_url)
        entries = int(db.query("SELECT COUNT(*) FROM journal WHERE action = 'sla_clock'")[0][0])
        t.check(entries == INCIDENTS + CHANGES, f"each of the {INCIDENTS + CHANGES} writes journaled what its clocks counted",
                lambda: entries)

        clocks = {inc["number"]: api("GET", f"/api/v1/incidents/{inc['number']}/clocks")["items"] for inc in incidents}
        t.check(all(sorted(k["metric"] for k in ks) == ["resolution", "response"] for ks in clocks.values()),
                "every incident has its response and resolution clock")
        bad = [(n, k["metric"], k["elapsed_ms"], sum(s["business_ms"] for s in k["timeline"] if s["mode"] == "running"))
               for n, ks in clocks.items() for k in ks
               if k["state"] != "running" and
               k["elapsed_ms"] != sum(s["business_ms"] for s in k["timeline"] if s["mode"] == "running")]
        t.check(not bad, "each stopped or paused clock's timeline from the journal adds up to its business time",
                lambda: bad[:10])

        t.step("kanri sla recompute")
        r = srv.run("sla", "recompute", check=False)
        expected = f"OK: {2 * INCIDENTS} clocks of {INCIDENTS} tickets recomputed from the journal; 0 differ"
        t.check(r.returncode == 0 and expected in r.stdout, "every clock recomputed from the journal equals the live one",
                lambda: f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
        r = srv.run("sla", "recompute", "--batch", "7", check=False)
        t.check(r.returncode == 0 and expected in r.stdout, "the same read seven tickets at a time",
                lambda: f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")

        used = sum(k["elapsed_ms"] for ks in clocks.values() for k in ks)
        t.check(used > 0, f"the clocks used business time ({used} ms in all)")
        victim = incidents[0]["number"]
        db.execute("UPDATE sla_clocks SET elapsed_ms = elapsed_ms + 1000 WHERE metric = 'resolution' AND record_id = "
                   f"(SELECT id FROM rec_incident WHERE number = '{victim}')")
        r = srv.run("sla", "recompute", check=False)
        t.check(r.returncode == 1 and f"DIFFERS {victim} resolution: elapsed_ms" in r.stdout and "1 differ" in r.stdout,
                "a clock altered behind the server's back is found", lambda: f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
        r = srv.run("sla", "recompute", "--batch", "7", check=False)
        t.check(r.returncode == 1 and f"DIFFERS {victim} resolution: elapsed_ms" in r.stdout and "; 1 differ" in r.stdout,
                "and only it, read seven tickets at a time", lambda: f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
        r = srv.run("sla", "recompute", "--fix", check=False)
        t.check(r.returncode == 0 and "replaced by their recomputation" in r.stdout, "--fix replaces it",
                lambda: f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
        r = srv.run("sla", "recompute", check=False)
        t.check(r.returncode == 0 and expected in r.stdout, "and a second run is clean",
                lambda: f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")

        t.step("kanri sla recompute --open")
        open_tickets = int(db.scalar("SELECT COUNT(DISTINCT record_id) FROM sla_clocks WHERE mode <> 'stopped'"))
        open_clocks = int(db.scalar("SELECT COUNT(*) FROM sla_clocks WHERE record_id IN "
                                    "(SELECT record_id FROM sla_clocks WHERE mode <> 'stopped')"))
        t.check(0 < open_tickets <= INCIDENTS, f"tickets with a clock running or paused: {open_tickets} of {INCIDENTS}")
        r = srv.run("sla", "recompute", "--open", check=False)
        t.check(r.returncode == 0 and f"OK: {open_clocks} clocks of {open_tickets} open tickets recomputed" in r.stdout,
                "--open recomputes only the tickets with a clock running or paused, all of their clocks",
                lambda: f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
        r = srv.run("sla", "recompute", "--open", "--batch", "3", check=False)
        t.check(r.returncode == 0 and f"OK: {open_clocks} clocks of {open_tickets} open tickets recomputed" in r.stdout,
                "the same read three open tickets at a time", lambda: f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
        stopped = db.scalar("SELECT record_id FROM sla_clocks GROUP BY record_id HAVING SUM(CASE WHEN mode <> 'stopped' THEN 1 ELSE 0 END) = 0 LIMIT 1")
        stopped_number = db.scalar(f"SELECT number FROM rec_incident WHERE id = {int(stopped)}") if stopped else None
        if stopped_number:
            db.execute(f"UPDATE sla_clocks SET elapsed_ms = elapsed_ms + 1000 WHERE record_id = {int(stopped)}")
            r = srv.run("sla", "recompute", "--open", check=False)
            t.check(r.returncode == 0 and stopped_number not in r.stdout,
                    "--open leaves the tickets whose clocks all stopped alone", lambda: f"exit {r.returncode}\n{r.stdout}")
            r = srv.run("sla", "recompute", "--fix", check=False)
            t.check(r.returncode == 0 and f"DIFFERS {stopped_number}" in r.stdout, "while the full recompute finds them",
                    lambda: f"exit {r.returncode}\n{r.stdout}")

        t.step("kanri sla align-timers")
        # After the random changes and the holiday, the live timers agree with the calendars:
        # the sweep a calendar edit queues finds nothing to change.
        for c_ in (cal, always):
            running = int(db.scalar(f"SELECT COUNT(*) FROM sla_clocks WHERE mode = 'running' AND calendar_id = {int(c_['id'])}"))
            r = srv.run("sla", "align-timers", str(c_["id"]), check=False)
            t.check(r.returncode == 0 and f"of {running} clocks running under business calendar {c_['id']} " in r.stdout
                    and "0 brought forward, 0 set, 0 cancelled" in r.stdout,
                    f"the timers of the {running} clocks running under {c_['name']} need nothing",
                    lambda: f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
        # A fresh incident on office hours: its first share is hours of business time ahead.
        fresh = api("POST", "/api/v1/incidents", {"title": "Align", "service": svc["id"], "organization": customer["id"],
                                                  "impact": "low", "urgency": "low"})
        key = f"sla:incident:{fresh['id']}:resolution"
        due = int(db.scalar(f"SELECT due_at FROM jobs WHERE job_key = '{key}' AND state = 'pending'"))
        db.execute(f"UPDATE jobs SET due_at = due_at + 86400000 WHERE job_key = '{key}' AND state = 'pending'")
        r = srv.run("sla", "align-timers", str(cal["id"]), check=False)
        now_due = db.scalar(f"SELECT due_at FROM jobs WHERE job_key = '{key}' AND state = 'pending'")
        t.check(r.returncode == 0 and "1 brought forward, 0 set, 0 cancelled" in r.stdout and int(now_due) == due,
                "a timer set a day late behind the server's back is brought forward to its share",
                lambda: f"exit {r.returncode}, due {now_due} (expected {due})\n{r.stdout}\n{r.stderr}")
        db.execute(f"UPDATE jobs SET state = 'cancelled', finished_at = updated_at WHERE job_key = '{key}' AND state = 'pending'")
        r = srv.run("sla", "align-timers", str(cal["id"]), check=False)
        now_due = db.scalar(f"SELECT due_at FROM jobs WHERE job_key = '{key}' AND state = 'pending'")
        t.check(r.returncode == 0 and "0 brought forward, 1 set, 0 cancelled" in r.stdout and now_due is not None
                and int(now_due) == due, "a missing timer is set again",
                lambda: f"exit {r.returncode}, due {now_due} (expected {due})\n{r.stdout}\n{r.stderr}")
        r = srv.run("sla", "align-timers", "999999", check=False)
        t.check(r.returncode == 2 and "there is no business calendar with id 999999" in r.stderr,
                "an unknown calendar is refused with what to do", lambda: f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")


if __name__ == "__main__":
    sys.exit(systest.main(test, "SLA clocks recomputed from the journal equal the live clocks"))
