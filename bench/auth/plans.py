#!/usr/bin/env python3
"""Query plans of the authorization scenarios (bench/auth/scenarios.py), as the store runs them.

    plans.py --engine sqlite|postgres --db KANRI_DATABASE --principals PRINCIPALS.json
             [--only NAME,NAME] [--runs 5] [--counts]

SQLite: EXPLAIN QUERY PLAN through Python's sqlite3 module (read-only, the parameters bound as
the server binds them), then the query itself --runs times (median ms, rows).
PostgreSQL: psql, `SET plan_cache_mode = force_custom_plan` (as Kanri's connections do),
`PREPARE` of the same text with $n placeholders, and `EXPLAIN (ANALYZE, BUFFERS) EXECUTE` with
the parameters, twice (the second is kept: warm cache).
Prints {NAME: {"sql": …, "params": […], "plan": [lines], "median_ms": …, "rows": …}} on stdout.
--counts: instead, how many rows each scenario's conditions admit (SELECT count(*) without
ORDER BY and LIMIT): {NAME: N}; tells how selective a scope is and how far a plan may walk.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scenarios  # noqa: E402

SYSTEM = {"id", "number", "state", "version", "org_id", "created_at", "updated_at", "created_by", "updated_by",
          "deleted_at", "search_text", "search"}


def sqlite_path(url: str) -> str:
    return url[len("sqlite://"):] if url.startswith("sqlite://") else url


def sqlite_plans(db: str, p: dict, names: list[str], runs: int) -> dict:
    con = sqlite3.connect(f"file:{sqlite_path(db)}?mode=ro", uri=True)
    fields = [r[1] for r in con.execute("SELECT cid, name FROM pragma_table_info('rec_service') ORDER BY cid")
              if r[1] not in SYSTEM]
    has_stat = con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()[0]
    stat = con.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'rec_service' ORDER BY idx").fetchall() \
        if has_stat else []
    # Whether ANALYZE statistics exist decides some plans (PRAGMA optimize writes them).
    out = {"_engine": {"sqlite_version": sqlite3.sqlite_version, "sqlite_stat1": [f"{i}: {st}" for i, st in stat]}}
    for name in names:
        s = scenarios.BY_NAME[name]
        text, params = scenarios.sql(s, "sqlite", fields, p)
        out[name] = sqlite_one(con, text, params, runs)
    for alt, (based_on, what, build) in scenarios.ALTERNATIVES.items():
        if based_on not in names:
            continue
        text, params = build("sqlite", fields, p)
        out[alt] = {"based_on": based_on, "what": what, **sqlite_one(con, text, params, runs)}
        out[alt]["same_rows"] = out[alt]["ids"] == out[based_on]["ids"]
    con.close()
    return out


def sqlite_one(con, text: str, params: list, runs: int) -> dict:
    rows = con.execute("EXPLAIN QUERY PLAN " + text, params).fetchall()
    depth = {0: -1}
    plan = []
    for rid, parent, _, detail in rows:
        depth[rid] = depth.get(parent, -1) + 1
        plan.append("  " * depth[rid] + detail)
    times, result = [], []
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        result = con.execute(text, params).fetchall()
        times.append((time.perf_counter() - t0) * 1000.0)
    return {"sql": text, "params": params, "plan": plan, "median_ms": round(statistics.median(times), 3),
            "rows": len(result), "ids": [r[0] for r in result]}


def pg_literal(v) -> str:
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def numbered(text: str) -> str:
    n = 0

    def repl(_m):
        nonlocal n
        n += 1
        return f"${n}"

    return re.sub(r"\?", repl, text)


def execute(params: list) -> str:
    return "EXECUTE q" + (f"({', '.join(pg_literal(v) for v in params)})" if params else "")


def psql(db: str, script: str) -> str:
    r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db], input=script,
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise SystemExit(f"plans.py: psql failed: {r.stderr.strip()}")
    return r.stdout


def pg_plans(db: str, p: dict, names: list[str]) -> dict:
    cols = psql(db, "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = 'rec_service' ORDER BY ordinal_position;").split()
    fields = [c for c in cols if c not in SYSTEM]
    out = {"_engine": {"server_version": psql(db, "SHOW server_version;").strip()}}
    for name in names:
        s = scenarios.BY_NAME[name]
        text, params = scenarios.sql(s, "postgres", fields, p)
        out[name] = pg_one(db, text, params)
    for alt, (based_on, what, build) in scenarios.ALTERNATIVES.items():
        if based_on not in names:
            continue
        text, params = build("postgres", fields, p)
        out[alt] = {"based_on": based_on, "what": what, **pg_one(db, text, params)}
    return out


def pg_one(db: str, text: str, params: list) -> dict:
    explain = f"EXPLAIN (ANALYZE, BUFFERS) {execute(params)};"
    script = (f"SET plan_cache_mode = force_custom_plan;\nPREPARE q AS {numbered(text)};\n"
              f"{explain}\n\\echo ----\n{explain}\n")
    res = psql(db, script).split("----\n", 1)[-1]
    plan = [line for line in res.splitlines() if line.strip()]
    ms = None
    for line in plan:
        m = re.match(r"\s*Execution Time: ([0-9.]+) ms", line)
        if m:
            ms = float(m.group(1))
    rows = None
    if plan:
        m = re.search(r"actual time=[0-9.]+\.\.[0-9.]+ rows=(\d+)", plan[0])
        rows = int(m.group(1)) if m else None
    return {"sql": text, "params": params, "plan": plan, "median_ms": ms, "rows": rows}


def counts(engine: str, db: str, p: dict, names: list[str]) -> dict:
    out = {}
    if engine == "sqlite":
        con = sqlite3.connect(f"file:{sqlite_path(db)}?mode=ro", uri=True)
        for name in names:
            text, params = scenarios.sql(scenarios.BY_NAME[name], "sqlite", [], p, count=True)
            out[name] = con.execute(text, params).fetchone()[0]
        con.close()
        return out
    for name in names:
        text, params = scenarios.sql(scenarios.BY_NAME[name], "postgres", [], p, count=True)
        script = f"PREPARE q AS {numbered(text)};\n{execute(params)};\n"
        out[name] = int(psql(db, script).strip())
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", required=True, choices=["sqlite", "postgres"])
    ap.add_argument("--db", required=True)
    ap.add_argument("--principals", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--counts", action="store_true")
    args = ap.parse_args()
    p = json.load(open(args.principals))
    names = [n for n in args.only.split(",") if n] or [s["name"] for s in scenarios.SCENARIOS]
    if args.counts:
        out = counts(args.engine, args.db, p, names)
    elif args.engine == "sqlite":
        out = sqlite_plans(args.db, p, names, args.runs)
    else:
        out = pg_plans(args.db, p, names)
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
