#!/usr/bin/env python3
"""The demo data of `kanri init --demo`, as a newcomer meets it after `make run`.

Asserted, on a database that `kanri init` made and a running `kanri serve` shares:
  - `kanri init --demo` loads it and says what it loaded; a second run changes nothing;
  - a month of the service desk: incidents in Japanese and English, most closed, a major
    incident and a security incident, service requests, a problem with its known error;
  - service levels: three business calendars in use (Tokyo with Japan's holidays and the year
    end, Hamburg, around the clock); an SLA with each customer on its own calendar, an OLA and
    an underpinning contract, all active at version 1 and approved by the service owner, not by
    who submitted them;
  - the month's incidents of the customers have SLA clocks, a few breached, and recomputing them
    from the journal gives the same clocks;
  - the deliberate inconsistency: the chain report finds the OLA's priority 1 resolution time
    longer than each customer's, on the services both cover, and nothing else.

    python3 tests/system/demo_data.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402


def test(args, t: systest.Checks):
    with harness.Stack.from_args(args) as stack:
        srv = stack.server
        # As `make run` does it: the demo is loaded before the server runs (its job workers would
        # otherwise close, in the background, the month's resolved incidents the demo is closing).
        srv.stop()
        r = srv.run("init", "--demo", check=False)
        t.check(r.returncode == 0, "kanri init --demo loads the demo data", lambda: r.stdout + r.stderr)
        t.check("4 agreements" in r.stderr and "3 business calendars" in r.stderr,
                "and says what it loaded", lambda: r.stderr)
        again = srv.run("init", "--demo", check=False)
        t.check(again.returncode == 0 and "already present" in again.stderr, "a second run changes nothing",
                lambda: again.stdout + again.stderr)
        srv.start()

        def items(path: str) -> list[dict]:
            resp = srv.request("GET", path)
            if resp.status != 200:
                raise systest.Failure(f"GET {path}: {resp.describe()}")
            return resp.json()["items"]

        t.step("a month of the service desk")
        incidents = items("/api/v1/incidents?limit=500")
        t.check(len(incidents) >= 50, f"{len(incidents)} incidents", lambda: len(incidents))
        japanese = [i for i in incidents if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", i["title"])]
        english = [i for i in incidents if re.fullmatch(r"[\x20-\x7e]+", i["title"])]
        t.check(japanese and english, f"in Japanese ({len(japanese)}) and English ({len(english)})")
        closed = [i for i in incidents if i["state"] == "closed"]
        t.check(len(closed) > len(incidents) // 2, f"most closed ({len(closed)})")
        t.check(any(i.get("major") for i in incidents), "a major incident")
        t.check(any(i.get("security") for i in incidents), "a security incident")
        requests = items("/api/v1/requests?limit=500")
        t.check(len(requests) >= 10, f"{len(requests)} service requests")
        t.check(len(items("/api/v1/problems")) >= 1 and len(items("/api/v1/known_errors")) >= 1,
                "a problem and its known error")

        t.step("service levels: calendars, agreements, targets")
        calendars = items("/api/v1/business_calendars")
        t.check(sorted(c["time_zone"] for c in calendars) == ["Asia/Tokyo", "Europe/Berlin", "UTC"]
                and all(c["state"] == "in_use" for c in calendars), "three business calendars in use",
                lambda: [(c["name"], c["time_zone"], c["state"]) for c in calendars])
        tokyo = next((c for c in calendars if c["time_zone"] == "Asia/Tokyo"), {})
        t.check(tokyo.get("national_holidays") == "japan" and "12-29" in str(tokyo.get("closures")),
                "Tokyo's counts Japan's holidays and closes for the year end", lambda: tokyo)
        agreements = items("/api/v1/agreements")
        t.check(sorted(a["kind"] for a in agreements) == ["contract", "ola", "sla", "sla"],
                "an SLA with each customer, an OLA and an underpinning contract",
                lambda: [(a["title"], a["kind"]) for a in agreements])
        slas = [a for a in agreements if a["kind"] == "sla"]
        t.check(len({a["calendar"]["id"] for a in slas if a.get("calendar")}) == 2,
                "each customer's SLA on its own calendar", lambda: [(a["title"], a.get("calendar")) for a in slas])
        t.check(all(a["state"] == "active" and a["agreement_version"] == 1 for a in agreements),
                "all active at version 1", lambda: [(a["number"], a["state"], a["agreement_version"]) for a in agreements])
        t.check(all((a.get("approved_by") or {}).get("display", "").startswith("高橋") and
                    a.get("submitted_by") and a["submitted_by"]["id"] != a["approved_by"]["id"] for a in agreements),
                "approved by the service owner, who did not submit them",
                lambda: [(a["number"], a.get("submitted_by"), a.get("approved_by")) for a in agreements])
        targets = items("/api/v1/service_level_targets?limit=200")
        t.check(len(targets) >= 15 and {"response", "resolution", "availability", "workload"} <= {x["metric"] for x in targets},
                f"{len(targets)} targets of every measure", lambda: [x["summary"] for x in targets])

        t.step("the catalogue: service hours, importance, a planned SLA review")
        live = [x for x in items("/api/v1/services") if x["state"] == "live" or x["name"].startswith("VPN")]
        t.check(len(live) == 3 and all(x.get("service_hours") and x.get("importance") for x in live),
                "mail, ERP and VPN have their service hours' calendar and an importance class",
                lambda: [(x["name"], x.get("service_hours"), x.get("importance")) for x in live])
        t.check(sorted(x["importance"] for x in live) == ["A", "AA", "C3 I3 A3"],
                "graded letters for mail and VPN, a C/I/A rating for ERP", lambda: [x.get("importance") for x in live])
        reviews = items("/api/v1/service_reviews")
        activity = (reviews[0].get("activity") or {}) if len(reviews) == 1 else {}
        t.check(len(reviews) == 1 and reviews[0]["state"] == "planned" and activity.get("number"),
                "the bank's SLA review is planned, for its periodic activity", lambda: reviews)
        pa = srv.request("GET", f"/api/v1/periodic_activities/{activity.get('number', 'none')}").json()
        t.check(pa.get("interval") == "P180D", "which takes the SLA's review interval (180 days)", lambda: pa)

        t.step("the month's SLA clocks")
        db = systest.Db(stack.database_url)
        modes = dict((m, int(n)) for m, n in db.query("SELECT mode, COUNT(*) FROM sla_clocks GROUP BY mode"))
        breaches = int(db.query("SELECT COUNT(*) FROM sla_clocks WHERE breached_at IS NOT NULL")[0][0])
        t.check(modes.get("stopped", 0) > 0 and modes.get("running", 0) > 0 and breaches > 0,
                f"the customers' incidents have clocks ({modes}), a few breached ({breaches})", lambda: modes)
        r = srv.run("sla", "recompute", check=False)
        t.check(r.returncode == 0 and "0 differ" in r.stdout, "and recomputed from the journal they are the same",
                lambda: r.stdout + r.stderr)

        t.step("the month's service level reports")
        import datetime
        today = datetime.date.today()
        span = f"from={(today - datetime.timedelta(days=45)).isoformat()}&to={today.isoformat()}&tz=Asia/Tokyo"
        r = srv.request("GET", f"/api/v1/reports/service_levels?{span}")
        total = r.json().get("total", {}) if r.status == 200 else {}
        t.check(r.status == 200 and total.get("met", 0) > 0 and total.get("breached", 0) > 0
                and len(r.json()["items"]) == 2, "attainment per agreement: both SLAs, most targets met and a few missed",
                r.describe)
        r = srv.request("GET", f"/api/v1/reports/availability?{span}")
        rows = r.json().get("items", []) if r.status == 200 else []
        acme = [x for x in rows if x["agreement"]["display"].startswith("Underpinning") and x["downtime_ms"] > 0]
        t.check(r.status == 200 and len(acme) == 1 and acme[0]["met"] is False
                and acme[0]["outages"][0]["incident"]["title"] == "基幹会計システムが全面停止",
                "the major incident's outage of the accounting system is downtime against Acme's 99.95 % (missed)",
                r.describe)

        t.step("the deliberate inconsistency")
        chain = srv.request("GET", "/api/v1/reports/agreement_chain")
        found = chain.json().get("findings", []) if chain.status == 200 else []
        t.check(chain.status == 200 and len(found) == 2 and all(
            f["problem"] == "longer_time" and f["priority"] == "p1" and f["supporting_agreement"]["display"].startswith("OLA")
            for f in found), "the chain report finds the OLA's priority 1 resolution longer than each customer's",
            lambda: chain.describe())
        t.check(sorted(f["customer_agreement"]["display"][:6] for f in found) == ["SLA No", "SLA 東都"],
                "once for each customer", lambda: [f["customer_agreement"]["display"] for f in found])


if __name__ == "__main__":
    sys.exit(systest.main(test, "demo data: a month of the service desk and the service levels"))
