#!/usr/bin/env python3
"""Administering accounts from the command line: `kanri user|role|token …`.

The commands go through the same rules as the API (docs/administration.md) and are journaled
with the operating-system user as the actor ("cli:<user>"). Asserted, on a real database that a
running `kanri serve` shares:
  - `kanri user add NAME --kind K --org ORG --role R` reads the password from standard input
    (never from the command line), takes ORG by number or by name, and the user can sign in;
  - bad input is refused with exit status 2 and a message per field (unknown organization,
    unknown role, weak password, taken name) and creates nothing;
  - `kanri user list` shows the user with kind, organizations and roles;
  - `kanri role grant|revoke` changes the user's roles (seen by the API), `kanri role list`
    lists the shipped roles with their permissions;
  - `kanri user disable` ends the user's sessions and sign-in; `kanri user enable` restores it;
  - `kanri user reset-password` (password from standard input) replaces the password;
  - `kanri token create|list|revoke`: the printed secret works as a bearer token until revoked,
    the list never shows a secret;
  - every change is in the journal with the actor cli:<user>.

    python3 tests/system/cli_accounts.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import os
import pathlib
import pwd
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402

PASSWORD = "Cli-Created-Passw0rd"


def test(args, t: systest.Checks):
    with harness.Stack.from_args(args) as stack:
        srv = stack.server
        org = srv.request("POST", "/api/v1/organizations", json={"name": "CLI 株式会社", "kind": "customer"}).json()

        def kanri(*argv, stdin: str | None = None):
            return srv.run(*argv, input=stdin, check=False)

        def sign_in(user, password):
            return srv.request("POST", "/api/v1/session", json={"username": user, "password": password}, token=None)

        # user add, with the organization by name and by number
        r = kanri("user", "add", "tanaka", "--kind", "requester", "--org", "CLI 株式会社", "--role", "requester",
                  "--display-name", "田中 一郎", "--email", "tanaka@example.jp", stdin=PASSWORD + "\n")
        t.check(r.returncode == 0 and "created user tanaka" in r.stdout, "kanri user add creates a user (org by name)",
                lambda: r.stdout + r.stderr)
        t.check(PASSWORD not in r.stdout + r.stderr, "the password is never echoed")
        r = kanri("user", "add", "sato", "--kind", "agent", "--org", org["number"], "--role", "service_desk_agent",
                  "--role", "technical_specialist", stdin=PASSWORD + "\n")
        t.check(r.returncode == 0, "kanri user add takes the organization by number and several roles",
                lambda: r.stdout + r.stderr)
        s = sign_in("tanaka", PASSWORD)
        t.check(s.status == 201 and s.json()["user"]["organizations"][0]["number"] == org["number"]
                and s.json()["user"]["roles"] == ["requester"], "the new user signs in with that password", s.describe)

        # refused input: nothing created
        r = kanri("user", "add", "suzuki", "--kind", "boss", "--org", "No Such Org", "--role", "wizard", stdin="short\n")
        t.check(r.returncode == 2, "bad input exits with status 2", lambda: r.stdout + r.stderr)
        for field in ("kind", "password"):
            t.check(f"  {field}:" in r.stderr, f"and names the field {field}", r.stderr)
        r = kanri("user", "add", "suzuki", "--kind", "agent", "--org", "No Such Org", "--role", "wizard",
                  stdin=PASSWORD + "\n")
        t.check(r.returncode == 2 and "organizations:" in r.stderr and "roles:" in r.stderr,
                "an unknown organization and an unknown role are both named", r.stderr)
        t.check(srv.request("GET", "/api/v1/users/suzuki").status == 404, "and no user was created")
        r = kanri("user", "add", "tanaka", "--kind", "agent", stdin=PASSWORD + "\n")
        t.check(r.returncode == 2 and "already taken" in r.stderr, "a taken username is refused", r.stderr)

        # user list
        r = kanri("user", "list")
        line = next((ln for ln in r.stdout.splitlines() if ln.startswith("tanaka ")), "")
        t.check(r.returncode == 0 and "requester" in line and org["number"] in line, "kanri user list shows kind, organization "
                "and roles", r.stdout)

        # role list / grant / revoke
        r = kanri("role", "list")
        t.check(r.returncode == 0 and "internal_auditor" in r.stdout and "journal" in r.stdout,
                "kanri role list lists the shipped roles with their permissions", r.stdout[:800])
        r = kanri("role", "grant", "sato", "change_manager")
        t.check(r.returncode == 0, "kanri role grant", lambda: r.stdout + r.stderr)
        roles = srv.request("GET", "/api/v1/users/sato").json()["roles"]
        t.check(roles == ["change_manager", "service_desk_agent", "technical_specialist"], "the API sees the granted role", roles)
        r = kanri("role", "revoke", "sato", "technical_specialist")
        roles = srv.request("GET", "/api/v1/users/sato").json()["roles"]
        t.check(r.returncode == 0 and roles == ["change_manager", "service_desk_agent"], "kanri role revoke", roles)
        r = kanri("role", "revoke", "sato", "technical_specialist")
        t.check(r.returncode == 2, "revoking a role the user does not hold is an error", r.stderr)
        r = kanri("role", "grant", "sato", "no_such_role")
        t.check(r.returncode == 2 and "no_such_role" in r.stderr, "granting an unknown role is an error", r.stderr)

        # disable / enable
        cookie = sign_in("sato", PASSWORD).header("Set-Cookie").split(";")[0]
        t.check(srv.request("GET", "/api/v1/me", headers={"Cookie": cookie}, token=None).status == 200, "sato has a session")
        r = kanri("user", "disable", "sato")
        t.check(r.returncode == 0, "kanri user disable", lambda: r.stdout + r.stderr)
        # The server caches a verified session for at most 5 s; a change made by another
        # process (this command) reaches it within that time (docs/security.md).
        deadline = time.monotonic() + 6.5
        while time.monotonic() < deadline:
            status = srv.request("GET", "/api/v1/me", headers={"Cookie": cookie}, token=None).status
            if status == 401:
                break
            time.sleep(0.25)
        t.check(status == 401, "a disabled user's session ends within the 5 s the server caches it")
        t.check(sign_in("sato", PASSWORD).status == 401, "and they cannot sign in")
        t.check(kanri("user", "enable", "sato").returncode == 0 and sign_in("sato", PASSWORD).status == 201,
                "kanri user enable lets them back in")

        # reset-password
        r = kanri("user", "reset-password", "tanaka", stdin="Reset-From-The-Cli-1\n")
        t.check(r.returncode == 0, "kanri user reset-password", lambda: r.stdout + r.stderr)
        t.check(sign_in("tanaka", PASSWORD).status == 401 and sign_in("tanaka", "Reset-From-The-Cli-1").status == 201,
                "the old password no longer works, the new one does")
        r = kanri("user", "reset-password", "tanaka", stdin="tanaka-tanaka-1\n")
        t.check(r.returncode == 2 and "username" in r.stderr, "a new password containing the username is refused", r.stderr)

        # tokens
        r = kanri("token", "create", "--user", "tanaka", "--label", "cli test", "--expires-days", "7")
        secret = r.stdout.strip()
        t.check(r.returncode == 0 and secret.startswith("kanri_"), "kanri token create prints the secret once", r.stdout)
        me = srv.request("GET", "/api/v1/me", token=secret)
        t.check(me.status == 200 and me.json()["username"] == "tanaka", "the secret works as a bearer token", me.describe)
        r = kanri("token", "list", "--user", "tanaka")
        t.check(r.returncode == 0 and "cli test" in r.stdout and secret not in r.stdout and "kanri_" not in r.stdout,
                "kanri token list shows the token but never a secret", r.stdout)
        token_id = next(ln.split()[0] for ln in r.stdout.splitlines() if "cli test" in ln)
        r = kanri("token", "revoke", token_id)
        t.check(r.returncode == 0, "kanri token revoke", lambda: r.stdout + r.stderr)
        deadline = time.monotonic() + 6.5
        while time.monotonic() < deadline and srv.request("GET", "/api/v1/me", token=secret).status != 401:
            time.sleep(0.25)
        t.check(srv.request("GET", "/api/v1/me", token=secret).status == 401, "a revoked token is refused (within 5 s)")
        t.check(kanri("token", "create", "--user", "nobody").returncode == 2, "a token for an unknown user is refused")

        # the journal names the operator
        actor = "cli:" + pwd.getpwuid(os.geteuid()).pw_name
        journal = srv.request("GET", f"/api/v1/journal?principal={actor}&limit=1000").json()["items"]
        actions = {e["action"] for e in journal}
        for a in ("create", "update", "disable", "password_reset", "token_create", "token_revoke"):
            t.check(a in actions, f"the journal has the CLI's {a}, by {actor}", sorted(actions))


if __name__ == "__main__":
    sys.exit(systest.main(test, "kanri user|role|token on the command line"))
