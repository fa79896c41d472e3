#!/usr/bin/env python3
"""The journal is tamper-evident: `kanri journal verify` finds edits, deletions and reordering.

docs/architecture.md §4 (Journal): entries are append-only and hash-chained (each entry's
SHA-256 covers the previous hash), so `kanri journal verify` detects any edit, deletion or
reordering; journal_head holds the newest seq and hash so that removing the newest entries is
detected too. Exit status of verify: 0 OK, 1 a check failed (src/cli/app.h).

Set-up: records, updates and a transition through the API; the server is stopped;
`kanri journal verify` prints "OK: N journal entries verified" and exits 0, and an independent
implementation of the hash input (src/store/journal.h: every column, length-prefixed)
reproduces every stored hash. Then each case below runs on a fresh copy of the database (a file
copy for SQLite, CREATE DATABASE … TEMPLATE for PostgreSQL), tampered with directly (Python's
sqlite3 module / psql), and verify must exit 1 and print "FAILED at entry K: REASON" with the
entry and reason given. M is an entry in the middle, N the newest.

  edit-changes / edit-principal / edit-at / edit-record-id    -> K = M, "entry M was altered"
  delete-middle (M) / delete-first (1)                          -> "entry M is missing" (K = M or M+1)
  swap-seq (M and M+1 exchange seq)                             -> K = M, "does not follow", reordered
  swap-content (two rows exchange everything but seq)           -> K = M, "does not follow"
  delete-last, head untouched                                   -> K = N, head reason
  delete-last, head seq lowered but head hash kept              -> head reason
  head-hash edited                                              -> K = N or N+1, head reason
  append a well-formed forged entry N+1, head untouched         -> K = N+1 (the entry the head does
                                                                   not cover), head reason
  insert a well-formed entry with seq 0 (outside the numbering)  -> exit 1, K = 0 or 1 (every row of
                                                                   the table must be in the chain: the
                                                                   record history shows every row)
  edit M and recompute M's own hash                             -> K = M+1, "entry M+1 does not follow entry M"
  edit M, recompute its hash, patch M+1's prev_hash too         -> K = M+1, "entry M+1 was altered"
  SQLite only: flip one byte of an entry in the raw db file     -> "entry R was altered"

What a plain hash chain cannot detect, and what is therefore asserted only as far as the
design goes: an attacker who deletes the newest entries AND rewrites journal_head to the new
last entry leaves a consistent, shorter chain. verify must then either fail or report exactly
the shorter count (never the original N), so that a count recorded elsewhere (an evidence
pack, a previous verify) exposes it. Rewriting every entry from M onward plus the head is
equally undetectable without an external anchor or a key; that verdict is printed as a note.

    python3 tests/system/journal_tamper.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import hashlib
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402

COLUMNS = ["seq", "at", "principal_id", "principal", "ip", "record_type", "record_id", "record_number",
           "action", "changes", "prev_hash", "hash"]


def text(v) -> str:
    return "" if v is None else str(v)


def hash_input(e: dict) -> bytes:
    """src/store/journal.cpp journal_hash_input: each field as LEN:BYTES| (UTF-8), hash excluded."""
    out = b""
    for col in COLUMNS[:-1]:
        b = text(e[col]).encode("utf-8")
        out += str(len(b)).encode() + b":" + b + b"|"
    return out


def entry_hash(e: dict) -> str:
    return hashlib.sha256(hash_input(e)).hexdigest()


def q(s) -> str:
    """An SQL literal for both engines."""
    if s is None:
        return "NULL"
    if isinstance(s, int):
        return str(s)
    return "'" + str(s).replace("'", "''") + "'"


def entries(db: systest.Db) -> list[dict]:
    rows = db.query(f"SELECT {', '.join(COLUMNS)} FROM journal ORDER BY seq")
    out = []
    for row in rows:
        e = dict(zip(COLUMNS, row))
        for col in ("seq", "at", "record_id"):
            e[col] = int(e[col])
        e["principal_id"] = None if e["principal_id"] in (None, "") else int(e["principal_id"])
        out.append(e)
    return out


def set_entry_sql(e: dict) -> str:
    cols = [c for c in COLUMNS if c != "seq"]
    return (f"UPDATE journal SET {', '.join(f'{c} = {q(e[c])}' for c in cols)} WHERE seq = {e['seq']}")


FAILED_RE = re.compile(r"^FAILED at entry (\d+): (.+)$")


class Tamper:
    def __init__(self, t: systest.Checks, stack: harness.Stack, db: systest.Db):
        self.t = t
        self.stack = stack
        self.db = db
        self.n = 0

    def verify(self, db: systest.Db):
        srv = harness.KanriServer(db.url, self.stack.workdir, kanri=self.stack.kanri, env=self.stack.env,
                                  name="verify")
        return srv.run("journal", "verify", check=False)

    def fresh(self) -> systest.Db:
        self.n += 1
        return self.db.copy(f"tamper{self.n}", self.stack.workdir)

    def expect_failure(self, *args, **kw):
        """Like _expect_failure, but a failed case is reported and the other cases still run."""
        return self.t.soft(self._expect_failure, *args, **kw)

    def _expect_failure(self, case: str, statements: list[str], at: int | set, *reason_parts: str,
                       db: systest.Db | None = None):
        """Applies the statements to a fresh copy; verify must exit 1 naming entry `at` and the reason parts."""
        if db is None:
            db = self.fresh()
            db.execute(*statements)
        p = self.verify(db)
        lines = p.stdout.strip().splitlines()
        m = FAILED_RE.match(lines[0]) if lines else None
        detail = (f"tampering: {statements}\nexit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        allowed = at if isinstance(at, set) else {at}
        self.t.check(p.returncode == 1, f"{case}: verify exits 1", detail, quiet=True)
        self.t.check(m is not None, f"{case}: verify prints 'FAILED at entry K: REASON'", detail, quiet=True)
        k, reason = int(m.group(1)), m.group(2)
        self.t.check(k in allowed, f"{case}: verify names entry {' or '.join(map(str, sorted(allowed)))}",
                     detail, quiet=True)
        missing = [part for part in reason_parts if part.lower() not in reason.lower()]
        self.t.check(not missing, f"{case}: the reason says {reason_parts}", detail, quiet=True)
        self.t.check(True, f"{case}: detected -> {lines[0]}")
        return db


def test(args, t: systest.Checks):
    with harness.Stack.from_args(args) as stack:
        srv = stack.server

        def api(method, path, body=None, **kw):
            r = srv.request(method, path, json=body, **kw) if body is not None else srv.request(method, path, **kw)
            t.check(r.status in (200, 201), f"{method} {path}", lambda: r.describe(), quiet=True)
            return r.json()

        orgs = [api("POST", "/api/v1/organizations", {"name": f"Tamper Org {i}", "kind": "customer"})
                for i in range(4)]
        for i, o in enumerate(orgs):
            api("PATCH", f"/api/v1/organizations/{o['id']}", {"country": "JP", "notes": f"note {i} — 日本語"},
                headers={"If-Match": f'"{o["version"]}"'})
        svc = api("POST", "/api/v1/services", {"name": "Tamper Mail", "criticality": "high",
                                                "provider": orgs[0]["id"]})
        svc = api("PATCH", f"/api/v1/services/{svc['id']}", {"owner": "admin"}, headers={"If-Match": '"1"'})
        api("POST", f"/api/v1/services/{svc['id']}/transitions/go_live", {"live_since": "2025-04-01"})
        raw_target = api("POST", "/api/v1/organizations", {"name": "RawTamperTarget-Q7", "kind": "supplier"})
        api("POST", "/api/v1/organizations", {"name": "Tamper Org last", "kind": "customer"})
        t.check(srv.stop() == 0, "records, updates and a transition made through the API; server stopped")

        db = systest.Db(stack.database_url)
        tp = Tamper(t, stack, db)
        p = tp.verify(db)
        chain = entries(db)
        n = len(chain)
        t.check(p.returncode == 0 and p.stdout.strip() == f"OK: {n} journal entries verified",
                f"untouched: verify exits 0 and prints 'OK: {n} journal entries verified'",
                f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        t.check(n >= 12 and [e["seq"] for e in chain] == list(range(1, n + 1)),
                f"the journal holds entries 1..{n}", lambda: str([e["seq"] for e in chain]))
        bad = [e["seq"] for e in chain if entry_hash(e) != e["hash"]]
        t.check(not bad, "an independent implementation of the hash input reproduces every stored hash",
                f"entries whose hash differs: {bad}")
        t.check(all(chain[i]["prev_hash"] == (chain[i - 1]["hash"] if i else "") for i in range(n)),
                "each entry's prev_hash is the previous entry's hash (the first one's is empty)")
        head = db.query("SELECT seq, hash FROM journal_head WHERE id = 1")
        t.check(len(head) == 1 and int(head[0][0]) == n and head[0][1] == chain[-1]["hash"],
                "journal_head holds the newest entry's seq and hash", repr(head))

        m = n // 2
        em = chain[m - 1]
        t.step(f"tampering with copies; M = {m} ({em['action']} of {em['record_type']} {em['record_number']}), N = {n}")

        # (a) editing any field of a middle entry
        forged_changes = q('{"name":[null,"forged"]}')
        tp.expect_failure("edit-changes", [f"UPDATE journal SET changes = {forged_changes} WHERE seq = {m}"],
                          m, f"entry {m} was altered")
        tp.expect_failure("edit-principal", [f"UPDATE journal SET principal = 'somebody-else' WHERE seq = {m}"],
                          m, f"entry {m} was altered")
        tp.expect_failure("edit-at", [f"UPDATE journal SET at = at - 86400000 WHERE seq = {m}"],
                          m, f"entry {m} was altered")
        tp.expect_failure("edit-record-id", [f"UPDATE journal SET record_id = record_id + 1000 WHERE seq = {m}"],
                          m, f"entry {m} was altered")
        # (b) deleting an entry
        tp.expect_failure("delete-middle", [f"DELETE FROM journal WHERE seq = {m}"],
                          {m, m + 1}, f"entry {m} is missing", "deleted")
        tp.expect_failure("delete-first", ["DELETE FROM journal WHERE seq = 1"], {1, 2}, "entry 1 is missing")
        # (c) reordering
        tp.expect_failure("swap-seq", [f"UPDATE journal SET seq = -1 WHERE seq = {m}",
                                       f"UPDATE journal SET seq = {m} WHERE seq = {m + 1}",
                                       f"UPDATE journal SET seq = {m + 1} WHERE seq = -1"],
                          m, f"entry {m} does not follow entry {m - 1}", "reordered")
        a, b = dict(chain[m - 1]), dict(chain[m])
        a["seq"], b["seq"] = b["seq"], a["seq"]
        tp.expect_failure("swap-content", [set_entry_sql(a), set_entry_sql(b)], m, f"entry {m} does not follow")
        # (d) the newest entries
        tp.expect_failure("delete-last", [f"DELETE FROM journal WHERE seq = {n}"], n, "head")
        tp.expect_failure("delete-last-lower-head-seq", [f"DELETE FROM journal WHERE seq = {n}",
                                                         f"UPDATE journal_head SET seq = {n - 1} WHERE id = 1"],
                          # The head's hash is entry n's; without entry n verify can only say
                          # the head does not match entry n-1: either number points at the cut.
                          {n - 1, n}, "head")
        tp.expect_failure("edit-head-hash", [f"UPDATE journal_head SET hash = {q('0' * 64)} WHERE id = 1"],
                          {n, n + 1}, "head")
        forged = {"seq": n + 1, "at": chain[-1]["at"] + 1, "principal_id": 1, "principal": "admin",
                  "ip": "127.0.0.1", "record_type": "organization", "record_id": orgs[0]["id"],
                  "record_number": orgs[0]["number"], "action": "delete", "changes": "{}",
                  "prev_hash": chain[-1]["hash"]}
        forged["hash"] = entry_hash(forged)
        tp.expect_failure("append-forged-entry", [
            f"INSERT INTO journal ({', '.join(COLUMNS)}) VALUES ({', '.join(q(forged[c]) for c in COLUMNS)})"],
            n + 1, "head")

        # An entry outside the chain's numbering (seq 0) still shows in the record's history
        # (record_history reads every row of the record), so verify must account for every row.
        outside = dict(forged, seq=0, action="update", changes='{"name":["Tamper Org 0","forged before 1"]}',
                       prev_hash="")
        outside["hash"] = entry_hash(outside)
        tp.expect_failure("insert-entry-with-seq-0", [
            f"INSERT INTO journal ({', '.join(COLUMNS)}) VALUES ({', '.join(q(outside[c]) for c in COLUMNS)})"],
            {0, 1})

        # (e) editing an entry and recomputing its own hash breaks the link from the next one
        edited = dict(em)
        edited["changes"] = '{"name":[null,"forged with a recomputed hash"]}'
        edited["hash"] = entry_hash(edited)
        t.check(edited["hash"] != em["hash"], "the forged entry M has a new, self-consistent hash", quiet=True)
        tp.expect_failure("edit-and-rehash", [set_entry_sql(edited)], m + 1,
                          f"entry {m + 1} does not follow entry {m}")
        tp.expect_failure("edit-rehash-and-relink", [
            set_entry_sql(edited),
            f"UPDATE journal SET prev_hash = {q(edited['hash'])} WHERE seq = {m + 1}"],
            m + 1, f"entry {m + 1} was altered")

        # Coordinated tail truncation (entry N and the head): not detectable by a chain alone.
        cut = tp.fresh()
        cut.execute(f"DELETE FROM journal WHERE seq = {n}",
                    f"UPDATE journal_head SET seq = {n - 1}, hash = {q(chain[n - 2]['hash'])} WHERE id = 1")
        p = tp.verify(cut)
        t.check(p.returncode == 1 or (p.returncode == 0 and p.stdout.strip() == f"OK: {n - 1} journal entries verified"),
                f"truncate entry {n} and rewrite the head: verify fails or reports exactly {n - 1} entries, never {n} "
                f"({p.stdout.strip()})",
                f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        if p.returncode == 0:
            t.say(f"note: a coordinated truncation of the newest entry plus journal_head is not detected by the "
                  f"chain alone; compare the count ({n - 1}) with one recorded outside the database")

        # Rewriting everything from M onward, head included: a note, not an assertion (no key, no anchor).
        rewrite = tp.fresh()
        forged_chain = [dict(e) for e in chain]
        forged_chain[m - 1]["changes"] = '{"name":[null,"history rewritten"]}'
        for i in range(m - 1, n):
            if i > 0:
                forged_chain[i]["prev_hash"] = forged_chain[i - 1]["hash"]
            forged_chain[i]["hash"] = entry_hash(forged_chain[i])
        rewrite.execute(*[set_entry_sql(e) for e in forged_chain[m - 1:]],
                        f"UPDATE journal_head SET hash = {q(forged_chain[-1]['hash'])} WHERE id = 1")
        p = tp.verify(rewrite)
        t.say(f"note: rewriting entries {m}..{n} and the head with recomputed hashes -> verify exit {p.returncode}: "
              f"{p.stdout.strip()} (an unkeyed chain cannot detect this; it needs an external anchor or a key)")

        if db.engine == "sqlite":
            raw_bytes_case(t, tp, raw_target, chain)
        else:
            t.say("--   raw-file case: SQLite only")


def raw_bytes_case(t: systest.Checks, tp: Tamper, target: dict, chain: list[dict]):
    """Flip one character of an entry inside the database file itself, not through SQL."""
    import sqlite3
    entry = next(e for e in chain if e["action"] == "create" and e["record_number"] == target["number"])
    needle = b'[null,"RawTamperTarget-Q7"]'
    t.check(needle.decode() in entry["changes"], f"raw-file: entry {entry['seq']} holds {needle.decode()}", entry["changes"])
    copy = tp.fresh()
    path = pathlib.Path(systest.sqlite_path(copy.url))
    wal = pathlib.Path(str(path) + "-wal")
    t.check(not wal.exists() or wal.stat().st_size == 0, "raw-file: the stopped server left no WAL content "
            "(the database file stands alone)", quiet=True)
    data = path.read_bytes()
    t.check(data.count(needle) == 1, f"raw-file: the bytes {needle!r} occur once in the file",
            f"{data.count(needle)} occurrences")
    path.write_bytes(data.replace(needle, b'[null,"RawTamperTarget-Q8"]'))
    con = sqlite3.connect(str(path))
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    t.check(integrity == "ok", "raw-file: SQLite itself sees a sound file after the byte edit "
            "(PRAGMA integrity_check = ok)", integrity)
    tp.expect_failure("raw-file-byte-edit", [f"file bytes {needle!r} -> ...Q8"], entry["seq"],
                      f"entry {entry['seq']} was altered", db=copy)


if __name__ == "__main__":
    sys.exit(systest.main(test, "kanri journal verify detects edits, deletions and reordering of the journal"))
