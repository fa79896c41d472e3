#!/usr/bin/env python3
"""The web UI in a real browser: Debian's Chromium, driven by playwright-core (tests/browser/).

This script makes the environment — a throwaway database, a real `kanri serve`, the users the
browser signs in as — and then runs `node tests/browser/web_ui.mjs`, whose printed `ok`/`FAIL`
lines and exit status are the result. What the browser asserts is listed in that file; today:
  - the sign-in page in Japanese and English, and the link between them (<html lang>);
  - a wrong password shows the error on the form and sets no session;
  - the right password reaches the home page with the user's name in #who, in the user's
    language, and the language link works there too;
  - no page logs a console error, throws, or breaks its Content-Security-Policy.
Screenshots (full page PNG) go to tests/artifacts/screenshots/<engine>/: sign-in-ja.png,
sign-in-en.png, home-ja.png.

Needs `chromium` and `fonts-noto-cjk` (apt) and the npm packages (`npm ci`), both from
scripts/install-deps; without them the script exits 2 (environment), not 0.

    python3 tests/system/web_ui.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402

BROWSER_TEST = systest.REPO_ROOT / "tests" / "browser" / "web_ui.mjs"
CHROMIUM = os.environ.get("KANRI_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Gamen-Shiken-Passw0rd-2026"
DISPLAY_NAME = "画面 試験子"
TIMEOUT_S = 300


def environment_ready():
    """Raises HarnessError naming what is missing for the browser tests."""
    if not shutil.which("node"):
        raise harness.HarnessError("node is not installed (scripts/install-deps)")
    if not os.access(CHROMIUM, os.X_OK):
        raise harness.HarnessError(f"no Chromium at {CHROMIUM} (scripts/install-deps installs the chromium package)")
    if not (systest.REPO_ROOT / "node_modules" / "playwright-core").is_dir():
        raise harness.HarnessError("playwright-core is not installed: npm ci (or scripts/install-deps)")


def test(args, t: systest.Checks):
    environment_ready()
    artifacts = systest.REPO_ROOT / "tests" / "artifacts" / "screenshots" / args.engine
    artifacts.mkdir(parents=True, exist_ok=True)
    for old in artifacts.glob("*.png"):
        old.unlink()

    with harness.Stack.from_args(args) as stack:
        srv = stack.server
        r = srv.request("POST", "/api/v1/organizations", json={"name": "画面試験 株式会社", "kind": "customer"})
        t.check(r.status == 201, "an organization for the browser's user", r.describe)
        org = r.json()["number"]
        r = srv.request("POST", "/api/v1/users", json={
            "username": "browser", "display_name": DISPLAY_NAME, "kind": "agent", "password": PASSWORD,
            "organizations": [org], "roles": ["service_desk_agent"], "language": "ja"})
        t.check(r.status == 201, "a user for the browser to sign in as (Japanese, an agent)", r.describe)

        env = {k: v for k, v in os.environ.items() if not k.startswith("KANRI_")}
        env.update({
            "KANRI_URL": srv.url,
            "KANRI_USER": "browser",
            "KANRI_PASSWORD": PASSWORD,
            "KANRI_DISPLAY_NAME": DISPLAY_NAME,
            "KANRI_ARTIFACTS": str(artifacts),
            "KANRI_CHROMIUM": CHROMIUM,
        })
        t.step(f"node {BROWSER_TEST.relative_to(systest.REPO_ROOT)} against {srv.url}")
        try:
            p = subprocess.run(["node", str(BROWSER_TEST)], cwd=systest.REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired as e:
            out = e.output.decode() if isinstance(e.output, bytes) else (e.output or "")
            t.fail(f"the browser test finished within {TIMEOUT_S} s", out)
        # Its lines are the result: print them as they are, indented under this script's.
        for line in p.stdout.splitlines():
            t.say("  " + line)
        if p.returncode == 2:
            raise harness.HarnessError(f"the browser test could not run (exit 2):\n{p.stdout}")
        passed = sum(1 for line in p.stdout.splitlines() if line.startswith("ok   "))
        failed = [line for line in p.stdout.splitlines() if line.startswith("FAIL ")]
        t.check(p.returncode == 0 and not failed,
                f"the browser's checks held ({passed} passed in tests/browser/web_ui.mjs)",
                lambda: "\n".join(failed) or f"exit status {p.returncode}\n--- server log ---\n{srv.log_tail()}")
        shots = sorted(f.name for f in artifacts.glob("*.png"))
        t.check({"sign-in-ja.png", "sign-in-en.png", "home-ja.png"} <= set(shots),
                f"the screenshots are in {artifacts.relative_to(systest.REPO_ROOT)}", shots)


if __name__ == "__main__":
    sys.exit(systest.main(test, "the web UI in Chromium (tests/browser/web_ui.mjs)"))
