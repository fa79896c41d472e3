#!/usr/bin/env python3
"""Optimistic concurrency: of two concurrent updates based on the same version, exactly one wins.

docs/architecture.md §6: "optimistic concurrency (ETag/If-Match)". A lost update (both writers
told 200, one change silently overwritten) must never happen.

Each round: GET the record (version V from its ETag), then two threads released together by a
barrier send PATCH with `If-Match: "V"` and different names. Asserted every round:
  - one answer is 200, the other 412 (problem+json, status 412);
  - the 200 body has the winner's name and version V+1, and ETag "V+1";
  - GET afterwards shows the winner's name and version V+1.
After all rounds: GET …/history has exactly one `update` entry per round, in order, each
changing the name from the previous winner's to this round's winner's; `kanri journal verify`
is OK.

Phase 1 sends both PATCHes to one server (ROUNDS rounds); phase 2 (NODE_ROUNDS rounds) starts
a second `kanri serve` on the same database and sends one PATCH to each node (several nodes
share one database: docs/architecture.md §4).

    python3 tests/system/concurrency.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import pathlib
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402

ROUNDS = 50
NODE_ROUNDS = 25


def etag_version(r) -> int | None:
    tag = r.header("ETag") or ""
    tag = tag[2:] if tag.startswith("W/") else tag
    tag = tag.strip('"')
    return int(tag) if tag.isdigit() else None


def race(servers, path: str, version: int, names: list[str]):
    """Sends the PATCHes (one per server, same If-Match) at the same moment; the responses, in order."""
    barrier = threading.Barrier(len(servers))
    results: list = [None] * len(servers)

    def go(i):
        try:
            barrier.wait(10)
            results[i] = servers[i].request("PATCH", path, json={"name": names[i]},
                                            headers={"If-Match": f'"{version}"'})
        except BaseException as e:  # noqa: BLE001 - reported by the caller
            results[i] = e

    threads = [threading.Thread(target=go, args=(i,), daemon=True) for i in range(len(servers))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    return results


def play(t: systest.Checks, label: str, servers, reader: harness.KanriServer, rid: int, rounds: int,
         winners: list):
    path = f"/api/v1/organizations/{rid}"
    wins = [0] * len(servers)
    for n in range(1, rounds + 1):
        g = reader.request("GET", path)
        t.check(g.status == 200, f"{label} round {n}: GET the record", lambda: g.describe(), quiet=True)
        version = g.json()["version"]
        t.check(etag_version(g) == version, f"{label} round {n}: the ETag of GET is the version",
                lambda: g.describe(), quiet=True)
        names = [f"{label}-r{n}-t{i}" for i in range(len(servers))]
        res = race(servers, path, version, names)
        errors = [x for x in res if not isinstance(x, harness.Response)]
        t.check(not errors, f"{label} round {n}: both PATCH requests got a response", lambda: repr(errors),
                quiet=True)
        statuses = sorted(r.status for r in res)
        t.check(statuses == [200, 412], f"{label} round {n}: exactly one PATCH got 200 and the other 412",
                lambda: "\n\n".join(r.describe() for r in res), quiet=True)
        w = next(i for i, r in enumerate(res) if r.status == 200)
        win, lose = res[w], res[1 - w]
        wins[w] += 1
        body = win.json()
        t.check(body["name"] == names[w] and body["version"] == version + 1 and etag_version(win) == version + 1,
                f"{label} round {n}: the 200 answer carries the winner's name and version {version + 1}",
                lambda: win.describe(), quiet=True)
        t.check(lose.header("Content-Type") is not None and "problem+json" in lose.header("Content-Type")
                and lose.json().get("status") == 412,
                f"{label} round {n}: the 412 answer is problem+json with status 412", lambda: lose.describe(),
                quiet=True)
        after = reader.request("GET", path)
        ab = after.json()
        t.check(after.status == 200 and ab["name"] == names[w] and ab["version"] == version + 1,
                f"{label} round {n}: the record has the winner's value and version {version + 1}",
                lambda: f"winner sent name={names[w]!r}; now:\n{after.describe()}", quiet=True)
        winners.append(names[w])
    t.check(True, f"{label}: in {rounds} rounds exactly one of two concurrent PATCHes won each time; "
                  f"record = winner's value, version + 1 (wins per sender: {wins})")


def test(args, t: systest.Checks):
    with harness.Stack.from_args(args) as stack:
        srv = stack.server
        r = srv.request("POST", "/api/v1/organizations", json={"name": "race-start", "kind": "customer"})
        t.check(r.status == 201, "create the record both writers update", lambda: r.describe())
        rid = r.json()["id"]
        winners = ["race-start"]

        play(t, "one-node", [srv, srv], srv, rid, ROUNDS, winners)

        node2 = stack.add_server(name="node2")
        node2.start()
        t.check(node2.is_running(), f"a second kanri serve runs on the same database ({node2.url})")
        play(t, "two-nodes", [srv, node2], srv, rid, NODE_ROUNDS, winners)

        h = srv.request("GET", f"/api/v1/organizations/{rid}/history")
        t.check(h.status == 200, "GET …/history answers 200", lambda: h.describe())
        items = h.json()["items"]
        updates = [e for e in items if e["action"] == "update"]
        total = ROUNDS + NODE_ROUNDS
        t.check(len(updates) == total, f"the history has exactly {total} update entries, one per round",
                lambda: f"{len(updates)} update entries; actions: {[e['action'] for e in items]}")
        t.check([e["action"] for e in items] == ["create"] + ["update"] * total,
                "the history is the create entry followed by the updates")
        seqs = [e["seq"] for e in items]
        t.check(seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "history entries are in journal order")
        wrong = []
        for n, e in enumerate(updates):
            want = [winners[n], winners[n + 1]]
            if (e.get("changes") or {}).get("name") != want:
                wrong.append(f"update {n + 1} (seq {e['seq']}): changes {e.get('changes')}, expected name {want}")
        t.check(not wrong, "each update entry changes the name from the previous winner's to this round's winner's",
                lambda: "\n".join(wrong[:10]))
        final = srv.request("GET", f"/api/v1/organizations/{rid}").json()
        t.check(final["version"] == 1 + total and final["name"] == winners[-1],
                f"the record ends at version {1 + total} with the last winner's name",
                systest.dump(final))
        node2.stop()
        v = srv.run("journal", "verify", check=False)
        t.check(v.returncode == 0 and v.stdout.startswith("OK"),
                f"`kanri journal verify` exits 0 and prints OK ({v.stdout.strip()})",
                lambda: f"exit {v.returncode}\nstdout:\n{v.stdout}\nstderr:\n{v.stderr}")


if __name__ == "__main__":
    sys.exit(systest.main(test, "concurrent PATCHes with the same If-Match: exactly one wins"))
