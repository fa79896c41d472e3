"""Shared helpers for the scripted system tests in tests/system/*.py.

This file is not a test: scripts/run-tests runs only tests/system/*.py (not this sub-folder).
Python 3 standard library only; built on tests/api/harness.py.

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
    import systest
    from systest import harness

    def test(args, t: systest.Checks):
        with harness.Stack.from_args(args) as stack:
            t.check(cond, "what was checked", detail_on_failure)

    if __name__ == "__main__":
        sys.exit(systest.main(test, "what the script asserts"))

Exit status of main(): 0 every check held, 1 a check failed, 2 the environment could not be
set up (harness error), 130 interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from pathlib import Path

SYSTEM_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = SYSTEM_DIR.parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "api"))

import harness  # noqa: E402  (after the sys.path insert)

# What a request raises when there is no (complete) response: refused, reset, closed early.
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


class Failure(AssertionError):
    """A checked property did not hold."""


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in str(text).splitlines())


class Checks:
    """Counts and prints checks: `ok   WHAT` per check, or raises Failure with the detail."""

    def __init__(self, name: str, engine: str):
        self.name = name
        self.engine = engine
        self.count = 0
        self.failures: list[str] = []  # from soft checks; main() fails the script at the end

    def soft(self, fn, *args, **kw):
        """Runs fn(*args, **kw); a Failure in it is printed and remembered, and the script goes on
        (for independent cases: every case is tried and reported). main() then exits 1."""
        try:
            return fn(*args, **kw)
        except Failure as e:
            self.failures.append(str(e).splitlines()[0])
            print(f"FAIL {e}", flush=True)
            return None

    def check(self, cond, what: str, detail="", quiet: bool = False):
        if not cond:
            d = detail() if callable(detail) else detail
            raise Failure(what + (":\n" + indent(d) if d else ""))
        self.count += 1
        if not quiet:
            self.say(f"ok   {what}")

    def fail(self, what: str, detail=""):
        self.check(False, what, detail)

    def say(self, text: str):
        print(text, flush=True)

    def step(self, text: str):
        print(f"--   {text}", flush=True)


def main(test, description: str, extra_arguments=None) -> int:
    """Parses the shared harness options, runs test(args, checks) and maps the outcome to an exit status."""
    parser = argparse.ArgumentParser(description=description)
    harness.add_arguments(parser)
    if extra_arguments:
        extra_arguments(parser)
    args = parser.parse_args()
    harness.install_sigterm_handler()
    name = Path(sys.argv[0]).stem
    t = Checks(name, args.engine)
    print(f"== {name} on {args.engine}: {description}", flush=True)
    started = time.monotonic()
    try:
        test(args, t)
    except Failure as e:
        print(f"FAIL {e}", flush=True)
        for f in t.failures:
            print(f"     (failed before: {f})", flush=True)
        print(f"== {name} on {args.engine}: FAILED after {t.count} passed checks", flush=True)
        return 1
    except harness.HarnessError as e:
        if isinstance(e.__context__, Failure):  # cleanup failed after a failed check: show both
            print(f"FAIL {e.__context__}", flush=True)
            print(f"ERROR (cleaning up): {e}", flush=True)
            return 1
        print(f"ERROR (test environment): {e}", flush=True)
        print(f"== {name} on {args.engine}: could not run ({t.count} checks passed before)", flush=True)
        return 2
    except KeyboardInterrupt as e:
        print(f"INTERRUPTED ({e})", flush=True)
        return 130
    except Exception:  # noqa: BLE001 - a bug in the test or an unexpected answer: show it all
        traceback.print_exc()
        print(f"== {name} on {args.engine}: FAILED with an exception after {t.count} passed checks", flush=True)
        return 1
    if t.failures:
        print(f"== {name} on {args.engine}: FAILED: {len(t.failures)} failed, {t.count} passed checks:", flush=True)
        for f in t.failures:
            print(f"     {f}", flush=True)
        return 1
    print(f"== {name} on {args.engine}: all {t.count} checks passed "
          f"({time.monotonic() - started:.1f} s)", flush=True)
    return 0


# ---------------------------------------------------------------------------------------------
# Direct database access (what an attacker or an operator with database access can do)


def sqlite_path(url: str) -> str:
    assert url.startswith("sqlite://"), url
    return url[len("sqlite://"):]


def pg_url_with_database(url: str, dbname: str) -> str:
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + dbname, u.query, u.fragment))


def _psql_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["PGCONNECT_TIMEOUT"] = "10"
    return env


class Db:
    """SQL on a Kanri database behind the server's back: sqlite3 module or `psql`."""

    FS = "\x1f"  # field separator for psql output
    RS = "\x1e"  # record separator

    def __init__(self, url: str):
        self.url = url
        self.engine = "sqlite" if url.startswith("sqlite://") else "postgres"

    def execute(self, *statements: str):
        """Runs the statements in one transaction."""
        if self.engine == "sqlite":
            con = sqlite3.connect(sqlite_path(self.url), isolation_level=None, timeout=30)
            try:
                con.execute("BEGIN IMMEDIATE")
                for s in statements:
                    con.execute(s)
                con.execute("COMMIT")
            finally:
                con.close()
        else:
            self._psql(["--single-transaction"], "".join(s.rstrip().rstrip(";") + ";\n" for s in statements))

    def query(self, sql: str) -> list[tuple]:
        """Rows as tuples; with psql every value is a string (NULL as '')."""
        if self.engine == "sqlite":
            con = sqlite3.connect(sqlite_path(self.url), timeout=30)
            try:
                return [tuple(r) for r in con.execute(sql).fetchall()]
            finally:
                con.close()
        out = self._psql(["-A", "-t", "-F", self.FS, "-R", self.RS], sql.rstrip().rstrip(";") + ";\n")
        out = out.rstrip("\n")
        if not out:
            return []
        return [tuple(rec.split(self.FS)) for rec in out.split(self.RS) if rec != ""]

    def scalar(self, sql: str):
        rows = self.query(sql)
        return rows[0][0] if rows else None

    def _psql(self, opts: list, script: str, url: str | None = None) -> str:
        cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *opts, "-d", url or self.url, "-f", "-"]
        p = subprocess.run(cmd, input=script, capture_output=True, text=True, env=_psql_env(), timeout=60)
        if p.returncode != 0:
            raise harness.HarnessError(f"psql failed (exit {p.returncode}) running:\n{indent(script)}\n"
                                       f"stderr:\n{indent(p.stderr)}")
        return p.stdout

    # -- copies

    def copy(self, name: str, workdir: Path) -> "Db":
        """A copy of this database (the server must be stopped): a file copy, or CREATE DATABASE … TEMPLATE."""
        if self.engine == "sqlite":
            src = Path(sqlite_path(self.url))
            dst = Path(workdir) / f"{name}.db"
            for suffix in ("", "-wal"):
                s = Path(str(src) + suffix)
                d = Path(str(dst) + suffix)
                if d.exists():
                    d.unlink()
                if s.exists():
                    shutil.copyfile(s, d)
            shm = Path(str(dst) + "-shm")
            if shm.exists():
                shm.unlink()
            return Db("sqlite://" + str(dst))
        source_db = urllib.parse.urlsplit(self.url).path.lstrip("/")
        admin = pg_url_with_database(self.url, "postgres")
        self._psql([], f'DROP DATABASE IF EXISTS "{name}";\nCREATE DATABASE "{name}" TEMPLATE "{source_db}";\n',
                   url=admin)
        return Db(pg_url_with_database(self.url, name))


