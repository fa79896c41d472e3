#!/usr/bin/env python3
"""Authorization holds on every route of the API: a walk over /api/v1/openapi.json.

Two customer organizations, A and B. B gets records of every model type (for services: two,
with updates, a transition and links, made partly by B's own agent), users, a group, a role,
an API token and a session; every text of B carries a secret marker (SECRET-B…-<random>) so
that a leak is found by substring, as are B's record numbers and usernames. The principals
under test all belong to A, each with an API token (and one also through a session cookie):

    requester    the default role `requester`
    org_agent    read/create/update/delete/transition:*/export on "*" and user read, scope organization
    own_agent    the same actions, scope own
    reader       read on "*", scope organization; nothing else
    norole       no role at all
    local_admin  user create/update/read + record read, scope organization
    steward      group read/create/update/delete, token and session read/create/delete, user read,
                 scope organization

The working roles also read notifications (org_agent, reader and local_admin: scope
organization, about a record of their organization and sent to no person or to a member of
their organization; own_agent and requester: own, sent to themselves); org_agent, own_agent and the
requester may mute subscriptions; steward and norole hold no notification permission, and nobody
of A any job or subscription permission. Subscriptions made in setup (before the records: making
them is what notifies) give B a notification about its first service sent to B's user (whose
e-mail address is one of B's secrets) and webhook notifications whose deliveries die at once (a
dead job for B, one for A). A gets notifications about its records sent to the org agent, to the
own agent (its own service) and to B's user, who, like the requester (notified of B's services),
holds the default role `requester` and may read the whole service catalogue (A's org-scoped
readers must not see those sent to B's user: its address and name are B's). A's record of each
other type names B's records in its reference fields (A's periodic activity: B's service). Jobs
and subscriptions are platform-wide: as for roles, B-ness does not apply, and what is asserted
is that whoever lacks the permission gets 403 and changes nothing.

Every record of A and B also carries a comment, a work-log entry and an attachment (made by the
administrator, with the organization's marker in the text and the file name), so that
…/comments and …/attachments[/{id}] are walked against real objects; the administrator's
personal saved view is the target of /views/{id} (views are each user's own settings, walked
like /me; who sees and changes shared views: tests/api/80_record_extras.scenario).

For EVERY path and method of the OpenAPI document (nothing hard-coded: a route added later is
walked too; a path parameter the walker cannot fill fails the script) each principal sends a
concrete request with the parameters filled from B's objects (every key form: number, id,
name; every transition; every known query parameter with B's values; a plausible body for
writes), and the same request aimed at objects that do not exist. Asserted for every answer:

    leak      no B data the principal may not read (what it may read is derived from the
              permissions GET /api/v1/me reports, checked against the roles given), echoes of
              what the request itself sent excepted; the JSON path of a leak is named
    write     no write aimed at B succeeds
    404       B's records outside the read scope answer 404, never 403; visible ones 200 to
              read and 403 for an action the role lacks
    twin      B's objects answer exactly like objects that do not exist (no existence oracle)
    5xx       never a server error
    norole    the no-role user gets 403/404 everywhere but its own account (/me, /me/*,
              /session, its own tokens and sessions) and the model (/types, /openapi.json)
    403       queues, jobs and subscriptions answer 403 without the permission (scope all),
              notifications without any read scope; B's notification outside the read scope
              answers 404 (part of the 404 check)

Documentation text (descriptions and summaries of the OpenAPI document and of /types) may show
an example record number that B's record happens to have: there, only this run's random
markers count as a leak.

Then: B's records, links, journal entries, users, group, role, token, session, notifications,
the subscriptions and the dead jobs are unchanged (read back as admin); the read-only, no-role
and requester principals walk every route again aimed at A's own objects and change nothing;
lists, full-text search, filters, cursor paging to the end and CSV/JSON exports show exactly
the records in scope (positive controls: the org-scoped and own-scoped principals do see
theirs); the requester cannot
escalate; a role carrying more than its granter holds cannot be granted (422
role.grant_beyond_own_powers), neither directly nor through a group; a link to a record out of
scope cannot be removed through one's own record; references to B's objects in a body are
refused exactly like references to nothing; the outbox (GET /notifications, every filter, paged
to the end) and GET /notifications/{id} show exactly the notifications in each principal's scope
(positive controls: each sees its own); GET /me/subscriptions lists the active e-mail
subscriptions that reach the requester (its own, restricted to B's records, which it is e-mailed
about), not those naming someone else; muting answers 403 without the permission, 409 for a
mandatory subscription, 404 alike for a webhook, an inactive and a missing one.

    python3 tests/system/access_walk.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import csv
import io
import json
import pathlib
import re
import secrets
import sys
import time
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402

API = "/api/v1"
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Permission types that are not record types ("*" does not match them): src/engine/access.h.
PLATFORM_RESOURCES = ("user", "group", "role", "session", "token", "journal", "dashboard", "report", "job",
                      "notification", "subscription", "view")
SCOPES = {"own": 1, "organization": 2, "all": 3}
ALL = 3
MISSING_ID = 999999

M = secrets.token_hex(4)  # this run's marker
PASSWORD = f"Walk#{M}-Zq9!long"
NEW_PASSWORD = f"Walk#{M}-Xr8!other"


# ---------------------------------------------------------------------------------------------
# Principals and requests


class Principal:
    """Who sends a request: an API token, a session cookie (+ CSRF token) or nobody."""

    def __init__(self, label: str, username: str | None = None, token: str | None = None,
                 cookie: str | None = None, csrf: str | None = None):
        self.label = label
        self.username = username
        self.token = token
        self.cookie = cookie
        self.csrf = csrf
        self.user_id: int | None = None
        self.perms: list[dict] = []
        self.roles: list[str] = []
        self.org_ids: set[int] = set()

    def scope(self, type_: str, action: str) -> int:
        """The widest scope held for the action (src/engine/access.cpp AccessPolicy::scope)."""
        best = 0
        record_type = type_ not in PLATFORM_RESOURCES
        for p in self.perms:
            type_ok = p["type"] == type_ or (p["type"] == "*" and record_type)
            a = p["action"]
            action_ok = a in (action, "*") or (a == "transition:*" and action.startswith("transition:"))
            if type_ok and action_ok:
                best = max(best, SCOPES.get(p["scope"], 0))
        return best

    def reads_all(self, cls: str) -> bool:
        return self.scope(cls, "read") == ALL


class Sender:
    def __init__(self, server: harness.KanriServer):
        self.server = server
        self.count = 0

    def send(self, who: Principal | None, method: str, path: str, query: dict | None = None, body=None,
             headers: dict | None = None) -> harness.Response:
        hdrs = dict(headers or {})
        token = None
        if who is not None and who.token:
            token = who.token
        elif who is not None and who.cookie:
            hdrs["Cookie"] = f"kanri_session={who.cookie}"
            hdrs["X-CSRF-Token"] = who.csrf
        url = path + ("?" + urllib.parse.urlencode(query) if query else "")
        self.count += 1
        if body is None:
            return self.server.request(method, url, headers=hdrs, token=token)
        return self.server.request(method, url, json=body, headers=hdrs, token=token)


def body_start(r: harness.Response, n: int = 600) -> str:
    text = r.text
    return text[:n] + (f" … ({len(r.body)} bytes)" if len(text) > n else "")


def describe(who: Principal | None, method: str, url: str, body, r: harness.Response) -> str:
    sent = "" if body is None else f"\nsent: {json.dumps(body, ensure_ascii=False)[:400]}"
    return (f"{method} {url} as {who.label if who else 'anonymous'} -> {r.status}{sent}\n"
            f"answer: {body_start(r)}")


def problem_code(r: harness.Response) -> str:
    try:
        b = r.json()
    except ValueError:
        return ""
    codes = [e.get("code", "") for e in b.get("errors", []) or []] if isinstance(b, dict) else []
    return ",".join(c for c in codes if c)


def json_or_none(r: harness.Response):
    try:
        return r.json()
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Secrets: B's data, and where it shows up in an answer


class Secret:
    def __init__(self, cls: str, label: str, text: str, also: tuple = ()):
        self.cls = cls      # the record type or platform resource whose read reveals it
        self.classes = (cls,) + tuple(also)  # … or any of these (a webhook's URL: subscriptions, notifications)
        self.label = label
        self.text = text
        # A record number must not match a longer one (SVC-000003 in SVC-0000031).
        self.rx = re.compile(r"(?<![0-9A-Za-z_-])" + re.escape(text) + r"(?![0-9])")

    def occurs(self, text: str) -> bool:
        return bool(self.rx.search(text))


def json_paths(value, secret: Secret, path: str = "$") -> list[str]:
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            if secret.occurs(str(k)):
                out.append(f"{path} (key {k!r})")
            out += json_paths(v, secret, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += json_paths(v, secret, f"{path}[{i}]")
    elif isinstance(value, str) and secret.occurs(value):
        out.append(f"{path} = {value[:120]!r}")
    return out


# Keys whose strings are documentation in the model's documents (GET /openapi.json, /types).
DOC_KEYS = ("description", "summary", "help", "example")


def documentation_only(r: harness.Response, secret: Secret) -> bool:
    """Whether every place the secret occurs in a JSON answer is a documentation string."""
    body = json_or_none(r)
    if body is None:
        return False
    paths = [p.split(" = ")[0] for p in json_paths(body, secret)]

    def doc(p: str) -> bool:
        segs = re.sub(r"\[\d+\]", "", p).split(".")
        return not p.endswith(")") and (segs[-1] in DOC_KEYS or (len(segs) > 1 and segs[-2] in DOC_KEYS
                                                                  and segs[-1] in ("en", "ja")))
    return bool(paths) and all(doc(p) for p in paths)


def where(r: harness.Response, secret: Secret) -> tuple[str, str]:
    """(the JSON paths holding the secret, with [*] for list indexes; an example value)."""
    body = json_or_none(r)
    if body is not None:
        paths = json_paths(body, secret)
        if paths:
            shapes = sorted({re.sub(r"\[\d+\]", "[*]", p.split(" = ")[0]) for p in paths})
            return ", ".join(shapes), paths[0]
    for line in r.text.splitlines():
        if secret.occurs(line):
            return "a line of the body", line[:160]
    return "a header", ""


# ---------------------------------------------------------------------------------------------
# Objects a request can aim at: B's, A's, or ones that do not exist


class Targets:
    def __init__(self, name: str):
        self.name = name
        self.org: dict = {}                       # the organization record
        self.records: dict[str, list[dict]] = {}  # type -> records (admin's view), primary first
        self.links: dict[tuple, list[dict]] = {}  # (type, id) -> links (admin's view)
        self.user: dict = {}                      # {"username", "id"}
        self.group: dict = {}                     # {"name", "id"}
        self.role: dict = {}                      # {"name", "id"}
        self.token_id: int = MISSING_ID
        self.session_id: int = MISSING_ID
        # Platform-wide objects walked like roles (B-ness does not apply): a subscription and a
        # dead job; and a notification about one of the organization's records (admin's view).
        self.subscription: dict = {"id": MISSING_ID, "version": 1}
        self.job: dict = {"id": MISSING_ID, "kind": f"nokind-{M}", "state": "dead"}
        self.notification: dict = {"id": MISSING_ID, "channel": "email", "event": "created", "state": "queued",
                                   "record": {"number": f"SVC-{MISSING_ID}"}}
        # An attachment of each record: (type, record id) -> attachment id; a saved view.
        self.attachments: dict[tuple, int] = {}
        self.view_id: int = MISSING_ID

    def record(self, type_: str, i: int = 0) -> dict | None:
        recs = self.records.get(type_) or []
        return recs[min(i, len(recs) - 1)] if recs else None

    def link_for(self, type_: str, rec: dict) -> int:
        links = self.links.get((type_, rec["id"])) or []
        if links:
            return links[0]["id"]
        for ls in self.links.values():
            if ls:
                return ls[0]["id"]
        return MISSING_ID


def missing_targets(types: dict) -> Targets:
    x = Targets("nonexistent")
    for name, t in types.items():
        x.records[name] = [{"id": MISSING_ID, "number": f"{t['number_prefix']}-{MISSING_ID}", "version": 1,
                            "state": None}]
    x.org = x.records["organization"][0]
    x.user = {"username": f"nobody-{M}", "id": MISSING_ID}
    x.group = {"name": f"nogroup-{M}", "id": MISSING_ID}
    x.role = {"name": f"norole-{M}", "id": MISSING_ID}
    return x


# ---------------------------------------------------------------------------------------------
# The routes, from the OpenAPI document


class Op:
    def __init__(self, path: str, method: str, item: dict, op: dict, collections: dict):
        self.template = path
        self.method = method.upper()
        self.op = op
        params = list(item.get("parameters", [])) + list(op.get("parameters", []))
        self.path_params = [p for p in params if p.get("in") == "path"]
        self.query_params = [p for p in params if p.get("in") == "query"]
        self.public = op.get("security") == []
        self.has_body = "requestBody" in op
        self.body_schema = (op.get("requestBody", {}).get("content", {}).get("application/json", {})
                            .get("schema"))
        segs = path[len(API) + 1:].split("/") if path.startswith(API + "/") else [path]
        self.resource = segs[0]
        self.rest = "/".join(segs[1:])
        self.tdef = collections.get(self.resource)  # a record collection, or None
        # Saved views are each user's own settings (who sees a shared one and who may change it:
        # tests/api/80_record_extras.scenario); they hold no organization's data.
        self.own_account = self.resource in ("me", "session", "views")
        self.model_info = self.resource in ("types", "openapi.json")

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}"


def load_ops(doc: dict, collections: dict) -> list[Op]:
    ops = []
    for path, item in doc["paths"].items():
        for m in HTTP_METHODS:
            if m in item:
                ops.append(Op(path, m, item, item[m], collections))
    # The document does not list itself; walk it too.
    if not any(o.template == f"{API}/openapi.json" for o in ops):
        ops.append(Op(f"{API}/openapi.json", "get", {}, {"operationId": "openapi"}, collections))
    # Signing out ends a cookie session: last.
    ops.sort(key=lambda o: (o.resource == "session" and o.method == "DELETE", o.template, o.method))
    return ops


class Req:
    """One concrete request of the walk."""

    def __init__(self, op: Op, path: str, query: dict | None, body, headers: dict,
                 b_object: str | None, key_type: str | None, action: str | None):
        self.op = op
        self.path = path
        self.query = query
        self.body = body
        self.headers = headers
        self.b_object = b_object  # the class of the B object the path aims at (record type, user, …)
        self.key_type = key_type  # the record type when the path has a record key
        self.action = action      # the permission action the request needs on that record
        self.cross = False        # one's own record with B's link

    @property
    def url(self) -> str:
        return self.path + ("?" + urllib.parse.urlencode(self.query) if self.query else "")


class CannotFill(Exception):
    pass


# Routes whose {id} is a platform object's number id (/tokens/{id}, /jobs/{id}/retry, …).
ID_RESOURCES = ("tokens", "sessions", "jobs", "notifications", "subscriptions")


def platform_need(op: Op) -> tuple[str, str, int] | None:
    """(type, action, least scope) that a route of the background-work API needs, else None:
    queues, jobs and subscriptions need scope all (src/notify/admin.cpp); notifications any."""
    if op.resource in ("queues", "jobs"):
        return "job", ("read" if op.method == "GET" else "update"), ALL
    if op.resource == "subscriptions":
        action = {"GET": "read", "PATCH": "update", "DELETE": "delete"}.get(op.method, "create")
        return "subscription", action, ALL
    if op.resource == "notifications":
        return "notification", "read", SCOPES["own"]
    return None


def q(v) -> str:
    return urllib.parse.quote(str(v), safe="")


class Builder:
    """Turns an Op into concrete requests aimed at one set of Targets."""

    def __init__(self):
        self.n = 0

    def unique(self) -> int:
        self.n += 1
        return self.n

    # -- variants: which object, in which key form

    def variants(self, op: Op, ts: Targets, cross: Targets | None) -> list[dict]:
        names = [p["name"] for p in op.path_params]
        out = [{}]
        if op.tdef is not None:
            if "key" in names:
                recs = ts.records.get(op.tdef["name"]) or []
                out = [{"key": (i, "number")} for i in range(len(recs))] + [{"key": (0, "id")}]
            if "transition" in names:
                enum = next((p.get("schema", {}).get("enum") for p in op.path_params if p["name"] == "transition"),
                            None)
                lifecycle = op.tdef.get("lifecycle") or {}
                enum = enum or [tr["name"] for tr in lifecycle.get("transitions", [])]
                if not enum:
                    raise CannotFill(f"{op.label}: no transition names in the document or the model")
                out = [dict(v, transition=tr) for v in out for tr in enum]
            if "link" in names and cross is not None:
                # Someone else's link through a record of one's own organization.
                out.append({"key": (0, "number"), "cross": True})
            # {id} of …/attachments/{id}: the record's own attachment (render).
            attachment_id = op.rest.startswith("{key}/attachments/")
            unknown = [n for n in names if n not in ("key", "transition", "link") and not (n == "id" and attachment_id)]
        else:
            per_resource = {"users": ("user", "key"), "groups": ("group", "key"), "roles": ("role", "key")}
            unknown = []
            for n in names:
                if op.resource in per_resource and n in (per_resource[op.resource][0], "key"):
                    out = [{"obj": "name"}, {"obj": "id"}]
                elif op.resource in ID_RESOURCES and n == "id":
                    out = [{"obj": "id"}]
                elif (op.resource, op.rest) == ("me", "subscriptions/{id}/mute") and n == "id":
                    out = [{"obj": "id"}]
                elif op.resource == "views" and n == "id":
                    out = [{"obj": "id"}]
                else:
                    unknown.append(n)
        if unknown:
            raise CannotFill(f"{op.label}: the walker cannot fill path parameter(s) {unknown}")
        # Query variants: every known parameter with the target's values.
        if op.method == "GET":
            extra = []
            for p in op.query_params:
                qv = self.query_value(op, p["name"], ts)
                if qv is not None:
                    extra.append({"query": p["name"]})
            if op.tdef is not None and "key" in names and op.rest == "{key}":
                extra.append({"as_of": True})
            base = [v for v in out]
            out = base + [dict(base[0], **e) for e in extra]
            if op.tdef is not None and op.rest == "export":
                out = [dict(v, format=f) for v in out for f in ("csv", "json")]
        return out

    def query_value(self, op: Op, name: str, ts: Targets):
        """The target's value for a query parameter, or None when the walker does not know it."""
        if op.tdef is not None:
            t = op.tdef
            rec = ts.record(t["name"])
            if rec is None:
                return None
            if name == "q":
                return {"q": rec.get(t["display_field"]) or rec["number"]}
            fdef = next((f for f in t["fields"] if f["name"] == name), None)
            if fdef is None:
                return None
            v = rec.get(name)
            if fdef["type"] in ("ref", "org"):
                target = ts.record(fdef["target"])
                return {name: target["number"]} if target else None
            if fdef["type"] == "user":
                return {name: ts.user["username"]}
            if fdef["type"] in ("text", "longtext") and isinstance(v, str) and v:
                return {name: v}
            return None
        if op.resource in ("tokens", "sessions"):
            if name == "user":
                return {"user": ts.user["username"]}
            if name == "all":
                return {"all": "true"}
        if op.resource == "notifications" and op.rest == "":
            n = ts.notification
            if name == "record":
                return {"record": n["record"]["number"]}
            if name == "recipient":
                return {"recipient": ts.user["username"]}
            if name in ("state", "channel", "event"):
                return {name: n[name]}
            if name == "before":
                return {"before": str(n["id"] + 1)}
        if op.resource == "jobs" and op.rest == "":
            if name in ("state", "kind"):
                return {name: ts.job[name]}
            if name == "key" and ts.job.get("key"):
                return {"key": ts.job["key"]}
            if name == "before":
                return {"before": str(ts.job["id"] + 1)}
        if op.resource == "journal":
            if name == "record_id":
                svc = next(iter(ts.records))
                return {"record_type": svc, "record_id": str(ts.record(svc)["id"])}
            if name == "principal":
                return {"principal": ts.user["username"]}
        return None

    # -- rendering

    def render(self, op: Op, v: dict, ts: Targets, who: Principal, own: Targets | None = None) -> Req:
        path = op.template
        headers = {}
        key_type = b_object = action = None
        rec = None
        if op.tdef is not None:
            t = op.tdef
            if "key" in v:
                i, form = v["key"]
                src = own if v.get("cross") and own is not None else ts
                rec = src.record(t["name"], i)
                if rec is None:
                    raise CannotFill(f"{op.label}: no {t['name']} record in {src.name}")
                path = path.replace("{key}", q(rec[form]))
                if not v.get("cross"):
                    key_type = b_object = t["name"]
                if (op.method in ("PATCH", "DELETE") and op.rest == "{key}") or op.rest.startswith("{key}/transitions"):
                    headers["If-Match"] = f'"{rec.get("version", 1)}"'
            if "transition" in v:
                path = path.replace("{transition}", q(v["transition"]))
                action = "transition:" + v["transition"]
            if "{link}" in path:
                link = ts.link_for(t["name"], ts.record(t["name"])) if v.get("cross") else ts.link_for(t["name"], rec)
                path = path.replace("{link}", str(link))
            if "{id}" in path:
                path = path.replace("{id}", str(ts.attachments.get((t["name"], rec["id"]) if rec else None, MISSING_ID)))
            if action is None and rec is not None:
                action = {"GET": "read", "PATCH": "update", "DELETE": "delete"}.get(op.method, "update")
                # Links, comments and attachments: reading needs read; adding or removing,
                # update (comments: also the comment action, which no walker principal of A
                # holds beyond its own records).
                if op.rest.startswith(("{key}/links", "{key}/comments", "{key}/attachments")):
                    action = "read" if op.method == "GET" else "update"
        else:
            res = op.resource
            if "obj" in v:
                form = v["obj"]
                if res == "users":
                    val, b_object = ts.user["username" if form == "name" else "id"], "user"
                    if op.method == "PATCH":
                        headers["If-Match"] = f'"{ts.user.get("version", 1)}"'
                elif res == "groups":
                    val, b_object = ts.group[form], "group"
                elif res == "roles":
                    val, b_object = ts.role[form], "role"
                elif res == "tokens":
                    val, b_object = ts.token_id, "token"
                elif res == "sessions":
                    val, b_object = ts.session_id, "session"
                elif res == "jobs":
                    val, b_object = ts.job["id"], "job"
                elif res == "notifications":
                    val, b_object = ts.notification["id"], "notification"
                elif res == "views":
                    val, b_object = ts.view_id, None
                else:  # a subscription: /subscriptions/{id}, /me/subscriptions/{id}/mute (one's own setting)
                    val, b_object = ts.subscription["id"], (None if res == "me" else "subscription")
                    if op.method == "PATCH":
                        headers["If-Match"] = f'"{ts.subscription.get("version", 1)}"'
                for p in op.path_params:
                    path = path.replace("{" + p["name"] + "}", q(val))
        query = None
        if "query" in v:
            query = self.query_value(op, v["query"], ts)
        if "as_of" in v:
            query = {"as_of": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 5))}
        if "format" in v:
            query = dict(query or {}, format=v["format"])
        body = self.body(op, v, ts, who, rec) if op.method in WRITES and op.has_body else None
        req = Req(op, path, query, body, headers, b_object, key_type, action)
        req.cross = bool(v.get("cross"))
        return req

    def field_value(self, f: dict, ts: Targets):
        ty = f["type"]
        if ty in ("ref", "org"):
            r = ts.record(f["target"])
            return r["number"] if r else None
        if ty == "user":
            return ts.user["username"]
        return placeholder(f)

    def body(self, op: Op, v: dict, ts: Targets, who: Principal, rec: dict | None):
        m, res, n = op.method, op.resource, self.unique()
        if op.tdef is not None:
            t = op.tdef
            if m == "POST" and op.rest == "":
                body = dict(RULE_FIELDS.get(t["name"], {}))
                for f in t["fields"]:
                    if f["read_only"]:
                        continue
                    if f["name"] == t["display_field"]:
                        body[f["name"]] = f"pwned-{M}-{n}"
                    elif f["type"] in ("ref", "org", "user") or (f["required"] and "default" not in f):
                        val = self.field_value(f, ts)
                        if val is not None:
                            body[f["name"]] = val
                return body
            if m == "PATCH" and op.rest == "{key}":
                return {t["display_field"]: f"pwned-{M}-{n}"}
            if m == "POST" and op.rest.startswith("{key}/transitions/"):
                tr = next((x for x in (t.get("lifecycle") or {}).get("transitions", [])
                           if x["name"] == v.get("transition")), None)
                body = {}
                for name in (tr or {}).get("requires", []):
                    f = next(f for f in t["fields"] if f["name"] == name)
                    # One's own user (always visible to oneself), so that only authorization refuses it.
                    body[name] = who.username if f["type"] == "user" and who.username else placeholder(f)
                return body
            if m == "POST" and op.rest == "{key}/links":
                linked = {(l["relation"], l["record"]["id"]) for l in ts.links.get((t["name"], rec["id"]), [])
                          if l["direction"] == "outgoing"} if rec else set()
                for relation in t.get("relations", []):
                    for target in ts.records.get(relation["target"], []):
                        if (relation["name"], target["id"]) not in linked and target["id"] != rec["id"]:
                            return {"relation": relation["name"], "target": target["number"]}
                rel = (t.get("relations") or [{"name": "serves"}])[0]["name"]
                return {"relation": rel, "target": ts.org["number"]}
        if (m, res, op.rest) == ("POST", "users", ""):
            return {"username": f"walk-new-{M}-{n}", "password": PASSWORD, "kind": "agent",
                    "organizations": [ts.org["number"]]}
        if (m, res, op.rest) == ("PATCH", "users", "{user}"):
            return {"display_name": f"pwned-{M}-{n}"}
        if (m, res, op.rest) == ("POST", "users", "{user}/password"):
            return {"password": NEW_PASSWORD}
        if (m, res, op.rest) == ("POST", "groups", ""):
            return {"name": f"walk-grp-{M}-{n}", "display_name": f"pwned {n}", "organization": ts.org["number"]}
        if (m, res, op.rest) == ("PATCH", "groups", "{group}"):
            return {"display_name": f"pwned-{M}-{n}"}
        if (m, res, op.rest) == ("POST", "roles", ""):
            return {"name": f"walk-role-{M}-{n}", "label": {"en": "pwned", "ja": "pwned"},
                    "permissions": [{"type": "*", "action": "read", "scope": "all"}]}
        if (m, res, op.rest) == ("PATCH", "roles", "{role}"):
            return {"description": f"pwned-{M}-{n}"}
        if (m, res, op.rest) == ("POST", "subscriptions", ""):
            # Valid as it stands: only authorization can refuse it.
            return {"name": f"pwned-{M}-{n}", "event": "created", "record_type": "service", "recipient_kind": "user",
                    "recipient": ts.user["username"], "org": ts.org["number"]}
        if (m, res, op.rest) == ("PATCH", "subscriptions", "{id}"):
            return {"name": f"pwned-{M}-{n}", "active": False}
        if (m, res, op.rest) == ("POST", "tokens", ""):
            return {"label": f"walk {n}", "user": ts.user["username"]}
        if (m, res, op.rest) == ("PATCH", "me", ""):
            return {"time_zone": "Asia/Tokyo"}
        if (m, res, op.rest) == ("POST", "me", "password"):
            return {"current_password": f"wrong-{M}", "new_password": NEW_PASSWORD}
        if (m, res) == ("POST", "me") and op.rest == "totp/confirm" or (m, res, op.rest) == ("DELETE", "me", "totp"):
            return {"code": "abcdef"}
        if (m, res, op.rest) == ("POST", "session", ""):
            return {"username": ts.user["username"], "password": f"wrong-{M}"}
        return schema_body(op.body_schema)


