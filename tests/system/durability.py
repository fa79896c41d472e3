#!/usr/bin/env python3
"""Durability: every write acknowledged with 201 survives `kill -9` of the server.

docs/architecture.md §4: "An acknowledged write survives kill -9 and power loss on both
engines" and "every write is one transaction: the record, ..., its journal entry". Only the
process crash is tested here (power loss cannot be simulated from a test).

For each of CYCLES kill cycles:
  - WRITERS threads POST organizations continuously (a new connection per request);
  - after the first writes are acknowledged and a further random delay, the server gets SIGKILL;
  - every response that arrived is a complete 201 (nothing else, not even under load), and no
    request failed before the kill;
  - the server restarts on the same database; every record acknowledged so far (all cycles) is
    there: GET by id answers 200 with the same number and name;
  - `kanri journal verify` prints OK and exits 0.
At the end: a new record gets a number never acknowledged before (the numbering survived the
crashes), and every organization row has exactly its `create` journal entry and vice versa
(record and journal entry committed together, also for the writes in flight at the kill).

    python3 tests/system/durability.py --engine sqlite|postgres [--keep] [--seed N]
"""

from __future__ import annotations

import pathlib
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402

WRITERS = 4
CYCLES = 3
MIN_ACKED_BEFORE_KILL = 20


def check_all_present(srv: harness.KanriServer, acked: dict) -> list:
    """[(id, problem)] for acknowledged records that are not as acknowledged."""

    def one(item):
        rid, (number, name) = item
        try:
            r = srv.request("GET", f"/api/v1/organizations/{rid}")
        except systest.CONNECTION_ERRORS as e:
            return rid, f"no response: {e!r}"
        if r.status != 200:
            return rid, f"GET answered {r.status}: {r.text[:300]}"
        body = r.json()
        if body.get("number") != number or body.get("name") != name:
            return rid, (f"acknowledged as number={number!r} name={name!r}, now number={body.get('number')!r} "
                         f"name={body.get('name')!r}")
        return None

    with ThreadPoolExecutor(max_workers=4) as pool:
        return [p for p in pool.map(one, sorted(acked.items())) if p]


