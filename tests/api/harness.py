"""Start and stop a real `kanri serve` (and a throwaway PostgreSQL cluster) for tests.

Python 3 standard library only. Used by tests/api/runner.py and by any scripted test
(durability, concurrency, ...):

    import sys, pathlib
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "api"))  # adjust
    import harness

    parser = argparse.ArgumentParser()
    harness.add_arguments(parser)              # --engine, --kanri, --keep, --env
    args = parser.parse_args()
    with harness.Stack.from_args(args) as stack:
        srv = stack.server                     # a KanriServer, initialized and running
        r = srv.request("POST", "/api/v1/services", json={"name": "Mail"})
        assert r.status == 201, r.describe()
        srv.kill9(); srv.start()               # crash and come back on the same port

Pieces:
  PgCluster    scripts/pg-throwaway start/stop in a fresh temp dir; .url once started.
  KanriServer  one `kanri` installation: .run(...) any CLI subcommand, .init(), .create_token(),
               .start(), .stop(), .kill9(), .restart(), .request(...); .url, .token, .log_path.
  Stack        a work dir + a database (SQLite file or PgCluster) + an initialized, started
               KanriServer with an admin token; stops everything on exit, also on errors.

Server processes run in their own session (a Ctrl-C in the terminal reaches only the test,
which then stops them in order) and get SIGTERM if the Python thread that started them dies
(PR_SET_PDEATHSIG): start servers from the main thread.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import http.client
import json as jsonlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_KANRI = REPO_ROOT / "build" / "bin" / "kanri"
PG_THROWAWAY = REPO_ROOT / "scripts" / "pg-throwaway"
DEFAULT_ADMIN_PASSWORD = "Kanri-Test-Adm1n-Passw0rd!"
ENGINES = ("sqlite", "postgres")


class HarnessError(Exception):
    """The test environment could not be set up or torn down (not a failed assertion)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _tail(path: Path | str, lines: int = 40, start: int = 0) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:])


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


# ---------------------------------------------------------------------------------------------
# HTTP


class Response:
    """One HTTP response: .status, .reason, .headers (list of (name, value)), .body (bytes)."""

    def __init__(self, status: int, reason: str, headers: list, body: bytes, note: str = ""):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.note = note  # e.g. "the server closed the connection while the body was sent"

    def header(self, name: str) -> str | None:
        """The value of a header (case-insensitive name; repeated headers joined by ', ')."""
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ", ".join(values) if values else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        """The body parsed as JSON; raises ValueError when it is not JSON."""
        return jsonlib.loads(self.body.decode("utf-8"))

    def describe(self, max_chars: int = 2000) -> str:
        """Status line, headers and (pretty-printed, truncated) body, for failure messages."""
        out = [f"HTTP {self.status} {self.reason}"]
        out += [f"{k}: {v}" for k, v in self.headers]
        if self.note:
            out.append(f"({self.note})")
        if self.body:
            try:
                body = jsonlib.dumps(self.json(), indent=2, ensure_ascii=False)
            except ValueError:
                body = self.text
            if len(body) > max_chars:
                body = body[:max_chars] + f"\n... ({len(self.body)} bytes in all)"
            out += ["", body]
        return "\n".join(out)


_PATH_SAFE = "/?&=%:@!$'()*+,;[]~#-._" + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def encode_path(path: str) -> str:
    """The path as written, with non-ASCII characters and spaces percent-encoded (UTF-8)."""
    return urllib.parse.quote(path, safe=_PATH_SAFE)


def http_request(host: str, port: int, method: str, path: str, body: bytes | None = None,
                 headers: list | None = None, timeout: float = 30.0) -> Response:
    """Send one request on a new connection and read the whole response.

    headers: list of (name, value); sent exactly as given (values UTF-8), plus Host and, when
    there is a body, Content-Length (unless given). If the server closes the connection while
    the body is still being sent (e.g. a 413 for an over-size body), the response it wrote
    before closing is still read and returned, with .note saying so.
    Raises OSError (ConnectionRefusedError, TimeoutError, ...) when there is no response.
    """
    headers = list(headers or [])
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    note = ""
    try:
        try:
            conn.putrequest(method, encode_path(path), skip_accept_encoding=True)
            names = {k.lower() for k, _ in headers}
            for k, v in headers:
                conn.putheader(k, v.encode("utf-8") if isinstance(v, str) else v)
            if body is not None and "content-length" not in names:
                conn.putheader("Content-Length", str(len(body)))
            elif body is None and method.upper() in ("POST", "PUT", "PATCH") \
                    and "content-length" not in names:
                conn.putheader("Content-Length", "0")
            conn.endheaders(body)
        except (BrokenPipeError, ConnectionResetError) as e:
            if conn.sock is None:
                raise
            note = f"the server closed the connection while the request was sent ({e.__class__.__name__})"
        try:
            resp = conn.getresponse()
        except (ConnectionResetError, http.client.RemoteDisconnected) as e:
            if note:
                raise ConnectionResetError(f"{note}, and no response could be read: {e}") from e
            raise
        try:
            data = resp.read()
        except http.client.IncompleteRead as e:
            data = e.partial
            note = (note + "; " if note else "") + "response body incomplete"
        return Response(resp.status, resp.reason, resp.getheaders(), data, note)
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# PostgreSQL


