#!/usr/bin/env python3
"""An organization's extra model file (KANRI_MODEL_EXTRA): errors stop kanri, fields are migrated.

docs/architecture.md §3: organizations extend the model with their own fields in an extra TOML
file; additive schema changes are applied by `kanri migrate`, destructive ones need an explicit
migration. src/cli/app.h: exit status 2 for a configuration error.

Part 1, broken extra files (each alone): an unknown field type; an unknown key (`requird`);
a ref field whose target type does not exist; a TOML syntax error. For each, `kanri init`,
`kanri migrate` and `kanri serve` exit with status 2 and print FILE:LINE naming the extra file
and the line of the mistake (for the ref: a line of the field's declaration), with what is
wrong; the server is not listening afterwards and nothing was written to the database.

Part 2, a valid extra file adding service.cost_center (text, labels en/ja) to an initialized
database: `kanri serve` refuses to start (exit 2, says to run kanri migrate and names the
field); `kanri migrate` adds it (exit 0); the server starts; POST/GET/PATCH of services with
cost_center work, older services read it as null, GET /api/v1/types and the OpenAPI document
describe it; a second migrate has nothing to do.

Part 3, the extra file removed again: `kanri migrate` refuses (non-zero, says the field's data
would be lost), changes nothing (column and values still there), `kanri serve` refuses too;
with the file back the server starts without a migration and the value is still there.

    python3 tests/system/model_errors.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402

# (case, file text, (first, last) acceptable line, what the message must say)
BROKEN = [
    ("unknown field type",
     '# cost centre for the finance department\n'
     '[service.fields.cost_center]\n'
     'type = "currency"\n'
     'label = { en = "Cost center", ja = "コストセンター" }\n',
     (3, 3), ["unknown field type 'currency'"]),
    ("unknown key (typo of required)",
     '[service.fields.cost_center]\n'
     'type = "text"\n'
     'label = { en = "Cost center", ja = "コストセンター" }\n'
     'requird = true\n',
     (4, 4), ["unknown key 'requird'"]),
    ("ref to an unknown type",
     '# contracts are not modelled yet\n'
     '\n'
     '[service.fields.contract]\n'
     'type = "ref"\n'
     'target = "contract"\n'
     'label = { en = "Contract", ja = "契約" }\n',
     (3, 6), ["unknown type 'contract'"]),
    ("TOML syntax error",
     '[service.fields.cost_center]\n'
     'type = "text"\n'
     'label = { en = "Cost center", ja = "コストセンター"\n'
     'indexed = true\n',
     (3, 3), []),
]

VALID = ('# Finance wants every service booked to a cost center.\n'
         '[service.fields.cost_center]\n'
         'type = "text"\n'
         'label = { en = "Cost center", ja = "コストセンター" }\n'
         'max_length = 20\n')


def run(srv: harness.KanriServer, *cmd: str, timeout: float = 60):
    try:
        return srv.run(*cmd, check=False, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise systest.Failure(f"`kanri {' '.join(cmd)}` did not exit within {timeout:g} s "
                              f"(it was killed); output so far:\n{e.stdout}\n{e.stderr}")


def describe(p) -> str:
    return f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"


def has_tables(db: systest.Db) -> bool:
    if db.engine == "sqlite":
        path = pathlib.Path(systest.sqlite_path(db.url))
        return path.exists() and bool(db.query("SELECT name FROM sqlite_master WHERE type = 'table'"))
    return int(db.scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")) > 0


def columns(db: systest.Db, table: str) -> set:
    if db.engine == "sqlite":
        return {r[0] for r in db.query(f"SELECT name FROM pragma_table_info('{table}')")}
    return {r[0] for r in db.query("SELECT column_name FROM information_schema.columns WHERE "
                                    f"table_schema = current_schema() AND table_name = '{table}'")}


def test(args, t: systest.Checks):
    workdir = pathlib.Path(tempfile.mkdtemp(prefix=f"kanri-test-model-{args.engine}-"))
    pg = None
    srv = None
    try:
        if args.engine == "postgres":
            pg = harness.PgCluster(keep=args.keep)
            url = pg.start()
        else:
            url = "sqlite://" + str(workdir / "kanri.db")
        srv = harness.KanriServer(url, workdir, kanri=args.kanri, env=harness.parse_env(args.env))
        db = systest.Db(url)
        part1(t, srv, db, workdir)
        part2_and_3(t, srv, db, workdir)
    finally:
        errors = []
        for what, fn in (("server", srv.stop if srv else None), ("cluster", pg.stop if pg else None)):
            if fn:
                try:
                    fn()
                except Exception as e:  # noqa: BLE001 - keep cleaning up
                    errors.append(f"{what}: {e}")
        if args.keep:
            print(f"kept {workdir}" + (f" and {pg.dir}" if pg and pg.dir else ""))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
        if errors:
            raise harness.HarnessError("; ".join(errors))


def part1(t, srv, db, workdir):
    t.step("part 1: broken extra model files, on a database that was never initialized")
    for i, (case, content, lines, says) in enumerate(BROKEN):
        path = workdir / f"extra-{i}.toml"
        path.write_text(content, encoding="utf-8")
        srv.extra_env["KANRI_MODEL_EXTRA"] = str(path)
        t.soft(broken_case, t, srv, path, case, lines, says)  # a failed case is reported; the others still run
    t.check(not has_tables(db), "after the failed commands the database has no tables (nothing was written)")
    srv.extra_env.pop("KANRI_MODEL_EXTRA", None)


def broken_case(t, srv, path, case, lines, says):
    first, last = lines
    for cmd in (["init"], ["migrate"], ["serve"]):
        p = run(srv, *cmd, timeout=30)
        label = f"{case}: kanri {' '.join(cmd)}"
        t.check(p.returncode == 2, f"{label} exits 2", describe(p), quiet=True)
        m = re.search(re.escape(str(path)) + r":(\d+): (.+)", p.stderr)
        t.check(m is not None, f"{label} names the extra file with a line ({path.name}:LINE)", describe(p),
                quiet=True)
        line = int(m.group(1))
        t.check(first <= line <= last,
                f"{label} names line {first if first == last else f'{first}..{last}'} of the file",
                describe(p), quiet=True)
        missing = [s for s in says if s not in m.group(2)]
        t.check(not missing, f"{label} says {says}", describe(p), quiet=True)
        if cmd == ["serve"]:
            t.check(not systest.port_is_listening(srv.host, srv.port),
                    f"{label}: nothing listens on {srv.host}:{srv.port} afterwards", quiet=True)
    t.say(f"ok   {case}: init, migrate and serve exit 2 with '{m.group(0)}'; serve is not listening")


def part2_and_3(t, srv, db, workdir):
    t.step("part 2: a valid extra file adds service.cost_center")
    srv.init()
    srv.create_token("admin")
    srv.start()
    r = srv.request("POST", "/api/v1/services", json={"name": "Before cost centers", "criticality": "low"})
    t.check(r.status == 201 and "cost_center" not in r.json(),
            "initialized with the shipped model: a service has no cost_center", lambda: r.describe())
    old_id = r.json()["id"]
    t.check(srv.stop() == 0, "server stopped")

    extra = workdir / "extra-valid.toml"
    extra.write_text(VALID, encoding="utf-8")
    srv.extra_env["KANRI_MODEL_EXTRA"] = str(extra)
    p = run(srv, "serve", timeout=30)
    t.check(p.returncode == 2, "with the new field, kanri serve refuses to start before a migration (exit 2)",
            describe(p))
    t.check("kanri migrate" in p.stderr and "service.cost_center" in p.stderr,
            "its message says to run kanri migrate and names service.cost_center", describe(p))
    t.check(not systest.port_is_listening(srv.host, srv.port), "nothing listens afterwards")
    t.check("cost_center" not in columns(db, "rec_service"), "serve did not change the schema")

    p = run(srv, "migrate")
    t.check(p.returncode == 0 and "add field service.cost_center" in p.stderr,
            "kanri migrate exits 0 and reports 'add field service.cost_center'", describe(p))
    t.check("cost_center" in columns(db, "rec_service"), "the column exists now")

    srv.start()
    t.check(srv.is_running(), "the server starts after the migration")
    r = srv.request("POST", "/api/v1/services", json={"name": "Payroll", "criticality": "high",
                                                      "cost_center": "CC-4711"})
    t.check(r.status == 201 and r.json().get("cost_center") == "CC-4711",
            "POST a service with cost_center: 201 and the value in the answer", lambda: r.describe())
    new_id = r.json()["id"]
    g = srv.request("GET", f"/api/v1/services/{new_id}")
    t.check(g.status == 200 and g.json().get("cost_center") == "CC-4711", "GET returns the cost_center",
            lambda: g.describe())
    g = srv.request("GET", f"/api/v1/services/{old_id}")
    t.check(g.status == 200 and "cost_center" in g.json() and g.json()["cost_center"] is None,
            "a service created before the migration reads cost_center = null", lambda: g.describe())
    u = srv.request("PATCH", f"/api/v1/services/{old_id}", json={"cost_center": "CC-0001"},
                    headers={"If-Match": f'"{g.json()["version"]}"'})
    t.check(u.status == 200 and u.json().get("cost_center") == "CC-0001",
            "PATCH sets cost_center on the older service", lambda: u.describe())
    bad = srv.request("POST", "/api/v1/services", json={"name": "Too long", "cost_center": "X" * 21})
    t.check(bad.status == 422 or bad.status == 400, "the extra field's max_length (20) is enforced",
            lambda: bad.describe())
    types = srv.request("GET", "/api/v1/types").json()["items"]
    svc = next(x for x in types if x["name"] == "service")
    field = next((f for f in svc["fields"] if f["name"] == "cost_center"), None)
    t.check(field is not None and field["type"] == "text"
            and field["label"] == {"en": "Cost center", "ja": "コストセンター"},
            "GET /api/v1/types describes cost_center with its en and ja labels", systest.dump(field))
    doc = srv.request("GET", "/api/v1/openapi.json").json()
    props = doc.get("components", {}).get("schemas", {}).get("Service", {}).get("properties", {})
    t.check("cost_center" in props, "the OpenAPI document's Service schema has cost_center")
    t.check(srv.stop() == 0, "server stopped")
    p = run(srv, "migrate")
    t.check(p.returncode == 0 and "add field" not in p.stderr, "a second kanri migrate has nothing to do",
            describe(p))

    t.step("part 3: the extra file is removed again")
    srv.extra_env.pop("KANRI_MODEL_EXTRA")
    p = run(srv, "migrate")
    t.check(p.returncode != 0, f"kanri migrate refuses (exit {p.returncode})", describe(p))
    t.check("service.cost_center" in p.stderr and "lose data" in p.stderr,
            "its message names service.cost_center and says its data would be lost", describe(p))
    t.check("cost_center" in columns(db, "rec_service"), "the column is still there")
    kept = db.scalar(f"SELECT cost_center FROM rec_service WHERE id = {new_id}")
    t.check(kept == "CC-4711", "the stored value is still there (nothing changed)", repr(kept))
    p = run(srv, "serve", timeout=30)
    t.check(p.returncode == 2 and "service.cost_center" in p.stderr,
            "kanri serve refuses too (exit 2) and names service.cost_center", describe(p))
    t.check(not systest.port_is_listening(srv.host, srv.port), "nothing listens afterwards")

    srv.extra_env["KANRI_MODEL_EXTRA"] = str(extra)
    srv.start()
    g = srv.request("GET", f"/api/v1/services/{new_id}")
    t.check(g.status == 200 and g.json().get("cost_center") == "CC-4711",
            "with the extra file back the server starts without a migration and the value is intact",
            lambda: g.describe())


if __name__ == "__main__":
    sys.exit(systest.main(test, "errors in an extra model file stop kanri; its new fields need kanri migrate"))