# ---------------------------------------------------------------------------------------------
# Load: threads that create records until told to stop


class Outcome:
    """One request of a Writer: the name sent, and the response or the connection error."""

    __slots__ = ("name", "response", "error", "started", "ended")

    def __init__(self, name, response, error, started, ended):
        self.name = name
        self.response = response
        self.error = error
        self.started = started
        self.ended = ended

    def acknowledged(self):
        """(id, number, name) when the server answered 201 with a complete JSON record, else None."""
        r = self.response
        if r is None or r.status != 201 or r.note:
            return None
        try:
            body = r.json()
        except ValueError:
            return None
        if not isinstance(body, dict) or "id" not in body or "number" not in body:
            return None
        return body["id"], body["number"], body.get("name")


class Writer(threading.Thread):
    """POSTs organizations {"name": PREFIX-K-I, "kind": "customer"} in a loop, one connection each.

    Stops when `stop` is set, or at the first connection error when stop_on_error is true.
    extra: more fields for every body (e.g. a long `notes` to make requests slower).
    """

    def __init__(self, server: harness.KanriServer, prefix: str, k: int, stop: threading.Event,
                 stop_on_error: bool = True, extra: dict | None = None, timeout: float = 30.0):
        super().__init__(name=f"writer-{prefix}-{k}", daemon=True)
        self.server = server
        self.prefix = prefix
        self.k = k
        self.stop = stop
        self.stop_on_error = stop_on_error
        self.extra = dict(extra or {})
        self.timeout = timeout
        self.outcomes: list[Outcome] = []
        self.crash: BaseException | None = None

    def run(self):
        i = 0
        try:
            while not self.stop.is_set():
                name = f"{self.prefix}-{self.k}-{i}"
                i += 1
                body = {"name": name, "kind": "customer", **self.extra}
                started = time.monotonic()
                try:
                    r = self.server.request("POST", "/api/v1/organizations", json=body, timeout=self.timeout)
                except CONNECTION_ERRORS as e:
                    self.outcomes.append(Outcome(name, None, e, started, time.monotonic()))
                    if self.stop_on_error:
                        return
                    continue
                self.outcomes.append(Outcome(name, r, None, started, time.monotonic()))
        except BaseException as e:  # noqa: BLE001 - reported by the test
            self.crash = e


def wait_until(predicate, timeout: float, interval: float = 0.02) -> bool:
    """Polls predicate() until it is true or `timeout` s have passed (no assertion on time)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def port_is_listening(host: str, port: int) -> bool:
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(2.0)
        try:
            s.connect((host, port))
            return True
        except OSError:
            return False


def dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)


# ---------------------------------------------------------------------------------------------
# A throwaway LDAP directory (scripts/slapd-throwaway)

SLAPD_THROWAWAY = REPO_ROOT / "scripts" / "slapd-throwaway"


class Slapd(harness.ThrowawayServer):
    """A throwaway OpenLDAP server (scripts/slapd-throwaway) with the entries of `ldifs` loaded.

    slapd = Slapd([LDIF]); url = slapd.start(); ...; slapd.stop()   (or use `with`)
    Suffix dc=kanri,dc=test, people under ou=people,dc=kanri,dc=test. SLAPD_THROWAWAY_OWNER is
    set to this process, so a test that dies without stop() leaves no slapd behind.
    """

    name = "slapd-throwaway"
    url_prefix = "ldap://"
    dir_prefix = "kanri-slapd-"

    def __init__(self, ldifs=(), keep: bool = False, script: Path | str = SLAPD_THROWAWAY):
        super().__init__(keep=keep, script=script, args=ldifs, new_session=False,
                         env=dict(os.environ, SLAPD_THROWAWAY_OWNER=str(os.getpid())))
