#!/usr/bin/env python3
"""SLA threshold timers: a running clock's timers fire at 50, 75 and 100 % of its target.

On a real server with its job workers and an SLA around the clock whose targets are seconds
long (response 2 s, resolution 4 s), asserted:
  - each threshold of a running clock fires once, as the sla_threshold event a subscription
    turns into a notification in the outbox (50 %, 75 %, 100 % of each measure);
  - at 100 % the breach is journaled on the incident (sla_breach) and the clock says breached;
    an improvement opportunity (source service review) names the incident and the missed target;
  - a clock paused before its thresholds fires none of them (its timers are cancelled) and
    resuming it sets them again;
  - the thresholds already passed do not fire again when the clock resumes.

    python3 tests/system/sla_thresholds.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402


def test(args, t: systest.Checks):
    with harness.Stack.from_args(args) as stack:
        srv = stack.server

        def api(method, path, body=None, token=None, expect=(200, 201)):
            kw = {"token": token} if token else {}
            r = srv.request(method, path, json=body, **kw) if body is not None else srv.request(method, path, **kw)
            if r.status not in expect:
                raise systest.Failure(f"{method} {path}: {r.describe()}")
            return r.json() if r.body else {}

        customer = api("POST", "/api/v1/organizations", {"name": "Threshold customer", "kind": "customer"})
        svc = api("POST", "/api/v1/services", {"name": "Threshold service", "criticality": "high"})
        always = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        cal = api("POST", "/api/v1/business_calendars", {"name": "24x7", "time_zone": "UTC",
                                                          "national_holidays": "none", "hours": always})
        sla = api("POST", "/api/v1/agreements", {"title": "Seconds SLA", "kind": "sla", "customer": customer["id"],
                                                 "calendar": cal["id"]})
        api("POST", f"/api/v1/agreements/{sla['id']}/links", {"relation": "covers", "target": svc["id"]})
        api("POST", "/api/v1/service_level_targets", {"agreement": sla["id"], "metric": "response", "target_time": "PT2S"})
        api("POST", "/api/v1/service_level_targets", {"agreement": sla["id"], "metric": "resolution", "target_time": "PT4S"})
        api("POST", "/api/v1/users", {"username": "threshold-owner", "display_name": "Owner", "kind": "agent",
                                      "password": "Threshold-Passw0rd-1", "roles": ["service_owner"]})
        owner = api("POST", "/api/v1/tokens", {"label": "owner", "user": "threshold-owner"})["secret"]
        api("POST", f"/api/v1/agreements/{sla['id']}/transitions/submit", {"change_summary": "Seconds"})
        api("POST", f"/api/v1/agreements/{sla['id']}/transitions/approve", {}, token=owner)
        api("POST", "/api/v1/subscriptions", {"name": "SLA thresholds to the admin", "event": "sla_threshold",
                                              "record_type": "incident", "recipient_kind": "user", "recipient": "admin"})

        def notices(number):
            items = api("GET", f"/api/v1/notifications?record={number}&event=sla_threshold")["items"]
            return sorted(n.get("subject", "") for n in items)

        def wait_for(what, until, timeout=20.0):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                got = until()
                if got:
                    return got
                time.sleep(0.25)
            return until()

        t.step("a running clock: 50, 75 and 100 % of each target")
        inc = api("POST", "/api/v1/incidents", {"title": "Threshold run", "service": svc["id"],
                                                "organization": customer["id"], "impact": "low", "urgency": "low"})
        got = wait_for("six notices", lambda: len(notices(inc["number"])) >= 6 and notices(inc["number"]))
        t.check(len(got or []) == 6, "six notices in the outbox: 50, 75 and 100 % of response and of resolution",
                lambda: notices(inc["number"]))
        t.check(any("resolution 100 %" in s for s in got or []) and any("response 50 %" in s for s in got or []),
                "each naming its measure and share", lambda: got)
        history = api("GET", f"/api/v1/incidents/{inc['number']}/history")["items"]
        breaches = [e for e in history if e["action"] == "sla_breach"]
        t.check(len(breaches) == 2, "both breaches are journaled on the incident", lambda: [e["action"] for e in history])
        clocks = api("GET", f"/api/v1/incidents/{inc['number']}/clocks")["items"]
        t.check(all(k["breached"] for k in clocks), "and its clocks say breached", lambda: clocks)
        improvements = api("GET", f"/api/v1/improvements?q={inc['number']}")["items"]
        t.check(len(improvements) == 2 and all(i["source"] == "service_review" and i["source_number"] == inc["number"]
                                               for i in improvements),
                "each missed target opened an improvement opportunity for the service review", lambda: improvements)
        time.sleep(1.0)
        t.check(len(notices(inc["number"])) == 6, "and nothing fires twice", lambda: notices(inc["number"]))

        t.step("a paused clock fires nothing until it runs again")
        group = api("POST", "/api/v1/support_groups", {"name": "Threshold desk", "tier": 1})
        quiet = api("POST", "/api/v1/incidents", {"title": "Threshold paused", "service": svc["id"],
                                                  "organization": customer["id"], "impact": "low", "urgency": "low"})
        api("POST", f"/api/v1/incidents/{quiet['number']}/transitions/assign", {"group": group["number"]})
        api("POST", f"/api/v1/incidents/{quiet['number']}/transitions/wait_requester", {"pending_reason": "Asked"})
        time.sleep(5.0)
        early = notices(quiet["number"])
        t.check(not any("resolution" in s for s in early), "waiting for the requester, its resolution timers do not fire",
                lambda: early)
        api("POST", f"/api/v1/incidents/{quiet['number']}/transitions/take", {"assignee": "admin"})
        got = wait_for("resolution notices", lambda: sum("resolution" in s for s in notices(quiet["number"])) >= 3
                       and notices(quiet["number"]))
        t.check(sum("resolution" in s for s in got or []) == 3, "resumed, they fire", lambda: notices(quiet["number"]))


if __name__ == "__main__":
    sys.exit(systest.main(test, "SLA threshold timers fire notices, record breaches and open improvements"))
