"""The authorization scenarios of bench/run-auth: which principal sends which list request, the
request without authorization that returns the same rows, and the SQL the store runs for it.

Used by measure (through `scenarios.py spec|wrk`), plans.py and report.py. The SQL mirrors
RecordStore::list in src/store/records.cpp (its WHERE order: deleted_at, full-text search,
visibility from the principal's scope, then the filters; ORDER BY the sort keys, LIMIT
limit+1); plans.py shows the engines' plans for it. When records.cpp changes, change sql() here.

    python3 scenarios.py spec PRINCIPALS.json    the single-request spec for singles.py (stdout)
    python3 scenarios.py wrk PRINCIPALS.json      "name<TAB>principal<TAB>path" lines for measure
"""

from __future__ import annotations

import json
import sys
import urllib.parse

SHOUGAI = "障害"
Q_SHOUGAI = urllib.parse.quote(SHOUGAI)

# name, title, principal (admin | org | orgs | own), path builder (from principals), what the
# principal's scope adds to the SQL: None (admin, scope all), "org", "orgs", "own";
# filters: list of (column, op, value-key); search term or None.
SCENARIOS = [
    # (a)/(b): one organization's services, as a filter (admin) and through the scope (org)
    dict(name="provider_admin", principal="admin", title="admin, provider=ORG (no scope filter)",
         path=lambda p: f"/api/v1/services?provider={p['org']}&limit=50", scope=None,
         filters=[("provider", "eq", "org_id")], search=None),
    dict(name="scope_org", principal="org", title="organization scope, no filter",
         path=lambda p: "/api/v1/services?limit=50", scope="org", filters=[], search=None),
    # (c) the unfiltered list as admin
    dict(name="all_admin", principal="admin", title="admin, no filter (all services)",
         path=lambda p: "/api/v1/services?limit=50", scope=None, filters=[], search=None),
    # three organizations: IN (…)
    dict(name="provider_in_admin", principal="admin", title="admin, provider[in]=3 ORGs",
         path=lambda p: f"/api/v1/services?provider%5Bin%5D={','.join(p['orgs'])}&limit=50", scope=None,
         filters=[("provider", "in", "org_ids")], search=None),
    dict(name="scope_orgs", principal="orgs", title="organization scope, member of 3 ORGs",
         path=lambda p: "/api/v1/services?limit=50", scope="orgs", filters=[], search=None),
    # (e) own scope: created_by or owner
    dict(name="owner_admin", principal="admin", title="admin, owner=USER (no scope filter)",
         path=lambda p: f"/api/v1/services?owner={p['owner']}&limit=50", scope=None,
         filters=[("owner", "eq", "owner_id")], search=None),
    dict(name="scope_own", principal="own", title="own scope (created_by or owner), no filter",
         path=lambda p: "/api/v1/services?limit=50", scope="own", filters=[], search=None),
    # (d) full-text search
    dict(name="search_admin", principal="admin", title="admin, q=障害 (all services)",
         path=lambda p: f"/api/v1/services?q={Q_SHOUGAI}&limit=50", scope=None, filters=[], search=SHOUGAI),
    dict(name="search_provider_admin", principal="admin", title="admin, q=障害&provider=ORG",
         path=lambda p: f"/api/v1/services?q={Q_SHOUGAI}&provider={p['org']}&limit=50", scope=None,
         filters=[("provider", "eq", "org_id")], search=SHOUGAI),
    dict(name="search_scope_org", principal="org", title="organization scope, q=障害",
         path=lambda p: f"/api/v1/services?q={Q_SHOUGAI}&limit=50", scope="org", filters=[], search=SHOUGAI),
    dict(name="search_owner_admin", principal="admin", title="admin, q=障害&owner=USER",
         path=lambda p: f"/api/v1/services?q={Q_SHOUGAI}&owner={p['owner']}&limit=50", scope=None,
         filters=[("owner", "eq", "owner_id")], search=SHOUGAI),
    dict(name="search_scope_own", principal="own", title="own scope, q=障害",
         path=lambda p: f"/api/v1/services?q={Q_SHOUGAI}&limit=50", scope="own", filters=[], search=SHOUGAI),
    dict(name="printer_admin", principal="admin", title="admin, q=printer (all services)",
         path=lambda p: "/api/v1/services?q=printer&limit=50", scope=None, filters=[], search="printer"),
    dict(name="printer_provider_admin", principal="admin", title="admin, q=printer&provider=ORG",
         path=lambda p: f"/api/v1/services?q=printer&provider={p['org']}&limit=50", scope=None,
         filters=[("provider", "eq", "org_id")], search="printer"),
    dict(name="printer_scope_org", principal="org", title="organization scope, q=printer",
         path=lambda p: "/api/v1/services?q=printer&limit=50", scope="org", filters=[], search="printer"),
]

BY_NAME = {s["name"]: s for s in SCENARIOS}