class ThrowawayServer:
    """A server that one of the project's scripts (`SCRIPT start DIR [ARGS]` printing one URL,
    `SCRIPT stop DIR [--keep]`) runs in a fresh temp dir, for as long as a test needs it.

    server.start() -> url; ...; server.stop()   (or use `with`)
    keep=True: stop() stops the server but leaves the directory (data, log) in place.
    """

    name = "server"          # for messages
    url_prefix = ""          # what the printed URL starts with
    dir_prefix = "kanri-srv-"

    def __init__(self, keep: bool = False, script: Path | str = "", parent: str | None = None,
                 args=(), env: dict | None = None, new_session: bool = True):
        self.keep = keep
        self.script = str(script)
        self.parent = parent
        self.args = [str(a) for a in args]
        self.env = env
        self.new_session = new_session
        self.dir: str | None = None
        self.url: str | None = None

    def start(self) -> str:
        if self.url:
            return self.url
        self.dir = tempfile.mkdtemp(prefix=self.dir_prefix, dir=self.parent)
        try:
            p = subprocess.run([self.script, "start", self.dir, *self.args], stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=180, env=self.env,
                               start_new_session=self.new_session)
        except BaseException:
            self._forget_dir()
            raise
        lines = p.stdout.strip().splitlines()
        if p.returncode != 0 or len(lines) != 1 or not lines[0].startswith(self.url_prefix):
            self._forget_dir()
            raise HarnessError(f"{self.name} start failed (exit {p.returncode})\n"
                               f"stdout:\n{_indent(p.stdout)}\nstderr:\n{_indent(p.stderr)}")
        self.url = lines[0]
        return self.url

    def _forget_dir(self):
        # The scripts remove what they made on failure; the empty dir is ours.
        if self.dir and os.path.isdir(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def stop(self):
        """Stops the server (and waits until it has exited); stopping twice is not an error."""
        if not self.dir:
            return
        cmd = [self.script, "stop", self.dir] + (["--keep"] if self.keep else [])
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=120, start_new_session=self.new_session)
        d, self.dir, self.url = self.dir, None, None
        if p.returncode != 0:
            raise HarnessError(f"{self.name} stop {d} failed (exit {p.returncode}):\n{_indent(p.stderr)}")

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


class PgCluster(ThrowawayServer):
    """A throwaway PostgreSQL cluster (scripts/pg-throwaway); .url once started."""

    name = "pg-throwaway"
    url_prefix = "postgresql://"
    dir_prefix = "kanri-pg-"

    def __init__(self, keep: bool = False, script: Path | str = PG_THROWAWAY, parent: str | None = None):
        super().__init__(keep=keep, script=script, parent=parent)


# ---------------------------------------------------------------------------------------------
# Kanri


def _child_setup():
    # Ask the kernel to SIGTERM the server if the test dies without stopping it.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class _Default:
    def __repr__(self):
        return "DEFAULT"


DEFAULT = _Default()


