#!/usr/bin/env python3
"""Writes bench/results/resolution-<date>-<commit>-<engine><suffix>.md and .json from the
resolution.json of bench/resolution/measure.py; prints the .md's path.

    report.py --commit C --out DIR [--suffix S] [--note TEXT] RESOLUTION_JSON
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ui"))
from report import machine  # noqa: E402  (bench/ui/report.py)


def machine_line() -> str:
    m = machine()
    return f"{m['cpus']} CPUs ({m['cpu_model']}), {m['memory_kb'] // 1024:,} MiB, kernel {m['kernel']}; {m['wrk']}"


def verdict(ok: bool) -> str:
    return "✅ met" if ok else "❌ missed"


def disturbed(info: dict) -> str:
    return f"{info.get('other_cpu_s', 0)}" + (" ⚠" if info.get("disturbed") else "")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commit", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--suffix", default="")
    ap.add_argument("--note", default="")
    ap.add_argument("input")
    a = ap.parse_args()
    r = json.loads(Path(a.input).read_text())
    t = r["targets"]
    engine = r["engine"]
    date = time.strftime("%Y-%m-%d", time.gmtime())
    name = f"resolution-{date}-{a.commit}-{engine}{a.suffix}"
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps({**r, "commit": a.commit, "machine": machine()}, ensure_ascii=False, indent=1))

    create = r["create"]["runs"]
    best_n, best = max(create.items(), key=lambda kv: kv[1]["rps"])
    trend = r["trend"]["runs"]
    singles = r["queue"]["singles"]["variants"]
    wrk_q = r["queue"]["wrk"]
    any_disturbed = any(x["run"]["disturbed"] for x in list(create.values()) + list(wrk_q.values())) or \
        r["queue"]["singles"]["run"]["disturbed"] or any(x["disturbed"] for x in trend)
    L = [f"# Incident resolution benchmarks — {engine}, {r['incidents']:,} incidents, {date}, commit {a.commit}", ""]
    L.append(f"- Machine: {machine_line()}")
    L.append(f"- Engine: {engine} ({r['engine_version']}); binary {r['kanri_binary']}")
    L.append(f"- Data: {r['data']}")
    L.append(f"- Load average before: {' '.join(r['loadavg_start'])}; after: {' '.join(r['loadavg_end'])}")
    if a.note:
        L.append(f"- Note: {a.note}")
    if any_disturbed:
        L.append("- ⚠ Some runs stayed disturbed by other processes (more than BENCH_DISTURBED CPU-seconds of "
                 "others during the run, after the retries); their numbers are marked ⚠ and say less about Kanri.")
    L += ["", "## Summary", "", "| Benchmark | Result | Target | Verdict |", "|---|---:|---:|---|"]
    L.append(f"| Incident creation through the API (best of {', '.join(create)} connections) | "
             f"{best['rps']:,.0f}/s ({best_n} connections), {sum(x.get('non201', 0) + x.get('errors_status', 0) for x in create.values())} failed | "
             f"≥ {t['create_per_s']:,.0f}/s | {verdict(best['rps'] >= t['create_per_s'])} |")
    first, rest = trend[0], trend[1:]
    L.append(f"| Trend analysis, first run (proposes) | {first['seconds']:.2f} s | ≤ {t['trend_s']:.0f} s | "
             f"{verdict(first['seconds'] <= t['trend_s'])} |")
    if rest:
        worst = max(x["seconds"] for x in rest)
        L.append(f"| Trend analysis, runs 2–{len(trend)} (bring up to date), slowest | {worst:.2f} s | ≤ {t['trend_s']:.0f} s | "
                 f"{verdict(worst <= t['trend_s'])} |")
    for key, s in singles.items():
        L.append(f"| Queue `{s['path']}` p95 (single requests) | {s['p95_ms']:.1f} ms | ≤ {t['queue_p95_ms']:.0f} ms | "
                 f"{verdict(s['p95_ms'] <= t['queue_p95_ms'])} |")
    L += ["", "Single requests: one after the other on one keep-alive connection, every request in turn, "
          f"{r['queue']['singles']['rounds']} rounds (the server time without load, which the targets use). "
          "wrk: closed loop, so with more connections than CPUs its latency is mostly queueing.", ""]

    L += ["## Incident creation (POST /api/v1/incidents)", "",
          "Each request a different body (bench/wrk/incident_create.lua): title, description, symptom, service, "
          "category, group, impact, urgency (mostly medium, the other cells of the matrix now and then), channel, "
          "reporter (an agent) or caller; the server numbers it, sets the priority from the active policy's matrix "
          f"({r['policy'].get('number')}, version {r['policy'].get('version')}), the tier from the group, the "
          "major-incident criteria, and writes its journal entry and search tokens in the same transaction.", "",
          "| Connections | Requests | Req/s | p50 ms | p90 ms | p95 ms | p99 ms | max ms | Failed | Other CPU s |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, x in create.items():
        L.append(f"| {n} | {x['requests']:,} | {x['rps']:,.1f} | {x['p50_ms']:.2f} | {x['p90_ms']:.2f} | {x['p95_ms']:.2f} | "
                 f"{x['p99_ms']:.2f} | {x['max_ms']:.1f} | {x.get('non201', 0) + x.get('errors_status', 0)} | {disturbed(x['run'])} |")
    L += ["", "Commands:", ""]
    L += [f"    {x['command']}" for x in create.values()]
    if r["create"].get("last"):
        L += ["", f"Last incident created: `{json.dumps(r['create']['last'], ensure_ascii=False)[:300]}`"]
    for x in create.values():
        if x.get("first_error"):
            L += ["", f"First failure: `{x['first_error']}`"]
            break

    L += ["", "## Trend analysis (POST /api/v1/problem_proposals/analyse)", "",
          "`analyse_trends` (src/processes/resolution/trends.cpp) in one write transaction: the incidents opened "
          "within the policy's window (30 days) not tied to a problem, grouped by service, by category and by "
          "symptom; every group at or over the policy's threshold becomes a problem proposal or brings its open "
          "proposal up to date. Timed by the client, request to response.", "",
          "| Run | Seconds | Response | Other CPU s |", "|---:|---:|---|---:|"]
    for x in trend:
        L.append(f"| {x['run']} | {x['seconds']:.3f} | `{json.dumps(x['response'])[:160]}` | {x['other_cpu_s']}{' ⚠' if x['disturbed'] else ''} |")

    L += ["", "## The incident queue of a group (group and state, newest change first, 50 a page)", "",
          "| Request | Group | First page | Single p50 | p95 | p99 | max | wrk req/s | wrk p50 | p95 | p99 | non-200 | Other CPU s |",
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    groups = r["queue"]["groups"]
    for key, s in singles.items():
        g = groups[s["page"]]
        w = wrk_q[key]
        L.append(f"| {s['kind']} `{s['path']}` | {s['page']} ({g['group']}) | {g['rows_first_page']}{'+' if g['more_pages'] else ''} | "
                 f"{s['p50_ms']:.2f} | {s['p95_ms']:.2f} | {s['p99_ms']:.2f} | {s['max_ms']:.2f} | {w['rps']:,.1f} | "
                 f"{w['p50_ms']:.2f} | {w['p95_ms']:.2f} | {w['p99_ms']:.2f} | {w.get('non200', 0)} | {disturbed(w['run'])} |")
    L += ["", "Commands:", ""] + [f"    {w['command']}" for w in wrk_q.values()]

    prof = r.get("profile")
    if prof:
        L += ["", f"## CPU profile of the server during incident creation ({prof['seconds']} s, perf)", "",
              "| Inclusive % | Self % | Function |", "|---:|---:|---|"]
        for p in prof["inclusive"][:25]:
            L.append(f"| {p['children_percent']} | {p['self_percent']} | `{p['symbol'][:140]}` |")
    if r.get("memory"):
        L += ["", "Server memory at the end: " + ", ".join(f"{k} {v}" for k, v in r["memory"].items())]
    L.append("")
    md = out / f"{name}.md"
    md.write_text("\n".join(L))
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
