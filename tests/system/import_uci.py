#!/usr/bin/env python3
"""kanri import of a real ServiceNow incident log (UCI, 24,918 incidents), and of bad input.

The log is read from ../shared/data/uci-servicenow-incident-log/incident_event_log.csv.zip
(KANRI_UCI_DATA names another copy, zipped or not); it is never in the repository. Without it
the test says so and skips. Asserted:

  bad input   a small CSV with a date that is no date, a channel and a state the mapping does
              not know, and a row of the wrong width: `kanri import` exits 1 naming each line
              and field ("line N: field X: …", also in Japanese with --lang ja) and imports
              nothing, not even the categories and groups the valid rows would make; with
              --skip-invalid the valid rows are imported and the others reported.
  the log     imported through import/servicenow-incidents.toml: the summary counts the rows,
              records and rejects; the records read back through the API (the CSV export and
              filtered lists) reproduce what this script computes from the file itself, and
              that is what the data set's README publishes: the count, the priority split,
              made_sla, channels, reopened incidents, the opened → resolved medians overall and
              per priority (to 0.1 h); categories (category, then subcategory as its child) and
              support groups made once each; every record journaled as `import` by the CLI
              user and found by its ServiceNow number; `kanri journal verify` passes.

    python3 tests/system/import_uci.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import collections
import csv as csvlib
import datetime
import io
import os
import pathlib
import statistics
import sys
import time
import zipfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
MAPPING = ROOT / "import" / "servicenow-incidents.toml"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "uci-servicenow-incident-log" / "incident_event_log.csv.zip"

# The data set's README (shared/data/uci-servicenow-incident-log/README.md), "Figures".
PUBLISHED = {
    "events": 141712, "incidents": 24918,
    "priority": {"p3": 23466, "p4": 774, "p2": 408, "p1": 270},
    "sla_met": {True: 15803, False: 9115},
    "channel": {"phone": 24688, "portal": 158, "email": 59, "ivr": 9, "direct": 4},
    "reopened": 275, "resolved": 23362,
    "median_hours": {"all": 22.1, "p1": 80.2, "p2": 38.2, "p3": 21.6, "p4": 5.0},
}
PRIORITY = {"1 - Critical": "p1", "2 - High": "p2", "3 - Moderate": "p3", "4 - Low": "p4"}
CHANNEL = {"Phone": "phone", "Self service": "portal", "Email": "email", "IVR": "ivr", "Direct opening": "direct"}

HEADER = ("number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,caller_id,"
          "opened_by,opened_at,sys_created_by,sys_created_at,sys_updated_by,sys_updated_at,contact_type,location,"
          "category,subcategory,u_symptom,cmdb_ci,impact,urgency,priority,assignment_group,assigned_to,knowledge,"
          "u_priority_confirmation,notify,problem_id,rfc,vendor,caused_by,closed_code,resolved_by,resolved_at,"
          "closed_at")


def row(number, state="Closed", mod=1, opened="1/3/2016 09:00", channel="Phone", category="Category 901",
        group="Group 901", resolved="1/3/2016 12:30"):
    cells = {h: "?" for h in HEADER.split(",")}
    cells.update({"number": number, "incident_state": state, "active": "false", "reassignment_count": "0",
                  "reopen_count": "0", "sys_mod_count": str(mod), "made_sla": "true", "caller_id": "Caller 1",
                  "opened_at": opened, "contact_type": channel, "category": category, "subcategory": "Subcategory 1",
                  "impact": "2 - Medium", "urgency": "2 - Medium", "priority": "3 - Moderate",
                  "assignment_group": group, "resolved_at": resolved, "closed_at": "2/3/2016 09:00"})
    return ",".join(cells[h] for h in HEADER.split(","))


def data_file() -> pathlib.Path | None:
    given = os.environ.get("KANRI_UCI_DATA")
    path = pathlib.Path(given) if given else DEFAULT_DATA
    return path if path.exists() else None


def unpack(path: pathlib.Path, workdir: pathlib.Path) -> pathlib.Path:
    if not zipfile.is_zipfile(path):
        return path
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.endswith(".csv") and not n.startswith("__MACOSX"))
        out = workdir / "incident_event_log.csv"
        with z.open(name) as src, open(out, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
    return out


def hours(opened: datetime.datetime, resolved: datetime.datetime) -> float:
    return (resolved - opened).total_seconds() / 3600


def figures_from_file(path: pathlib.Path) -> dict:
    """The figures, computed from the source file the way the README states them."""
    last: dict[str, tuple[int, dict]] = {}
    events = 0
    with open(path, newline="", encoding="utf-8") as f:
        for r in csvlib.DictReader(f):
            events += 1
            mod = int(r["sys_mod_count"])
            if r["number"] not in last or mod >= last[r["number"]][0]:
                last[r["number"]] = (mod, r)
    final = [r for _, r in last.values()]

    def when(s):
        return datetime.datetime.strptime(s, "%d/%m/%Y %H:%M")

    durations = collections.defaultdict(list)
    for r in final:
        if r["resolved_at"] != "?":
            h = hours(when(r["opened_at"]), when(r["resolved_at"]))
            durations["all"].append(h)
            durations[PRIORITY[r["priority"]]].append(h)
    return {
        "events": events, "incidents": len(final),
        "priority": dict(collections.Counter(PRIORITY[r["priority"]] for r in final)),
        "sla_met": dict(collections.Counter(r["made_sla"] == "true" for r in final)),
        "channel": dict(collections.Counter(CHANNEL[r["contact_type"]] for r in final)),
        "reopened": sum(1 for r in final if int(r["reopen_count"]) > 0),
        "resolved": len(durations["all"]),
        "median_hours": {k: round(statistics.median(v), 1) for k, v in durations.items()},
        "categories": len({r["category"] for r in final if r["category"] != "?"}) +
        len({(r["category"], r["subcategory"]) for r in final if "?" not in (r["category"], r["subcategory"])}),
        "groups": len({r["assignment_group"] for r in final if r["assignment_group"] != "?"}),
        "numbers": set(last),
    }


def figures_from_api(srv) -> dict:
    """The same figures from what Kanri serves: the incidents' CSV export."""
    r = srv.request("GET", "/api/v1/incidents/export?format=csv")
    if r.status != 200:
        raise systest.Failure(f"the CSV export of the incidents: {r.describe()}")
    rows = list(csvlib.DictReader(io.StringIO(r.body.decode("utf-8-sig"))))

    def when(s):
        return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))

    durations = collections.defaultdict(list)
    for x in rows:
        if x["resolved_at"]:
            h = hours(when(x["opened_at"]), when(x["resolved_at"]))
            durations["all"].append(h)
            durations[x["priority"]].append(h)
    return {
        "incidents": len(rows),
        "priority": dict(collections.Counter(x["priority"] for x in rows)),
        "sla_met": dict(collections.Counter(x["sla_met"] == "true" for x in rows)),
        "channel": dict(collections.Counter(x["channel"] for x in rows)),
        "reopened": sum(1 for x in rows if x["reopen_count"] and int(x["reopen_count"]) > 0),
        "resolved": len(durations["all"]),
        "median_hours": {k: round(statistics.median(v), 1) for k, v in durations.items()},
        "states": dict(collections.Counter(x["state"] for x in rows)),
        "numbers": {x["external_ref"] for x in rows},
    }


