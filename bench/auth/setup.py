#!/usr/bin/env python3
"""Creates the principals of the sign-in and authorization benchmarks through the API, as the
administrator, and prints them as JSON on stdout.

    setup.py --url http://127.0.0.1:PORT --token ADMIN_TOKEN [--org ORG-000003]
             [--orgs ORG-000001,ORG-000002,ORG-000003] [--owner owner0001] [--login-users 48]

- role bench_org_reader: {"type": "*", "action": "read", "scope": "organization"}
- role bench_own_reader: {"type": "*", "action": "read", "scope": "own"}
- user bench-org (agent, organization --org, role bench_org_reader) and an API token for it
- user bench-orgs (agent, the organizations --orgs, role bench_org_reader) and a token
- user --owner (made by kanri-bench-gen, owner of about 0.5 % of the services): its roles are
  replaced by bench_own_reader, and a token
- users bench-login-001… (agent, organization --org, role bench_org_reader) with the passwords
  Kx7-signin-secret-001… for the sign-in benchmark (bench/wrk/login.lua)

Idempotent: roles and users that exist are kept (a cached database is set up once); tokens are
new each time. Every user creation hashes a password (argon2id), so this takes a few seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
import urllib.parse

LOGIN_PREFIX = "bench-login-"
LOGIN_PASSWORD_PREFIX = "Kx7-signin-secret-"


class Api:
    def __init__(self, url: str, token: str):
        u = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        self.token = token

    def call(self, method: str, path: str, body=None):
        headers = {"Authorization": f"Bearer {self.token}", "Accept-Language": "en"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body)
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode(errors="replace")
        return resp.status, payload

    def must(self, method: str, path: str, body=None, ok=(200, 201)):
        status, payload = self.call(method, path, body)
        if status not in ok:
            raise SystemExit(f"setup.py: {method} {path} answered {status}: {payload}")
        return payload


def ensure_role(api: Api, name: str, en: str, ja: str, scope: str) -> None:
    status, _ = api.call("GET", f"/api/v1/roles/{name}")
    if status == 200:
        return
    api.must("POST", "/api/v1/roles", {"name": name, "label": {"en": en, "ja": ja},
                                       "permissions": [{"type": "*", "action": "read", "scope": scope}]})


def ensure_user(api: Api, username: str, orgs: list[str], roles: list[str], password: str | None = None) -> bool:
    status, _ = api.call("GET", f"/api/v1/users/{username}")
    if status == 200:
        return False
    # Users that only use a token still need a password (local accounts always have one).
    body = {"username": username, "kind": "agent", "organizations": orgs, "roles": roles,
            "password": password or "Kx7-unused-" + username[::-1] + "-9q"}
    api.must("POST", "/api/v1/users", body)
    return True


def token_for(api: Api, username: str) -> str:
    return api.must("POST", "/api/v1/tokens", {"label": "bench-auth", "user": username})["secret"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--org", default="ORG-000003")
    ap.add_argument("--orgs", default="ORG-000001,ORG-000002,ORG-000003")
    ap.add_argument("--owner", default="owner0001")
    ap.add_argument("--login-users", type=int, default=48)
    args = ap.parse_args()
    api = Api(args.url, args.token)
    t0 = time.monotonic()

    ensure_role(api, "bench_org_reader", "Benchmark: reads its organizations", "ベンチ: 自組織を閲覧", "organization")
    ensure_role(api, "bench_own_reader", "Benchmark: reads its own records", "ベンチ: 自分の記録を閲覧", "own")
    orgs = [o for o in args.orgs.split(",") if o]
    ensure_user(api, "bench-org", [args.org], ["bench_org_reader"])
    ensure_user(api, "bench-orgs", orgs, ["bench_org_reader"])

    owner = api.must("GET", f"/api/v1/users/{args.owner}")
    if owner.get("roles") != ["bench_own_reader"]:
        api.must("PATCH", f"/api/v1/users/{args.owner}", {"roles": ["bench_own_reader"]})

    created = 0
    for i in range(1, args.login_users + 1):
        created += ensure_user(api, f"{LOGIN_PREFIX}{i:03d}", [args.org], ["bench_org_reader"],
                               f"{LOGIN_PASSWORD_PREFIX}{i:03d}")

    org = api.must("GET", f"/api/v1/organizations/{args.org}")
    out = {
        "org": args.org,
        "org_id": org["id"],
        "orgs": orgs,
        "org_ids": [api.must("GET", f"/api/v1/organizations/{o}")["id"] for o in orgs],
        "owner": args.owner,
        "owner_id": owner["id"],
        "tokens": {
            "admin": args.token,
            "org": token_for(api, "bench-org"),
            "orgs": token_for(api, "bench-orgs"),
            "own": token_for(api, args.owner),
        },
        "login_users": args.login_users,
        "login_prefix": LOGIN_PREFIX,
        "login_password_prefix": LOGIN_PASSWORD_PREFIX,
        "login_users_created": created,
        "seconds": round(time.monotonic() - t0, 2),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
