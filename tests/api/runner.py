#!/usr/bin/env python3
"""Run the plain-text API scenarios (tests/api/*.scenario) against a real `kanri serve`.

    python3 tests/api/runner.py --engine sqlite|postgres [--kanri PATH] [--keep] [FILES...]

Starts a fresh installation (harness.Stack: temp work dir, SQLite file or throwaway PostgreSQL
cluster, `kanri init`, an admin token, `kanri serve` on a free port), runs every scenario file,
then stops it all, also on failure or Ctrl-C. The format is described in tests/api/README.md.
Prints `ok   NAME` or `FAIL NAME` per file, and at the end `N passed, M failed`.
Exit status: 0 when every file passed, 1 when one failed, 2 when the environment could not be
set up, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import re
import secrets
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

HERE = Path(__file__).resolve().parent
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
REQUEST_RE = re.compile(r"^(%s) (\S.*)$" % "|".join(METHODS))
HEADER_RE = re.compile(r"^([A-Za-z0-9!#$%&'*+.^_`|~-]+):[ \t]*(.*)$")
STATUS_RE = re.compile(r"^=>[ \t]*([1-5][0-9xX]{2})(?:[ \t]+within[ \t]+([0-9]+(?:\.[0-9]+)?)[ \t]*s)?[ \t]*$")
CAPTURE_RE = re.compile(r"^capture[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.+)$")
VAR_RE = re.compile(r"\{\{[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:\|[ \t]*(json|url)[ \t]*)?\}\}")
OPS = ("==", "!=", ">=", "<=", ">", "<", "!~", "~", "!contains", "not contains", "contains",
       "exists", "absent", "is")
TYPES = ("string", "number", "integer", "boolean", "null", "array", "object")
MAX_REPEAT = 1 << 30


class ScenarioError(Exception):
    """A malformed scenario file (reported as a failure of that file, at file:line)."""

    def __init__(self, line: int, msg: str):
        super().__init__(msg)
        self.line = line


class StepFailure(Exception):
    """A failed expectation; .line is where it is written, .expected/.actual say what."""

    def __init__(self, line: int, expected: str, actual: str):
        super().__init__(f"expected {expected}, got {actual}")
        self.line = line
        self.expected = expected
        self.actual = actual


# ---------------------------------------------------------------------------------------------
# Parsing


@dataclass
class Check:
    line: int
    text: str
    kind: str          # "assert" | "capture"
    subject: tuple     # ("json", segments) | ("body",) | ("header", name) | ("status",)
    op: str = ""
    rhs: str = ""
    var: str = ""


@dataclass
class Step:
    line: int
    title: str
    title_line: int
    method: str
    path: str
    headers: list = field(default_factory=list)      # (name, value, line)
    json_body: str | None = None
    json_line: int = 0
    parts: list | None = None                        # (kind, value, line): raw/text/repeat/bytes
    status: str = ""
    status_line: int = 0
    within: float = 0.0                              # GET only: repeat until the checks hold
    checks: list = field(default_factory=list)


def parse_path(text: str, line: int) -> tuple[list, str]:
    """Parse a JSONPath subset at the start of `text`; returns (segments, rest of text).

    $ · .name · ["name"] · [N] (negative from the end) · [*] · .length
    """
    if not text.startswith("$"):
        raise ScenarioError(line, f"a JSON path starts with $: {text!r}")
    i, n, segs = 1, len(text), []
    while i < n and text[i] not in " \t":
        c = text[i]
        if c == ".":
            m = re.match(r"[^.\[\s]+", text[i + 1:])
            if not m:
                raise ScenarioError(line, f"empty name after '.' in {text!r}")
            segs.append(("key", m.group(0)))
            i += 1 + m.end(0)
        elif c == "[":
            j = text.find("]", i)
            inner = text[i + 1:j] if j > 0 else ""
            if inner.startswith('"'):
                # a quoted key may contain ] and spaces: read it as a JSON string
                try:
                    key, end = json.JSONDecoder().raw_decode(text, i + 1)
                except ValueError:
                    raise ScenarioError(line, f"bad quoted key in {text!r}") from None
                if not isinstance(key, str) or end >= n or text[end] != "]":
                    raise ScenarioError(line, f"bad quoted key in {text!r}")
                segs.append(("key", key))
                i = end + 1
                continue
            if j < 0:
                raise ScenarioError(line, f"missing ] in {text!r}")
            if inner == "*":
                segs.append(("all", None))
            elif re.fullmatch(r"-?\d+", inner):
                segs.append(("index", int(inner)))
            else:
                raise ScenarioError(line, f"[{inner}] is not [N], [*] or [\"key\"] in {text!r}")
            i = j + 1
        else:
            raise ScenarioError(line, f"unexpected {c!r} in JSON path {text!r}")
    return segs, text[i:].strip()


def parse_subject(text: str, line: int) -> tuple[tuple, str]:
    if text.startswith("$"):
        segs, rest = parse_path(text, line)
        return ("json", segs), rest
    m = re.match(r"^body(?:\s+|$)(.*)$", text)
    if m:
        return ("body",), m.group(1).strip()
    m = re.match(r"^header\s+([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?:\s+|$)(.*)$", text)
    if m:
        return ("header", m.group(1)), m.group(2).strip()
    m = re.match(r"^status(?:\s+|$)(.*)$", text)
    if m:
        return ("status",), m.group(1).strip()
    raise ScenarioError(line, f"not an assertion (expected $path, body, header NAME or status): {text!r}")


def parse_assertion(text: str, line: int) -> Check:
    subject, rest = parse_subject(text, line)
    for op in OPS:
        if rest == op or rest.startswith(op + " ") or rest.startswith(op + "\t") or \
                (op in ("==", "!=", ">=", "<=", ">", "<", "~", "!~") and rest.startswith(op)):
            rhs = rest[len(op):].strip()
            if op in ("exists", "absent"):
                if rhs:
                    raise ScenarioError(line, f"'{op}' takes nothing after it: {text!r}")
            elif not rhs:
                raise ScenarioError(line, f"'{op}' needs a value after it: {text!r}")
            if op == "is" and rhs not in TYPES:
                raise ScenarioError(line, f"'is' takes one of {', '.join(TYPES)}: {text!r}")
            if op == "not contains":
                op = "!contains"
            if op == "~" or op == "!~":
                try:
                    re.compile(VAR_RE.sub("x", rhs))
                except re.error as e:
                    raise ScenarioError(line, f"bad regular expression {rhs!r}: {e}") from None
            if op in ("==", "!=", ">=", "<=", ">", "<", "contains", "!contains"):
                try:
                    json.loads(VAR_RE.sub("0", rhs))
                except ValueError:
                    raise ScenarioError(line, f"'{op}' takes a JSON literal (strings in double quotes, "
                                              f"numbers, true, false, null): {rhs!r}") from None
            return Check(line, text, "assert", subject, op, rhs)
    raise ScenarioError(line, f"no operator ({', '.join(OPS)}) in {text!r}")


def parse_file(path: Path) -> list[Step]:
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    steps: list[Step] = []
    title, title_line = "", 0
    state = "idle"   # idle | headers | json | raw | checks
    step: Step | None = None

    def finish(lineno: int):
        nonlocal step, state
        if step is not None and not step.status:
            raise ScenarioError(step.line, f"the request at line {step.line} has no '=> STATUS' line "
                                           f"before line {lineno}")
        step, state = None, "idle"

    for lineno, raw in enumerate(lines, 1):
        ln = raw.rstrip("\r")
        stripped = ln.strip()

        if state == "raw":
            if ln.startswith("=>") or ln.startswith("<<<"):
                state = "headers"   # fall through to the directive / status handling below
            else:
                step.parts[-1][1].append(ln)
                continue

        if state in ("headers", "json"):
            if stripped == "":
                raise ScenarioError(step.line, f"the request at line {step.line} has no '=> STATUS' line "
                                               f"(blank line {lineno} ends the step)")
            if ln.startswith("#"):
                continue
            m = STATUS_RE.match(stripped)
            if stripped.startswith("=>"):
                if not m:
                    raise ScenarioError(lineno, f"expected '=> STATUS' (e.g. => 201, => 4xx, => 200 within 10s): {stripped!r}")
                step.status, step.status_line, state = m.group(1).lower(), lineno, "checks"
                if m.group(2):
                    if step.method != "GET":
                        raise ScenarioError(lineno, "'within' repeats the request, so only a GET may have it")
                    step.within = float(m.group(2))
                continue
            if ln.startswith("<<<"):
                if step.json_body is not None:
                    raise ScenarioError(lineno, "a step has either a JSON body or <<< body lines, not both")
                step.parts = step.parts or []
                m2 = re.match(r"^<<<[ \t]+(raw|text|repeat|bytes)(?:[ \t](.*))?$", ln)
                if not m2:
                    raise ScenarioError(lineno, f"unknown body directive (raw, text, repeat, bytes): {ln!r}")
                kind, arg = m2.group(1), m2.group(2) or ""
                if kind == "raw":
                    if arg.strip():
                        raise ScenarioError(lineno, "'<<< raw' stands alone; the body follows on the next lines")
                    step.parts.append(("raw", [], lineno))
                    state = "raw"
                elif kind == "text":
                    step.parts.append(("text", arg, lineno))
                elif kind == "repeat":
                    m3 = re.match(r"^(\d+) (.+)$", arg)
                    if not m3 or int(m3.group(1)) > MAX_REPEAT:
                        raise ScenarioError(lineno, "'<<< repeat N TEXT' wants a count (at most 2^30) and a text")
                    step.parts.append(("repeat", (int(m3.group(1)), m3.group(2)), lineno))
                elif kind == "bytes":
                    hexs = re.sub(r"\s+", "", arg)
                    if not re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", hexs):
                        raise ScenarioError(lineno, "'<<< bytes HEX' wants pairs of hex digits")
                    step.parts.append(("bytes", bytes.fromhex(hexs), lineno))
                continue
            if state == "headers" and step.parts is None:
                mh = HEADER_RE.match(ln)
                if mh:
                    step.headers.append((mh.group(1), mh.group(2).strip(), lineno))
                    continue
            if step.parts is not None:
                raise ScenarioError(lineno, f"after <<< body lines only more <<< lines or '=>' may follow: {ln!r}")
            # JSON body: everything up to '=>'
            if step.json_body is None:
                step.json_body, step.json_line = ln, lineno
            else:
                step.json_body += "\n" + ln
            state = "json"
            continue

        # idle or checks
        if stripped == "":
            if state == "checks":
                finish(lineno)
            continue
        if ln.startswith("## ") or ln == "##":
            finish(lineno)
            title, title_line = ln[3:].strip(), lineno
            continue
        if ln.startswith("#"):
            continue
        m = REQUEST_RE.match(stripped)
        if m:
            finish(lineno)
            step = Step(lineno, title, title_line, m.group(1), m.group(2).strip())
            steps.append(step)
            state = "headers"
            continue
        if state == "idle":
            if stripped.split(" ")[0].upper() in METHODS:
                raise ScenarioError(lineno, f"a request line is 'METHOD PATH' with an upper-case method: {ln!r}")
            raise ScenarioError(lineno, f"expected a request line ('GET /path'), '## title' or a comment: {ln!r}")
        # checks
        mc = CAPTURE_RE.match(stripped)
        if mc:
            subject, rest = parse_subject(mc.group(2).strip(), lineno)
            if rest:
                raise ScenarioError(lineno, f"unexpected {rest!r} after the captured value")
            step.checks.append(Check(lineno, stripped, "capture", subject, var=mc.group(1)))
            continue
        if stripped.startswith("$") or re.match(r"^(body|header|status)(\s|$)", stripped):
            step.checks.append(parse_assertion(stripped, lineno))
            continue
        mh = HEADER_RE.match(stripped)
        if mh:
            step.checks.append(Check(lineno, stripped, "assert", ("header", mh.group(1)),
                                     "has", mh.group(2).strip()))
            continue
        raise ScenarioError(lineno, f"not an expectation ($path OP VALUE, Header: value, capture NAME = ...): {ln!r}")

    if state == "raw":
        raise ScenarioError(step.line, f"the request at line {step.line} has no '=> STATUS' line")
    finish(len(lines) + 1)
    return steps


# ---------------------------------------------------------------------------------------------
# Evaluating


class _Missing:
    def __repr__(self):
        return "(absent)"


MISSING = _Missing()
NOT_JSON = object()


def render(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def substitute(text: str, variables: dict, line: int, regex: bool = False) -> str:
    def repl(m):
        name, filt = m.group(1), m.group(2)
        if name not in variables:
            raise StepFailure(line, f"variable {{{{{name}}}}} to be defined", "undefined variable "
                              f"(known: {', '.join(sorted(variables))})")
        v = variables[name]
        if filt == "json":
            s = json.dumps(v, ensure_ascii=False)
        elif filt == "url":
            s = urllib.parse.quote(render(v), safe="")
        else:
            s = render(v)
        return re.escape(s) if regex else s
    return VAR_RE.sub(repl, text)


def resolve(value, segs: list):
    """Follow a parsed JSON path; MISSING when it leads nowhere; a list after [*]."""
    for k, (kind, arg) in enumerate(segs):
        if value is MISSING:
            return MISSING
        if kind == "all":
            if isinstance(value, list):
                items = value
            elif isinstance(value, dict):
                items = list(value.values())
            else:
                return MISSING
            out = []
            for item in items:
                r = resolve(item, segs[k + 1:])
                if r is not MISSING:
                    out.append(r)
            return out
        if kind == "index":
            if isinstance(value, list) and -len(value) <= arg < len(value):
                value = value[arg]
            else:
                return MISSING
        else:  # key
            if isinstance(value, dict) and arg in value:
                value = value[arg]
            elif arg == "length" and isinstance(value, (list, str, dict)):
                value = len(value)
            else:
                return MISSING
    return value


def path_text(segs: list) -> str:
    out = "$"
    for kind, arg in segs:
        if kind == "all":
            out += "[*]"
        elif kind == "index":
            out += f"[{arg}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", arg):
            out += "." + arg
        else:
            out += "[" + json.dumps(arg, ensure_ascii=False) + "]"
    return out


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def json_equal(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if is_number(a) and is_number(b):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def type_of(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def show(v, limit: int = 300) -> str:
    s = "(absent)" if v is MISSING else json.dumps(v, ensure_ascii=False)
    return s if len(s) <= limit else s[:limit] + "..."


class Outcome:
    """What one request produced, for assertions and captures."""

    def __init__(self, resp: harness.Response):
        self.resp = resp
        try:
            self.json = resp.json() if resp.body.strip() else NOT_JSON
        except ValueError:
            self.json = NOT_JSON

    def value(self, subject: tuple, line: int, text: str):
        kind = subject[0]
        if kind == "status":
            return self.resp.status
        if kind == "body":
            return self.resp.text
        if kind == "header":
            v = self.resp.header(subject[1])
            return MISSING if v is None else v
        if self.json is NOT_JSON:
            raise StepFailure(line, text, "a response body that is not JSON")
        return resolve(self.json, subject[1])


def literal(text: str, variables: dict, line: int):
    s = substitute(text, variables, line)
    try:
        return json.loads(s)
    except ValueError:
        raise StepFailure(line, f"a JSON literal after the operator (strings in double quotes)",
                          repr(s)) from None


def check_assertion(c: Check, out: Outcome, variables: dict):
    actual = out.value(c.subject, c.line, c.text)
    op, where = c.op, c.text

    def fail(expected_desc: str):
        raise StepFailure(c.line, expected_desc, show(actual))

    if op == "exists":
        if actual is MISSING:
            fail(where)
        return
    if op == "absent":
        if actual is not MISSING:
            fail(where)
        return
    if op == "has":  # "Header: value" shorthand: header present and containing value
        want = substitute(c.rhs, variables, c.line)
        if actual is MISSING or want not in actual:
            fail(where)
        return
    if op == "is":
        t = type_of(actual) if actual is not MISSING else "absent"
        ok = t == c.rhs or (c.rhs == "number" and t == "integer")
        if not ok:
            raise StepFailure(c.line, where, f"{t}: {show(actual)}")
        return
    if op in ("~", "!~"):
        pattern = substitute(c.rhs, variables, c.line, regex=True)
        if actual is MISSING:
            fail(where)
        found = re.search(pattern, render(actual)) is not None
        if found != (op == "~"):
            fail(where)
        return
    want = literal(c.rhs, variables, c.line)
    if op in ("==", "!="):
        if (actual is not MISSING and json_equal(actual, want)) != (op == "=="):
            fail(where)
        return
    if op in (">=", "<=", ">", "<"):
        if not (is_number(actual) and is_number(want)):
            raise StepFailure(c.line, where + "  (numbers)", show(actual))
        ok = {">=": actual >= want, "<=": actual <= want, ">": actual > want, "<": actual < want}[op]
        if not ok or (isinstance(actual, float) and math.isnan(actual)):
            fail(where)
        return
    if op in ("contains", "!contains"):
        if isinstance(actual, list):
            found = any(json_equal(x, want) for x in actual)
        elif isinstance(actual, str) and isinstance(want, str):
            found = want in actual
        elif isinstance(actual, dict) and isinstance(want, str):
            found = want in actual
        else:
            raise StepFailure(c.line, where + "  (on an array, a string or an object)", show(actual))
        if found != (op == "contains"):
            fail(where)
        return
    raise AssertionError(op)


def build_request(step: Step, variables: dict, token: str | None):
    path = substitute(step.path, variables, step.line)
    headers, names, shown = [], set(), []
    for name, value, line in step.headers:
        v = substitute(value, variables, line)
        names.add(name.lower())
        shown.append(f"{name}: {v}")
        if v.lower() != "none":
            headers.append((name, v))
    body = None
    if step.json_body is not None:
        text = substitute(step.json_body, variables, step.json_line)
        try:
            json.loads(text)
        except ValueError as e:
            raise StepFailure(step.json_line, "a valid JSON body (use '<<< raw' to send invalid JSON)",
                              f"{e}: {text[:300]!r}") from None
        body = text.encode("utf-8")
    elif step.parts is not None:
        chunks = []
        for kind, value, line in step.parts:
            if kind == "raw":
                chunks.append(substitute("\n".join(value), variables, line).encode("utf-8"))
            elif kind == "text":
                chunks.append(substitute(value, variables, line).encode("utf-8"))
            elif kind == "repeat":
                n, t = value
                chunks.append(substitute(t, variables, line).encode("utf-8") * n)
            else:
                chunks.append(value)
        body = b"".join(chunks)
    if body is not None and "content-type" not in names:
        headers.append(("Content-Type", "application/json"))
    if token and "authorization" not in names:
        headers.append(("Authorization", f"Bearer {token}"))
    return path, headers, body, shown


def body_preview(body: bytes | None, limit: int = 500) -> str:
    if body is None:
        return ""
    if len(body) > limit:
        head = body[:limit].decode("utf-8", "replace")
        return f"{head}... ({len(body)} bytes)"
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return f"(bytes) {body.hex(' ')}"


@dataclass
class FileResult:
    name: str
    ok: bool
    steps_run: int = 0
    report: list = field(default_factory=list)


class Runner:
    def __init__(self, host: str, port: int, token: str | None, base_vars: dict, server=None,
                 timeout: float = 30.0, verbose: bool = False):
        self.host, self.port, self.token = host, port, token
        self.base_vars = base_vars
        self.server = server        # a harness.KanriServer, for server log excerpts (optional)
        self.timeout = timeout
        self.verbose = verbose

    def run_file(self, path: Path, display: str, unique: str) -> FileResult:
        result = FileResult(path.name, True)
        rep = result.report
        try:
            steps = parse_file(path)
        except ScenarioError as e:
            rep.append(f"{display}:{e.line}: malformed scenario: {e}")
            result.ok = False
            return result
        except (OSError, UnicodeDecodeError) as e:
            rep.append(f"{display}: cannot read: {e}")
            result.ok = False
            return result
        if not steps:
            rep.append(f"{display}: no steps")
            result.ok = False
            return result

        variables = dict(self.base_vars)
        variables["unique"] = unique
        for step in steps:
            log_mark = self._log_size()
            shown_req = [f"{step.method} {step.path}"]
            resp = None
            try:
                path_, headers, body, shown = build_request(step, variables, self.token)
                shown_req = [f"{step.method} {path_}"] + shown
                if body is not None:
                    shown_req.append(body_preview(body))
                # `=> 200 within 10s`: what a background job does shows up in its own time, so
                # the GET is repeated until its checks hold or the time is up.
                deadline = time.monotonic() + step.within
                while True:
                    try:
                        resp = harness.http_request(self.host, self.port, step.method, path_, body, headers,
                                                    self.timeout)
                    except (OSError, http.client.HTTPException, ValueError) as e:
                        raise StepFailure(step.line, f"a response to the request at line {step.line}",
                                          f"{e.__class__.__name__}: {e}") from None
                    try:
                        self._check(step, resp, variables)
                        break
                    except StepFailure:
                        if time.monotonic() >= deadline:
                            raise
                        time.sleep(0.1)
            except StepFailure as f:
                result.ok = False
                rep.append(f"{display}:{f.line}: failed")
                if step.title:
                    rep.append(f"  case:     ## {step.title}   (line {step.title_line})")
                rep.append("  request:  " + shown_req[0])
                rep += ["            " + ln for s in shown_req[1:] for ln in s.splitlines() or [""]]
                rep.append(f"  expected: {f.expected}")
                rep.append(f"  actual:   {f.actual}")
                if resp is not None:
                    rep.append("  response:")
                    rep.append(harness._indent(resp.describe(), "            "))
                excerpt = self._log_since(log_mark)
                if excerpt:
                    rep.append("  server log during this step:")
                    rep.append(harness._indent(excerpt, "            "))
                remaining = len(steps) - steps.index(step) - 1
                if remaining:
                    rep.append(f"  ({remaining} later step{'s' if remaining > 1 else ''} of this file skipped)")
                return result
            result.steps_run += 1
            if self.verbose:
                print(f"  {display}:{step.line}: {step.method} {step.path} => {resp.status}", flush=True)
        return result

    @staticmethod
    def _check(step: Step, resp, variables: dict):
        out = Outcome(resp)
        want = step.status
        got = str(resp.status)
        if not all(w in ("x", g) for w, g in zip(want, got)):
            raise StepFailure(step.status_line, f"=> {want}", f"{resp.status} {resp.reason}")
        for c in step.checks:
            if c.kind == "capture":
                v = out.value(c.subject, c.line, c.text)
                if v is MISSING:
                    raise StepFailure(c.line, f"a value to capture: {c.text}", "(absent)")
                variables[c.var] = v
            else:
                check_assertion(c, out, variables)

    def _log_size(self) -> int:
        if self.server is None:
            return 0
        try:
            return self.server.log_path.stat().st_size
        except OSError:
            return 0

    def _log_since(self, mark: int) -> str:
        if self.server is None:
            return ""
        time.sleep(0.05)  # let the server flush what it wrote about the request
        return harness._tail(self.server.log_path, 30, mark).strip()


# ---------------------------------------------------------------------------------------------


def collect_files(args_files: list) -> list[Path]:
    if not args_files:
        return sorted(HERE.glob("*.scenario"))
    files = []
    for f in args_files:
        p = Path(f)
        if p.is_dir():
            files += sorted(p.glob("*.scenario"))
        else:
            files.append(p)
    # A 99_ file holds the server's clock (README): it runs after the others, however named.
    return sorted(files, key=lambda f: f.name.startswith("99_"))


def display_name(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(p)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    harness.add_arguments(ap)
    ap.add_argument("files", nargs="*", metavar="FILES",
                    help="scenario files or directories (default: tests/api/*.scenario, sorted)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every step as it passes")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for one response (default 30)")
    ap.add_argument("--check", action="store_true", help="only parse the files (no server); report syntax errors")
    ap.add_argument("--url", help="use an already running server at this base URL instead of starting one")
    ap.add_argument("--token", help="with --url: the admin bearer token")
    args = ap.parse_args(argv)

    files = collect_files(args.files)
    if not files:
        print("no scenario files", file=sys.stderr)
        return 2
    missing = [f for f in files if not f.is_file()]
    if missing:
        print("no such file: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2

    if args.check:
        bad = 0
        for f in files:
            try:
                n = len(parse_file(f))
                if n == 0:
                    raise ScenarioError(1, "no steps")
                print(f"ok   {f.name} ({n} step{'s' if n > 1 else ''})")
            except ScenarioError as e:
                bad += 1
                print(f"FAIL {f.name}\n{display_name(f)}:{e.line}: malformed scenario: {e}")
        print(f"{len(files) - bad} passed, {bad} failed")
        return 1 if bad else 0

    harness.install_sigterm_handler()
    run_id = "".join(secrets.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(6))
    passed = failed = 0
    stack = None
    try:
        if args.url:
            u = urllib.parse.urlsplit(args.url)
            host, port = u.hostname, u.port or 80
            base = f"http://{host}:{port}"
            token, server = args.token, None
            print(f"server: {base} (already running)", flush=True)
        else:
            stack = harness.Stack.from_args(args)
            # The scenarios that hold the server's clock (PUT /api/v1/test/clock) are named 99_…,
            # so they run last and every other file sees the real time.
            stack.env.setdefault("KANRI_TEST_CLOCK", "1")
            print(f"engine: {args.engine}; starting kanri ({args.kanri})", flush=True)
            try:
                stack.start()
            except (harness.HarnessError, OSError, subprocess.SubprocessError) as e:
                print(f"could not set up the test environment:\n{e}", flush=True)
                print(f"0 passed, {len(files)} failed")
                return 2
            server = stack.server
            host, port, base, token = server.host, server.port, server.url, server.token
            print(f"server: {base}; database: {stack.database_url}; work dir: {stack.workdir}", flush=True)

        base_vars = {"token": token or "", "base": base, "run": run_id,
                     "admin_password": stack.admin_password if stack else ""}
        runner = Runner(host, port, token, base_vars, server, args.timeout, args.verbose)
        for i, f in enumerate(files, 1):
            res = runner.run_file(f, display_name(f), f"{run_id}{i:02d}")
            if res.ok:
                passed += 1
                print(f"ok   {res.name}", flush=True)
            else:
                failed += 1
                print(f"FAIL {res.name}", flush=True)
                for ln in res.report:
                    print(ln)
                sys.stdout.flush()
            if server is not None and not server.is_running():
                print(f"kanri serve died (exit {server.process.returncode}) during {f.name}\n"
                      f"--- server log ({server.log_path}) ---\n{server.log_tail()}", flush=True)
                for g in files[i:]:
                    failed += 1
                    print(f"FAIL {g.name}\n  (not run: the server is gone)", flush=True)
                break
        if server is not None and server.is_running():
            t0 = time.monotonic()
            rc = server.stop()
            if rc != 0:
                how = (f"did not stop within 10 s of SIGTERM and was killed" if rc == -9
                       else f"exited with status {rc} on SIGTERM")
                print(f"warning: kanri serve {how} ({time.monotonic() - t0:.1f} s)\n"
                      f"--- server log, end ---\n{server.log_tail(15)}", flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted; stopping the server", file=sys.stderr, flush=True)
        _stop(stack, args)
        stack = None
        return 130
    finally:
        if stack is not None:
            _stop(stack, args)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def _stop(stack, args):
    try:
        stack.stop()
    except harness.HarnessError as e:
        print(f"cleanup problem: {e}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted again during cleanup", file=sys.stderr)
        try:
            stack.stop()
        except BaseException as e:  # noqa: BLE001
            print(f"cleanup problem: {e}", file=sys.stderr)
    if args.keep and stack.workdir:
        print(f"kept: {stack.workdir}" + (f" and {stack.pg_dir} (PostgreSQL, stopped)" if stack.pg_dir else ""),
              file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