def placeholder(f: dict):
    ty = f["type"]
    if ty == "enum":
        return f.get("default") or f["values"][0]["name"]
    if ty in ("int", "integer"):
        return max(1, int(f.get("min", 1)))
    if ty == "decimal":
        return max(1, f.get("min", 1))
    if ty in ("bool", "boolean"):
        return True
    if ty == "date":
        return "2026-01-05"
    if ty == "datetime":
        return "2026-01-05T09:00:00Z"
    if ty == "duration":
        return "P30D"
    if ty == "json":
        return {}
    text = f"walk {M}"
    return text[: f.get("max_length", len(text))]


def schema_body(schema) -> dict:
    """A body for a route the walker has no recipe for: the required properties, as strings."""
    if not isinstance(schema, dict):
        return {}
    return {name: f"walk-{M}" for name in schema.get("required", [])}


# ---------------------------------------------------------------------------------------------
# Findings: grouped, so that one root cause gives one FAIL line with an example


KINDS = {
    "leak": "answers carry no B data the principal may not read",
    "write": "no write aimed at B's objects succeeds",
    "404": "B's records and notification outside the read scope answer 404 (never 403); visible ones 200/403",
    "twin": "B's objects answer exactly like objects that do not exist",
    "5xx": "no server error, no 401 for a signed-in principal",
    "norole": "403/404 on every route but its own account and the model",
    "403": "queues, jobs and subscriptions answer 403 without the permission (scope all), notifications without "
           "a read scope",
    "a-write": "every write aimed at A's own objects is refused: 403, or 404 when not readable",
    "401": "every route but sign-in answers 401 without credentials",
}