class KanriServer:
    """One Kanri installation (a database + a work dir) and its `kanri serve` process.

    Environment given to every `kanri` command (inherited KANRI_* variables are dropped):
      KANRI_DATABASE=database_url, KANRI_LISTEN=127.0.0.1:PORT, KANRI_ADMIN_PASSWORD=...,
      KANRI_SHARE_DIR=<repo root> (model/ and i18n/ of this checkout), plus `env`.
    Commands run with the work dir as current directory (so no stray ./kanri.toml is read).
    The port is chosen once and kept across restarts, so .url stays valid.
    """

    def __init__(self, database_url: str, workdir: Path | str, kanri: Path | str | None = None,
                 port: int | None = None, admin_password: str = DEFAULT_ADMIN_PASSWORD,
                 env: dict | None = None, name: str = "kanri", host: str = "127.0.0.1"):
        self.kanri = str(kanri or DEFAULT_KANRI)
        self.database_url = database_url
        self.workdir = Path(workdir)
        self.host = host
        self.port = port or free_port(host)
        self.admin_password = admin_password
        self.extra_env = dict(env or {})
        self.name = name
        self.log_path = self.workdir / f"{name}-serve.log"
        self.token: str | None = None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def env(self) -> dict:
        e = {k: v for k, v in os.environ.items() if not k.startswith("KANRI_")}
        e.update({
            "KANRI_DATABASE": self.database_url,
            "KANRI_LISTEN": f"{self.host}:{self.port}",
            "KANRI_ADMIN_PASSWORD": self.admin_password,
            "KANRI_SHARE_DIR": str(REPO_ROOT),
        })
        e.update(self.extra_env)
        return e

    # -- CLI

    def run(self, *args: str, check: bool = True, input: str | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
        """Run `kanri ARGS...` with this installation's environment; output captured as text."""
        if not os.path.exists(self.kanri):
            raise HarnessError(f"no kanri binary at {self.kanri} (build it, or pass --kanri PATH)")
        p = subprocess.run([self.kanri, *args], cwd=self.workdir, env=self.env(), input=input,
                           stdin=None if input is not None else subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise HarnessError(f"`kanri {' '.join(args)}` failed (exit {p.returncode})\n"
                               f"stdout:\n{_indent(p.stdout)}\nstderr:\n{_indent(p.stderr)}")
        return p

    def init(self, *args: str):
        """`kanri init [ARGS]`: create the schema and the admin user."""
        return self.run("init", *args)

    def create_token(self, user: str = "admin") -> str:
        """`kanri token create --user USER`; the token (and .token when USER is admin)."""
        p = self.run("token", "create", "--user", user)
        lines = p.stdout.strip().splitlines()
        if len(lines) != 1 or not lines[0].strip() or len(lines[0].split()) != 1:
            raise HarnessError("`kanri token create` must print exactly one token on stdout; it printed:\n"
                               + _indent(p.stdout))
        token = lines[0].strip()
        if user == "admin":
            self.token = token
        return token

    # -- server process

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 15.0):
        """Start `kanri serve` and wait until GET /healthz answers 200.

        Raises HarnessError (with the tail of the server log) when it exits or is not ready in
        time; the process is then stopped.
        """
        if self.is_running():
            raise HarnessError("the server is already running")
        if not os.path.exists(self.kanri):
            raise HarnessError(f"no kanri binary at {self.kanri} (build it, or pass --kanri PATH)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            stamp = datetime.datetime.now().isoformat(timespec="milliseconds")
            log.write(f"=== harness: kanri serve on {self.url} at {stamp} ===\n".encode())
            log.flush()
            self._log_start = log.tell()
            self.process = subprocess.Popen([self.kanri, "serve"], cwd=self.workdir, env=self.env(),
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True, preexec_fn=_child_setup)
        try:
            self.wait_ready(timeout)
        except BaseException:
            self._terminate(5.0)
            raise

    def wait_ready(self, timeout: float = 15.0):
        deadline = time.monotonic() + timeout
        last = "no answer"
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise HarnessError(f"kanri serve exited with status {self.process.returncode} before it "
                                   f"was ready\n--- server log ({self.log_path}) ---\n{self.log_tail()}")
            try:
                r = http_request(self.host, self.port, "GET", "/healthz", timeout=2.0)
                if r.status == 200:
                    return
                last = f"HTTP {r.status}"
            except (OSError, http.client.HTTPException) as e:
                last = f"{e.__class__.__name__}: {e}"
            if time.monotonic() >= deadline:
                raise HarnessError(f"kanri serve was not ready on {self.url}/healthz within {timeout:g} s "
                                   f"(last: {last})\n--- server log ({self.log_path}) ---\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, wait up to `timeout` s, then SIGKILL. Returns the exit status (None if not running)."""
        return self._terminate(timeout)

    def _terminate(self, timeout: float) -> int | None:
        p = self.process
        if p is None:
            return None
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                self._killpg(p)
                p.wait()
        return p.returncode

    @staticmethod
    def _killpg(p: subprocess.Popen):
        # Only while the server is not yet reaped: its pid (= its process group id, since it
        # leads its own session) cannot have been reused by anything else.
        if p.returncode is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                p.kill()

    def kill9(self) -> int | None:
        """Kill the server with SIGKILL (a crash: no shutdown code runs) and reap it."""
        p = self.process
        if p is None:
            return None
        if p.poll() is None:
            self._killpg(p)
            p.wait()
        return p.returncode

    def restart(self, timeout: float = 15.0):
        """Stop (SIGTERM) and start again on the same port."""
        self.stop()
        self.start(timeout)

    def log_tail(self, lines: int = 40, since_start: bool = False) -> str:
        return _tail(self.log_path, lines, getattr(self, "_log_start", 0) if since_start else 0)

    # -- HTTP

    def request(self, method: str, path: str, json=DEFAULT, body: bytes | str | None = None,
                headers: dict | list | None = None, token=DEFAULT, timeout: float = 30.0) -> Response:
        """One request to this server.

        json=VALUE sends VALUE as a JSON body (Content-Type: application/json); body= sends
        bytes/str as is. token: default .token; None sends no Authorization header.
        headers: dict or list of (name, value); an Authorization header given here wins.
        """
        hdrs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
        names = {k.lower() for k, _ in hdrs}
        tok = self.token if token is DEFAULT else token
        if tok and "authorization" not in names:
            hdrs.append(("Authorization", f"Bearer {tok}"))
        if json is not DEFAULT:
            body = jsonlib.dumps(json, ensure_ascii=False)
            if "content-type" not in names:
                hdrs.append(("Content-Type", "application/json"))
        if isinstance(body, str):
            body = body.encode("utf-8")
        return http_request(self.host, self.port, method, path, body, hdrs, timeout)


# ---------------------------------------------------------------------------------------------
# A whole environment


class Stack:
    """Work dir + database (SQLite file or throwaway PostgreSQL) + initialized, running server.

    stack = Stack("postgres"); stack.start()   # or: with Stack("sqlite") as stack:
    stack.server (KanriServer, with .token for admin), stack.database_url, stack.workdir,
    stack.pg (PgCluster or None). stop() stops the server, then the cluster, then removes the
    work dir (kept with keep=True, and so is the cluster's directory).
    More servers on the same database: stack.add_server(name="node2").start().
    """

    def __init__(self, engine: str = "sqlite", kanri: Path | str | None = None, keep: bool = False,
                 env: dict | None = None, admin_password: str = DEFAULT_ADMIN_PASSWORD,
                 ready_timeout: float = 15.0):
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}")
        self.engine = engine
        self.kanri = str(kanri or DEFAULT_KANRI)
        self.keep = keep
        self.env = dict(env or {})
        self.admin_password = admin_password
        self.ready_timeout = ready_timeout
        self.workdir: Path | None = None
        self.pg: PgCluster | None = None
        self.pg_dir: str | None = None      # the cluster's directory (kept with keep=True)
        self.database_url: str | None = None
        self.server: KanriServer | None = None
        self.servers: list[KanriServer] = []

    @classmethod
    def from_args(cls, args: argparse.Namespace, **kw) -> "Stack":
        return cls(engine=args.engine, kanri=args.kanri, keep=args.keep, env=parse_env(args.env), **kw)

    def start(self) -> "Stack":
        try:
            self.workdir = Path(tempfile.mkdtemp(prefix=f"kanri-test-{self.engine}-"))
            if self.engine == "postgres":
                self.pg = PgCluster(keep=self.keep)
                self.database_url = self.pg.start()
                self.pg_dir = self.pg.dir
            else:
                self.database_url = "sqlite://" + str(self.workdir / "kanri.db")
            self.server = self.add_server()
            self.server.init()
            self.server.create_token("admin")
            self.server.start(self.ready_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def add_server(self, name: str = "kanri", port: int | None = None) -> KanriServer:
        """Another KanriServer on this stack's database (not initialized, not started)."""
        names = {s.name for s in self.servers}
        if name in names:
            name = f"{name}{len(self.servers) + 1}"
        s = KanriServer(self.database_url, self.workdir, kanri=self.kanri, port=port, env=self.env,
                        admin_password=self.admin_password, name=name)
        if self.server is not None:
            s.token = self.server.token
        self.servers.append(s)
        return s

    def stop(self):
        """Stop everything that was started; errors are collected and raised at the end."""
        errors = []
        for s in reversed(self.servers):
            try:
                s.stop()
            except BaseException as e:  # noqa: BLE001 - keep cleaning up
                errors.append(e)
        self.servers = []
        if self.pg is not None:
            try:
                self.pg.stop()
            except BaseException as e:  # noqa: BLE001
                errors.append(e)
            self.pg = None
        if self.workdir is not None and not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
        if errors:
            raise HarnessError("; ".join(str(e) for e in errors))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def add_arguments(parser: argparse.ArgumentParser):
    """The options every harness-based test script shares."""
    parser.add_argument("--engine", choices=ENGINES, default="sqlite",
                        help="database engine (default: sqlite)")
    parser.add_argument("--kanri", default=str(DEFAULT_KANRI),
                        help=f"path of the kanri binary (default: {DEFAULT_KANRI.relative_to(REPO_ROOT)})")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work dir (database, server log) and the PostgreSQL data dir")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment variable for kanri (repeatable), e.g. KANRI_LOG_LEVEL=debug")


def parse_env(items: list | None) -> dict:
    env = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise SystemExit(f"--env wants NAME=VALUE, got {item!r}")
        env[name] = value
    return env


def install_sigterm_handler():
    """Turn SIGTERM (e.g. a CI timeout) into KeyboardInterrupt so that `finally` cleans up."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, handler)