def count(srv, collection: str, query: str = "") -> int:
    r = srv.request("GET", f"/api/v1/{collection}/export?format=json{'&' + query if query else ''}")
    if r.status != 200:
        raise systest.Failure(f"export of {collection}?{query}: {r.describe()}")
    return len(r.json()["items"])


def bad_input(t: systest.Checks, srv, workdir: pathlib.Path):
    t.step("bad input: reported by line and field, nothing imported")
    lines = [HEADER,
             row("INC9000001"),                              # line 2: valid
             row("INC9000002", opened="31/2/2016 09:00"),    # line 3: no such date
             row("INC9000003", channel="Fax"),               # line 4: a channel the mapping lacks
             row("INC9000004", state="Archived"),            # line 5: a state the mapping lacks
             row("INC9000005") + ",extra",                   # line 6: one cell too many
             row("INC9000006", category="Category 902", group="Group 902")]  # line 7: valid
    bad = workdir / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def kanri(*argv):
        return srv.run("import", "--type", "incident", "--mapping", str(MAPPING), *argv, check=False)

    before = {c: count(srv, c) for c in ("incidents", "categories", "support_groups")}
    p = kanri(str(bad))
    out = p.stdout + p.stderr
    t.check(p.returncode == 1, "an import with invalid rows exits 1", lambda: out)
    t.check("line 3: field opened_at: '31/2/2016 09:00' is not a date and time written d/m/yyyy HH:MM." in out,
            "the impossible date is named with its line, field and the expected format", lambda: out)
    t.check("line 4: field channel: 'Fax' in column contact_type is not in the mapping's list of values." in out,
            "the unknown channel is named with its line and field", lambda: out)
    t.check("line 5: field state: the state 'Archived'" in out, "the unknown state is named", lambda: out)
    t.check("line 6: the row has 37 cells, the header 36." in out, "the row of the wrong width is named", lambda: out)
    t.check("line 2:" not in out and "line 7:" not in out, "the valid rows are not reported", lambda: out)
    t.check("6 rows read, describing 5 records" in out and "0 imported, 4 rows rejected" in out,
            "the summary counts rows read, records, imported and rejected", lambda: out)
    t.check("Nothing was imported" in out, "it says that nothing was imported and what to do", lambda: out)
    after = {c: count(srv, c) for c in before}
    t.check(after == before, "nothing was imported: no incident, no category, no support group",
            lambda: f"before {before}, after {after}")

    p = kanri("--lang", "ja", str(bad))
    t.check(p.returncode == 1 and "3 行目: 項目 opened_at:" in p.stderr and "d/m/yyyy HH:MM の形式の日時ではありません" in p.stderr,
            "the report in Japanese (--lang ja)", lambda: p.stdout + p.stderr)
    return bad



