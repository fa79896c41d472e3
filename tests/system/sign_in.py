#!/usr/bin/env python3
"""Signing in: sessions, cookies, CSRF, throttling, the journal, TOTP, LDAP and password rehashing.

Real `kanri serve` processes on one database (SQLite or a throwaway PostgreSQL cluster), each
started with the environment its cases need, and a throwaway OpenLDAP directory
(scripts/slapd-throwaway, people in tests/system/data/sign_in_people.ldif). Asserted:

  cookie        POST /api/v1/session → 201 {user, session, csrf_token, enrolment_required};
                Set-Cookie kanri_session=…; Path=/; HttpOnly; SameSite=Lax, without Secure over
                plain HTTP, with Secure after X-Forwarded-Proto: https; GET /api/v1/me gives the
                same csrf_token (only for cookie sessions)
  same 401      unknown user, wrong password, disabled user (right password): 401 with the very
                same body ("The username or password is not correct."), no cookie; journaled as
                login_failed with reason unknown_user / wrong_password / disabled
  CSRF          a cookie request that changes state without or with a wrong X-CSRF-Token (or
                Sec-Fetch-Site: cross-site) → 403 and nothing changed; with it → done; a bearer
                token needs none
  logout        DELETE /api/v1/session ends the session (old cookie → 401), journaled
  sessions      GET /api/v1/sessions lists one's own ("current"); DELETE /api/v1/sessions/{id}
                ends that one only; another user's session is not found
  password      policy (too short, contains the username) → 422; a change ends the other
                sessions but not the current one; an administrator's reset; journaled
  throttling    per account (3 failures, 2 s lock, doubling up to 3 s): 429 with Retry-After
                even for the right password, released after the wait, a success clears the
                count; per address through a trusted proxy (X-Forwarded-For, rightmost untrusted
                hop) across accounts; an untrusted X-Forwarded-For is ignored; login_locked
                journaled; a successful sign-in is not counted as a failure
  TOTP          enrolment (secret, otpauth URI, QR SVG), confirmation, sign-in without a code
                (totp_required), with a wrong code, with the right one (password+totp), replay
                refused, administrator's reset; KANRI_TOTP=required: enrolment-only sessions
  LDAP          direct bind, search then bind, automatic creation with the default organization
                and role (journaled by "ldap"), wrong password, unknown person, local users keep
                their local password, directory down → 503 (not counted as failures)
  rehash        a hash made with the default argon2id parameters is replaced at the first
                sign-in after a restart with KANRI_PASSWORD_OPSLIMIT=3 (journaled once)
  journal       GET /api/v1/journal/verify is OK after all of it

    python3 tests/system/sign_in.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import pathlib
import struct
import sys
import time
import tomllib
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402

LDIF = pathlib.Path(__file__).resolve().parent / "data" / "sign_in_people.ldif"
MESSAGES = tomllib.loads((systest.REPO_ROOT / "i18n" / "en.toml").read_text("utf-8"))

PW = "Correct-Horse-7-Battery"       # every local test user's password
WRONG = "Wrong-Horse-7-Battery"
LDAP_PW = {"alice": "Alice-Directory-Secret-1", "bob": "Bob-Directory-Secret-2",
           "carol": "Carol-Directory-Secret-3"}
PEOPLE = "ou=people,dc=kanri,dc=test"
AGENT = "service_desk_agent"

# The small limits of the throttling cases (every server but the base one uses them).
MAX_PER_ACCOUNT = 3
MAX_PER_ADDRESS = 5
LOCK_SECONDS = 2
LOCK_MAX_SECONDS = 3
LIMITS = {
    "KANRI_LOGIN_MAX_FAILURES_PER_ACCOUNT": str(MAX_PER_ACCOUNT),
    "KANRI_LOGIN_MAX_FAILURES_PER_ADDRESS": str(MAX_PER_ADDRESS),
    "KANRI_LOGIN_LOCK_SECONDS": str(LOCK_SECONDS),
    "KANRI_LOGIN_LOCK_MAX_SECONDS": str(LOCK_MAX_SECONDS),
}
# Every server but the "untrusted" one believes X-Forwarded-For from 127.0.0.1, and every sign-in
# sends one: each case has its own client addresses, so the per-address counts never mix.
TRUSTED = {"KANRI_TRUSTED_PROXIES": "127.0.0.1"}

_addresses = (f"198.51.100.{i}" for i in range(1, 255))


def new_address() -> str:
    return next(_addresses)


def message(code: str, **args) -> str:
    section, _, key = code.partition(".")
    text = MESSAGES[section][key]
    for k, v in args.items():
        text = text.replace("{" + k + "}", str(v))
    return text


LOGIN_FAILED = "The username or password is not correct."


# ---------------------------------------------------------------------------------------------
# HTTP as a browser and as an administrator


def sign_in(srv, username, password, ip, totp=None, headers=None) -> harness.Response:
    body = {"username": username, "password": password}
    if totp is not None:
        body["totp"] = totp
    h = {"Accept-Language": "en", "User-Agent": "sign_in.py"}
    if ip:
        h["X-Forwarded-For"] = ip
    h.update(headers or {})
    return srv.request("POST", "/api/v1/session", json=body, headers=h, token=None)


def admin(srv, method, path, json=harness.DEFAULT, headers=None) -> harness.Response:
    """A request with the administrator's API token."""
    return srv.request(method, path, json=json, headers={"Accept-Language": "en", **(headers or {})})