class Findings:
    def __init__(self):
        self.groups: dict[tuple, list] = {}
        self.counts: dict[tuple, int] = {}  # (who, kind) -> requests checked

    def checked(self, who: str, kind: str):
        self.counts[(who, kind)] = self.counts.get((who, kind), 0) + 1

    def add(self, kind: str, who: str, op: Op, what: str, detail: str, where: str = ""):
        key = (kind, who, op.label, what)
        if key in self.groups:
            self.groups[key][1] += 1
        else:
            self.groups[key] = [detail, 1, set()]
        if where:
            self.groups[key][2].update(where.split(", "))

    def report(self, t: systest.Checks, who: str, kinds):
        for kind in kinds:
            n = self.counts.get((who, kind), 0)
            bad = [(k, v) for k, v in self.groups.items() if k[0] == kind and k[1] == who]
            if not bad:
                if n:
                    t.check(True, f"{who}: {KINDS[kind]} ({n} requests)")
                continue
            for (k, _, label, what), (detail, count, wheres) in bad:
                more = f"\n({count} requests like this)" if count > 1 else ""
                at = f" at {', '.join(sorted(wheres))}" if wheres else ""
                t.soft(t.fail, f"{who}: {kind}: {label}: {what}{at}", detail + more)


# ---------------------------------------------------------------------------------------------
# The test


class World:
    """Everything the setup made."""

    def __init__(self):
        self.types: dict[str, dict] = {}
        self.collections: dict[str, dict] = {}
        self.B = Targets("B")
        self.A = Targets("A")
        self.X: Targets | None = None
        self.principals: dict[str, Principal] = {}
        self.secrets: list[Secret] = []
        self.users: dict[str, dict] = {}  # username -> user JSON (admin's view at creation)
        self.known: list[tuple[str, dict, str]] = []  # (type, record, "A"/"B") for list checks
        self.own_record: dict | None = None
        self.subscriptions: dict[str, dict] = {}  # label -> subscription (admin's view at creation)
        self.notes: dict[str, dict] = {}  # subscription label -> the notification it made in setup
        self.record_orgs: dict[tuple, int | None] = {}  # (type, id) -> organization id
        self.user_orgs: dict[int, set[int]] = {}  # user id -> its organizations (admin's view, in the outbox step)


def test(args, t: systest.Checks):
    with harness.Stack.from_args(args) as stack:
        srv = stack.server
        admin = Principal("admin", "admin", token=srv.token)
        s = Sender(srv)
        w = World()
        setup(t, s, admin, w)
        doc_r = s.send(admin, "GET", f"{API}/openapi.json")
        t.check(doc_r.status == 200, "GET /api/v1/openapi.json answers the document", lambda: doc_r.describe())
        ops = load_ops(doc_r.json(), w.collections)
        counts: dict[str, int] = {}
        for o in ops:
            counts[o.method] = counts.get(o.method, 0) + 1
        t.say(f"--   the document lists {len(ops)} operations on {len({o.template for o in ops})} paths "
              f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}); "
              f"record collections: {', '.join(sorted(w.collections))}")
        builder = Builder()
        w.X = missing_targets(w.types)

        started = time.monotonic()
        findings = Findings()
        # Without credentials first: a failed sign-in with B's username is journaled on B's user.
        walk_anonymous(t, s, ops, builder, w, findings)
        before_b = snapshot(t, s, admin, w, w.B, "B")
        before_a = snapshot(t, s, admin, w, w.A, "A")
        for who in w.principals.values():
            walk(s, ops, builder, w, who, findings)
            if who.cookie:  # the walk ended with signing out: a fresh session for what follows
                si = sign_in(t, s, who.username)
                who.cookie, who.csrf = si["_cookie"], si["csrf_token"]
        for who in w.principals.values():
            walk_a(s, ops, builder, w, who, findings, writes=who.label in ("reader", "norole", "requester"))
        t.step(f"walked {len(ops)} operations: {s.count} requests in {time.monotonic() - started:.1f} s")
        for who in ["anonymous"] + list(w.principals):
            findings.report(t, who, list(KINDS))
        for who in w.principals:
            findings.report(t, who + " on A", ["a-write", "norole", "5xx"])

        after_b = snapshot(t, s, admin, w, w.B, "B")
        t.soft(compare_snapshots, t, before_b, after_b, "B's records, links, journal, users, group, role, token, "
                                                        "session and notifications, the subscriptions and the dead "
                                                        "jobs are unchanged after the walk")
        after_a = snapshot(t, s, admin, w, w.A, "A")
        t.soft(compare_snapshots, t, before_a, after_a, "A's records, links, journal, users, group, role, token, "
                                                        "session and notifications, the subscriptions and the dead "
                                                        "jobs are unchanged after the read-only, no-role and "
                                                        "requester walks")

        t.step("the outbox: lists, filters, paging and single notifications; muting")
        for who in w.principals.values():
            t.soft(check_notifications, t, s, admin, w, who)
        t.soft(check_mute, t, s, admin, w)

        t.step("lists, search, filters, cursors and exports")
        for who in w.principals.values():
            t.soft(check_lists, t, s, w, who)

        t.step("what each role must not be able to do")
        t.soft(check_requester, t, s, admin, w)
        t.soft(check_norole_own_account, t, s, w)
        t.soft(check_local_admin, t, s, admin, w)
        t.soft(check_reference_oracles, t, s, admin, w)
        t.soft(check_own_agent, t, s, w)
        t.soft(check_group_grant, t, s, admin, w)
        t.soft(check_hidden_link_unlink, t, s, admin, w)


# -- setup ------------------------------------------------------------------------------------


def must(t: systest.Checks, r: harness.Response, status: int, what: str):
    t.check(r.status == status, what, lambda: r.describe(), quiet=True)
    return json_or_none(r)


