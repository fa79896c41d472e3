#!/usr/bin/env python3
"""The sign-in web form: a browser's way in (ISO/IEC 27001 A.8.5 secure authentication).

Asserted, against a real `kanri serve`, as a browser would meet it (cookies, form posts,
redirects, no JavaScript needed):
  - GET /login serves the form in the language asked for, with a one-time CSRF value that comes
    both as a hidden field and as an HttpOnly, SameSite=Strict cookie scoped to /login;
  - the page's Content-Security-Policy allows no inline script or style, and frames are refused;
  - a post whose CSRF value does not match the cookie is refused (403) and signs nobody in;
  - a wrong password re-renders the form with the same generic message as the API, keeping the
    username (401); the sign-in is journaled as failed;
  - the right password redirects (303) to `next` — but never to another site — and sets the
    session cookie; the home page then shows who is signed in and their roles;
  - signing out needs the session's CSRF token; with it the session ends and the cookie is
    cleared, and the old cookie no longer opens the home page;
  - an account with a second factor is asked for the six-digit code on the form.

    python3 tests/system/web_sign_in.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import pathlib
import re
import struct
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402

PASSWORD = "Web-Form-Passw0rd-2026"


def cookies_from(r) -> dict:
    """name -> (value, attributes) of every Set-Cookie of a response."""
    out = {}
    for k, v in r.headers:
        if k.lower() != "set-cookie":
            continue
        first, _, attrs = v.partition(";")
        name, _, value = first.partition("=")
        out[name.strip()] = (value.strip(), attrs)
    return out


def hidden(page: str, name: str) -> str | None:
    m = re.search(r'<input type="hidden" name="%s" value="([^"]*)"' % re.escape(name), page)
    return html.unescape(m.group(1)) if m else None


def form(**fields) -> str:
    return urllib.parse.urlencode(fields)


def totp(secret_b32: str, at: float | None = None) -> str:
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    step = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def test(args, t: systest.Checks):
    with harness.Stack.from_args(args) as stack:
        srv = stack.server
        org = srv.request("POST", "/api/v1/organizations", json={"name": "Web customer", "kind": "customer"}).json()["number"]
        r = srv.request("POST", "/api/v1/users", json={"username": "webuser", "display_name": "ウェブ 花子", "kind": "agent",
                                                       "password": PASSWORD, "organizations": [org],
                                                       "roles": ["service_desk_agent"], "language": "ja"})
        t.check(r.status == 201, "a user to sign in with", r.describe)
        user_id = r.json()["id"]

        def get(path, cookie=""):
            hdrs = {"Cookie": cookie} if cookie else {}
            return srv.request("GET", path, headers=hdrs, token=None)

        def post(path, body, cookie=""):
            hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
            if cookie:
                hdrs["Cookie"] = cookie
            return srv.request("POST", path, body=body, headers=hdrs, token=None)

        # The form
        page = get("/login?lang=en")
        t.check(page.status == 200 and "text/html" in (page.header("Content-Type") or ""), "GET /login serves an HTML form",
                page.describe)
        t.check('<html lang="en">' in page.text and "Sign in" in page.text, "in the language asked for", page.text[:500])
        t.check('<html lang="ja">' in get("/login?lang=ja").text and "サインイン" in get("/login?lang=ja").text,
                "and in Japanese")
        csp = page.header("Content-Security-Policy") or ""
        t.check("'unsafe-inline'" not in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp
                and "default-src 'none'" in csp, "the page's CSP allows no inline script or style and no framing", csp)
        t.check(page.header("X-Content-Type-Options") == "nosniff" and page.header("Referrer-Policy"),
                "with nosniff and a referrer policy", page.describe)
        t.check("<script" not in page.text and " style=" not in page.text, "the page has no script and no inline style")
        jar = cookies_from(page)
        t.check("kanri_login" in jar, "a CSRF cookie comes with the form", page.describe)
        csrf_cookie, attrs = jar["kanri_login"]
        t.check("HttpOnly" in attrs and "SameSite=Strict" in attrs and "Path=/login" in attrs,
                "the CSRF cookie is HttpOnly, SameSite=Strict, for /login only", attrs)
        csrf = hidden(page.text, "csrf")
        t.check(csrf == csrf_cookie and len(csrf or "") >= 24, "the hidden field carries the same random value", page.text)
        login_cookie = f"kanri_login={csrf}"

        # A forged post: the field does not match the cookie (or there is no cookie)
        r = post("/login", form(csrf="forged-value-000000000000000", username="webuser", password=PASSWORD), login_cookie)
        t.check(r.status == 403 and "kanri_session" not in cookies_from(r), "a mismatched CSRF value signs nobody in", r.describe)
        r = post("/login", form(csrf=csrf, username="webuser", password=PASSWORD))
        t.check(r.status == 403 and "kanri_session" not in cookies_from(r), "a post without the CSRF cookie signs nobody in",
                r.describe)
        r = srv.request("POST", "/login", body=form(csrf=csrf, username="webuser", password=PASSWORD), token=None,
                        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": login_cookie,
                                 "Sec-Fetch-Site": "cross-site"})
        t.check(r.status in (400, 403) and "kanri_session" not in cookies_from(r), "a cross-site post signs nobody in",
                r.describe)

        # Wrong password
        r = post("/login?lang=en", form(csrf=csrf, username="webuser", password="not-the-password"), login_cookie)
        t.check(r.status == 401 and "The username or password is not correct." in r.text,
                "a wrong password re-renders the form with the API's generic message", r.describe)
        t.check('value="webuser"' in r.text, "and keeps the username")
        csrf = hidden(r.text, "csrf")
        login_cookie = f"kanri_login={cookies_from(r)['kanri_login'][0]}"
        t.check(csrf and login_cookie.endswith(csrf), "with a fresh CSRF value")
        journal = srv.request("GET", f"/api/v1/journal?record_type=user&record_id={user_id}&action=login_failed").json()
        t.check(len(journal["items"]) == 1 and journal["items"][0]["changes"]["reason"] == "wrong_password",
                "the failed sign-in is journaled", journal)

        # Right password, with an open-redirect attempt in `next`
        r = post("/login", form(csrf=csrf, username="webuser", password=PASSWORD, next="//evil.example/steal"), login_cookie)
        t.check(r.status == 303 and r.header("Location") == "/", "signing in redirects, never to another site", r.describe)
        page = get("/login?lang=en&next=/%09/evil.example/phish")
        t.check('name="next" value="/"' in page.text, "a tab cannot smuggle another site into next (browsers drop it)",
                page.text[:800])
        jar = cookies_from(r)
        t.check("kanri_session" in jar and "HttpOnly" in jar["kanri_session"][1] and "SameSite=Lax" in jar["kanri_session"][1],
                "and sets the HttpOnly session cookie", r.describe)
        t.check(jar.get("kanri_login", ("x", ""))[0] == "" and "Max-Age=0" in jar["kanri_login"][1],
                "and clears the CSRF cookie of the form", r.describe)
        session = f"kanri_session={jar['kanri_session'][0]}"

        page = get("/login?lang=en&next=/", session)
        t.check(page.status == 303 and page.header("Location") == "/", "a signed-in user is sent on from the form", page.describe)
        home = get("/", session)
        t.check(home.status == 200 and "ウェブ 花子" in home.text and "service_desk_agent" in home.text,
                "the home page shows who is signed in and their roles", home.describe)
        t.check('<html lang="ja">' in home.text, "in the user's language")
        r = get("/")
        t.check(r.status == 303 and r.header("Location", ) and r.header("Location").startswith("/login"),
                "without a session the home page sends to the form", r.describe)
        # The session works for the API too (with its CSRF token for writes)
        me = srv.request("GET", "/api/v1/me", headers={"Cookie": session}, token=None)
        t.check(me.status == 200 and me.json()["authentication"]["method"] == "password", "the same session reaches the API",
                me.describe)

        # Sign out: needs the session's CSRF token
        r = post("/logout", form(csrf="wrong"), session)
        t.check(get("/", session).status == 200, "a sign-out without the session's CSRF token does nothing", r.describe)
        token = hidden(home.text, "csrf")
        r = post("/logout", form(csrf=token), session)
        t.check(r.status == 303 and r.header("Location") == "/login" and "Max-Age=0" in cookies_from(r)["kanri_session"][1],
                "signing out ends the session and clears the cookie", r.describe)
        t.check(get("/", session).status == 303, "the old cookie no longer opens the home page")
        journal = srv.request("GET", f"/api/v1/journal?record_type=user&record_id={user_id}").json()
        actions = [e["action"] for e in journal["items"]]
        t.check(actions[-3:] == ["login_failed", "login", "logout"], "the journal has the failed sign-in, the sign-in and the sign-out",
                actions)

        # A second factor is asked for on the form
        tok = srv.request("POST", "/api/v1/tokens", json={"label": "web", "user": "webuser"}).json()["secret"]
        enrol = srv.request("POST", "/api/v1/me/totp", token=tok).json()
        code = totp(enrol["secret"])
        r = srv.request("POST", "/api/v1/me/totp/confirm", json={"code": code}, token=tok)
        t.check(r.status == 204, "the user enrols a second factor", r.describe)
        page = get("/login?lang=en")
        csrf = hidden(page.text, "csrf")
        login_cookie = f"kanri_login={csrf}"
        r = post("/login?lang=en", form(csrf=csrf, username="webuser", password=PASSWORD), login_cookie)
        t.check(r.status == 401 and 'name="totp"' in r.text and "kanri_session" not in cookies_from(r),
                "after the right password the form asks for the six-digit code", r.describe)
        csrf = hidden(r.text, "csrf")
        login_cookie = f"kanri_login={csrf}"
        later = totp(enrol["secret"], time.time() + 30)
        r = post("/login", form(csrf=csrf, username="webuser", password=PASSWORD, totp=later), login_cookie)
        t.check(r.status == 303 and "kanri_session" in cookies_from(r), "with the code it signs in", r.describe)

        # Many right sign-ins at once from one address are never throttled: the attempt counted
        # in advance is given back exactly, also when several database connections race.
        for i in range(4):
            srv.request("POST", "/api/v1/users", json={"username": f"busy{i}", "kind": "agent", "password": PASSWORD})
        statuses: list[int] = []
        lock = threading.Lock()

        def sign_in_repeatedly(i):
            for _ in range(8):
                r = srv.request("POST", "/api/v1/session", json={"username": f"busy{i}", "password": PASSWORD}, token=None)
                with lock:
                    statuses.append(r.status)

        threads = [threading.Thread(target=sign_in_repeatedly, args=(i,)) for i in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        t.check(statuses.count(201) == 32, "32 right sign-ins by 4 clients at once from one address all succeed",
                sorted(set(statuses)))


if __name__ == "__main__":
    sys.exit(systest.main(test, "the sign-in web form"))