def skip_invalid(t: systest.Checks, srv, bad: pathlib.Path, already: int):
    t.step("--skip-invalid: the valid rows imported, the others reported")
    p = srv.run("import", "--type", "incident", "--mapping", str(MAPPING), "--skip-invalid", str(bad), check=False)
    out = p.stdout + p.stderr
    t.check(p.returncode == 1 and "2 imported, 4 rows rejected" in out and "line 3: field opened_at" in out,
            "--skip-invalid imports the valid rows and still reports the others (exit 1)", lambda: out)
    r = srv.request("GET", "/api/v1/incidents/export?format=json&external_ref[gte]=INC9000000&sort=external_ref")
    imported = r.json()["items"] if r.status == 200 else []
    t.check([x["external_ref"] for x in imported] == ["INC9000001", "INC9000006"],
            "exactly the two valid rows became incidents", lambda: r.describe())
    t.check(count(srv, "incidents") == already + 2, "and nothing else was added")
    if not imported:
        return
    first = imported[0]
    t.check(first["state"] == "closed" and first["opened_at"] == "2016-03-01T09:00:00.000Z"
            and first["resolved_at"] == "2016-03-01T12:30:00.000Z" and first["priority"] == "p3"
            and first["channel"] == "phone" and first["caller"] == "Caller 1",
            "an imported incident keeps its state, dates, priority, channel and caller", lambda: systest.dump(first))
    cat = srv.request("GET", f"/api/v1/categories/{first['category']['id']}").json() if first["category"] else {}
    parent = srv.request("GET", f"/api/v1/categories/{cat['parent']['id']}").json() if cat.get("parent") else {}
    t.check(cat.get("name") == "Subcategory 1" and parent.get("name") == "Category 901",
            "its category is the subcategory, made as a child of the category", lambda: systest.dump([cat, parent]))
    t.check(first["group"] and first["group"]["display"] == "Group 901",
            "its support group was made by name", lambda: systest.dump(first))


def reimport(t: systest.Checks, srv, bad: pathlib.Path, workdir: pathlib.Path, already: int):
    t.step("importing again: matched by the ServiceNow number, updated, never made twice")
    p = srv.run("import", "--type", "incident", "--mapping", str(MAPPING), "--skip-invalid", str(bad), check=False)
    out = p.stdout + p.stderr
    t.check("0 imported, 4 rows rejected" in out and "0 records already imported were updated and 2 were unchanged "
            "(matched by external_ref)" in out, "the same file again imports nothing and says both are unchanged", lambda: out)
    t.check(count(srv, "incidents") == already + 2, "no incident was made twice")
    later = workdir / "later.csv"
    later.write_text("\n".join([HEADER, row("INC9000001", mod=1), row("INC9000001", state="Active", mod=2, resolved="?"),
                                 row("INC9000007")]) + "\n", encoding="utf-8")
    p = srv.run("import", "--type", "incident", "--mapping", str(MAPPING), str(later), check=False)
    out = p.stdout + p.stderr
    t.check(p.returncode == 0 and "1 imported, 0 rows rejected" in out
            and "1 records already imported were updated and 0 were unchanged" in out,
            "a later export updates the incident it already holds and adds the new one", lambda: out)
    t.check(count(srv, "incidents") == already + 3, "one incident more, the new one")
    r = srv.request("GET", "/api/v1/incidents?external_ref=INC9000001")
    items = r.json()["items"] if r.status == 200 else []
    t.check(len(items) == 1 and items[0]["state"] == "in_progress" and items[0]["resolved_at"] is None,
            "the incident is in the later export's state, the resolution time it no longer has removed", lambda: r.describe())
    if items:
        h = srv.request("GET", f"/api/v1/incidents/{items[0]['number']}/history")
        actions = [e["action"] for e in h.json()["items"]] if h.status == 200 else []
        t.check(actions.count("import") == 2, "its history has both imports, each journaled as import", lambda: h.describe())