def parse_set_cookie(r: harness.Response):
    """{name, value, attrs (lower-case name → value, True for a flag), raw} or None."""
    raw = r.header("Set-Cookie")
    if not raw:
        return None
    parts = [p.strip() for p in raw.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, sep, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip() if sep else True
    return {"name": name, "value": value, "attrs": attrs, "raw": raw}


def detail(r: harness.Response):
    try:
        return r.json().get("detail")
    except (ValueError, AttributeError):
        return None


def field_codes(r: harness.Response) -> list:
    try:
        return [(e.get("field"), e.get("code")) for e in r.json().get("errors", [])]
    except (ValueError, AttributeError):
        return []


class Browser:
    """One signed-in session: sends its cookie (and, for changes, its CSRF token)."""

    def __init__(self, srv, ip, r: harness.Response):
        self.srv = srv
        self.ip = ip
        self.body = r.json()
        cookie = parse_set_cookie(r)
        self.secret = cookie["value"] if cookie else ""
        self.csrf = self.body["csrf_token"]
        self.id = self.body["session"]["id"]

    def request(self, method, path, json=harness.DEFAULT, csrf=True, headers=None) -> harness.Response:
        """csrf: True sends the right token on state-changing methods, a string sends that, None none."""
        h = {"Accept-Language": "en", "Cookie": f"kanri_session={self.secret}", "X-Forwarded-For": self.ip}
        if csrf is True and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        elif isinstance(csrf, str):
            h["X-CSRF-Token"] = csrf
        h.update(headers or {})
        return self.srv.request(method, path, json=json, headers=h, token=None)


def session_for(t, srv, username, password, ip, what, **kw) -> Browser:
    r = sign_in(srv, username, password, ip, **kw)
    t.check(r.status == 201 and parse_set_cookie(r) is not None, what, r.describe)
    return Browser(srv, ip, r)


def journal(srv, action: str, **match) -> list:
    """The journal entries with this action (oldest first) whose fields equal `match`."""
    out, after = [], 0
    while True:
        r = admin(srv, "GET", f"/api/v1/journal?action={urllib.parse.quote(action)}&limit=1000&after={after}")
        if r.status != 200:
            raise systest.Failure(f"GET /api/v1/journal?action={action} answered {r.status}:\n"
                                  + systest.indent(r.describe()))
        j = r.json()
        out += j["items"]
        if not j.get("next_cursor"):
            break
        after = int(j["next_cursor"])
    return [e for e in out if all(e.get(k) == v for k, v in match.items())]


def reasons(entries) -> list:
    return [(e.get("changes") or {}).get("reason") for e in entries]


def create_user(t, srv, username, password=PW, roles=(AGENT,), **fields) -> dict:
    body = {"username": username, "kind": "agent", "roles": list(roles), **fields}
    if password is not None:
        body["password"] = password
    r = admin(srv, "POST", "/api/v1/users", json=body)
    t.check(r.status == 201, f"setup: create user {username}", r.describe, quiet=True)
    return r.json()


# ---------------------------------------------------------------------------------------------
# TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30 s)


def totp_code(secret_b32: str, step: int) -> str:
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def time_step() -> int:
    return int(time.time()) // 30


def not_a_code(secret: str, step: int) -> str:
    """Six digits that are none of the codes near `step`."""
    near = {totp_code(secret, s) for s in range(step - 3, step + 4)}
    n = 123456
    while f"{n:06d}" in near:
        n += 1
    return f"{n:06d}"


# ---------------------------------------------------------------------------------------------
# Cases on the main server (trusted proxy, small limits)


def case_cookie(t, srv):
    ip = new_address()
    r = sign_in(srv, "cookie-user", PW, ip)
    t.check(r.status == 201, "sign-in with the right password: 201", r.describe)
    body = r.json()
    t.check(isinstance(body, dict) and {"user", "session", "csrf_token", "enrolment_required"} <= set(body)
            and body["enrolment_required"] is False and body["user"]["username"] == "cookie-user"
            and body["session"].get("method") == "password" and isinstance(body["session"].get("id"), int)
            and isinstance(body["csrf_token"], str) and len(body["csrf_token"]) >= 32,
            "sign-in body: user, session (method password), csrf_token, enrolment_required false",
            lambda: systest.dump(body))
    c = parse_set_cookie(r)
    t.check(c is not None and c["name"] == "kanri_session" and len(c["value"]) >= 20,
            "sign-in sets the cookie kanri_session=<secret>", r.describe)
    a = c["attrs"]
    t.check(a.get("path") == "/", "cookie: Path=/", c["raw"])
    t.check(a.get("httponly") is True, "cookie: HttpOnly", c["raw"])
    t.check(str(a.get("samesite", "")).lower() == "lax", "cookie: SameSite=Lax", c["raw"])
    t.check("secure" not in a, "cookie over plain HTTP: no Secure", c["raw"])
    t.check(c["value"] not in r.text, "the session secret is only in the cookie, not in the body", r.describe)

    x = sign_in(srv, "cookie-user", PW, ip, headers={"Sec-Fetch-Site": "cross-site"})
    t.check(x.status == 403 and parse_set_cookie(x) is None,
            "a cross-site sign-in (Sec-Fetch-Site: cross-site) → 403, no cookie", x.describe)
    b = Browser(srv, ip, r)
    me = b.request("GET", "/api/v1/me")
    t.check(me.status == 200 and me.json().get("username") == "cookie-user",
            "GET /api/v1/me with the cookie: 200, the user", me.describe)
    auth = me.json().get("authentication") or {}
    t.check(auth.get("csrf_token") == body["csrf_token"] and auth.get("session_id") == b.id
            and auth.get("method") == "password",
            "GET /api/v1/me: authentication.csrf_token is the sign-in's csrf_token, session_id and method",
            me.describe)
    tok = admin(srv, "GET", "/api/v1/me")
    t.check(tok.status == 200 and "csrf_token" not in (tok.json().get("authentication") or {}),
            "GET /api/v1/me with a bearer token: no csrf_token", tok.describe)

    r2 = sign_in(srv, "cookie-user", PW, ip, headers={"X-Forwarded-Proto": "https"})
    c2 = parse_set_cookie(r2)
    t.check(r2.status == 201 and c2 is not None and c2["attrs"].get("secure") is True
            and c2["attrs"].get("httponly") is True and str(c2["attrs"].get("samesite", "")).lower() == "lax"
            and c2["attrs"].get("path") == "/",
            "with X-Forwarded-Proto: https the cookie is Secure (and HttpOnly, SameSite=Lax, Path=/)", r2.describe)
    t.check(c2["value"] != c["value"] and r2.json()["session"]["id"] != b.id,
            "each sign-in makes a new session with its own secret", lambda: f"{c['raw']}\n{c2['raw']}")
    logins = journal(srv, "login", record_number="cookie-user")
    t.check(len(logins) == 2 and all(e["ip"] == ip and e["principal"] == "cookie-user" and e["record_type"] == "user"
                                     and e["record_id"] == body["user"]["id"]
                                     and (e.get("changes") or {}).get("method") == "password" for e in logins)
            and [(e.get("changes") or {}).get("session_id") for e in logins] == [b.id, r2.json()["session"]["id"]],
            "journal: a login entry per sign-in (user, ip from X-Forwarded-For, method, session_id)",
            lambda: systest.dump(logins))
    t.check(all(isinstance(e.get("seq"), int) and isinstance(e.get("at"), str) and e["at"][:4].isdigit()
                for e in logins) and logins[0]["seq"] < logins[1]["seq"],
            "journal entries carry seq (increasing) and at", lambda: systest.dump(logins))


def case_same_401(t, srv):
    ip = new_address()
    off = session_for(t, srv, "off-user", PW, ip, "the user to be disabled signs in before")
    r = admin(srv, "PATCH", "/api/v1/users/off-user", json={"active": False})
    t.check(r.status == 200 and r.json().get("active") is False, "setup: disable off-user", r.describe, quiet=True)
    unknown = sign_in(srv, "no-such-user", PW, ip)
    wrong = sign_in(srv, "same-user", WRONG, ip)
    disabled = sign_in(srv, "off-user", PW, ip)
    for label, x in (("unknown user", unknown), ("wrong password", wrong), ("disabled user", disabled)):
        t.check(x.status == 401 and (x.header("Content-Type") or "").startswith("application/problem+json")
                and detail(x) == LOGIN_FAILED and parse_set_cookie(x) is None,
                f"{label}: 401 problem+json \"{LOGIN_FAILED}\", no cookie", x.describe)
    t.check(unknown.body == wrong.body == disabled.body,
            "unknown user, wrong password and disabled user get byte-for-byte the same body",
            lambda: "\n".join(x.text for x in (unknown, wrong, disabled)))
    same = ("Content-Type", "WWW-Authenticate", "Content-Language", "Retry-After")
    t.check(all(unknown.header(h) == wrong.header(h) == disabled.header(h) for h in same),
            "... and the same headers", lambda: "\n\n".join(x.describe() for x in (unknown, wrong, disabled)))
    directory_user = sign_in(srv, "alice", LDAP_PW["alice"], ip)
    t.check(directory_user.status == 401 and directory_user.body == unknown.body,
            "a directory (auth_source ldap) user while LDAP is off → the same 401", directory_user.describe)
    old = off.request("GET", "/api/v1/me")
    t.check(old.status == 401, "disabling a user ends its session (old cookie → 401)", old.describe)
    failed = [e for e in journal(srv, "login_failed") if e["ip"] == ip]
    t.check(reasons(failed)[:3] == ["unknown_user", "wrong_password", "disabled"]
            and [e["record_number"] for e in failed][:3] == ["no-such-user", "same-user", "off-user"]
            and all(e["record_type"] == "user" for e in failed)
            and failed[0]["record_id"] == 0 and failed[0]["principal"] == "anonymous"
            and failed[1]["record_id"] > 0 and failed[2]["record_id"] > 0,
            "journal: login_failed with reason unknown_user / wrong_password / disabled, the name, the ip",
            lambda: systest.dump(failed))


def case_csrf(t, srv):
    ip = new_address()
    b = session_for(t, srv, "csrf-user", PW, ip, "csrf-user signs in")

    def name():
        return b.request("GET", "/api/v1/me").json().get("display_name")

    before = name()
    for label, csrf, extra in (("without X-CSRF-Token", None, None),
                               ("with a wrong X-CSRF-Token", "0" * len(b.csrf), None),
                               ("with the token of another session", None, None),
                               ("with Sec-Fetch-Site: cross-site", True, {"Sec-Fetch-Site": "cross-site"})):
        if label == "with the token of another session":
            other = session_for(t, srv, "csrf-user", PW, ip, "csrf-user signs in a second time", )
            csrf = other.csrf
        r = b.request("PATCH", "/api/v1/me", json={"display_name": f"Changed {label}"}, csrf=csrf, headers=extra)
        t.check(r.status == 403 and detail(r) == message("auth.csrf"),
                f"CSRF: PATCH /api/v1/me by cookie {label} → 403 (auth.csrf)", r.describe)
        t.check(name() == before, f"CSRF: ... and the display name is unchanged", lambda: name())
    r = b.request("PATCH", "/api/v1/me", json={"display_name": "Changed with the token"})
    t.check(r.status == 200 and name() == "Changed with the token",
            "CSRF: PATCH /api/v1/me by cookie with X-CSRF-Token → 200, changed", r.describe)

    r = b.request("POST", "/api/v1/tokens", json={"label": "csrf check"}, csrf=None)
    t.check(r.status == 403, "CSRF: POST /api/v1/tokens by cookie without the token → 403", r.describe)
    listed = b.request("GET", "/api/v1/tokens")
    t.check(listed.status == 200 and listed.json()["items"] == [],
            "CSRF: ... and no token was made", listed.describe)
    r = b.request("POST", "/api/v1/tokens", json={"label": "csrf check"})
    t.check(r.status == 201 and r.json().get("secret"), "POST /api/v1/tokens by cookie with the token → 201",
            r.describe)
    token_id, secret = r.json()["id"], r.json()["secret"]
    r = srv.request("PATCH", "/api/v1/me", json={"display_name": "Changed by token"}, token=secret,
                    headers={"Accept-Language": "en"})
    t.check(r.status == 200 and r.json().get("display_name") == "Changed by token",
            "a bearer-token PATCH needs no X-CSRF-Token → 200", r.describe)
    r = b.request("DELETE", f"/api/v1/tokens/{token_id}", csrf=None)
    t.check(r.status == 403, "CSRF: DELETE /api/v1/tokens/{id} by cookie without the token → 403", r.describe)
    r = srv.request("GET", "/api/v1/me", token=secret)
    t.check(r.status == 200, "... and the token still works", r.describe)
    r = b.request("DELETE", f"/api/v1/tokens/{token_id}")
    t.check(r.status == 204, "DELETE /api/v1/tokens/{id} by cookie with the token → 204", r.describe)
    r = srv.request("GET", "/api/v1/me", token=secret)
    t.check(r.status == 401, "the revoked token → 401", r.describe)
    r = b.request("DELETE", "/api/v1/session", csrf=None)
    t.check(r.status == 403, "CSRF: DELETE /api/v1/session without the token → 403", r.describe)
    r = b.request("GET", "/api/v1/me")
    t.check(r.status == 200, "... and the session still works", r.describe)

    uid = b.body["user"]["id"]
    updates = journal(srv, "update", record_type="user", record_id=uid)
    t.check([list((e.get("changes") or {}).get("display_name", [None, None]))[1] for e in updates]
            == ["Changed with the token", "Changed by token"],
            "journal: only the two accepted changes of the display name", lambda: systest.dump(updates))
    created = journal(srv, "token_create", record_id=uid)
    revoked = journal(srv, "token_revoke", record_id=uid)
    t.check(len(created) == 1 and created[0]["changes"].get("token_id") == token_id
            and created[0]["changes"].get("label") == "csrf check" and created[0]["principal"] == "csrf-user"
            and len(revoked) == 1 and revoked[0]["changes"].get("token_id") == token_id,
            "journal: token_create and token_revoke, once each", lambda: systest.dump(created + revoked))


def case_logout(t, srv):
    ip = new_address()
    b = session_for(t, srv, "logout-user", PW, ip, "logout-user signs in")
    r = b.request("DELETE", "/api/v1/session")
    c = parse_set_cookie(r)
    t.check(r.status == 204, "DELETE /api/v1/session with the token → 204", r.describe)
    t.check(c is not None and c["name"] == "kanri_session" and c["value"] == ""
            and c["attrs"].get("max-age") == "0" and c["attrs"].get("path") == "/",
            "sign-out clears the cookie (kanri_session=; Max-Age=0; Path=/)", r.describe)
    r = b.request("GET", "/api/v1/me")
    t.check(r.status == 401 and detail(r) == message("auth.session_ended"),
            "after sign-out the old cookie → 401 (session ended)", r.describe)
    r = b.request("DELETE", "/api/v1/session")
    t.check(r.status == 401, "signing out twice → 401", r.describe)
    out = journal(srv, "logout", record_number="logout-user")
    t.check(len(out) == 1 and out[0]["changes"].get("session_id") == b.id and out[0]["ip"] == ip
            and out[0]["principal"] == "logout-user",
            "journal: one logout entry with the session id", lambda: systest.dump(out))


def case_sessions(t, srv):
    ip = new_address()
    a = session_for(t, srv, "sess-user", PW, ip, "sess-user signs in (session A)", headers={"User-Agent": "agent-a"})
    b = session_for(t, srv, "sess-user", PW, ip, "sess-user signs in again (session B)",
                    headers={"User-Agent": "agent-b"})
    other = session_for(t, srv, "sess-other", PW, ip, "sess-other signs in")
    r = a.request("GET", "/api/v1/sessions")
    t.check(r.status == 200, "GET /api/v1/sessions → 200", r.describe)
    items = {s["id"]: s for s in r.json()["items"]}
    t.check(set(items) == {a.id, b.id}, "the list holds the user's own two sessions (not the other user's)",
            r.describe)
    t.check(items[a.id]["current"] is True and items[b.id]["current"] is False,
            "\"current\": true for this session only", r.describe)
    t.check(all(s["user"] == "sess-user" and s["ip"] == ip and s["method"] == "password" for s in items.values())
            and items[a.id]["user_agent"] == "agent-a" and items[b.id]["user_agent"] == "agent-b",
            "each session shows its user, ip, method and user agent", r.describe)
    r = a.request("DELETE", f"/api/v1/sessions/{b.id}", csrf=None)
    t.check(r.status == 403, "DELETE /api/v1/sessions/{id} without X-CSRF-Token → 403", r.describe)
    r = a.request("DELETE", f"/api/v1/sessions/{b.id}")
    t.check(r.status == 204, "DELETE /api/v1/sessions/{B} from A → 204", r.describe)
    rb, ra = b.request("GET", "/api/v1/me"), a.request("GET", "/api/v1/me")
    t.check(rb.status == 401 and ra.status == 200, "session B → 401, session A still 200",
            lambda: rb.describe() + "\n\n" + ra.describe())
    r = a.request("GET", "/api/v1/sessions")
    t.check(r.status == 200 and [s["id"] for s in r.json()["items"]] == [a.id],
            "the list now holds session A only", r.describe)
    r = a.request("DELETE", f"/api/v1/sessions/{b.id}")
    t.check(r.status == 409, "revoking B again → 409", r.describe)
    r = a.request("DELETE", f"/api/v1/sessions/{other.id}")
    ro = other.request("GET", "/api/v1/me")
    t.check(r.status == 404 and ro.status == 200,
            "another user's session: DELETE → 404, and it stays valid", lambda: r.describe() + "\n\n" + ro.describe())
    rev = journal(srv, "session_revoke", record_number="sess-user")
    t.check(len(rev) == 1 and rev[0]["changes"].get("session_id") == b.id and rev[0]["principal"] == "sess-user",
            "journal: one session_revoke for session B", lambda: systest.dump(rev))


def case_password(t, srv):
    ip = new_address()
    new_pw, reset_pw = "Second-Horse-8-Battery", "Third-Horse-9-Battery"
    a = session_for(t, srv, "pw-user", PW, ip, "pw-user signs in (session A)")
    b = session_for(t, srv, "pw-user", PW, ip, "pw-user signs in again (session B)")
    for label, body, want in (
            ("a password under 12 characters", {"current_password": PW, "new_password": "Sh0rt-pass!"},
             ("new_password", "password.too_short")),
            ("a password containing the username", {"current_password": PW, "new_password": "My-PW-User-Secret-77"},
             ("new_password", "password.contains_username")),
            ("a wrong current password", {"current_password": WRONG, "new_password": new_pw},
             ("current_password", "password.wrong_current"))):
        r = a.request("POST", "/api/v1/me/password", json=body)
        t.check(r.status == 422 and want in field_codes(r), f"change password to {label} → 422 {want[1]}",
                r.describe)
    r = admin(srv, "POST", "/api/v1/users", json={"username": "short-pw", "kind": "agent", "password": "Abc-12345"})
    t.check(r.status == 422 and ("password", "password.too_short") in field_codes(r),
            "creating a user with a short password → 422 password.too_short", r.describe)
    r = a.request("POST", "/api/v1/me/password", json={"current_password": PW, "new_password": new_pw}, csrf=None)
    t.check(r.status == 403, "change password by cookie without X-CSRF-Token → 403", r.describe)
    r = a.request("POST", "/api/v1/me/password", json={"current_password": PW, "new_password": new_pw})
    t.check(r.status == 204, "change password → 204", r.describe)
    ra, rb = a.request("GET", "/api/v1/me"), b.request("GET", "/api/v1/me")
    t.check(ra.status == 200, "the current session stays valid after the change", ra.describe)
    t.check(rb.status == 401, "the other session has ended (→ 401)", rb.describe)
    r_old, r_new = sign_in(srv, "pw-user", PW, ip), sign_in(srv, "pw-user", new_pw, ip)
    t.check(r_old.status == 401 and r_new.status == 201, "the old password → 401, the new one → 201",
            lambda: r_old.describe() + "\n\n" + r_new.describe())
    changed = journal(srv, "password_change", record_number="pw-user")
    failed = journal(srv, "password_change_failed", record_number="pw-user")
    t.check(len(changed) == 1 and changed[0]["changes"].get("other_sessions_ended") == 1
            and changed[0]["principal"] == "pw-user" and changed[0]["ip"] == ip,
            "journal: password_change with other_sessions_ended 1", lambda: systest.dump(changed))
    t.check(reasons(failed) == ["wrong_current_password"],
            "journal: password_change_failed for the wrong current password", lambda: systest.dump(failed))

    r = admin(srv, "POST", "/api/v1/users/pw-user/password", json={"password": "pw-user-Horse-9-Battery"})
    t.check(r.status == 422 and ("password", "password.contains_username") in field_codes(r),
            "administrator's reset to a password containing the username → 422", r.describe)
    r = admin(srv, "POST", "/api/v1/users/pw-user/password", json={"password": reset_pw})
    t.check(r.status == 204, "administrator's reset → 204", r.describe)
    ra = a.request("GET", "/api/v1/me")
    r_new, r_reset = sign_in(srv, "pw-user", new_pw, ip), sign_in(srv, "pw-user", reset_pw, ip)
    t.check(ra.status == 401 and r_new.status == 401 and r_reset.status == 201,
            "after the reset: the user's sessions ended, the previous password → 401, the reset one → 201",
            lambda: "\n\n".join(x.describe() for x in (ra, r_new, r_reset)))
    reset = journal(srv, "password_reset", record_number="pw-user")
    t.check(len(reset) == 1 and reset[0]["principal"] == "admin" and reset[0]["changes"].get("sessions_ended", 0) >= 1,
            "journal: password_reset by admin", lambda: systest.dump(reset))


def retry_after(r) -> int | None:
    v = r.header("Retry-After")
    return int(v) if v and v.isdigit() else None


def expect_throttled(t, r, what, low, high):
    ra = retry_after(r)
    t.check(r.status == 429 and ra is not None and low <= ra <= high
            and detail(r) == message("auth.throttled", seconds=ra) and parse_set_cookie(r) is None,
            f"{what} → 429, Retry-After {low}..{high} s, \"Too many failed sign-in attempts…\"", r.describe)
    return ra


def case_account_throttling(t, srv):
    ip = new_address()
    user = "thr-user"
    for i in range(1, MAX_PER_ACCOUNT + 1):
        r = sign_in(srv, user, WRONG, ip)
        t.check(r.status == 401 and detail(r) == LOGIN_FAILED, f"account: wrong password {i} of {MAX_PER_ACCOUNT} → 401",
                r.describe)
    r = sign_in(srv, user, PW, ip)
    ra = expect_throttled(t, r, f"account: after {MAX_PER_ACCOUNT} failures even the right password",
                          1, LOCK_SECONDS)
    r = sign_in(srv, user, WRONG, ip)
    expect_throttled(t, r, "account: a wrong password during the lock", 1, LOCK_SECONDS)
    r = sign_in(srv, "thr-other", PW, ip)
    t.check(r.status == 201, "account: the lock is per account: another account from the same address → 201",
            r.describe)
    locked = journal(srv, "login_locked", record_number=f"user:{user}")
    t.check(len(locked) == 1 and locked[0]["changes"].get("failures") == MAX_PER_ACCOUNT
            and locked[0]["changes"].get("seconds") == LOCK_SECONDS and locked[0]["ip"] == ip,
            f"journal: login_locked for user:{user} ({MAX_PER_ACCOUNT} failures, {LOCK_SECONDS} s)",
            lambda: systest.dump(locked))
    failed = journal(srv, "login_failed", record_number=user)
    t.check(len(failed) == MAX_PER_ACCOUNT and set(reasons(failed)) == {"wrong_password"},
            "journal: a login_failed per counted failure, none for the refused (429) attempts",
            lambda: systest.dump(failed))

    time.sleep(ra + 0.2)
    r = sign_in(srv, user, WRONG, ip)
    t.check(r.status == 401, "account: after the wait a wrong password is checked again → 401", r.describe)
    r = sign_in(srv, user, PW, ip)
    ra = expect_throttled(t, r, "account: one more failure locks again, longer (doubled, capped at the maximum)",
                          LOCK_SECONDS + 1, LOCK_MAX_SECONDS)
    time.sleep(ra + 0.2)
    ip2 = new_address()
    r = sign_in(srv, user, PW, ip2)
    t.check(r.status == 201, "account: after the wait the right password → 201 (released)", r.describe)
    for i in range(1, MAX_PER_ACCOUNT):
        r = sign_in(srv, user, WRONG, ip2)
        t.check(r.status == 401, f"account: after the success, wrong password {i} → 401 (the count was cleared)",
                r.describe)
    r = sign_in(srv, user, PW, ip2)
    t.check(r.status == 201,
            f"account: {MAX_PER_ACCOUNT - 1} failures after a success do not lock: the right password → 201",
            r.describe)


def case_account_lock_journal(t, srv):
    """After limit-1 failures the right password signs in; the account was never locked."""
    ip = new_address()
    user = "lock-journal-user"
    for _ in range(MAX_PER_ACCOUNT - 1):
        sign_in(srv, user, WRONG, ip)
    r = sign_in(srv, user, PW, ip)
    t.check(r.status == 201, f"account: {MAX_PER_ACCOUNT - 1} failures, then the right password → 201", r.describe)
    locked = journal(srv, "login_locked", record_number=f"user:{user}")
    t.check(locked == [],
            f"journal: no login_locked for an account that had only {MAX_PER_ACCOUNT - 1} failures and then "
            f"signed in", lambda: systest.dump(locked))


def case_address_throttling(t, srv):
    addr, elsewhere = new_address(), new_address()
    for i in range(1, MAX_PER_ADDRESS + 1):
        # A client may put anything on the left of X-Forwarded-For; the rightmost untrusted hop counts.
        r = sign_in(srv, f"addr-{i}", WRONG, f"10.66.0.{i}, {addr}")
        t.check(r.status == 401, f"address: account addr-{i}, one wrong password from {addr} → 401", r.describe,
                quiet=i < MAX_PER_ADDRESS)
    r = sign_in(srv, "addr-ok", PW, addr)
    expect_throttled(t, r, f"address: after {MAX_PER_ADDRESS} failures (5 accounts) from one address, "
                           f"another account's right password from it", 1, LOCK_SECONDS)
    r = sign_in(srv, "addr-ok", PW, f"{addr}, 127.0.0.1")
    expect_throttled(t, r, "address: the same client behind two trusted proxies (X-Forwarded-For: addr, 127.0.0.1)",
                     1, LOCK_SECONDS)
    r = sign_in(srv, "addr-ok", PW, elsewhere)
    t.check(r.status == 201, "address: the same account from another address → 201", r.describe)
    failed = [e for e in journal(srv, "login_failed") if e["record_number"].startswith("addr-")]
    t.check(len(failed) == MAX_PER_ADDRESS and all(e["ip"] == addr for e in failed),
            "journal: the failures carry the client address (rightmost untrusted hop), not the spoofed left hops",
            lambda: systest.dump(failed))
    locked = journal(srv, "login_locked", record_number=f"ip:{addr}")
    t.check(len(locked) == 1 and locked[0]["changes"].get("failures") == MAX_PER_ADDRESS,
            f"journal: login_locked for ip:{addr}", lambda: systest.dump(locked))


def case_address_success(t, srv):
    """A successful sign-in gives its count back: limit-1 failures and then successes never lock the address."""
    addr = new_address()
    for i in range(1, MAX_PER_ADDRESS):
        sign_in(srv, f"addr-s{i}", WRONG, addr)
    r1 = sign_in(srv, "addr-s-ok", PW, addr)
    r2 = sign_in(srv, "addr-s-ok", PW, addr)
    t.check(r1.status == 201 and r2.status == 201,
            f"address: after {MAX_PER_ADDRESS - 1} failures from an address, two right sign-ins from it → 201, 201 "
            f"(a success is not a failure)", lambda: f"first: HTTP {r1.status}\nsecond: {r2.describe()}")
    locked = journal(srv, "login_locked", record_number=f"ip:{addr}")
    t.check(locked == [], f"journal: no login_locked for an address with {MAX_PER_ADDRESS - 1} failures",
            lambda: systest.dump(locked))


def case_totp(t, srv):
    ip = new_address()
    user = "totp-user"
    b = session_for(t, srv, user, PW, ip, "totp-user signs in")
    r = b.request("POST", "/api/v1/me/totp", csrf=None)
    t.check(r.status == 403, "POST /api/v1/me/totp by cookie without X-CSRF-Token → 403", r.describe)
    r = b.request("POST", "/api/v1/me/totp")
    t.check(r.status == 201, "POST /api/v1/me/totp → 201", r.describe)
    e = r.json()
    secret = e.get("secret", "")
    try:
        raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
    except ValueError:
        raw = b""
    uri = urllib.parse.urlsplit(e.get("uri", ""))
    q = urllib.parse.parse_qs(uri.query)
    t.check(len(raw) >= 16 and uri.scheme == "otpauth" and uri.netloc == "totp"
            and urllib.parse.unquote(uri.path).endswith(f":{user}")
            and q.get("secret") == [secret] and q.get("digits") == ["6"] and q.get("period") == ["30"]
            and q.get("algorithm", ["SHA1"]) == ["SHA1"] and q.get("issuer"),
            "enrolment: base32 secret, otpauth://totp/ISSUER:user?secret=…&digits=6&period=30", lambda: systest.dump(e))
    t.check(str(e.get("qr_svg", "")).lstrip().startswith("<svg"), "enrolment: a QR code as SVG",
            lambda: str(e.get("qr_svg"))[:200])
    r = b.request("GET", "/api/v1/me")
    t.check(r.json().get("totp_enabled") is False, "not enabled before the confirmation", r.describe)
    step = time_step()
    r = b.request("POST", "/api/v1/me/totp/confirm", json={"code": not_a_code(secret, step)})
    t.check(r.status == 422 and ("code", "totp.code_invalid") in field_codes(r),
            "confirming with a wrong code → 422 totp.code_invalid", r.describe)
    r = b.request("POST", "/api/v1/me/totp/confirm", json={"code": totp_code(secret, step)})
    t.check(r.status == 204, "confirming with the current code → 204", r.describe)
    r = b.request("GET", "/api/v1/me")
    t.check(r.status == 200 and r.json().get("totp_enabled") is True, "GET /api/v1/me: totp_enabled true",
            r.describe)
    enabled = journal(srv, "totp_enable", record_number=user)
    t.check(len(enabled) == 1 and enabled[0]["principal"] == user, "journal: totp_enable",
            lambda: systest.dump(enabled))

    r = sign_in(srv, user, PW, ip)
    t.check(r.status == 401 and r.json().get("totp_required") is True and detail(r) == message("auth.totp_required")
            and parse_set_cookie(r) is None,
            "sign-in without a code → 401 with \"totp_required\": true, no cookie", r.describe)
    r = sign_in(srv, user, PW, ip, totp=not_a_code(secret, step))
    t.check(r.status == 401 and detail(r) == message("auth.totp_invalid") and parse_set_cookie(r) is None
            and not r.json().get("totp_required"),
            "sign-in with a wrong code → 401 (auth.totp_invalid)", r.describe)
    r = sign_in(srv, user, WRONG, ip, totp=totp_code(secret, step + 1))
    t.check(r.status == 401 and detail(r) == LOGIN_FAILED and "totp_required" not in r.json(),
            "a wrong password with a valid code → the plain 401 (nothing about the second factor)", r.describe)
    # The code of the next step: inside the ±1 step window, and later than the confirmed one.
    code = totp_code(secret, step + 1)
    r = sign_in(srv, user, PW, ip, totp=code)
    t.check(r.status == 201 and r.json()["session"].get("method") == "password+totp" and parse_set_cookie(r),
            "sign-in with the right code → 201, session.method password+totp", r.describe)
    r = sign_in(srv, user, PW, ip, totp=code)
    t.check(r.status == 401 and detail(r) == message("auth.totp_invalid"),
            "the same code a second time (replay) → 401 (auth.totp_invalid)", r.describe)
    r = sign_in(srv, user, PW, ip, totp=totp_code(secret, step))
    t.check(r.status == 401 and detail(r) == message("auth.totp_invalid"),
            "an earlier code, still inside the window, after a later one was used → 401", r.describe)
    failed = [e for e in journal(srv, "login_failed", record_number=user) if e["ip"] == ip]
    t.check(reasons(failed) == ["wrong_totp", "wrong_password", "wrong_totp", "wrong_totp"],
            "journal: login_failed reason wrong_totp (wrong code), wrong_password, wrong_totp (replay, earlier code)",
            lambda: systest.dump(failed))
    logins = journal(srv, "login", record_number=user)
    t.check((logins[-1].get("changes") or {}).get("method") == "password+totp",
            "journal: the login with method password+totp", lambda: systest.dump(logins))

    r = admin(srv, "DELETE", f"/api/v1/users/{user}/totp")
    t.check(r.status == 204, "administrator: DELETE /api/v1/users/{user}/totp → 204", r.describe)
    r = admin(srv, "GET", f"/api/v1/users/{user}")
    t.check(r.status == 200 and r.json().get("totp_enabled") is False, "the user has no second factor now",
            r.describe)
    r = sign_in(srv, user, PW, new_address())
    t.check(r.status == 201 and r.json()["session"].get("method") == "password",
            "after the reset the password alone signs in → 201 (method password)", r.describe)
    reset = journal(srv, "totp_reset", record_number=user)
    t.check(len(reset) == 1 and reset[0]["principal"] == "admin", "journal: totp_reset by admin",
            lambda: systest.dump(reset))


def case_totp_required(t, srv):
    ip = new_address()
    user = "req-user"
    r = sign_in(srv, user, PW, ip)
    t.check(r.status == 201 and r.json().get("enrolment_required") is True and parse_set_cookie(r),
            "KANRI_TOTP=required: a user without a second factor gets a session with enrolment_required true",
            r.describe)
    b = Browser(srv, ip, r)
    r = b.request("GET", "/api/v1/me")
    t.check(r.status == 200 and (r.json().get("authentication") or {}).get("enrolment_required") is True,
            "enrolment-only: GET /api/v1/me → 200, authentication.enrolment_required true", r.describe)
    for method, path, body in (("GET", "/api/v1/organizations", harness.DEFAULT),
                               ("GET", "/api/v1/sessions", harness.DEFAULT),
                               ("PATCH", "/api/v1/me", {"display_name": "Not yet"}),
                               ("POST", "/api/v1/tokens", {"label": "not yet"}),
                               ("POST", "/api/v1/me/password", {"current_password": PW,
                                                                "new_password": "Other-Horse-7-Battery"})):
        r = b.request(method, path, json=body)
        t.check(r.status == 403 and detail(r) == message("auth.enrolment_required"),
                f"enrolment-only: {method} {path} → 403 (auth.enrolment_required)", r.describe)
    r = admin(srv, "GET", f"/api/v1/tokens?user={user}")
    t.check(r.status == 200 and r.json()["items"] == [], "enrolment-only: ... and no token was made", r.describe)
    r = b.request("POST", "/api/v1/me/totp")
    t.check(r.status == 201, "enrolment-only: POST /api/v1/me/totp → 201", r.describe)
    secret = r.json()["secret"]
    step = time_step()
    r = b.request("POST", "/api/v1/me/totp/confirm", json={"code": totp_code(secret, step)})
    t.check(r.status == 204, "enrolment-only: POST /api/v1/me/totp/confirm → 204", r.describe)
    r = b.request("GET", "/api/v1/organizations")
    t.check(r.status == 200, "after enrolling, the same session may do the rest: GET /api/v1/organizations → 200",
            r.describe)
    r = b.request("GET", "/api/v1/me")
    t.check((r.json().get("authentication") or {}).get("enrolment_required") is False,
            "... and GET /api/v1/me says enrolment_required false", r.describe)
    r = sign_in(srv, user, PW, ip)
    t.check(r.status == 401 and r.json().get("totp_required") is True,
            "signing in again now needs the code (totp_required)", r.describe)
    r = sign_in(srv, user, PW, ip, totp=totp_code(secret, step + 1))
    t.check(r.status == 201 and r.json().get("enrolment_required") is False
            and r.json()["session"].get("method") == "password+totp",
            "with the code → 201, enrolment_required false, method password+totp", r.describe)

    other = session_for(t, srv, "req-two", PW, ip, "a second user without a second factor signs in")
    t.check(other.body.get("enrolment_required") is True, "... enrolment-only as well",
            lambda: systest.dump(other.body))
    r = other.request("DELETE", "/api/v1/session")
    t.check(r.status == 204, "enrolment-only: DELETE /api/v1/session (sign out) → 204", r.describe)
    r = other.request("GET", "/api/v1/me")
    t.check(r.status == 401, "... and the session has ended", r.describe)
    logins = journal(srv, "login", record_number="req-two")
    t.check(len(logins) == 1 and (logins[0].get("changes") or {}).get("enrolment_only") is True,
            "journal: the login says enrolment_only true", lambda: systest.dump(logins))
    r = admin(srv, "GET", "/api/v1/organizations")
    t.check(r.status == 200, "an API token is not affected by KANRI_TOTP=required", r.describe)


# ---------------------------------------------------------------------------------------------
# LDAP


def case_ldap_bind(t, srv, generic_401: bytes):
    ip = new_address()
    r = sign_in(srv, "alice", LDAP_PW["alice"], ip)
    t.check(r.status == 201 and r.json()["session"].get("method") == "ldap"
            and r.json()["user"].get("auth_source") == "ldap",
            "LDAP direct bind: alice (auth_source ldap) with her directory password → 201, method ldap", r.describe)
    r = sign_in(srv, "alice", WRONG, ip)
    t.check(r.status == 401 and r.body == generic_401,
            "LDAP direct bind: a wrong password → the same 401 as any wrong password", r.describe)
    r = sign_in(srv, "carol", LDAP_PW["carol"], ip)
    t.check(r.status == 401 and r.body == generic_401,
            "LDAP without create_users: a person only in the directory → 401", r.describe)
    r = admin(srv, "GET", "/api/v1/users/carol")
    t.check(r.status == 404, "... and no user carol was made", r.describe)
    r = sign_in(srv, "admin", harness.DEFAULT_ADMIN_PASSWORD, ip)
    t.check(r.status == 201 and r.json()["session"].get("method") == "password",
            "LDAP on: the local admin signs in with the local password → 201 (method password)", r.describe)
    r = sign_in(srv, "ldap-local", PW, ip)
    t.check(r.status == 201, "LDAP on: another local user signs in with the local password → 201", r.describe)
    failed = [e for e in journal(srv, "login_failed") if e["ip"] == ip]
    t.check([(e["record_number"], (e.get("changes") or {}).get("reason"), (e.get("changes") or {}).get("method"))
             for e in failed] == [("alice", "wrong_password", "ldap"), ("carol", "unknown_user", "password")],
            "journal: login_failed alice wrong_password (ldap), carol unknown_user", lambda: systest.dump(failed))


def case_ldap_search(t, srv, org: dict, generic_401: bytes):
    ip = new_address()
    r = sign_in(srv, "bob", LDAP_PW["bob"], ip)
    t.check(r.status == 201 and r.json()["session"].get("method") == "ldap",
            "LDAP search mode: bob found under the search base and bound → 201", r.describe)
    r = sign_in(srv, "bob", WRONG, ip)
    t.check(r.status == 401 and r.body == generic_401, "LDAP search mode: a wrong password → the same 401",
            r.describe)
    r = sign_in(srv, "carol", LDAP_PW["carol"], ip)
    t.check(r.status == 201 and r.json()["session"].get("method") == "ldap",
            "LDAP create_users: carol's first sign-in → 201", r.describe)
    r = admin(srv, "GET", "/api/v1/users/carol")
    u = r.json() if r.status == 200 else {}
    t.check(r.status == 200 and u.get("auth_source") == "ldap" and u.get("display_name") == "Carol Directory"
            and u.get("email") == "carol@kanri.test" and u.get("kind") == "agent" and u.get("active") is True
            and [o.get("number") for o in u.get("organizations", [])] == [org["number"]]
            and u["organizations"][0].get("primary") is True and u.get("roles") == [AGENT],
            "LDAP create_users: carol is a local user (auth_source ldap, cn, mail, default org and role)",
            r.describe)
    r = sign_in(srv, "carol", LDAP_PW["carol"], ip)
    t.check(r.status == 201, "LDAP: carol signs in a second time → 201", r.describe)
    created = journal(srv, "create", record_type="user", record_number="carol")
    t.check(len(created) == 1 and created[0]["principal"] == "ldap" and created[0]["ip"] == ip
            and created[0]["record_id"] == u.get("id"),
            "journal: one create of carol by principal \"ldap\"", lambda: systest.dump(created))
    r = sign_in(srv, "carol", WRONG, ip)
    t.check(r.status == 401 and r.body == generic_401, "LDAP: carol with a wrong password → 401", r.describe)
    r = sign_in(srv, "dave", LDAP_PW["carol"], ip)
    t.check(r.status == 401 and r.body == generic_401, "LDAP create_users: a name not in the directory → 401",
            r.describe)
    r = admin(srv, "GET", "/api/v1/users/dave")
    t.check(r.status == 404, "... and no user dave was made", r.describe)
    r = sign_in(srv, "admin", harness.DEFAULT_ADMIN_PASSWORD, ip)
    t.check(r.status == 201 and r.json()["session"].get("method") == "password",
            "LDAP search mode: the local admin still signs in locally → 201", r.describe)


def case_ldap_disabled_variant(t, srv, generic_401: bytes):
    """A disabled directory user stays out, also under a name the directory takes for the same person."""
    ip = new_address()
    r = admin(srv, "PATCH", "/api/v1/users/carol", json={"active": False})
    t.check(r.status == 200 and r.json().get("active") is False, "setup: disable carol", r.describe, quiet=True)
    r = sign_in(srv, "carol", LDAP_PW["carol"], ip)
    t.check(r.status == 401 and r.body == generic_401,
            "LDAP: the disabled user carol with her right directory password → the same 401", r.describe)
    # The directory matches uid values after RFC 4518 preparation: U+3000 (ideographic space) or
    # U+00A0 at the end of "carol" still finds and binds uid=carol.
    got_in = []
    for variant, label in (("carol\u3000", "U+3000"), ("carol\u00a0", "U+00A0")):
        r = sign_in(srv, variant, LDAP_PW["carol"], ip)
        if r.status != 401:
            got_in.append(f"{variant!r} ({label}): HTTP {r.status} user "
                          f"{(r.json().get('user') or {}).get('username')!r} id {(r.json().get('user') or {}).get('id')}")
    t.check(got_in == [],
            "LDAP create_users: disabled carol cannot sign in as \"carol\" + U+3000 or U+00A0 (which the directory "
            "takes for uid=carol) → 401", lambda: "\n".join(got_in))
    users = admin(srv, "GET", "/api/v1/users?limit=500")
    names = [u["username"] for u in users.json().get("items", [])] if users.status == 200 else []
    twins = [n for n in names if n != "carol" and n.startswith("carol")]
    t.check(users.status == 200 and twins == [],
            "LDAP create_users: no second account for carol's directory entry", lambda: repr(twins))


def case_ldap_down(t, srv, label):
    ip = new_address()
    statuses = []
    for user in ("alice", "bob", "alice", "bob", "alice"):
        r = sign_in(srv, user, LDAP_PW[user], ip)
        statuses.append(r.status)
        t.check(r.status == 503 and detail(r) == message("auth.directory_unavailable"),
                f"{label}, directory down: {user} → 503 (auth.directory_unavailable)", r.describe,
                quiet=len(statuses) > 1)
    t.check(statuses == [503] * 5, f"{label}, directory down: {len(statuses)} attempts, never throttled",
            repr(statuses))
    r = sign_in(srv, "admin", harness.DEFAULT_ADMIN_PASSWORD, ip)
    t.check(r.status == 201, f"{label}, directory down: the local admin still signs in → 201", r.describe)
    down = [e for e in journal(srv, "login_failed") if e["ip"] == ip]
    t.check(len(down) == 5 and set(reasons(down)) == {"directory_unavailable"},
            f"{label}: journal login_failed reason directory_unavailable", lambda: systest.dump(down))


# ---------------------------------------------------------------------------------------------
# Rehash, untrusted proxy header


def password_hash(db: systest.Db, username: str) -> str:
    return str(db.scalar(f"SELECT password_hash FROM users WHERE username = '{username}'") or "")


def case_rehash(t, srv, db: systest.Db):
    ip = new_address()
    before = password_hash(db, "rehash-user")
    t.check(before.startswith("$argon2id$") and ",t=2," in before,
            "setup: rehash-user's hash was made with the default parameters (t=2)", before)
    srv.extra_env.update({"KANRI_PASSWORD_OPSLIMIT": "3", **TRUSTED})
    srv.restart()
    r = sign_in(srv, "rehash-user", PW, ip)
    t.check(r.status == 201, "after a restart with KANRI_PASSWORD_OPSLIMIT=3 the old hash still signs in → 201",
            r.describe)
    after = password_hash(db, "rehash-user")
    t.check(after.startswith("$argon2id$") and ",t=3," in after and after != before,
            "the stored hash was replaced by one with t=3", lambda: f"before {before}\nafter  {after}")
    rehash = journal(srv, "password_rehash", record_number="rehash-user")
    t.check(len(rehash) == 1 and rehash[0]["principal"] == "rehash-user" and rehash[0]["ip"] == ip,
            "journal: password_rehash for rehash-user", lambda: systest.dump(rehash))
    r = sign_in(srv, "rehash-user", PW, ip)
    t.check(r.status == 201, "the password still works with the new hash → 201", r.describe)
    r = sign_in(srv, "rehash-user", WRONG, ip)
    t.check(r.status == 401, "... and a wrong one is still refused", r.describe)
    rehash = journal(srv, "password_rehash", record_number="rehash-user")
    t.check(len(rehash) == 1 and password_hash(db, "rehash-user") == after,
            "no second rehash: the new hash fits the parameters", lambda: systest.dump(rehash))


def case_untrusted(t, srv):
    limit = 3
    for i in range(1, limit + 1):
        r = sign_in(srv, f"untr-{i}", WRONG, f"192.0.2.{i}")
        t.check(r.status == 401, f"untrusted X-Forwarded-For: wrong password {i} of {limit} (each with another "
                                 f"X-Forwarded-For) → 401", r.describe, quiet=i < limit)
    r = sign_in(srv, "untr-ok", PW, "192.0.2.99")
    expect_throttled(t, r, "untrusted X-Forwarded-For is ignored: the peer 127.0.0.1 reached the address limit, "
                           "so another account with yet another header", 1, LOCK_SECONDS)
    failed = [e for e in journal(srv, "login_failed") if e["record_number"].startswith("untr-")]
    t.check(len(failed) == limit and all(e["ip"] == "127.0.0.1" for e in failed),
            "journal: the failures carry the TCP peer 127.0.0.1, not the header", lambda: systest.dump(failed))
    locked = journal(srv, "login_locked", record_number="ip:127.0.0.1")
    t.check(len(locked) == 1, "journal: login_locked for ip:127.0.0.1", lambda: systest.dump(locked))


# ---------------------------------------------------------------------------------------------


def test(args, t: systest.Checks):
    with harness.Stack.from_args(args) as stack, systest.Slapd([LDIF], keep=args.keep) as slapd:
        base = stack.server
        base_env = dict(stack.env)

        def serve(name, **env):
            s = stack.add_server(name)
            s.extra_env = {**base_env, **env}
            s.token = base.token
            s.start()
            return s

        t.step("setup: users, an organization")
        for name in ("cookie-user", "same-user", "off-user", "csrf-user", "logout-user", "sess-user", "sess-other",
                     "pw-user", "thr-user", "thr-other", "lock-journal-user", "addr-ok", "addr-s-ok", "totp-user",
                     "req-user", "req-two", "ldap-local", "rehash-user", "untr-ok"):
            create_user(t, base, name)
        for name in ("alice", "bob"):
            create_user(t, base, name, password=None, auth_source="ldap")
        r = admin(base, "POST", "/api/v1/organizations", json={"name": "Directory Staff", "kind": "provider"})
        t.check(r.status == 201 and r.json().get("number"), "setup: an organization", r.describe, quiet=True)
        org = r.json()

        t.step("main server: trusted proxy 127.0.0.1, 3 failures per account, 5 per address, 2-3 s locks")
        main = serve("main", **TRUSTED, **LIMITS)
        for case in (case_cookie, case_same_401, case_csrf, case_logout, case_sessions, case_password,
                     case_account_throttling, case_account_lock_journal, case_address_throttling,
                     case_address_success, case_totp):
            t.soft(case, t, main)
        generic_401 = sign_in(main, "no-such-user-either", WRONG, new_address()).body
        main.stop()

        t.step("KANRI_TOTP=required")
        req = serve("totp-required", KANRI_TOTP="required", **TRUSTED, **LIMITS)
        t.soft(case_totp_required, t, req)
        req.stop()

        t.step(f"LDAP at {slapd.url}")
        ldap = {"KANRI_LDAP_URL": slapd.url, **TRUSTED, **LIMITS}
        bind = serve("ldap-bind", **ldap, KANRI_LDAP_BIND_DN=f"uid={{username}},{PEOPLE}")
        search = serve("ldap-search", **ldap, KANRI_LDAP_SEARCH_BASE=PEOPLE, KANRI_LDAP_CREATE_USERS="true",
                       KANRI_LDAP_DEFAULT_ORG=org["number"], KANRI_LDAP_DEFAULT_ROLES=AGENT)
        t.soft(case_ldap_bind, t, bind, generic_401)
        t.soft(case_ldap_search, t, search, org, generic_401)
        t.soft(case_ldap_disabled_variant, t, search, generic_401)
        slapd.stop()
        t.soft(case_ldap_down, t, bind, "direct bind")
        t.soft(case_ldap_down, t, search, "search mode")
        bind.stop()
        search.stop()

        t.step("rehash: the base server restarted with KANRI_PASSWORD_OPSLIMIT=3")
        t.soft(case_rehash, t, base, systest.Db(stack.database_url))

        t.step("a server that trusts no proxy (3 failures per address)")
        untrusted = serve("untrusted", **{**LIMITS, "KANRI_LOGIN_MAX_FAILURES_PER_ADDRESS": "3",
                                           "KANRI_LOGIN_MAX_FAILURES_PER_ACCOUNT": "10"})
        t.soft(case_untrusted, t, untrusted)

        r = admin(untrusted, "GET", "/api/v1/journal/verify")
        t.check(r.status == 200 and r.json().get("ok") is True,
                "GET /api/v1/journal/verify: the journal with all these entries is intact", r.describe)


if __name__ == "__main__":
    sys.exit(systest.main(test, "sign-in, sessions, cookies, CSRF, throttling, TOTP, LDAP, rehash"))