def setup(t: systest.Checks, s: Sender, admin: Principal, w: World):
    t.step(f"setup: organizations A and B (marker {M}), roles, users, tokens, records, links, sessions")
    types = must(t, s.send(admin, "GET", f"{API}/types"), 200, "GET /api/v1/types")["items"]
    w.types = {x["name"]: x for x in types}
    w.collections = {x["collection"]: x for x in types}
    for need in ("organization", "service"):
        t.check(need in w.types, f"the model has the {need} type")
    otype = w.types["organization"]

    # Organizations
    for ts, tag in ((w.A, "A"), (w.B, "B")):
        mark = b_marker("organization") if tag == "B" else f"AMARK-{M}"
        body = seed_body(otype, f"Walk {tag}", mark, None, None)
        r = s.send(admin, "POST", f"{API}/organizations", body=body)
        ts.org = must(t, r, 201, f"create organization {tag}")
        ts.records["organization"] = [ts.org]

    # Roles
    def perms(type_, actions, scope):
        return [{"type": type_, "action": a, "scope": scope} for a in actions]

    work = ["read", "create", "update", "delete", "transition:*", "export"]
    role_defs = {
        f"walk-org-{M}": perms("*", work, "organization") + perms("user", ["read"], "organization")
        + perms("notification", ["read"], "organization") + perms("subscription", ["mute"], "own"),
        f"walk-own-{M}": perms("*", work, "own") + perms("user", ["read"], "own")
        + perms("notification", ["read"], "own") + perms("subscription", ["mute"], "own"),
        f"walk-reader-{M}": perms("*", ["read"], "organization") + perms("notification", ["read"], "organization"),
        f"walk-local-admin-{M}": perms("user", ["create", "update", "read"], "organization")
        + perms("*", ["read"], "organization") + perms("notification", ["read"], "organization"),
        f"walk-steward-{M}": perms("group", ["read", "create", "update", "delete"], "organization")
        + perms("token", ["read", "create", "delete"], "organization")
        + perms("session", ["read", "delete"], "organization") + perms("user", ["read"], "organization"),
        f"bsecret-role-{M}": perms("*", ["read"], "organization"),
    }
    roles = {}
    for name, p in role_defs.items():
        label = f"SECRET-BROLE-{M}" if name.startswith("bsecret") else f"Walk {name}"
        r = s.send(admin, "POST", f"{API}/roles", body={"name": name, "label": {"en": label, "ja": label},
                                                        "permissions": p})
        roles[name] = must(t, r, 201, f"create role {name}")
    w.B.role = {"name": f"bsecret-role-{M}", "id": roles[f"bsecret-role-{M}"]["id"]}
    w.A.role = {"name": f"walk-reader-{M}", "id": roles[f"walk-reader-{M}"]["id"]}
    all_roles = {x["name"]: x for x in must(t, s.send(admin, "GET", f"{API}/roles"), 200, "GET roles")["items"]}

    # Users: B's, then the principals of A and a target user in A
    people = [
        # label, username, org, roles, kind, display
        ("b_user", f"bsecret-usr1-{M}", w.B, [f"bsecret-role-{M}", "requester"], "requester", f"SECRET-BUSR-{M} One"),
        ("b_agent", f"bsecret-agent-{M}", w.B, [f"walk-org-{M}"], "agent", f"SECRET-BUSR-{M} Agent"),
        ("requester", f"walk-req-{M}", w.A, ["requester"], "requester", "Walk requester"),
        ("org_agent", f"walk-org-{M}", w.A, [f"walk-org-{M}"], "agent", "Walk org agent"),
        ("own_agent", f"walk-own-{M}", w.A, [f"walk-own-{M}"], "agent", "Walk own agent"),
        ("reader", f"walk-read-{M}", w.A, [f"walk-reader-{M}"], "auditor", "Walk reader"),
        ("norole", f"walk-none-{M}", w.A, [], "requester", "Walk no role"),
        ("local_admin", f"walk-ladm-{M}", w.A, [f"walk-local-admin-{M}"], "agent", "Walk local admin"),
        ("steward", f"walk-stew-{M}", w.A, [f"walk-steward-{M}"], "agent", "Walk steward"),
        ("a_target", f"walk-target-{M}", w.A, [], "requester", "Walk target"),
    ]
    tokens = {}
    for label, username, ts, rl, kind, display in people:
        r = s.send(admin, "POST", f"{API}/users", body={
            "username": username, "password": PASSWORD, "kind": kind, "display_name": display,
            "email": f"{username}@example.org", "organizations": [ts.org["number"]], "roles": rl})
        w.users[username] = must(t, r, 201, f"create user {username}")
        tl = f"SECRET-BTOK-{M}" if label == "b_user" else f"walk {label}"
        r = s.send(admin, "POST", f"{API}/tokens", body={"label": tl, "user": username})
        tokens[label] = must(t, r, 201, f"create a token for {username}")
        if label not in ("b_user", "b_agent", "a_target"):
            w.principals[label] = Principal(label, username, token=tokens[label]["secret"])
    w.B.user = {"username": f"bsecret-usr1-{M}", "id": w.users[f"bsecret-usr1-{M}"]["id"]}
    w.A.user = {"username": f"walk-target-{M}", "id": w.users[f"walk-target-{M}"]["id"]}
    w.B.token_id = tokens["b_user"]["id"]
    w.A.token_id = tokens["a_target"]["id"]
    b_agent = Principal("b_agent", f"bsecret-agent-{M}", token=tokens["b_agent"]["secret"])

    # Sessions: B's user, A's target; the org agent also through a cookie
    w.B.session_id = sign_in(t, s, f"bsecret-usr1-{M}")["session"]["id"]
    w.A.session_id = sign_in(t, s, f"walk-target-{M}")["session"]["id"]
    si = sign_in(t, s, f"walk-org-{M}")
    cookie_p = Principal("org_agent(cookie)", f"walk-org-{M}", cookie=si["_cookie"], csrf=si["csrf_token"])
    w.principals["org_agent(cookie)"] = cookie_p

    # Groups
    r = s.send(admin, "POST", f"{API}/groups", body={
        "name": f"bsecret-grp-{M}", "display_name": f"SECRET-BGRP-{M}", "organization": w.B.org["number"],
        "members": [f"bsecret-usr1-{M}", f"bsecret-agent-{M}"]})
    g = must(t, r, 201, "create B's group")
    w.B.group = {"name": g["name"], "id": g["id"]}
    r = s.send(admin, "POST", f"{API}/groups", body={
        "name": f"walk-grp-a-{M}", "display_name": "Walk A group", "organization": w.A.org["number"],
        "members": [f"walk-target-{M}"]})
    g = must(t, r, 201, "create A's group")
    w.A.group = {"name": g["name"], "id": g["id"]}

    # Subscriptions, before the records: creating them is what notifies.
    subs = {}
    hook = f"{s.server.url}{API}/walk-hook"  # Kanri itself: 401, a permanent failure: the delivery dies at once
    for label, body in (
            ("B's user", {"recipient_kind": "user", "recipient": f"bsecret-usr1-{M}"}),  # every service it may read
            ("org agent", {"recipient_kind": "user", "recipient": f"walk-org-{M}", "record_type": "*",
                           "org": w.A.org["number"]}),
            ("requester", {"recipient_kind": "user", "recipient": f"walk-req-{M}", "org": w.B.org["number"]}),
            ("own agent", {"recipient_kind": "user", "recipient": f"walk-own-{M}", "org": w.A.org["number"],
                           "mandatory": True}),
            ("B's webhook", {"recipient_kind": "url", "recipient": f"{hook}/bsecret-hook-{M}",
                             "org": w.B.org["number"]}),
            ("A's webhook", {"recipient_kind": "url", "recipient": f"{hook}/a-{M}", "org": w.A.org["number"]}),
            ("inactive", {"recipient_kind": "user", "recipient": f"walk-req-{M}", "active": False})):
        body = dict({"name": f"walk {label} {M}", "event": "created", "record_type": "service"}, **body)
        subs[label] = must(t, s.send(admin, "POST", f"{API}/subscriptions", body=body), 201,
                           f"create the subscription {label}")
    w.subscriptions = subs

    # Records. Services: B1 by admin (owned by B's user), B2 by B's agent, who then updates and
    # transitions B1 and links B's records; A1, A2 by admin, linked to each other and to B's.
    stype = w.types["service"]
    b1 = must(t, s.send(admin, "POST", f"{API}/services", body=dict(
        seed_body(stype, "Mail", b_marker("service"), w.B.org, f"bsecret-usr1-{M}"), criticality="high")),
        201, "create B's service 1")
    b2 = must(t, s.send(b_agent, "POST", f"{API}/services", body=seed_body(
        stype, "Storage", b_marker("service"), w.B.org, None)), 201, "B's agent creates B's service 2")
    r = s.send(b_agent, "PATCH", f"{API}/services/{b1['id']}", body={"criticality": "critical"},
               headers={"If-Match": f'"{b1["version"]}"'})
    b1 = must(t, r, 200, "B's agent updates B's service 1")
    r = s.send(b_agent, "POST", f"{API}/services/{b1['id']}/transitions/go_live", body={"live_since": "2026-01-05"})
    must(t, r, 200, "B's agent takes B's service 1 live")
    for body in ({"relation": "serves", "target": w.B.org["number"]}, {"relation": "depends_on", "target": b2["number"]}):
        must(t, s.send(b_agent, "POST", f"{API}/services/{b1['id']}/links", body=body), 201,
             f"B's agent links B's service 1: {body['relation']}")
    a1 = must(t, s.send(admin, "POST", f"{API}/services", body=seed_body(stype, "Alpha", f"AMARK-{M}", w.A.org, None)),
              201, "create A's service 1")
    a2 = must(t, s.send(admin, "POST", f"{API}/services", body=seed_body(stype, "Beta", f"AMARK-{M}", w.A.org, None)),
              201, "create A's service 2")
    for target, rel in ((a2["number"], "depends_on"), (b1["number"], "depends_on"), (w.B.org["number"], "serves")):
        must(t, s.send(admin, "POST", f"{API}/services/{a1['id']}/links", body={"relation": rel, "target": target}),
             201, f"link A's service 1 {rel} {target}")
    own = must(t, s.send(w.principals["own_agent"], "POST", f"{API}/services",
                         body={"name": f"Walk own AMARK-{M}", "description": f"AMARK-{M}"}),
               201, "the own-scoped agent creates a service of its own")
    w.own_record = own
    w.B.records["service"] = [b1, b2]
    w.A.records["service"] = [a1, a2]

    # Any other record type of the model: one record in B and one in A, made from the model; A's
    # refers to B's records in its reference fields (a notification about it must not show them).
    for name, tdef in sorted(w.types.items(), key=lambda kv: kv[0] in CREATE_LATE):
        if name in ("organization", "service"):
            continue
        for ts, tag in ((w.B, "B"), (w.A, "A")):
            mark = b_marker(name) if tag == "B" else f"AMARK-{M}"
            # A's records refer to B's (a notification about them must not show them); B's to its own.
            body = seed_body(tdef, name, mark, ts.org, ts.user.get("username"), refs=w.B, own=ts)
            r = s.send(admin, "POST", f"{API}/{tdef['collection']}", body=body)
            t.check(r.status == 201, f"create a {name} record in {tag} from the model (the walker must learn "
                                     f"how, if this fails)", lambda: r.describe())
            ts.records[name] = [r.json()]
            if name in AFTER_CREATE and r.status == 201:
                step = AFTER_CREATE[name]
                r2 = s.send(admin, "POST", f"{API}/{tdef['collection']}/{r.json()['id']}/transitions/{step}", body={})
                t.check(r2.status == 200, f"{step} the {name} record in {tag}", lambda: r2.describe())

    # Read everything back as admin: current versions, links
    for ts in (w.A, w.B):
        for name, recs in ts.records.items():
            coll = w.types[name]["collection"]
            fresh = []
            for rec in recs:
                fresh.append(must(t, s.send(admin, "GET", f"{API}/{coll}/{rec['id']}"), 200, f"re-read {rec['number']}"))
                links = must(t, s.send(admin, "GET", f"{API}/{coll}/{rec['id']}/links"), 200, "links")["items"]
                ts.links[(name, rec["id"])] = links
            ts.records[name] = fresh
        ts.org = ts.records["organization"][0]
        ts.user["version"] = w.users[ts.user["username"]]["version"]
    w.own_record = must(t, s.send(admin, "GET", f"{API}/services/{own['id']}"), 200, "re-read own")
    # Every record gets a comment, a work-log entry and an attachment (by admin) that carry its
    # organization's marker: they must show only where the record may be read (the work log:
    # updated). A saved view of admin's, personal: nobody else's to see or change.
    for ts, tag in ((w.B, "B"), (w.A, "A")):
        for name, recs in ts.records.items():
            coll = w.types[name]["collection"]
            mark = b_marker(name) if tag == "B" else f"AMARK-{M}"
            for rec in recs:
                for kind in ("comment", "work_log"):
                    must(t, s.send(admin, "POST", f"{API}/{coll}/{rec['id']}/comments",
                                   body={"body": f"{kind} {mark}", "kind": kind}), 201, f"{kind} on {rec['number']}")
                r = s.server.request("POST", f"{API}/{coll}/{rec['id']}/attachments?name={mark}.txt",
                                     body=f"attached {mark}", headers={"Content-Type": "text/plain"})
                ts.attachments[(name, rec["id"])] = must(t, r, 201, f"attach to {rec['number']}")["id"]
    view = must(t, s.send(admin, "POST", f"{API}/views", body={"type": "service", "name": f"walk view {M}"}), 201,
                "admin saves a personal view")
    w.B.view_id = view["id"]
    for name, recs in w.A.records.items():
        w.known += [(name, r, "A") for r in recs]
    for name, recs in w.B.records.items():
        w.known += [(name, r, "B") for r in recs]
    w.known.append(("service", w.own_record, "A"))

    # Notifications: made by the scheduler, within a second or so; then nothing more is due.
    subs = w.subscriptions
    b1, a1 = w.B.records["service"][0], w.A.records["service"][0]
    wanted = {"B's user": b1, "org agent": a1, "requester": b1, "own agent": w.own_record, "B's webhook": b1,
              "A's webhook": a1}
    found: dict[str, dict] = {}

    def arrived():
        items = notifications_of(s, admin)
        for label, rec in wanted.items():
            found[label] = next((n for n in items if n["subscription_id"] == subs[label]["id"]
                                 and n["record"]["id"] == rec["id"] and n["record"]["type"] == "service"
                                 and (n["channel"] == "email" or n["state"] == "dead")), None)
        return all(found.values())
    t.check(systest.wait_until(arrived, 20, 0.1), "the scheduler made the notifications the subscriptions call for "
                                                  "(and the webhook deliveries died)",
            lambda: f"missing: {[k for k, v in found.items() if not v]}\n"
                    f"{systest.dump(notifications_of(s, admin))[:3000]}")
    t.check(settle(s, admin), "the scheduler has nothing more due", lambda: systest.dump(
        must(t, s.send(admin, "GET", f"{API}/jobs", {"limit": 50}), 200, "jobs")))
    dead = must(t, s.send(admin, "GET", f"{API}/jobs", {"state": "dead", "limit": 500}), 200, "dead jobs")["items"]
    for ts, label, own_label in ((w.B, "B", "B's user"), (w.A, "A", "org agent")):
        sid = subs[own_label]["id"]
        ts.subscription = must(t, s.send(admin, "GET", f"{API}/subscriptions/{sid}"), 200, "read a subscription")
        ts.notification = found[own_label]
        hook_n = found[f"{label}'s webhook"]
        ts.job = next((j for j in dead if j["kind"] == "notify.deliver"
                       and j["payload"].get("notification_id") == hook_n["id"]), None)
        t.check(ts.job is not None, f"{label}'s webhook delivery is a dead job", lambda: systest.dump(dead))
    w.notes = dict(found)
    made = ", ".join(f"{k} #{v['id']} ({v['state']})" for k, v in found.items())
    t.check(True, f"notifications from the walk's subscriptions: {made}; dead jobs #{w.B.job['id']} (B's webhook) "
                  f"and #{w.A.job['id']} (A's)")

    # B's secrets
    sec = w.secrets
    for name, recs in w.B.records.items():
        sec.append(Secret(name, f"B's {name} marker", b_marker(name)))
        for rec in recs:
            sec.append(Secret(name, f"B's {name} number", rec["number"]))
    sec.append(Secret("user", "B's username", f"bsecret-usr1-{M}"))
    sec.append(Secret("user", "B's username", f"bsecret-agent-{M}"))
    # A user's display name is shown with a record the principal may read (who owns a service,
    # who changed it: docs/security.md); usernames (sign-in names) are not, so only they stay
    # secret here.
    sec.append(Secret("group", "B's group name", f"bsecret-grp-{M}"))
    sec.append(Secret("group", "B's group display name", f"SECRET-BGRP-{M}"))
    sec.append(Secret("role", "B's role", f"bsecret-role-{M}"))
    sec.append(Secret("role", "B's role label", f"SECRET-BROLE-{M}"))
    sec.append(Secret("token", "B's token label", f"SECRET-BTOK-{M}"))
    sec.append(Secret("user", "B's user's e-mail address", f"bsecret-usr1-{M}@example.org"))
    sec.append(Secret("subscription", "B's webhook URL", f"bsecret-hook-{M}", also=("notification",)))

    # What each principal holds, as the server reports it, against the roles it was given
    for who in w.principals.values():
        me = must(t, s.send(who, "GET", f"{API}/me"), 200, f"GET /me as {who.label}")
        who.perms = me["permissions"]
        who.user_id = me["id"]
        who.org_ids = {o["id"] for o in me["organizations"]}
        who.roles = me["effective_roles"]
        want = set()
        for rn in who.roles:
            for p in all_roles[rn]["permissions"]:
                want.add((p["type"], p["action"], p["scope"]))
        # /me merges to the widest scope per (type, action)
        widest = {}
        for ty, ac, sc in want:
            if SCOPES[sc] > SCOPES.get(widest.get((ty, ac), "own"), 0) or (ty, ac) not in widest:
                widest[(ty, ac)] = sc
        got = {(p["type"], p["action"], p["scope"]) for p in who.perms}
        t.check(got == {(k[0], k[1], v) for k, v in widest.items()},
                f"{who.label}: GET /me reports exactly the permissions of its roles {who.roles}",
                lambda: f"reported {sorted(got)}\nroles give {sorted(widest.items())}", quiet=True)
    t.check(True, f"setup done: {len(w.principals)} principals in A "
                  f"({', '.join(w.principals)}), whose /me permissions match their roles")
    for who in w.principals.values():
        vis = sorted(c for c in {x.cls for x in w.secrets} if who.reads_all(c))
        if vis:
            t.say(f"--   {who.label} holds read scope all on {', '.join(vis)}: B's {', '.join(vis)} data is "
                  f"legitimately visible to it (not counted as a leak)")


def b_marker(type_: str) -> str:
    """The secret marker in B's records of a type."""
    short = {"organization": "ORG", "service": "SVC"}.get(type_, type_.upper())
    return f"SECRET-B{short}-{M}"