def the_log(t: systest.Checks, srv, path: pathlib.Path):
    t.step("the published figures, computed from the file")
    want = figures_from_file(path)
    for key, value in PUBLISHED.items():
        t.check(want[key] == value, f"the file gives the README's {key}",
                lambda key=key: f"file {want[key]}, README {PUBLISHED[key]}")

    t.step("kanri import of the whole log")
    before = {c: count(srv, c) for c in ("categories", "support_groups")}
    started = time.monotonic()
    p = srv.run("import", "--type", "incident", "--mapping", str(MAPPING), str(path), check=False, timeout=600)
    elapsed = time.monotonic() - started
    out = p.stdout + p.stderr
    t.check(p.returncode == 0, "the log imports with exit 0", lambda: out[-3000:])
    summary = (f"{want['events']:,} rows read, describing {want['incidents']:,} records (Incidents); "
               f"{want['incidents']:,} imported, 0 rows rejected.")
    t.check(summary in p.stdout, "the summary: rows read, records, all imported, none rejected", lambda: out[-3000:])
    t.say(f"imported {want['incidents']} incidents in {elapsed:.1f} s (kanri import, {srv.database_url.split(':')[0]})")

    t.step("what the API serves")
    got = figures_from_api(srv)
    for key in ("incidents", "priority", "sla_met", "channel", "reopened", "resolved", "median_hours"):
        t.check(got[key] == want[key], f"{key}: the API agrees with the file",
                lambda key=key: f"API {got[key]}, file {want[key]}")
    t.check(got["states"] == {"closed": want["incidents"]}, "every incident is closed, as in the log",
            lambda: systest.dump(got["states"]))
    t.check(got["numbers"] == want["numbers"], "each ServiceNow number is one incident's external_ref")
    for prio, n in want["priority"].items():
        t.check(count(srv, "incidents", f"priority={prio}") == n, f"the list filtered by priority={prio} has {n}")
    t.check(count(srv, "incidents", "reopen_count[gte]=1") == want["reopened"],
            "the list filtered by reopen_count[gte]=1 has the reopened ones")
    t.check(count(srv, "incidents", "major_candidate=true") == 0,
            "history imported closed is never a major-incident candidate (it can no longer be declared)")
    made = {c: count(srv, c) - before[c] for c in before}
    t.check(made["categories"] == want["categories"],
            "one category per category and one child per (category, subcategory), made once each",
            lambda: f"made {made['categories']}, file {want['categories']}")
    t.check(made["support_groups"] == want["groups"], "one support group per assignment group",
            lambda: f"made {made['support_groups']}, file {want['groups']}")

    r = srv.request("GET", "/api/v1/incidents?q=INC0000045")
    items = r.json().get("items", []) if r.status == 200 else []
    t.check(len(items) == 1 and items[0]["external_ref"] == "INC0000045",
            "a search for the ServiceNow number finds the incident", lambda: r.describe())
    if items:
        h = srv.request("GET", f"/api/v1/incidents/{items[0]['id']}/history").json()
        entries = h["items"]
        t.check(len(entries) == 1 and entries[0]["action"] == "import" and entries[0]["principal"].startswith("cli:"),
                "its history is one `import` entry by the CLI user", lambda: systest.dump(h))
    p = srv.run("journal", "verify", check=False)
    t.check(p.returncode == 0, "kanri journal verify: the chain holds after the import", lambda: p.stdout + p.stderr)
    return got["incidents"]


def test(args, t: systest.Checks):
    source = data_file()
    if source is None:
        t.say(f"SKIP: the UCI incident log is not at {os.environ.get('KANRI_UCI_DATA') or DEFAULT_DATA} "
              "(set KANRI_UCI_DATA to a copy); only the bad-input checks run")
    with harness.Stack.from_args(args) as stack:
        srv = stack.server
        bad = bad_input(t, srv, stack.workdir)
        already = 0
        if source is not None:
            already = the_log(t, srv, unpack(source, stack.workdir))
        skip_invalid(t, srv, bad, already)
        reimport(t, srv, bad, stack.workdir, already)


if __name__ == "__main__":
    sys.exit(systest.main(test, "kanri import: the real ServiceNow log reproduces its figures; bad rows by line"))
