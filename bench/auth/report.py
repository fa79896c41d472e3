#!/usr/bin/env python3
"""Writes the result files of one engine's sign-in and authorization benchmarks.

    report.py --dir OUTDIR --engine sqlite|postgres --commit C --out DIR [--suffix S] [--data TEXT] [--note TEXT]

Reads what bench/auth/measure left in --dir (env.txt, hash.json, principals.json, login-c*.json,
rss-*.txt, login-failures-*.txt, singles.json, list-NAME-{1,2}.json, plans.json, counts.json,
trial/) and writes OUT/<date>-<commit>-auth-<engine><suffix>.md and .json. Prints the .md path.
Tokens are never written to the results.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lib"))
import scenarios  # noqa: E402
from report import machine, parse_kv, parse_status, fmt_ms, verdict  # noqa: E402  (bench/lib/report.py)

OVERHEAD_TARGET = 1.10   # authorized / unauthorized, same rows
RSS_TARGET_MB = 300      # the server memory target of bench/README.md


def read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def failed(r: dict) -> int:
    return r.get("non201", r.get("non200", 0)) + r["errors_connect"] + r["errors_read"] + r["errors_write"] + \
        r["errors_timeout"]


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def fmt_ratio(x) -> str:
    return "–" if x is None else f"{x:.2f}×"


def mean(values):
    v = [x for x in values if x is not None]
    return statistics.mean(v) if v else None


DISTURBED_S = 0.5  # other processes' CPU seconds in one run above which it is marked


def other_cpu(path: Path):
    try:
        return float(path.read_text().strip())
    except (OSError, ValueError):
        return None


def attempts(path: Path) -> int:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return 1


def fmt_other(v, tries: int = 1) -> str:
    if v is None:
        return "–"
    return f"{v:.1f}{' ⚠' if v > DISTURBED_S else ''}{f' (try {tries})' if tries > 1 else ''}"


def load_lists(d: Path) -> dict:
    out = {}
    for s in scenarios.SCENARIOS:
        runs = [r for r in (read_json(d / f"list-{s['name']}-{i}.json") for i in (1, 2)) if r]
        for i, r in enumerate(runs, 1):
            r["other_cpu_s"] = other_cpu(d / f"list-{s['name']}-{i}.other")
            r["attempts"] = attempts(d / f"list-{s['name']}-{i}.attempts")
        cmd = (d / f"list-{s['name']}-1.cmd").read_text().strip() if (d / f"list-{s['name']}-1.cmd").exists() else ""
        out[s["name"]] = {"runs": runs, "command": cmd,
                          "rps": mean([r["rps"] for r in runs]), "p95_ms": mean([r["p95_ms"] for r in runs]),
                          "p50_ms": mean([r["p50_ms"] for r in runs]), "p99_ms": mean([r["p99_ms"] for r in runs]),
                          "failed": sum(failed(r) for r in runs)}
    return out


KEY = re.compile(r"(SCAN|SEARCH|USE TEMP|MERGE|Index Scan|Index Only Scan|Bitmap Index Scan|Bitmap Heap Scan|"
                 r"BitmapAnd|BitmapOr|Seq Scan|Sort Key|Filter:|Rows Removed by Filter|Index Cond)")


def key_lines(plan: list[str]) -> str:
    """The lines of a plan that tell how rows are found, shortened for a table cell."""
    out = []
    for line in plan:
        t = line.strip().lstrip("->").strip()
        if not KEY.search(t):
            continue
        t = re.sub(r"\s*\(cost=[^)]*\)", "", t)
        t = re.sub(r"\(actual time=[0-9.]+\.\.([0-9.]+) rows=(\d+) loops=\d+\)", r"(\2 rows, \1 ms)", t)
        out.append(t.replace("|", "\\|"))
    return "<br>".join(out[:8]) if out else "–"


def uses(plan: list[str] | None, index: str) -> bool:
    return bool(plan) and any(index in line for line in plan)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--engine", required=True)
    ap.add_argument("--commit", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--suffix", default="")
    ap.add_argument("--data", default="", help="where the database came from (for the header)")
    ap.add_argument("--note", action="append", default=[], help="a line for the notes section (repeatable)")
    args = ap.parse_args()
    d = Path(args.dir)
    env = parse_kv(d / "env.txt")
    m = machine()
    hsh = read_json(d / "hash.json") or {}
    principals = read_json(d / "principals.json") or {}
    principals.pop("tokens", None)
    singles = read_json(d / "singles.json") or {}
    lists = load_lists(d)
    plans = read_json(d / "plans.json") or {}
    counts = read_json(d / "counts.json") or {}
    services = int(env.get("services", "0") or 0)
    try:
        wrk_seconds = float(env.get("wrk_duration", "10 s").split()[0])
    except ValueError:
        wrk_seconds = 10.0
    date = env.get("started", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    day = date[:10]

    def load_logins(prefix: str) -> list[dict]:
        out = []
        files = [f for f in d.glob(f"{prefix}-c*.json") if re.fullmatch(rf"{prefix}-c\d+\.json", f.name)]
        for f in sorted(files, key=lambda p: int(re.search(r"c(\d+)\.json", p.name).group(1))):
            c = int(re.search(r"c(\d+)\.json", f.name).group(1))
            r = read_json(f)
            if r:
                r["other_cpu_s"] = other_cpu(d / f"{prefix}-c{c}.other")
                r["attempts"] = attempts(d / f"{prefix}-c{c}.attempts")
            fails = d / f"failures-{prefix}-c{c}.txt"
            out.append({"clients": c, "result": r, "command": (d / f"{prefix}-c{c}.cmd").read_text().strip(),
                        "rss_after_kb": parse_status(d / f"rss-{prefix}-c{c}.txt"),
                        "failed": failed(r) if r else None, "throttled": r.get("throttled", 0) if r else None,
                        "throttle_table_after": fails.read_text().strip() if fails.exists() else None})
        return out

    logins = load_logins("login")
    nolimit = load_logins("nolimit")
    nolimit_setting = (d / "nolimit.txt").read_text().strip() if (d / "nolimit.txt").exists() else ""
    fail_before = (d / "login-failures-before.txt").read_text().strip() if (d / "login-failures-before.txt").exists() else ""
    rss_start = parse_status(d / "rss-start.txt")
    rss_end = parse_status(d / "rss-end.txt")

    pairs = []
    for auth, plain, what in scenarios.PAIRS:
        sa, sp = singles.get(auth, {}), singles.get(plain, {})
        same = sa.get("ids") is not None and sa.get("ids") == sp.get("ids")
        la, lp = lists[auth], lists[plain]
        single_ratio = ratio(sa.get("median_ms"), sp.get("median_ms"))
        p95_ratio = ratio(la["p95_ms"], lp["p95_ms"])
        rps_ratio = ratio(lp["rps"], la["rps"])  # > 1: the authorized request serves fewer per second
        target_applies = "different rows" not in what
        met = None
        if target_applies and single_ratio is not None and p95_ratio is not None:
            met = single_ratio <= OVERHEAD_TARGET and p95_ratio <= OVERHEAD_TARGET and rps_ratio <= OVERHEAD_TARGET
        pairs.append({"authorized": auth, "unauthorized": plain, "what": what, "same_rows": same,
                      "single_median_ratio": single_ratio, "wrk_p95_ratio": p95_ratio, "wrk_rps_ratio": rps_ratio,
                      "target": f"<= {OVERHEAD_TARGET:.2f}" if target_applies else None, "met": met})

    trial = None
    if (d / "trial" / "ddl.sql").exists():
        t = d / "trial"
        tl = load_lists(t)
        trial = {"ddl": (t / "ddl.sql").read_text().strip(),
                 "create": (t / "create.txt").read_text().strip() if (t / "create.txt").exists() else "",
                 "singles": read_json(t / "singles.json") or {}, "plans": read_json(t / "plans.json") or {},
                 "lists": {k: v for k, v in tl.items() if v["runs"]}}

    result = {"kind": "auth", "engine": args.engine, "date": date, "commit": args.commit, "services": services,
              "machine": m, "environment": env, "principals": principals, "password_hash": hsh,
              "sign_in": logins, "sign_in_address_limit_raised": {"setting": nolimit_setting, "runs": nolimit},
              "login_failures_before": fail_before,
              "server_memory_kb": {"start": rss_start, "end": rss_end},
              "lists": {s["name"]: {"title": s["title"], "principal": s["principal"], "request": s["path"](
                  {**principals, "orgs": principals.get("orgs", [])}) if principals else "",
                  "matching_rows": counts.get(s["name"]), "single_requests": singles.get(s["name"]),
                  "wrk": lists[s["name"]], "plan": (plans.get(s["name"]) or {}).get("plan"),
                  "sql": (plans.get(s["name"]) or {}).get("sql"),
                  "params": (plans.get(s["name"]) or {}).get("params"),
                  "direct_ms": (plans.get(s["name"]) or {}).get("median_ms")} for s in scenarios.SCENARIOS},
              "pairs": pairs, "data": args.data,
              "rewrites": {k: v for k, v in plans.items() if not k.startswith("_") and v.get("based_on")}, "plans_engine": plans.get("_engine"), "trial_index": trial, "notes": args.note}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = out / f"{day}-{args.commit}-auth-{args.engine}{args.suffix}"
    base.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")

    # ------------------------------------------------------------------------------------------
    L = []
    L.append(f"# Kanri sign-in and authorization benchmarks: {args.engine}, {services:,} services")
    L.append("")
    L.append(f"- Date: {date} (start of this engine's auth run)  ")
    L.append(f"- Commit: `{args.commit}`  ")
    L.append(f"- Engine: {args.engine} ({env.get('engine_version', '?')})  ")
    L.append(f"- Machine: {m['nproc']} CPUs, {m['cpu_model']}, {m['memory_mb']:,} MB RAM, Linux {m['kernel']}  ")
    L.append(f"- Binary: kanri {env.get('kanri_binary', '?')} (the working tree may differ from the commit)  ")
    L.append(f"- Load average before: {env.get('loadavg_start', '?')}; after: {env.get('loadavg_end', '?')}  ")
    if args.data:
        L.append(f"- Data: {args.data}  ")
    L.append(f"- wrk: {env.get('wrk', '?')}, loopback; lists: {env.get('wrk_threads')} threads, "
             f"{env.get('wrk_connections')} connections, {env.get('wrk_duration')} per run, every scenario run twice "
             f"(the list in order, then in reverse); sign-ins: {env.get('login_duration')} per client count. "
             f"Server with default settings (KANRI_HTTP_THREADS={env.get('http_threads')}, "
             f"KANRI_READ_CONNECTIONS={env.get('read_connections')}); every process on the same 2 CPUs.")
    L.append("")
    try:
        load1 = float(env.get("loadavg_start", "0").split()[0])
    except ValueError:
        load1 = 0.0
    if load1 > 1.0:
        L.append(f"> The 1-minute load average was {load1:.2f} when the run started (it decays slowly and also "
                 f"counts this benchmark's own preceding runs); the check of other processes' CPU below says "
                 f"whether anything else ran during the measurements.")
        L.append("")

    all_other = [(f"list {n} run {i}", r.get("other_cpu_s")) for n, v in lists.items() for i, r in enumerate(v["runs"], 1)]
    all_other += [(f"sign-ins {lg['clients']} clients", (lg["result"] or {}).get("other_cpu_s")) for lg in logins + nolimit]
    all_other.append(("single requests", other_cpu(d / "singles.other")))
    disturbed = [(n, v) for n, v in all_other if v is not None and v > DISTURBED_S]
    known = [v for _, v in all_other if v is not None]
    if known:
        if disturbed:
            L.append(f"> Other processes used CPU during {len(disturbed)} of {len(known)} measured runs (more than "
                     f"{DISTURBED_S} s each: {', '.join(f'{n} {v:.1f} s' for n, v in disturbed[:8])}"
                     f"{' …' if len(disturbed) > 8 else ''}); those numbers may be disturbed (marked ⚠ below).")
        else:
            L.append(f"> No other process used more than {DISTURBED_S} CPU-seconds during any measured run "
                     f"(largest {max(known):.2f} s).")
        L.append("")
    L.append("## Summary")
    L.append("")
    L.append("| Benchmark | Result | Target | Verdict |")
    L.append("|---|---:|---:|---|")
    if hsh:
        L.append(f"| One argon2id verification (t={hsh['opslimit']}, m={hsh['memlimit_bytes'] // 1048576} MiB, p=1), "
                 f"median of {hsh['runs']} | {hsh['verify_median_ms']:.1f} ms (hash {hsh['hash_median_ms']:.1f} ms) | "
                 f"deliberately slow | – |")
    for lg in logins:
        r = lg["result"]
        if not r:
            continue
        L.append(f"| Sign-ins, {lg['clients']} client{'s' if lg['clients'] > 1 else ''} | {r['rps']:.1f}/s, "
                 f"p95 {fmt_ms(r['p95_ms'])} ms, {lg['failed']} failed, {lg['throttled']} throttled | – | "
                 f"{'❌ correct passwords refused' if lg['throttled'] else '–'} |")
    for lg in nolimit:
        r = lg["result"]
        if not r:
            continue
        ok = r["requests"] - lg["failed"]
        L.append(f"| Sign-ins, {lg['clients']} client{'s' if lg['clients'] > 1 else ''}, per-address limit raised | "
                 f"{ok / r['duration_s']:.1f} succeeded/s, p95 {fmt_ms(r['p95_ms'])} ms, {lg['failed']} failed | – | – |")
    worst = max((lg["rss_after_kb"].get("VmHWM", 0) for lg in logins + nolimit), default=0)
    if worst:
        w4 = [lg for lg in logins if lg["clients"] <= 4]
        hwm4 = max((lg["rss_after_kb"].get("VmHWM", 0) for lg in w4), default=0)
        L.append(f"| Server VmHWM after sign-ins with ≤ 4 clients / with {logins[-1]['clients']} | "
                 f"{hwm4 / 1024:,.0f} MB / {worst / 1024:,.0f} MB | ≤ {RSS_TARGET_MB} MB | "
                 f"{verdict(hwm4 / 1024 <= RSS_TARGET_MB)} / {verdict(worst / 1024 <= RSS_TARGET_MB)} |")
    for pr in pairs:
        if pr["target"] is None:
            continue
        L.append(f"| Authorization overhead: {pr['authorized']} / {pr['unauthorized']} | single "
                 f"{fmt_ratio(pr['single_median_ratio'])}, wrk p95 {fmt_ratio(pr['wrk_p95_ratio'])}, "
                 f"wrk req/s {fmt_ratio(pr['wrk_rps_ratio'])} | ≤ {OVERHEAD_TARGET:.2f}× | {verdict(pr['met'])} |")
    L.append("")
    L.append("Overhead ratios are authorized ÷ unauthorized for latencies (single-request median, wrk p95) and "
             "unauthorized ÷ authorized for throughput, so that 1.00× means no cost and 1.10× is the target; the "
             "unauthorized request returns the same rows (checked: same ids on the first page).")
    L.append("")

    # Password hashing
    L.append("## Password hashing")
    L.append("")
    if hsh:
        L.append(f"Passwords are hashed with **argon2id** (libsodium {hsh.get('sodium_version', '?')}, "
                 f"`crypto_pwhash_str_alg`), stored in PHC format `{hsh['phc_prefix']}$…`: "
                 f"opslimit (passes) t = {hsh['opslimit']}, memory m = {hsh['memlimit_bytes']:,} bytes "
                 f"({hsh['memlimit_bytes'] // 1048576} MiB), one lane (p = 1). These are libsodium's INTERACTIVE "
                 f"limits (t = {hsh['interactive']['opslimit']}, {hsh['interactive']['memlimit_bytes'] // 1048576} MiB; "
                 f"MODERATE would be t = {hsh['moderate']['opslimit']}, "
                 f"{hsh['moderate']['memlimit_bytes'] // 1048576} MiB), Kanri's defaults "
                 f"(`password_opslimit`, `password_memlimit`).")
        L.append("")
        L.append(f"| kanri-bench-hash, {hsh['runs']} runs, one thread | median ms | min ms |")
        L.append("|---|---:|---:|")
        L.append(f"| hash (new password) | {hsh['hash_median_ms']:.1f} | {hsh['hash_min_ms']:.1f} |")
        L.append(f"| verify (sign-in) | {hsh['verify_median_ms']:.1f} | {hsh['verify_min_ms']:.1f} |")
        L.append("")
        L.append(f"Peak RSS of the micro-benchmark: {hsh['max_rss_kb'] / 1024:,.0f} MB (one hash holds its "
                 f"{hsh['memlimit_bytes'] // 1048576} MiB for its whole duration).")
        L.append("")
        L.append("**The cost is deliberate.** Every sign-in spends this CPU time and memory once; someone who "
                 "steals the users table has to spend the same for every guess of every password, and the 64 MiB "
                 "per guess is what makes GPU and ASIC cracking expensive. It is not a performance defect and "
                 "should not be tuned down to make sign-ins faster. On this machine it bounds sign-ins to about "
                 f"{m['nproc']} ÷ {hsh['verify_median_ms'] / 1000:.3f} s ≈ "
                 f"{m['nproc'] / (hsh['verify_median_ms'] / 1000):.0f}/s with every CPU doing nothing else.")
        L.append("")

    # Sign-ins
    L.append("## Sign-in rate")
    L.append("")
    L.append(f"POST /api/v1/session with correct passwords, {principals.get('login_users', '?')} accounts "
             f"(`{principals.get('login_prefix', '')}001…`) taken in turn so that no account is signed into twice at "
             f"once (bench/wrk/login.lua). Each sign-in: throttle check (one write transaction), argon2id "
             f"verification outside any transaction, then a second write transaction (session row, journal "
             f"entry, principal) and the user's profile for the answer.")
    L.append("")
    def login_table(runs: list[dict]) -> None:
        L.append("| Clients | Sign-ins | Sign-ins/s | Succeeded/s | p50 ms | p90 ms | p95 ms | p99 ms | max ms | Failed | Throttled (429) | VmHWM after | Other CPU s |")
        L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for lg in runs:
            r = lg["result"]
            if not r:
                continue
            hwm = lg["rss_after_kb"].get("VmHWM")
            L.append(f"| {lg['clients']} | {r['requests']:,} | {r['rps']:.1f} | {(r['requests'] - lg['failed']) / r['duration_s']:.1f} | "
                     f"{fmt_ms(r['p50_ms'])} | {fmt_ms(r['p90_ms'])} | {fmt_ms(r['p95_ms'])} | {fmt_ms(r['p99_ms'])} | "
                     f"{fmt_ms(r['max_ms'])} | {lg['failed']} | {lg['throttled']} | {hwm / 1024 if hwm else 0:,.0f} MB | "
                     f"{fmt_other(r.get('other_cpu_s'), r.get('attempts', 1))} |")
        L.append("")
        for lg in runs:
            t = lg.get("throttle_table_after")
            if t:
                L.append(f"- {lg['clients']} client(s): `login_failures` after the run (key|failures|locked_until): "
                         f"`{' ; '.join(t.splitlines()[:6])}`{' …' if len(t.splitlines()) > 6 else ''}")
            if lg["result"] and lg["result"].get("first_error"):
                L.append(f"- {lg['clients']} client(s), first failure: `{lg['result']['first_error'][:200]}`")
        L.append("")

    L.append("With the server's default settings (the throttle table emptied before each run):")
    L.append("")
    login_table(logins)
    if nolimit:
        L.append(f"Sign-ins with correct passwords were throttled, so the same runs again on a server started with "
                 f"`{nolimit_setting}` (everything else default), to show the rate the hashing itself allows:")
        L.append("")
        login_table(nolimit)
    L.append("wrk's latency percentiles rest on the few hundred sign-ins of each run; \"Sign-ins/s\" counts every "
             "answer, \"Succeeded/s\" the 201s. VmHWM is the server's peak resident size so far (it only grows); at "
             f"start it was {rss_start.get('VmHWM', 0) / 1024:,.0f} MB.")
    L.append("")
    L.append(f"Throttle table (`login_failures`) before the sign-ins: {('`' + fail_before + '`') if fail_before else 'empty'}.")
    L.append("")
    L.append("Commands (from bench/):")
    L.append("")
    for lg in logins + nolimit:
        L.append(f"    {lg['command']}")
    L.append("")

    # Lists
    L.append("## Authorization on list pages of 50")
    L.append("")
    if principals:
        L.append(f"Principals: **admin** (role administrator, scope all: no condition added); **org**: user "
                 f"`bench-org`, member of {principals.get('org')} (id {principals.get('org_id')}), role "
                 f"`bench_org_reader` = `{{\"type\":\"*\",\"action\":\"read\",\"scope\":\"organization\"}}`, which adds "
                 f"`t.org_id = ?`; **orgs**: `bench-orgs`, member of {', '.join(principals.get('orgs', []))}, same role, "
                 f"`t.org_id IN (?, ?, ?)`; **own**: `{principals.get('owner')}` (a generated service owner, id "
                 f"{principals.get('owner_id')}) with only `bench_own_reader` (scope own), which adds "
                 f"`(t.created_by = ? OR t.\"owner\" = ?)`. Each uses an API token (principal cached 5 s).")
        L.append("")
    L.append("| Scenario | Principal | Request | Matching rows | Single median ms | Single p90 ms | Direct SQL ms | wrk req/s | wrk p50 ms | wrk p95 ms | wrk p99 ms | Failed | Other CPU s |")
    L.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in scenarios.SCENARIOS:
        n = s["name"]
        e = result["lists"][n]
        sr = e["single_requests"] or {}
        w = e["wrk"]
        runs = w["runs"]
        rps = " / ".join(f"{r['rps']:,.0f}" for r in runs) if runs else "–"
        p95 = " / ".join(fmt_ms(r["p95_ms"]) for r in runs) if runs else "–"
        mc = e["matching_rows"]
        L.append(f"| {n} | {s['principal']} | `{e['request'].replace('/api/v1/services', '')}` | "
                 f"{mc if mc is None else f'{mc:,}'} | {fmt_ms(sr.get('median_ms'))} | {fmt_ms(sr.get('p90_ms'))} | "
                 f"{fmt_ms(e['direct_ms'])} | {rps} | {fmt_ms(w['p50_ms'])} | {p95} | {fmt_ms(w['p99_ms'])} | {w['failed']} | "
                 f"{' / '.join(fmt_other(r.get('other_cpu_s'), r.get('attempts', 1)) for r in runs) if runs else '–'} |")
    L.append("")
    L.append(f"Single requests: {env.get('rounds', '?')} rounds, each sending one request of every scenario in turn "
             "(bench/auth/singles.py; 5 uncounted warm-up rounds first), so that drift affects all alike. "
             "Direct SQL: the same query run in-process on the database (SQLite: Python's sqlite3, median of 5; "
             "PostgreSQL: EXPLAIN ANALYZE execution time, warm). wrk req/s and p95: run 1 / run 2; p50 and p99: "
             "mean of both. Matching rows: every row the conditions admit (count(*), no LIMIT): how far a plan "
             "that filters instead of seeking may have to walk. Other CPU: CPU seconds that processes other than "
             f"the benchmark's own (server, PostgreSQL, wrk) used during the run, run 1 / run 2; ⚠ above {DISTURBED_S} s "
             f"(of {m['nproc'] * wrk_seconds:.0f} CPU-seconds in a {wrk_seconds:.0f} s run): something else ran on the machine meanwhile. "
             f"During the single requests: {fmt_other(other_cpu(d / 'singles.other'), attempts(d / 'singles.attempts'))} s. "
             "Each run waited for the machine to be quiet first and was repeated (\"try 2\", \"try 3\") when "
             "other processes used the CPUs during it; a ⚠ that remains means they did not stop.")
    L.append("")
    L.append("### Overhead, authorized vs the same request without authorization")
    L.append("")
    L.append("| Authorized | Compared with | What | Same first page | Single median | wrk p95 | wrk req/s | Target | Verdict |")
    L.append("|---|---|---|---|---:|---:|---:|---:|---|")
    for pr in pairs:
        L.append(f"| {pr['authorized']} | {pr['unauthorized']} | {pr['what']} | {'yes' if pr['same_rows'] else 'no'} | "
                 f"{fmt_ratio(pr['single_median_ratio'])} | {fmt_ratio(pr['wrk_p95_ratio'])} | "
                 f"{fmt_ratio(pr['wrk_rps_ratio'])} | {'≤ 1.10×' if pr['target'] else '–'} | "
                 f"{verdict(pr['met']) if pr['target'] else 'informative'} |")
    L.append("")

    # Plans
    L.append("## Query plans")
    L.append("")
    eng = plans.get("_engine") or {}
    if args.engine == "sqlite":
        st = eng.get("sqlite_stat1") or []
        L.append(f"`EXPLAIN QUERY PLAN` with the parameters bound (SQLite {eng.get('sqlite_version', '?')}); "
                 f"sqlite_stat1 rows for rec_service: {len(st) if st else 'none (no ANALYZE statistics: the planner uses its defaults)'}.")
    else:
        L.append(f"`EXPLAIN (ANALYZE, BUFFERS) EXECUTE` of the statement prepared with $n placeholders, "
                 f"`plan_cache_mode = force_custom_plan` as Kanri sets it (PostgreSQL {eng.get('server_version', '?')}); "
                 "the second of two executions (warm).")
    L.append("")
    org_ix = "ix_service__org_id_by_updated_at"
    so = (plans.get("scope_org") or {}).get("plan")
    if so is not None:
        L.append(f"- Organization scope (`scope_org`) uses `{org_ix}`: **{'yes' if uses(so, org_ix) else 'no'}**.")
    for n in ("scope_orgs", "search_scope_org", "printer_scope_org"):
        pl = (plans.get(n) or {}).get("plan")
        if pl is not None:
            L.append(f"- `{n}` uses `{org_ix}`: "
                     f"{'yes' if uses(pl, org_ix) else 'no'}.")
    L.append("")
    L.append("| Scenario | Plan, key lines | Direct SQL ms |")
    L.append("|---|---|---:|")
    for s_ in scenarios.SCENARIOS:
        p_ = plans.get(s_["name"])
        if p_:
            L.append(f"| {s_['name']} | {key_lines(p_['plan'])} | {fmt_ms(p_.get('median_ms'))} |")
    for n, v in plans.items():
        if not n.startswith("_") and v.get("based_on"):
            L.append(f"| {n} (rewrite, not run by Kanri) | {key_lines(v['plan'])} | {fmt_ms(v.get('median_ms'))} |")
    L.append("")
    L.append("Full plans:")
    L.append("")
    for s in scenarios.SCENARIOS:
        p = plans.get(s["name"])
        if not p:
            continue
        L.append(f"**{s['name']}** ({s['title']}): params {json.dumps(p['params'], ensure_ascii=False)}")
        L.append("")
        L.append("```")
        L.append(re.sub(r"SELECT t\.id, .*? FROM", "SELECT t.id, … FROM", p["sql"]))
        L.extend(p["plan"])
        L.append("```")
        L.append("")

    alts = {k: v for k, v in plans.items() if not k.startswith("_") and v.get("based_on")}
    if alts:
        L.append("### Rewrites (not what Kanri runs), for comparison")
        L.append("")
        for n, v in alts.items():
            base_ms = (plans.get(v["based_on"]) or {}).get("median_ms")
            same = v.get("same_rows")
            L.append(f"**{n}**: {v['what']}; direct SQL {fmt_ms(v['median_ms'])} ms against "
                     f"{fmt_ms(base_ms)} ms for `{v['based_on']}` as Kanri runs it"
                     f"{'' if same is None else ('; same rows' if same else '; DIFFERENT rows')}.")
            L.append("")
            L.append("```")
            L.append(re.sub(r"SELECT t\.id, .*? FROM", "SELECT t.id, … FROM", v["sql"]))
            L.extend(v["plan"])
            L.append("```")
            L.append("")

    if trial:
        L.append("## Trial index (made by hand, dropped afterwards)")
        L.append("")
        L.append("```sql")
        L.append(trial["ddl"] + ";")
        L.append("```")
        L.append("")
        L.append(f"Creation: {trial['create'].replace(chr(10), '; ')} (no ANALYZE afterwards, as `kanri migrate` would leave it).")
        L.append("")
        L.append("| Scenario | Single median ms without → with | wrk req/s without → with | wrk p95 ms without → with |")
        L.append("|---|---:|---:|---:|")
        for n, tl in trial["lists"].items():
            before = result["lists"][n]
            s0 = (before["single_requests"] or {}).get("median_ms")
            s1 = (trial["singles"].get(n) or {}).get("median_ms")
            L.append(f"| {n} | {fmt_ms(s0)} → {fmt_ms(s1)} | {before['wrk']['rps'] or 0:,.0f} → {tl['rps'] or 0:,.0f} | "
                     f"{fmt_ms(before['wrk']['p95_ms'])} → {fmt_ms(tl['p95_ms'])} |")
        L.append("")
        for n, p in trial["plans"].items():
            if n.startswith("_"):
                continue
            L.append(f"**{n}** with the trial index:")
            L.append("")
            L.append("```")
            L.extend(p["plan"])
            L.append("```")
            L.append("")

    if args.note:
        L.append("## Notes")
        L.append("")
        for n in args.note:
            L.append(f"- {n}")
        L.append("")

    L.append("## Commands")
    L.append("")
    L.append("`bench/run-auth` (or the auth section of `bench/run-all`) ran `bench/auth/measure`; one wrk command "
             "per scenario, from bench/ with TOKEN set to the principal's token:")
    L.append("")
    for s in scenarios.SCENARIOS:
        c = lists[s["name"]]["command"]
        if c:
            L.append(f"    {c}")
    L.append("")
    L.append(f"Server memory after all list runs: VmHWM {rss_end.get('VmHWM', 0):,} kB, VmRSS {rss_end.get('VmRSS', 0):,} kB "
             "(a fresh server, started after the sign-ins).")
    L.append("")
    L.append("Numbers from a shared 2-CPU machine vary from run to run; compare runs of the same machine only. "
             "See bench/README.md for what each benchmark measures.")
    L.append("")
    base.with_suffix(".md").write_text("\n".join(L))
    print(base.with_suffix(".md"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