# Fields that a rule (not the model) requires: a periodic activity needs an interval or a
# calendar rule, one of the two.
RULE_FIELDS = {
    "periodic_activity": {"interval": "P90D"},
    # The resolution policy's matrix must name a priority for every impact and urgency.
    "resolution_policy": {
        "priority_matrix": {i: {u: "p3" for u in ("high", "medium", "low")} for i in ("high", "medium", "low")},
        "security_priority": {r: "p2" for r in ("very_high", "high", "medium", "low")},
        "auto_close_after": "P5D"},
    # A request type is offered (below) only with its instructions and target time.
    "request_type": {"target_time": "P1D"},
    # A severity scheme's definition is checked for its kind; a cap's year ends after it starts;
    # a failure's process step (B's, of the first process) belongs to its cause class 2.
    "severity_scheme": {"kind": "binary", "definition": {"levels": ["A", "B"]}},
    # An importance scheme's levels are named and labelled in both languages.
    "importance_scheme": {"kind": "graded", "levels": [{"name": "A", "en": "Standard", "ja": "標準"}]},
    "failure_cap": {"fiscal_year": 2026, "starts_on": "2026-04-01", "ends_on": "2027-03-31"},
    "failure": {"cause_process": "development"},
    # A business calendar's zone is a real one and its hours name weekdays.
    "business_calendar": {"time_zone": "Asia/Tokyo", "hours": {"mon": [["09:00", "18:00"]]}},
    # A target's fields follow its measure; a request type (a reference the walk fills) is for
    # service requests only.
    "service_level_target": {"metric": "resolution", "target_time": "PT4H", "applies_to": "service_request"},
}
# Types made after all others: a failure names the incident or problem it describes.
CREATE_LATE = ("failure",)
# Transitions a record needs before others can refer to it (a service request needs an
# offered request type).
AFTER_CREATE = {"request_type": "offer"}
# References a rule keeps within one organization (a category's path shows its parents' names).
SAME_ORG_REFS = {("category", "parent")}
# References whose record's organization the record takes (a target is its agreement's): made to
# the record's own organization's, so that A's record is in A.
OWN_ORG_REFS = {("service_level_target", "agreement")}


def seed_body(tdef: dict, label: str, mark: str, org: dict | None, owner: str | None,
              refs: Targets | None = None, own: Targets | None = None) -> dict:
    body = dict(RULE_FIELDS.get(tdef["name"], {}))
    for f in tdef["fields"]:
        if f["read_only"] or f["name"] in body:
            continue
        name = f["name"]
        if (tdef["name"], name) in SAME_ORG_REFS:
            continue
        if own is not None and (tdef["name"], name) in OWN_ORG_REFS and own.record(f["target"]) is not None:
            body[name] = own.record(f["target"])["number"]
            continue
        if refs is not None and f["type"] == "ref" and refs.record(f["target"]) is not None:
            body[name] = refs.record(f["target"])["number"]
        elif name == tdef["display_field"]:
            body[name] = f"{mark} {label}"
        elif org is not None and name == tdef.get("org_field"):
            body[name] = org["number"]
        elif f["type"] in ("text", "longtext") and f["searchable"]:
            body[name] = f"{mark} {label} {name}"[: f.get("max_length", 1000)]
        elif f["type"] == "user" and owner and name in tdef.get("owner_fields", []):
            body[name] = owner
        elif f["required"] and "default" not in f and f["type"] not in ("ref", "org", "user"):
            body[name] = placeholder(f)
    return body


def notifications_of(s: Sender, admin: Principal) -> list[dict]:
    """The whole outbox as admin, newest first (paged by `before`)."""
    out, before = [], None
    while True:
        query = dict({"limit": "500"}, **({"before": before} if before else {}))
        r = s.send(admin, "GET", f"{API}/notifications", query)
        if r.status != 200:
            raise systest.Failure(f"admin lists notifications: {r.describe()}")
        b = r.json()
        out += b["items"]
        before = b.get("next_before")
        if not before:
            return out


def iso_now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


def settle(s: Sender, admin: Principal, timeout: float = 20) -> bool:
    """Waits until the scheduler has nothing running and nothing due (deliveries retrying later and
    timers in the future may wait): what the walk compares is then not being changed under it."""
    def idle():
        for state in ("running", "pending"):
            r = s.send(admin, "GET", f"{API}/jobs", {"state": state, "limit": "500"})
            if r.status != 200:
                return False
            if any(state == "running" or j["due_at"] <= iso_now() for j in r.json()["items"]):
                return False
        return True
    return systest.wait_until(idle, timeout, 0.1)


def sign_in(t: systest.Checks, s: Sender, username: str) -> dict:
    r = s.send(None, "POST", f"{API}/session", body={"username": username, "password": PASSWORD})
    b = must(t, r, 201, f"sign in as {username}")
    cookie = r.header("Set-Cookie") or ""
    m = re.search(r"kanri_session=([^;]+)", cookie)
    t.check(m is not None, f"sign-in as {username} sets the session cookie", lambda: r.describe(), quiet=True)
    b["_cookie"] = m.group(1)
    return b


# -- snapshots --------------------------------------------------------------------------------

VOLATILE = ("last_used_at", "last_seen_at")


def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def snapshot(t: systest.Checks, s: Sender, admin: Principal, w: World, ts: Targets, tag: str) -> dict:
    """What the admin sees of one organization's objects."""
    snap = {}

    def get(key, path, query=None):
        r = s.send(admin, "GET", path, query)
        snap[key] = (r.status, strip(json_or_none(r)))

    for name, recs in ts.records.items():
        coll = w.types[name]["collection"]
        for rec in recs:
            n = rec["number"]
            get(f"{n}", f"{API}/{coll}/{rec['id']}")
            get(f"{n} links", f"{API}/{coll}/{rec['id']}/links")
            get(f"{n} history", f"{API}/{coll}/{rec['id']}/history")
            get(f"{n} journal", f"{API}/journal", {"record_type": name, "record_id": rec["id"], "limit": 1000})
    for name, tdef in w.types.items():
        f = tdef.get("org_field")
        if f and f != "self":
            get(f"{name} records of {tag}", f"{API}/{tdef['collection']}", {f: ts.org["number"], "limit": 500})
    get(f"organizations", f"{API}/organizations", {"limit": 500})
    users = must(t, s.send(admin, "GET", f"{API}/users", {"limit": 500}), 200, "admin lists users")["items"]
    snap["users of " + tag] = sorted(u["username"] for u in users
                                     if any(o["id"] == ts.org["id"] for o in u["organizations"]))
    for u in users:
        if any(o["id"] == ts.org["id"] for o in u["organizations"]) and not u["username"].startswith("walk-") \
                or u["username"] == ts.user["username"]:
            get(f"user {u['username']}", f"{API}/users/{u['username']}")
            get(f"user {u['username']} journal", f"{API}/journal", {"record_type": "user", "record_id": u["id"],
                                                                     "limit": 1000})
            get(f"tokens of {u['username']}", f"{API}/tokens", {"user": u["username"]})
            get(f"sessions of {u['username']}", f"{API}/sessions", {"user": u["username"]})
    groups = must(t, s.send(admin, "GET", f"{API}/groups"), 200, "admin lists groups")["items"]
    snap["groups of " + tag] = sorted(g["name"] for g in groups
                                      if g["organization"] and g["organization"]["id"] == ts.org["id"])
    get("group", f"{API}/groups/{ts.group['id']}")
    get("group history", f"{API}/groups/{ts.group['id']}/history")
    get("role", f"{API}/roles/{ts.role['id']}")
    get("role history", f"{API}/roles/{ts.role['id']}/history")
    roles = must(t, s.send(admin, "GET", f"{API}/roles"), 200, "admin lists roles")["items"]
    snap["roles"] = sorted((r["name"], r["version"]) for r in roles)
    # Background work. Subscriptions and jobs are platform-wide (the same in A's and B's snapshot).
    get("subscriptions", f"{API}/subscriptions")
    get("subscription", f"{API}/subscriptions/{ts.subscription['id']}")
    r = s.send(admin, "GET", f"{API}/journal", {"record_type": "subscription", "limit": 1000})
    # Muting is each user's own setting (the walk mutes through /me/subscriptions): left out.
    snap["subscription journal"] = (r.status, [e for e in (json_or_none(r) or {}).get("items", [])
                                               if e.get("action") not in ("mute", "unmute")])
    get("job", f"{API}/jobs/{ts.job['id']}")
    get("job journal", f"{API}/journal", {"record_type": "job", "record_id": ts.job["id"], "limit": 1000})
    dead = must(t, s.send(admin, "GET", f"{API}/jobs", {"state": "dead", "limit": 500}), 200, "dead jobs")["items"]
    snap["dead jobs"] = sorted(j["id"] for j in dead)
    # Notifications about the organization's records; a delivery still retrying changes its state.
    mine = {(ty, rec["id"]) for ty, rec, tag_ in w.known if tag_ == tag}
    snap["notifications of " + tag] = sorted((strip_notification(n) for n in notifications_of(s, admin)
                                              if (n["record"]["type"], n["record"]["id"]) in mine),
                                             key=lambda n: n["id"])
    r = s.send(admin, "GET", f"{API}/notifications/{ts.notification['id']}")
    snap["notification"] = (r.status, strip_notification(json_or_none(r)))
    return snap


NOTIFICATION_VOLATILE = ("state", "attempts", "last_error", "updated_at", "sent_at", "deliveries")


def strip_notification(n):
    """An e-mail notification's delivery goes on (no SMTP server: retrying); a dead webhook's does not."""
    if not isinstance(n, dict) or n.get("channel") != "email":
        return n
    return {k: v for k, v in n.items() if k not in NOTIFICATION_VOLATILE}


def difference(a, b, path: str = "") -> list[str]:
    """What changed between two JSON values: added and removed list items, changed keys."""
    if a == b:
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k) != b.get(k):
                out += difference(a.get(k), b.get(k), f"{path}.{k}")
        return out
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) == len(b):
            out = []
            for i, (x, y) in enumerate(zip(a, b)):
                out += difference(x, y, f"{path}[{i}]")
            return out
        dump = lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True)  # noqa: E731
        da, db = [dump(x) for x in a], [dump(x) for x in b]
        return ([f"{path}: gone: {x[:400]}" for x in da if x not in db]
                + [f"{path}: new: {x[:400]}" for x in db if x not in da])
    return [f"{path}: {json.dumps(a, ensure_ascii=False)[:200]} -> {json.dumps(b, ensure_ascii=False)[:200]}"]


def compare_snapshots(t: systest.Checks, before: dict, after: dict, what: str):
    diffs = []
    for k in sorted(set(before) | set(after)):
        if before.get(k) != after.get(k):
            diffs += [f"{k}{d}" for d in difference(before.get(k), after.get(k))]
    t.check(not diffs, f"{what} ({len(before)} views compared)", lambda: "\n".join(diffs[:15]))


# -- the walk ---------------------------------------------------------------------------------


def leak_check(w: World, f: Findings, who: Principal, req_text: str, r: harness.Response, op: Op, url: str, body):
    f.checked(who.label, "leak")
    headers = "\n".join(f"{k}: {v}" for k, v in r.headers if k.lower() in ("location", "content-disposition"))
    text = r.text + "\n" + headers
    for sec in w.secrets:
        if any(who.reads_all(c) for c in sec.classes) or sec.occurs(req_text):
            continue  # legitimately readable, or an echo of what the request sent
        if sec.occurs(text):
            if op.model_info and M not in sec.text and not sec.occurs(headers) and documentation_only(r, sec):
                continue  # an example in the documentation ("e.g. SVC-000001"), not B's record
            shape, example = where(r, sec)
            f.add("leak", who.label, op, f"{sec.label} ({sec.text})",
                  f"e.g. {example}\n" + describe(who, op.method, url, body, r), shape)


def normalized(r: harness.Response, keys: list[str], open_fields: frozenset = frozenset()):
    """The parts of an answer that must not depend on which missing-or-hidden object was named.
    `open_fields`: fields naming records the principal may read anyway (every service, say),
    whose errors rightly differ between an existing object and a missing one."""
    b = json_or_none(r)
    if not isinstance(b, dict):
        return (r.status, None)
    detail = str(b.get("detail", ""))
    for k in sorted(keys, key=lambda x: -len(x)):
        if k:
            detail = re.sub(r"(?<![\w-])" + re.escape(k) + r"(?![\w-])", "{key}", detail)
    errors = sorted((e.get("field"), e.get("code")) for e in b.get("errors", []) or []
                    if e.get("field") not in open_fields)
    return (r.status, b.get("title"), detail, errors, b.get("type"))


def open_reference_fields(who: Principal, op: "Op") -> frozenset:
    """The reference fields of the operation's type whose targets `who` reads at scope all."""
    if not op.tdef or not op.has_body:
        return frozenset()
    return frozenset(f["name"] for f in op.tdef.get("fields", [])
                     if f.get("target") and who.scope(f["target"], "read") >= ALL)


def values_of(ts: Targets) -> list[str]:
    out = [ts.org.get("number", ""), str(ts.org.get("id", "")), ts.user.get("username", ""), str(ts.user.get("id", "")),
           ts.group.get("name", ""), str(ts.group.get("id", "")), ts.role.get("name", ""), str(ts.role.get("id", "")),
           str(ts.token_id), str(ts.session_id), str(ts.subscription["id"]), str(ts.job["id"]),
           str(ts.notification["id"])]
    for recs in ts.records.values():
        for rec in recs:
            out += [rec["number"], str(rec["id"])]
    return [v for v in out if v]


def notification_visible(who: Principal, n: dict, org_id: int | None, recipient_orgs: set[int] | None) -> bool:
    """Whether the notification is in the principal's read scope (src/notify/admin.cpp): own = sent
    to oneself; organization = about a record of one's organizations AND sent to no person (a
    webhook) or to a member of one of them (recipient_orgs: the recipient user's organizations;
    an organization's outbox does not show another organization's people); all."""
    sc = who.scope("notification", "read")
    if sc == ALL:
        return True
    if sc == SCOPES["organization"]:
        if org_id is None or org_id not in who.org_ids:
            return False
        return n.get("recipient_user_id") is None or bool((recipient_orgs or set()) & who.org_ids)
    return sc == SCOPES["own"] and n.get("recipient_user_id") is not None and n["recipient_user_id"] == who.user_id