# (authorized, its unauthorized equivalent with the same rows, what the comparison is)
PAIRS = [
    ("scope_org", "provider_admin", "(b) vs (a): one organization, scope filter vs the same filter as a parameter"),
    ("scope_org", "all_admin", "(c) the unfiltered list: organization scope vs admin (different rows)"),
    ("scope_orgs", "provider_in_admin", "three organizations: scope IN (…) vs provider[in]"),
    ("scope_own", "owner_admin", "(e) own scope vs owner=USER as a parameter"),
    ("search_scope_org", "search_provider_admin", "(d) q=障害: organization scope vs provider=ORG"),
    ("search_scope_org", "search_admin", "(d) q=障害: organization scope vs admin (different rows)"),
    ("search_scope_own", "search_owner_admin", "(e) q=障害: own scope vs owner=USER"),
    ("printer_scope_org", "printer_provider_admin", "(d) q=printer: organization scope vs provider=ORG"),
    ("printer_scope_org", "printer_admin", "(d) q=printer: organization scope vs admin (different rows)"),
]

SYSTEM_SELECT = ("t.id, t.number, t.state, t.version, t.org_id, t.created_at, t.updated_at, t.created_by, "
                 "t.updated_by, t.deleted_at")


def sql(s: dict, engine: str, fields: list[str], p: dict, count: bool = False) -> tuple[str, list]:
    """The list query of scenario `s` with `?` placeholders and its parameters, as
    RecordStore::list builds it for the service type (default sort -updated_at, or -id with q),
    as of commit 27d7a6a: WHERE deleted_at, the search, the filters, then the scope's condition;
    the own scope (created_by or owner) as a UNION of one ordered, limited branch per alternative
    unless SQLite walks the full-text index in rowid order.
    count: SELECT count(*) of every row the query's conditions admit instead (no ORDER BY, LIMIT)."""
    select = SYSTEM_SELECT + "".join(f', t."{f}"' for f in fields)
    params: list = []
    where = "t.deleted_at IS NULL"
    frm = "rec_service t"
    # q given and no sort: -id alone; otherwise the type's default -updated_at, then -id.
    sort = [("id", True)] if s["search"] else [("updated_at", True), ("id", True)]
    fts_order = False
    if s["search"]:
        if engine == "sqlite":
            fts_order = len(sort) == 1
            frm = "fts_service JOIN rec_service t ON t.id = fts_service.rowid"
            where += " AND fts_service MATCH ?"
            params.append(f'"{s["search"]}"')
        else:
            where += " AND t.search @@ CAST(? AS tsquery)"
            params.append(f"'{s['search']}'")
    for column, op, key in s["filters"]:
        if op == "eq":
            where += f' AND t."{column}" = ?'
            params.append(p[key])
        else:
            where += f' AND t."{column}" IN (' + ", ".join("?" for _ in p[key]) + ")"
            params.extend(p[key])
    order = []
    for column, desc in sort:
        if fts_order:
            order.append("fts_service.rowid" + (" DESC" if desc else ""))
            continue
        o = f"t.{column}" + (" DESC" if desc else "")
        if engine == "postgres" and len(sort) > 1:
            o += " NULLS LAST" if desc else " NULLS FIRST"
        order.append(o)
    order_text = ", ".join(order)
    if s["scope"] == "own" and not fts_order and not count:
        alternatives = ["t.created_by = ?", 't."owner" = ?']
        branches, all_params = [], []
        for i, alt in enumerate(alternatives):
            branches.append(f"SELECT * FROM (SELECT {select} FROM {frm} WHERE {where} AND {alt} ORDER BY {order_text} "
                            f"LIMIT ?) AS b{i}")
            all_params += params + [p["owner_id"], 51]
        return f"SELECT * FROM ({' UNION '.join(branches)}) AS t ORDER BY {order_text} LIMIT ?", all_params + [51]
    if s["scope"] == "org":
        where += " AND t.org_id = ?"
        params.append(p["org_id"])
    elif s["scope"] == "orgs":
        where += " AND t.org_id IN (" + ", ".join("?" for _ in p["org_ids"]) + ")"
        params.extend(p["org_ids"])
    elif s["scope"] == "own":
        where += ' AND (t.created_by = ? OR t."owner" = ?)'
        params.extend([p["owner_id"], p["owner_id"]])
    if count:
        return f"SELECT count(*) FROM {frm} WHERE {where}", params
    params.append(51)
    return f"SELECT {select} FROM {frm} WHERE {where} ORDER BY {order_text} LIMIT ?", params


# Rewrites measured next to what Kanri runs (plans.py): name -> (based on scenario, what, builder
# (engine, fields, principals) -> (sql, params)). None at the moment: the own scope's UNION, first
# measured here as a rewrite, is what RecordStore::list does since 27d7a6a.
ALTERNATIVES: dict = {}


def main() -> int:
    if len(sys.argv) >= 2 and sys.argv[1] == "spec":
        p = json.load(open(sys.argv[2]))
        print(json.dumps([{"name": s["name"], "path": s["path"](p), "token": p["tokens"][s["principal"]]}
                          for s in SCENARIOS]))
        return 0
    if len(sys.argv) >= 3 and sys.argv[1] == "wrk":
        p = json.load(open(sys.argv[2]))
        for s in SCENARIOS:
            print(f"{s['name']}\t{s['principal']}\t{s['path'](p)}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