def test(args, t: systest.Checks):
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rnd = random.Random(seed)
    t.say(f"--   random seed {seed} (repeat with --seed {seed})")
    with harness.Stack.from_args(args) as stack:
        srv = stack.server
        acked: dict = {}  # id -> (number, name), over all cycles
        numbers_seen: set = set()
        for cycle in range(1, CYCLES + 1):
            stop = threading.Event()
            writers = [systest.Writer(srv, f"dur-c{cycle}", k, stop) for k in range(WRITERS)]
            for w in writers:
                w.start()
            systest.wait_until(lambda: sum(1 for w in writers for o in w.outcomes if o.acknowledged())
                               >= MIN_ACKED_BEFORE_KILL or any(not w.is_alive() for w in writers), 20)
            delay = rnd.uniform(0.05, 0.8)
            time.sleep(delay)
            killed_at = time.monotonic()
            srv.kill9()
            stop.set()
            for w in writers:
                w.join(60)
            t.check(all(not w.is_alive() for w in writers), f"cycle {cycle}: every writer stopped after the kill")
            crashes = [(w.name, w.crash) for w in writers if w.crash]
            t.check(not crashes, f"cycle {cycle}: no writer thread crashed", lambda: repr(crashes))

            outcomes = [o for w in writers for o in w.outcomes]
            responses = [o for o in outcomes if o.response is not None]
            errors = [o for o in outcomes if o.error is not None]
            wrong = [o for o in responses if o.response.status != 201]
            t.check(not wrong, f"cycle {cycle}: every response before the kill was 201 Created",
                    lambda: "\n\n".join(f"{o.name}:\n{o.response.describe()}" for o in wrong[:5]))
            early = [o for o in errors if o.ended < killed_at]
            t.check(not early, f"cycle {cycle}: no request failed before the kill",
                    lambda: "\n".join(f"{o.name}: {o.error!r}" for o in early[:10]))
            cut = [o for o in responses if o.response.note]
            new = []
            for o in responses:
                ack = o.acknowledged()
                if ack is None:
                    continue
                rid, number, name = ack
                t.check(name == o.name, f"cycle {cycle}: 201 body of {o.name} carries the name sent",
                        lambda: o.response.describe(), quiet=True)
                new.append((rid, number, name))
            t.check(len(new) >= MIN_ACKED_BEFORE_KILL,
                    f"cycle {cycle}: {len(new)} writes acknowledged before the kill "
                    f"(kill {delay:.2f} s after the first {MIN_ACKED_BEFORE_KILL}; "
                    f"{len(errors)} requests cut off by it, {len(cut)} responses cut mid-body)")
            dup_ids = [rid for rid, _, _ in new if rid in acked]
            dup_numbers = [n for _, n, _ in new if n in numbers_seen]
            t.check(not dup_ids and not dup_numbers and len({n for _, n, _ in new}) == len(new),
                    f"cycle {cycle}: acknowledged ids and numbers are all distinct, also from earlier cycles",
                    lambda: f"ids again: {dup_ids[:10]}, numbers again: {dup_numbers[:10]}")
            for rid, number, name in new:
                acked[rid] = (number, name)
                numbers_seen.add(number)

            srv.start()
            problems = check_all_present(srv, acked)
            t.check(not problems,
                    f"cycle {cycle}: after restart all {len(acked)} acknowledged records are there "
                    f"(GET by id: same number and name)",
                    lambda: f"{len(problems)} not as acknowledged, e.g.:\n" +
                    "\n".join(f"id {rid}: {p}" for rid, p in problems[:10]))
            v = srv.run("journal", "verify", check=False)
            t.check(v.returncode == 0 and v.stdout.startswith("OK"),
                    f"cycle {cycle}: `kanri journal verify` exits 0 and prints OK ({v.stdout.strip()})",
                    lambda: f"exit {v.returncode}\nstdout:\n{v.stdout}\nstderr:\n{v.stderr}")

        r = srv.request("POST", "/api/v1/organizations", json={"name": "dur-after", "kind": "customer"})
        t.check(r.status == 201, "after the crashes a new record can be created", lambda: r.describe())
        t.check(r.json()["number"] not in numbers_seen and r.json()["id"] not in acked,
                f"the new record gets a fresh id and number ({r.json()['number']}), none acknowledged before",
                lambda: r.describe())

        db = systest.Db(stack.database_url)
        orphans = db.scalar(
            "SELECT count(*) FROM rec_organization r WHERE NOT EXISTS (SELECT 1 FROM journal j "
            "WHERE j.record_type = 'organization' AND j.record_id = r.id AND j.action = 'create')")
        ghosts = db.scalar(
            "SELECT count(*) FROM journal j WHERE j.record_type = 'organization' AND j.action = 'create' "
            "AND NOT EXISTS (SELECT 1 FROM rec_organization r WHERE r.id = j.record_id)")
        twice = db.scalar(
            "SELECT count(*) FROM (SELECT record_id FROM journal WHERE record_type = 'organization' "
            "AND action = 'create' GROUP BY record_id HAVING count(*) > 1) x")
        rows = db.scalar("SELECT count(*) FROM rec_organization")
        t.check(int(orphans) == 0 and int(ghosts) == 0 and int(twice) == 0,
                f"each of the {rows} organization rows has exactly one create journal entry and every "
                f"create entry its row (record and journal committed together)",
                f"rows without a create entry: {orphans}; create entries without a row: {ghosts}; "
                f"records created twice: {twice}")
        t.check(int(rows) >= len(acked) + 1, f"the database holds at least the {len(acked) + 1} acknowledged records",
                f"{rows} rows")


def extra_arguments(parser):
    parser.add_argument("--seed", type=int, default=None, help="random seed for the kill delays")


if __name__ == "__main__":
    sys.exit(systest.main(test, "acknowledged writes survive kill -9 of the server", extra_arguments))