def walk_anonymous(t, s: Sender, ops: list[Op], builder: Builder, w: World, f: Findings):
    nobody = Principal("anonymous")
    for op in ops:
        try:
            variants = builder.variants(op, w.B, w.A)
        except CannotFill as e:
            t.soft(t.fail, f"route the walker must learn: {e}")
            continue
        v = variants[0]
        req = builder.render(op, v, w.B, nobody, w.A)
        r = s.send(None, op.method, req.path, req.query, req.body, req.headers)
        f.checked("anonymous", "401")
        leak_check(w, f, nobody, req.url + json.dumps(req.body), r, op, req.url, req.body)
        if op.public:
            # Signing in with B's username and a wrong password says nothing more than with a name
            # that does not exist.
            twin = builder.render(op, v, w.X, nobody)
            r2 = s.send(None, op.method, twin.path, twin.query, twin.body, twin.headers)
            f.checked("anonymous", "twin")
            if normalized(r, values_of(w.B)) != normalized(r2, values_of(w.X)) or r.status < 400:
                f.add("twin", "anonymous", op, "B's username answers unlike a missing one",
                      describe(nobody, op.method, req.url, req.body, r) + "\n--- missing:\n" +
                      describe(nobody, op.method, twin.url, twin.body, r2))
        elif r.status != 401:
            f.add("401", "anonymous", op, f"answered {r.status}", describe(nobody, op.method, req.url, req.body, r))


def walk(s: Sender, ops: list[Op], builder: Builder, w: World, who: Principal, f: Findings):
    """Every operation, aimed at B's objects, as one principal of A."""
    for op in ops:
        if op.public:
            continue  # walked without credentials
        try:
            variants = builder.variants(op, w.B, w.A)
        except CannotFill:
            continue  # reported by the walk without credentials
        for v in variants:
            req = builder.render(op, v, w.B, who, w.A)
            r = s.send(who, op.method, req.path, req.query, req.body, req.headers)
            judge(w, f, who, req, r, builder, v, s)


def judge(w: World, f: Findings, who: Principal, req: Req, r: harness.Response, builder: Builder, v: dict,
          s: Sender):
    op = req.op
    d = lambda: describe(who, op.method, req.url, req.body, r)  # noqa: E731
    req_text = req.url + " " + json.dumps(req.body, ensure_ascii=False)
    leak_check(w, f, who, req_text, r, op, req.url, req.body)
    f.checked(who.label, "5xx")
    if r.status >= 500 or (r.status == 401 and not (op.resource == "session" and op.method == "DELETE")):
        f.add("5xx", who.label, op, f"answered {r.status}", d())
    # Own account and the model: anyone signed in may use them; nothing of B's is involved.
    if op.own_account or (op.model_info and op.method == "GET"):
        return
    own_tokens = op.resource in ("tokens", "sessions") and op.method == "GET" and not req.query
    if who.label == "norole":
        f.checked(who.label, "norole")
        if not own_tokens and r.status not in (403, 404):
            f.add("norole", who.label, op, f"answered {r.status}", d())
    visible = req.b_object is not None and who.reads_all(req.b_object)
    if op.method in WRITES:
        f.checked(who.label, "write")
        if 200 <= r.status < 300:
            f.add("write", who.label, op, f"answered {r.status}", d())
    if req.key_type is not None:
        f.checked(who.label, "404")
        if visible:
            needed = req.action or "read"
            if op.method == "GET" and r.status != 200:
                f.add("404", who.label, op, f"a visible record answered {r.status} to a read", d())
            elif op.method in WRITES and who.scope(req.key_type, needed) < ALL and r.status != 403:
                f.add("404", who.label, op, f"a visible record answered {r.status}, not 403, to an action "
                                           f"({needed}) the role lacks", d())
        elif r.status != 404 and r.status not in (400, 422):
            f.add("404", who.label, op, f"a record outside the read scope answered {r.status}, not 404", d())
    # Background work: platform-wide objects need the permission; a notification, its scope.
    need = platform_need(op)
    if need is not None:
        type_, action, least = need
        f.checked(who.label, "403")
        if who.scope(type_, action) < least:
            if r.status != 403:
                f.add("403", who.label, op, f"answered {r.status} without {type_} {action} (scope "
                                           f"{'all' if least == ALL else 'any'})", d())
        elif req.b_object == "notification":
            f.checked(who.label, "404")
            if notification_visible(who, w.B.notification, w.B.org["id"], {w.B.org["id"]}):  # to B's user
                if r.status != 200:
                    f.add("404", who.label, op, f"a visible notification answered {r.status} to a read", d())
            elif r.status != 404:
                f.add("404", who.label, op, f"B's notification outside the read scope answered {r.status}, not 404",
                      d())
    # The same request aimed at objects that do not exist must answer the same.
    if visible or (req.b_object is None and op.method == "GET"):
        return
    if req.b_object is None and not req.cross and not (op.method in WRITES and op.has_body):
        return
    twin = builder.render(op, v, w.X, who, w.A)
    r2 = s.send(who, op.method, twin.path, twin.query, twin.body, twin.headers)
    f.checked(who.label, "twin")
    open_fields = open_reference_fields(who, op)
    if normalized(r, values_of(w.B), open_fields) != normalized(r2, values_of(w.X), open_fields):
        f.add("twin", who.label, op, f"B's object answers {r.status} {problem_code(r) or ''}, a missing one "
                                     f"{r2.status} {problem_code(r2) or ''}".replace("  ", " "),
              d() + "\n--- the same aimed at nothing:\n" + describe(who, op.method, twin.url, twin.body, r2))


def walk_a(s: Sender, ops: list[Op], builder: Builder, w: World, who: Principal, f: Findings,
           writes: bool):
    """Every operation aimed at A's own objects. Reads: what A's records show must not carry B's
    data either (A's records link to B's). Writes (for principals without write rights): refused,
    403 for a record the principal may read, 404 for one it may not; nothing changes."""
    label = who.label + " on A"
    for op in ops:
        if op.public or op.own_account or (op.method in WRITES and not writes):
            continue
        try:
            variants = builder.variants(op, w.A, None)
        except CannotFill:
            continue  # reported by the walk without credentials
        for v in variants:
            req = builder.render(op, v, w.A, who)
            r = s.send(who, op.method, req.path, req.query, req.body, req.headers)
            d = describe(who, op.method, req.url, req.body, r)
            leak_check(w, f, who, req.url + " " + json.dumps(req.body, ensure_ascii=False), r, op, req.url, req.body)
            f.checked(label, "5xx")
            if r.status >= 500 or r.status == 401:
                f.add("5xx", label, op, f"answered {r.status}", d)
            own_tokens = op.resource in ("tokens", "sessions") and op.method == "GET" and not req.query
            if who.label == "norole" and op.method not in WRITES and not op.model_info and not own_tokens:
                f.checked(label, "norole")
                if r.status not in (403, 404):
                    f.add("norole", label, op, f"answered {r.status}", d)
            if op.method not in WRITES:
                continue
            # Creating a record is a write the principal may hold (a requester reports an
            # incident): whether it succeeds is the create rules' business, not a leak.
            if (req.key_type is None and op.method == "POST" and op.tdef and not op.rest
                    and who.scope(op.tdef["name"], "create") > 0):
                continue
            f.checked(label, "a-write")
            if req.key_type is not None:
                want = 403 if who.scope(req.key_type, "read") >= SCOPES["organization"] else 404
                if r.status != want:
                    f.add("a-write", label, op, f"answered {r.status}, expected {want}", d)
            elif r.status not in (403, 404):
                f.add("a-write", label, op, f"answered {r.status}, expected 403 or 404", d)


# -- lists ------------------------------------------------------------------------------------


def expected_visible(w: World, who: Principal, type_: str, rec: dict, tag: str) -> bool:
    sc = who.scope(type_, "read")
    if sc == ALL:
        return True
    if sc >= SCOPES["organization"] and tag == "A":
        return True
    if sc >= SCOPES["own"]:
        if rec.get("created_by") and rec["created_by"]["id"] == who.user_id:
            return True
        for f in w.types[type_].get("owner_fields", []):
            v = rec.get(f)
            if isinstance(v, dict) and v.get("id") == who.user_id:
                return True
    return False


def check_lists(t: systest.Checks, s: Sender, w: World, who: Principal):
    problems = []
    n = 0
    observed: dict[tuple, set] = {}  # (type, query name, "list"/"csv"/"json") -> known ids the server answered
    for type_, tdef in w.types.items():
        coll = f"{API}/{tdef['collection']}"
        known = [(rec, tag) for ty, rec, tag in w.known if ty == type_]
        ids = {rec["id"]: (rec, tag) for rec, tag in known}
        want_all = {rid for rid, (rec, tag) in ids.items() if expected_visible(w, who, type_, rec, tag)}
        can_list = who.scope(type_, "read") > 0
        can_export = min(who.scope(type_, "read"), who.scope(type_, "export")) > 0
        b1 = w.B.record(type_)
        queries = {"all": {}}
        queries["search B's marker"] = {"q": b_marker(type_)}
        queries["search A's marker"] = {"q": f"AMARK-{M}"}
        queries["B's number"] = {"number": b1["number"]}
        queries["B's id"] = {"id": str(b1["id"])}
        queries["B's name"] = {tdef["display_field"]: b1.get(tdef["display_field"])}
        of = tdef.get("org_field")
        if of and of != "self":
            queries["provider = B's number"] = {of: w.B.org["number"]}
            queries["provider = B's id"] = {of: str(w.B.org["id"])}
        for ofield in tdef.get("owner_fields", []):
            queries[f"{ofield} = B's user"] = {ofield: w.B.user["username"]}

        def matches(name, rec):
            qv = queries[name]
            if not qv:
                return True
            k, val = next(iter(qv.items()))
            if k == "q":
                text = " ".join(str(rec.get(f["name"]) or "") for f in tdef["fields"] if f["searchable"])
                return val in text
            if k == "number":
                return rec["number"] == val
            if k == "id":
                return str(rec["id"]) == val
            got = rec.get(k)
            if isinstance(got, dict):
                return str(got.get("id")) == val or got.get("number") == val or \
                    (val == w.B.user["username"] and got.get("id") == w.B.user["id"])
            return got == val

        for qname, qv in queries.items():
            want = {rid for rid in want_all if matches(qname, ids[rid][0])}
            # Filtering by a user the principal may not read matches nothing (a filter must not
            # tell which usernames exist).
            if qname.endswith("= B's user") and not who.reads_all("user"):
                want = set()
            for sort in (None, "-id", tdef["display_field"]):
                seen, pages, cursor = [], 0, None
                while True:
                    query = dict(qv, limit="1" if qname == "all" else "2")
                    if sort:
                        query["sort"] = sort
                    if cursor:
                        query["cursor"] = cursor
                    r = s.send(who, "GET", coll, query)
                    n += 1
                    if not can_list:
                        if r.status != 403:
                            problems.append(f"GET {coll}?{urllib.parse.urlencode(query)} as {who.label}: "
                                            f"{r.status}, expected 403 (no read)\n{body_start(r)}")
                        break
                    if r.status != 200:
                        problems.append(f"GET {coll}?{urllib.parse.urlencode(query)} as {who.label}: {r.status}\n"
                                        f"{body_start(r)}")
                        break
                    b = r.json()
                    seen += [x["id"] for x in b["items"]]
                    pages += 1
                    cursor = b.get("next_cursor")
                    if not cursor or pages > 200:
                        break
                if not can_list or r.status != 200:
                    continue
                got = {i for i in seen if i in ids}
                if sort is None:
                    observed[(type_, qname, "list")] = got
                if got != want or len(seen) != len(set(seen)):
                    problems.append(
                        f"GET {coll} {qname} sort={sort} as {who.label} (paged to the end, {pages} pages): "
                        f"got {describe_ids(ids, got)}, expected {describe_ids(ids, want)}"
                        + (" (an id appeared twice)" if len(seen) != len(set(seen)) else ""))
            for fmt in ("csv", "json"):
                query = dict(qv, format=fmt)
                r = s.send(who, "GET", coll + "/export", query)
                n += 1
                if not can_export:
                    if r.status != 403:
                        problems.append(f"GET {coll}/export?{urllib.parse.urlencode(query)} as {who.label}: "
                                        f"{r.status}, expected 403\n{body_start(r)}")
                    continue
                if r.status != 200:
                    problems.append(f"GET {coll}/export?{urllib.parse.urlencode(query)} as {who.label}: {r.status}\n"
                                    f"{body_start(r)}")
                    continue
                if fmt == "json":
                    got = {x["id"] for x in r.json()["items"] if x["id"] in ids}
                else:
                    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
                    by_number = {rec["number"]: rid for rid, (rec, _) in ids.items()}
                    got = {by_number[row["number"]] for row in rows if row.get("number") in by_number}
                observed[(type_, qname, fmt)] = got
                want_e = {rid for rid in want if export_visible(w, who, type_, *ids[rid])}
                if got != want_e:
                    problems.append(f"GET {coll}/export {qname} format={fmt} as {who.label}: got "
                                    f"{describe_ids(ids, got)}, expected {describe_ids(ids, want_e)}")
    t.check(not problems, f"{who.label}: lists (default sort, -id, by name; paged to the end), search, filters and "
                          f"CSV/JSON exports show exactly the records in its scope ({n} requests)",
            lambda: "\n".join(problems[:15]) + (f"\n… {len(problems)} in all" if len(problems) > 15 else ""))
    # Positive controls, on what the server answered: the test would notice if everything were refused.
    a1 = w.A.records["service"][0]
    if who.label in ("org_agent", "org_agent(cookie)", "reader", "local_admin"):
        seen = [k[1:] for k, ids_ in observed.items() if k[0] == "service" and a1["id"] in ids_]
        t.check(("all", "list") in seen and ("search A's marker", "list") in seen,
                f"{who.label}: positive control: A's service {a1['number']} is in its list and its search for A's "
                f"marker" + (" and exports" if ("all", "csv") in seen and ("all", "json") in seen else ""),
                f"A's service found in: {seen}")
    if who.label == "own_agent":
        got = {k[2]: v for k, v in observed.items() if k[0] == "service" and k[1] == "all"}
        t.check(all(v == {w.own_record["id"]} for v in got.values()) and set(got) == {"list", "csv", "json"},
                f"{who.label}: positive control: its list and exports of services hold exactly its own service "
                f"{w.own_record['number']}", f"known services answered: {got}")


def export_visible(w: World, who: Principal, type_: str, rec: dict, tag: str) -> bool:
    sc = min(who.scope(type_, "read"), who.scope(type_, "export"))
    if sc == 0:
        return False
    probe = Principal("probe")
    probe.perms = [{"type": type_, "action": "read", "scope": {v: k for k, v in SCOPES.items()}[sc]}]
    probe.user_id = who.user_id
    return expected_visible(w, probe, type_, rec, tag)


def describe_ids(ids: dict, got: set) -> str:
    return "[" + ", ".join(sorted(f"{ids[i][1]}:{ids[i][0]['number']}" for i in got)) + "]"


# -- the outbox and muting ---------------------------------------------------------------------


def record_org(s: Sender, admin: Principal, w: World, type_: str, id_: int) -> int | None:
    """The organization a record belongs to (admin's view; an organization is its own)."""
    key = (type_, id_)
    if key not in w.record_orgs:
        tdef = w.types.get(type_) or {}
        r = s.send(admin, "GET", f"{API}/{tdef.get('collection', type_)}/{id_}")
        rec = json_or_none(r) if r.status == 200 else None
        of = tdef.get("org_field")
        org = None
        if rec is not None and of == "self":
            org = rec["id"]
        elif rec is not None and of and isinstance(rec.get(of), dict):
            org = rec[of].get("id")
        w.record_orgs[key] = org
    return w.record_orgs[key]


def recipient_orgs(s: Sender, admin: Principal, w: World, n: dict) -> set[int] | None:
    """The organizations of the user a notification went to (admin's view); None for a webhook."""
    uid = n.get("recipient_user_id")
    if uid is None:
        return None
    if uid not in w.user_orgs:
        r = s.send(admin, "GET", f"{API}/users/{uid}")
        if r.status != 200:
            raise systest.Failure(f"admin reads the recipient user #{uid}: {r.describe()}")
        w.user_orgs[uid] = {o["id"] for o in r.json().get("organizations", [])}
    return w.user_orgs[uid]


def check_notifications(t: systest.Checks, s: Sender, admin: Principal, w: World, who: Principal):
    """GET /notifications (every filter, paged by `before` to the end) and GET /notifications/{id} show
    exactly the notifications in the principal's scope; one outside it answers like a missing one."""
    problems = []
    n_requests = 0
    known = {n["id"]: n for n in notifications_of(s, admin)}
    org = {i: record_org(s, admin, w, n["record"]["type"], n["record"]["id"]) for i, n in known.items()}
    rorgs = {i: recipient_orgs(s, admin, w, n) for i, n in known.items()}
    visible = {i for i, n in known.items() if notification_visible(who, n, org[i], rorgs[i])}
    sc = who.scope("notification", "read")
    if sc == SCOPES["organization"]:
        # The case the recipient rule is about must be there: notifications about its organization's
        # records sent to someone of no organization of its own (B's user), and they are out of scope.
        foreign = {i for i, n in known.items() if org[i] in who.org_ids and n["recipient_user_id"] is not None
                   and not (rorgs[i] or set()) & who.org_ids}
        to_b = {i for i in foreign if known[i]["recipient_user_id"] == w.B.user["id"]}
        soft(t, bool(to_b) and not foreign & visible,
             f"{who.label}: the outbox holds notifications about its organization's records sent to B's user "
             f"({', '.join(f'#{i}' for i in sorted(to_b))}), which its scope (organization) leaves out",
             lambda: systest.dump({i: known[i] for i in sorted(foreign)}))
    users = {name: u["id"] for name, u in w.users.items()}
    b1, a1 = w.B.records["service"][0], w.A.records["service"][0]
    queries = {
        "all": {},
        "record = B's service": {"record": b1["number"]},
        "record = A's service": {"record": a1["number"]},
        "record = a missing one": {"record": w.X.records["service"][0]["number"]},
        "recipient = B's user": {"recipient": w.B.user["username"]},
        "recipient = itself": {"recipient": who.username},
        "recipient = the org agent": {"recipient": w.principals["org_agent"].username},
        "recipient = a missing user": {"recipient": w.X.user["username"]},
        "channel = webhook": {"channel": "webhook"},
        "channel = email": {"channel": "email"},
        "event = created": {"event": "created"},
        "state = dead": {"state": "dead"},
    }

    def matches(qv: dict, n: dict) -> bool:
        if not qv:
            return True
        k, v = next(iter(qv.items()))
        if k == "record":
            return n["record"]["number"] == v
        if k == "recipient":
            return users.get(v) is not None and n["recipient_user_id"] == users[v]
        return n[k] == v

    leaks: dict[str, str] = {}  # secret label -> an example (the walk checks the first page of each list)

    def leaked(r: harness.Response, url: str):
        for sec in w.secrets:
            if not any(who.reads_all(c) for c in sec.classes) and not sec.occurs(url) and sec.occurs(r.text):
                leaks.setdefault(f"{sec.label} ({sec.text})", f"{where(r, sec)[1]} (GET {url})")

    observed: dict[str, set] = {}
    for qname, qv in queries.items():
        seen, pages, before, r = [], 0, None, None
        while True:
            query = dict(qv, limit="3", **({"before": str(before)} if before else {}))
            r = s.send(who, "GET", f"{API}/notifications", query)
            n_requests += 1
            leaked(r, f"/notifications?{urllib.parse.urlencode(query)}")
            if sc == 0 or r.status != 200:
                break
            b = r.json()
            seen += [x["id"] for x in b["items"]]
            pages += 1
            before = b.get("next_before")
            if not before or pages > 100:
                break
        url = f"GET /notifications?{urllib.parse.urlencode(qv)}" if qv else "GET /notifications"
        if sc == 0:
            if r.status != 403:
                problems.append(f"{url} as {who.label}: {r.status}, expected 403 (no read scope)\n{body_start(r)}")
            continue
        if r.status != 200:
            problems.append(f"{url} as {who.label}: {r.status}\n{body_start(r)}")
            continue
        got = {i for i in seen if i in known}
        want = {i for i in visible if matches(qv, known[i])}
        observed[qname] = got
        if got != want or len(seen) != len(set(seen)):
            def show(ids):
                return ", ".join(f"#{i} {known[i]['record']['number']}->{known[i]['recipient'] or '-'}"
                                 for i in sorted(ids))
            twice = " (an id appeared twice)" if len(seen) != len(set(seen)) else ""
            problems.append(f"{url} as {who.label} ({pages} pages): unexpected [{show(got - want)}], missing "
                            f"[{show(want - got)}]{twice}")
    # One by one: 200 in scope; outside it, exactly what a notification that does not exist answers.
    missing = s.send(who, "GET", f"{API}/notifications/{MISSING_ID}")
    n_requests += 1
    for i, n in sorted(known.items()):
        r = s.send(who, "GET", f"{API}/notifications/{i}")
        n_requests += 1
        leaked(r, f"/notifications/{i}")
        what = f"GET /notifications/{i} ({n['record']['number']} to {n['recipient'] or '-'}) as {who.label}"
        if i in visible:
            if r.status != 200 or (json_or_none(r) or {}).get("id") != i:
                problems.append(f"{what}: {r.status}, expected 200 (in its scope)\n{body_start(r)}")
        elif r.status != (403 if sc == 0 else 404) or \
                normalized(r, [str(i)]) != normalized(missing, [str(MISSING_ID)]):
            problems.append(f"{what}: {r.status} {problem_code(r)}, expected {403 if sc == 0 else 404} as for a "
                            f"missing one ({missing.status} {problem_code(missing)})\n{body_start(r)}")
    problems += [f"leak: {label}: e.g. {example}" for label, example in leaks.items()]
    t.check(not problems, f"{who.label}: the outbox ({len(queries)} filters, paged to the end) and each of the "
                          f"{len(known)} notifications show exactly the {len(visible)} in its scope, and no B data "
                          f"it may not read ({n_requests} requests)",
            lambda: "\n".join(problems[:15]) + (f"\n… {len(problems)} in all" if len(problems) > 15 else ""))
    # Positive controls, on what the server answered.
    own = {"org_agent": "org agent", "org_agent(cookie)": "org agent", "own_agent": "own agent",
           "requester": "requester"}.get(who.label)
    if own:
        n = w.notes[own]
        t.check(n["id"] in observed.get("all", set()) and n["id"] in observed.get("recipient = itself", set()),
                f"{who.label}: positive control: the notification sent to it about {n['record']['number']} is in "
                f"its outbox, also filtered by itself as recipient", f"seen: {observed}")
    if sc == SCOPES["organization"]:
        n = w.A.notification
        t.check(n["id"] in observed.get("all", set()) and n["id"] in observed.get("record = A's service", set()),
                f"{who.label}: positive control: A's notification #{n['id']} about {n['record']['number']} is in its "
                f"outbox, also filtered by the record", f"seen: {observed}")


def check_mute(t: systest.Checks, s: Sender, admin: Principal, w: World):
    """Muting: one's own setting, with the permission; not a mandatory subscription (409); a webhook, an
    inactive and a missing subscription answer the same 404."""
    who = w.principals["requester"]
    subs = w.subscriptions
    mine = subs["requester"]["id"]

    def listed():
        r = s.send(who, "GET", f"{API}/me/subscriptions")
        return {x["id"]: x for x in (json_or_none(r) or {}).get("items", [])} if r.status == 200 else None

    before = listed()
    soft(t, before is not None and mine in before and not before[mine]["muted"] and before[mine]["may_mute"]
         and not any(subs[k]["id"] in before for k in ("B's user", "B's webhook", "A's webhook", "inactive")),
         f"requester: GET /api/v1/me/subscriptions lists the subscription naming it (#{mine}, restricted to B's "
         f"records, which it may read: it was e-mailed through it, notification #{w.notes['requester']['id']}), "
         f"not the ones naming someone else, webhooks or inactive ones", systest.dump(before))
    r = s.send(who, "PUT", f"{API}/me/subscriptions/{mine}/mute")
    after = listed() or {}
    soft(t, r.status == 204 and after.get(mine, {}).get("muted") is True,
         "requester: PUT …/mute (it holds subscription mute) answers 204 and the subscription shows muted",
         lambda: r.describe() + "\n" + systest.dump(after))
    r = s.send(who, "DELETE", f"{API}/me/subscriptions/{mine}/mute")
    after = listed() or {}
    soft(t, r.status == 204 and after.get(mine, {}).get("muted") is False,
         "requester: DELETE …/mute answers 204 and the subscription shows unmuted", lambda: r.describe())
    r = s.send(who, "PUT", f"{API}/me/subscriptions/{subs['own agent']['id']}/mute")
    after = listed() or {}
    soft(t, r.status == 409 and after.get(subs["own agent"]["id"], {"muted": False})["muted"] is False,
         "requester: muting a mandatory subscription answers 409 (and mutes nothing)", lambda: r.describe())
    answers = {}
    for label, sid in (("a webhook", subs["B's webhook"]["id"]), ("an inactive one", subs["inactive"]["id"]),
                       ("a missing one", MISSING_ID)):
        answers[label] = (sid, s.send(who, "PUT", f"{API}/me/subscriptions/{sid}/mute"))
    ref = answers["a missing one"]
    for label in ("a webhook", "an inactive one"):
        sid, r = answers[label]
        soft(t, r.status == 404 and normalized(r, [str(sid)]) == normalized(ref[1], [str(ref[0])]),
             f"requester: muting {label} answers 404 exactly like a missing one",
             lambda: r.describe() + "\n--- missing:\n" + ref[1].describe())
    for label in ("norole", "steward"):
        p = w.principals[label]
        r = s.send(p, "PUT", f"{API}/me/subscriptions/{mine}/mute")
        r2 = s.send(p, "GET", f"{API}/me/subscriptions")
        soft(t, r.status == 403 and r2.status == 200,
             f"{label}: without subscription mute, PUT …/mute answers 403; GET /api/v1/me/subscriptions still 200",
             lambda: r.describe() + "\n" + r2.describe())


def soft(t: systest.Checks, *args, **kw):
    """A check whose failure is reported without ending the section: every property is tried."""
    t.soft(t.check, *args, **kw)


# -- targeted checks --------------------------------------------------------------------------


def check_requester(t: systest.Checks, s: Sender, admin: Principal, w: World):
    who = w.principals["requester"]
    r = s.send(who, "POST", f"{API}/services", body={"name": f"req-{M}", "provider": w.A.org["number"]})
    soft(t, r.status == 403, "requester: cannot create a service (403)", lambda: r.describe())
    target = w.A.user["username"]
    r = s.send(who, "GET", f"{API}/users/{target}")
    soft(t, r.status == 404, f"requester: cannot read another user of its own organization ({target}: 404)",
            lambda: r.describe())
    r = s.send(who, "GET", f"{API}/users")
    names = [u["username"] for u in (json_or_none(r) or {}).get("items", [])] if r.status == 200 else []
    soft(t, r.status == 403 or (r.status == 200 and names == [who.username]),
            f"requester: GET /api/v1/users shows no other user ({r.status}, {names or 'nothing'}; the requester "
            f"role holds user read own)", lambda: r.describe())
    for path in ("/journal", "/journal/verify", "/roles", f"/roles/requester", "/groups"):
        r = s.send(who, "GET", API + path)
        soft(t, r.status == 403, f"requester: GET /api/v1{path} answers 403", lambda: r.describe())
    me = must(t, s.send(who, "GET", f"{API}/me"), 200, "requester me")
    r = s.send(who, "PATCH", f"{API}/users/{who.username}", body={"roles": ["administrator"]},
               headers={"If-Match": f'"{me["version"]}"'})
    after = must(t, s.send(who, "GET", f"{API}/me"), 200, "requester me")
    soft(t, r.status in (403, 422) and after["effective_roles"] == me["effective_roles"],
            f"requester: PATCH /api/v1/users/<self> {{\"roles\": [\"administrator\"]}} is refused ({r.status}) and "
            f"its roles stay {after['effective_roles']}", lambda: r.describe())
    r = s.send(who, "POST", f"{API}/roles", body={"name": f"req-role-{M}", "label": {"en": "x", "ja": "x"},
                                                   "permissions": [{"type": "*", "action": "*", "scope": "all"}]})
    gone = s.send(admin, "GET", f"{API}/roles/req-role-{M}")
    soft(t, r.status == 403 and gone.status == 404, "requester: POST /api/v1/roles is refused (403) and makes nothing",
            lambda: r.describe())
    r = s.send(who, "POST", f"{API}/tokens", body={"label": "x", "user": w.A.user["username"]})
    soft(t, r.status in (403, 404), f"requester: cannot make a token for another user ({r.status})",
            lambda: r.describe())


def check_norole_own_account(t: systest.Checks, s: Sender, w: World):
    """What anyone may do: their own profile, tokens and sessions (a positive control for the no-role user)."""
    who = w.principals["norole"]
    r = s.send(who, "GET", f"{API}/me")
    soft(t, r.status == 200 and r.json()["permissions"] == [], "norole: GET /api/v1/me answers 200 with no "
                                                               "permissions", lambda: r.describe())
    r = s.send(who, "POST", f"{API}/tokens", body={"label": "own"})
    soft(t, r.status == 201, "norole: may create a token of its own", lambda: r.describe())
    tid = r.json()["id"]
    r = s.send(who, "GET", f"{API}/tokens")
    ids = [x["id"] for x in r.json()["items"]] if r.status == 200 else []
    soft(t, r.status == 200 and tid in ids and all(x["user"] == who.username for x in r.json()["items"]),
            "norole: GET /api/v1/tokens lists its own tokens only", lambda: r.describe())
    r = s.send(who, "DELETE", f"{API}/tokens/{tid}")
    soft(t, r.status == 204, "norole: may revoke a token of its own", lambda: r.describe())
    si = sign_in(t, s, who.username)
    r = s.send(who, "GET", f"{API}/sessions")
    items = r.json()["items"] if r.status == 200 else []
    soft(t, r.status == 200 and [x["id"] for x in items] == [si["session"]["id"]],
            "norole: GET /api/v1/sessions lists its own session only", lambda: r.describe())
    r = s.send(who, "DELETE", f"{API}/sessions/{si['session']['id']}")
    soft(t, r.status == 204, "norole: may end a session of its own", lambda: r.describe())
    r = s.send(who, "GET", f"{API}/users/{who.username}")
    soft(t, r.status in (403, 404), f"norole: GET /api/v1/users/<self> is refused ({r.status}: /me is the way)",
            lambda: r.describe())


def check_local_admin(t: systest.Checks, s: Sender, admin: Principal, w: World):
    who = w.principals["local_admin"]
    target = w.A.user["username"]
    for role in ("administrator", f"walk-org-{M}", "service_desk_agent"):
        before = must(t, s.send(admin, "GET", f"{API}/users/{target}"), 200, "admin reads target")
        r = s.send(who, "PATCH", f"{API}/users/{target}", body={"roles": before["roles"] + [role]},
                   headers={"If-Match": f'"{before["version"]}"'})
        after = must(t, s.send(admin, "GET", f"{API}/users/{target}"), 200, "admin reads target")
        soft(t, r.status == 422 and "role.grant_beyond_own_powers" in problem_code(r)
                and after["roles"] == before["roles"] and after["version"] == before["version"],
                f"local_admin: granting {role!r} (more than it holds) to {target} answers 422 "
                f"role.grant_beyond_own_powers; the user's roles stay {before['roles']}",
                lambda: r.describe() + f"\nroles now: {after['roles']}")
    me = must(t, s.send(who, "GET", f"{API}/me"), 200, "local admin me")
    r = s.send(who, "PATCH", f"{API}/users/{who.username}", body={"roles": ["administrator"]},
               headers={"If-Match": f'"{me["version"]}"'})
    after = must(t, s.send(who, "GET", f"{API}/me"), 200, "local admin me")
    soft(t, r.status == 422 and "role.grant_beyond_own_powers" in problem_code(r)
            and after["effective_roles"] == me["effective_roles"],
            "local_admin: granting itself 'administrator' answers 422 role.grant_beyond_own_powers",
            lambda: r.describe())
    r = s.send(who, "POST", f"{API}/users", body={"username": f"walk-esc-{M}", "password": PASSWORD,
                                                   "kind": "agent", "organizations": [w.A.org["number"]],
                                                   "roles": ["administrator"]})
    gone = s.send(admin, "GET", f"{API}/users/walk-esc-{M}")
    soft(t, r.status == 422 and "role.grant_beyond_own_powers" in problem_code(r) and gone.status == 404,
            "local_admin: creating a user with 'administrator' answers 422 role.grant_beyond_own_powers, no user made",
            lambda: r.describe())
    # Positive control: a role within its powers can be granted and taken back.
    before = must(t, s.send(admin, "GET", f"{API}/users/{target}"), 200, "admin reads target")
    r = s.send(who, "PATCH", f"{API}/users/{target}", body={"roles": [f"walk-reader-{M}"]})
    soft(t, r.status == 200 and r.json()["roles"] == [f"walk-reader-{M}"],
            f"local_admin: positive control: granting the read-only role (within its powers) works",
            lambda: r.describe())
    r = s.send(who, "PATCH", f"{API}/users/{target}", body={"roles": before["roles"]})
    soft(t, r.status == 200 and r.json()["roles"] == before["roles"], "local_admin: … and taking it back works",
            lambda: r.describe())


def check_reference_oracles(t: systest.Checks, s: Sender, admin: Principal, w: World):
    """A body naming B's objects is refused exactly like one naming nothing, and changes nothing."""
    who = w.principals["org_agent"]
    a1 = w.A.records["service"][0]
    before = must(t, s.send(admin, "GET", f"{API}/services/{a1['id']}"), 200, "admin reads A1")
    cases = [
        ("PATCH", f"{API}/services/{a1['id']}", "provider", w.B.org["number"], w.X.org["number"]),
        ("PATCH", f"{API}/services/{a1['id']}", "provider", str(w.B.org["id"]), str(MISSING_ID)),
        ("PATCH", f"{API}/services/{a1['id']}", "owner", w.B.user["username"], w.X.user["username"]),
        ("POST", f"{API}/services", "provider", w.B.org["number"], w.X.org["number"]),
        ("POST", f"{API}/services/{a1['id']}/links", "target", w.B.records["service"][1]["number"],
         w.X.records["service"][0]["number"]),
        ("POST", f"{API}/services/{a1['id']}/links", "target", w.B.org["number"], w.X.org["number"]),
    ]
    for method, path, field, bval, xval in cases:
        answers = []
        for val in (bval, xval):
            if path.endswith("/links"):
                rel = "serves" if val.startswith(w.types["organization"]["number_prefix"]) else "depends_on"
                body = {"relation": rel, "target": val}
            elif method == "POST":
                body = {"name": f"ref-{M}", field: val}
            else:
                body = {field: val}
            hdrs = {"If-Match": f'"{before["version"]}"'} if method == "PATCH" else {}
            answers.append((body, s.send(who, method, path, body=body, headers=hdrs)))
        (bb, rb), (xb, rx) = answers
        soft(t, rb.status == 422 and normalized(rb, [bval]) == normalized(rx, [xval]),
                f"org_agent: {method} {path.replace(API, '')} naming B's {field} {bval} is refused exactly like "
                f"naming a missing one ({rb.status} {problem_code(rb)})",
                lambda: f"B's: {describe(who, method, path, bb, rb)}\n--- missing: {describe(who, method, path, xb, rx)}")
    after = must(t, s.send(admin, "GET", f"{API}/services/{a1['id']}"), 200, "admin reads A1")
    soft(t, strip(after) == strip(before), "org_agent: A's service is unchanged by the refused references")
    r = s.send(admin, "GET", f"{API}/services", {"name": f"ref-{M}"})
    soft(t, r.status == 200 and r.json()["items"] == [], "org_agent: no service was created with B's references",
            lambda: r.describe())


def check_own_agent(t: systest.Checks, s: Sender, w: World):
    who = w.principals["own_agent"]
    r = s.send(who, "GET", f"{API}/services/{w.own_record['number']}")
    soft(t, r.status == 200, "own_agent: positive control: reads the service it created", lambda: r.describe())
    a1 = w.A.records["service"][0]
    r = s.send(who, "GET", f"{API}/services/{a1['number']}")
    soft(t, r.status == 404, f"own_agent: A's service {a1['number']}, made by someone else, answers 404",
            lambda: r.describe())
    r = s.send(who, "PATCH", f"{API}/services/{w.own_record['number']}", body={"support_hours": "9-17"},
               headers={"If-Match": f'"{w.own_record["version"]}"'})
    soft(t, r.status == 200, "own_agent: positive control: updates the service it created", lambda: r.describe())


def check_group_grant(t: systest.Checks, s: Sender, admin: Principal, w: World):
    """Membership of a group is a grant of the group's roles: it too must stay within the granter's powers."""
    who = w.principals["steward"]
    r = s.send(who, "POST", f"{API}/groups", body={"name": f"walk-esc-{M}", "display_name": "esc",
                                                    "organization": w.A.org["number"], "roles": ["administrator"]})
    soft(t, r.status == 422 and "role.grant_beyond_own_powers" in problem_code(r),
            "steward: creating a group carrying 'administrator' answers 422 role.grant_beyond_own_powers",
            lambda: r.describe())
    g = must(t, s.send(admin, "POST", f"{API}/groups", body={
        "name": f"walk-admins-{M}", "display_name": "A's administrators", "organization": w.A.org["number"],
        "roles": ["administrator"]}), 201, "admin creates a group in A carrying the administrator role")
    try:
        r = s.send(who, "PATCH", f"{API}/groups/{g['id']}", body={"members": [who.username]})
        me = must(t, s.send(who, "GET", f"{API}/me"), 200, "steward me")
        soft(t, r.status == 422 and "role.grant_beyond_own_powers" in problem_code(r)
                and "administrator" not in me["effective_roles"],
                "steward: adding itself to a group carrying 'administrator' answers 422 "
                "role.grant_beyond_own_powers and does not make it an administrator",
                lambda: describe(who, "PATCH", f"{API}/groups/{g['id']}", {"members": [who.username]}, r)
                + f"\nsteward's effective roles afterwards: {me['effective_roles']}")
        s.send(admin, "PATCH", f"{API}/groups/{g['id']}", body={"members": []})
        r = s.send(who, "PATCH", f"{API}/groups/{g['id']}", body={"members": [w.A.user["username"]]})
        tgt = must(t, s.send(admin, "GET", f"{API}/users/{w.A.user['username']}"), 200, "admin reads target")
        soft(t, r.status == 422 and "role.grant_beyond_own_powers" in problem_code(r)
                and g["name"] not in tgt["groups"],
                f"steward: adding another user to a group carrying 'administrator' answers 422 "
                f"role.grant_beyond_own_powers",
                lambda: describe(who, "PATCH", f"{API}/groups/{g['id']}", {"members": [w.A.user['username']]}, r))
    finally:
        s.send(admin, "PATCH", f"{API}/groups/{g['id']}", body={"members": []})


def check_hidden_link_unlink(t: systest.Checks, s: Sender, admin: Principal, w: World):
    """A link to a record out of scope is left out of …/links; it cannot be removed either."""
    who = w.principals["org_agent"]
    a1 = w.A.records["service"][0]
    b1 = w.B.records["service"][0]
    links = must(t, s.send(admin, "GET", f"{API}/services/{a1['id']}/links"), 200, "admin reads A1 links")["items"]
    hidden = next(l for l in links if l["record"]["id"] == b1["id"])
    mine = must(t, s.send(who, "GET", f"{API}/services/{a1['id']}/links"), 200, "org agent reads A1 links")["items"]
    soft(t, all(l["id"] != hidden["id"] for l in mine) and any(l["record"]["id"] == w.A.records["service"][1]["id"]
                                                               for l in mine),
            f"org_agent: A's service links show the link to A's other service but not the one to B's {b1['number']}",
            systest.dump(mine))
    before = snapshot(t, s, admin, w, w.B, "B")
    r = s.send(who, "DELETE", f"{API}/services/{a1['id']}/links/{hidden['id']}")
    after = snapshot(t, s, admin, w, w.B, "B")
    try:
        soft(t, r.status == 404, f"org_agent: DELETE /services/{a1['number']}/links/{hidden['id']} (the link to B's "
                                 f"{b1['number']}, which …/links leaves out) answers 404 as for a link that does not "
                                 f"exist", lambda: describe(who, "DELETE", f"{API}/services/{a1['id']}/links/"
                                                                          f"{hidden['id']}", None, r))
        t.soft(compare_snapshots, t, before, after, f"org_agent: after that DELETE, B's {b1['number']}, its links "
                                                    f"and its journal are unchanged")
    finally:
        if r.status == 204:  # put it back for a clean state
            s.send(admin, "POST", f"{API}/services/{a1['id']}/links", body={"relation": hidden["relation"],
                                                                           "target": b1["number"]})


if __name__ == "__main__":
    sys.exit(systest.main(test, "authorization holds on every route of the API (a walk over openapi.json)"))
