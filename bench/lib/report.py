#!/usr/bin/env python3
"""Writes the result files of one engine's run of bench/run-all.

    report.py --dir WORK/ENGINE --engine sqlite|postgres --records N --commit C --out DIR [--suffix S]

Reads what run-all left in --dir:
    gen.out          the generator's RESULT line           gen.args      its options
    wrk-NAME.json    BENCH_JSON of each wrk scenario       wrk-NAME.cmd  the wrk command line
    probe-NAME.json  single requests before the scenario   quiesce-NAME.txt  seconds waited after it
    rss.txt          /proc/PID/status lines of the server after the load
    coldstart.json   from coldstart.py                     env.txt       key=value facts from run-all
and writes OUT/<date>-<commit>-<engine><suffix>.md and .json. Prints the .md path.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
from pathlib import Path

# name, title, what the target is about, target kind, target value
SCENARIOS = [
    ("create", "Create services", "POST /api/v1/services, varied bodies", "rps", 5000),
    ("list_high", "List, filter on criticality", "GET /api/v1/services?criticality=high&sort=-updated_at&limit=50", "p95", 20),
    ("list_state", "List, filter on state", "GET /api/v1/services?state=retiring&sort=-updated_at&limit=50", "p95", 20),
    ("list_paging", "List, keyset paging", "criticality=high&sort=-updated_at&limit=50, following next_cursor", "p95", 20),
    ("search_shougai", "Full-text search 障害", "GET /api/v1/services?q=%E9%9A%9C%E5%AE%B3&limit=50", "p95", 50),
    ("search_printer", "Full-text search printer", "GET /api/v1/services?q=printer&limit=50", "p95", 50),
]
RSS_TARGET_MB = 300
START_TARGET_MS = 1000
CREATE_TARGET = 5000


def read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def machine() -> dict:
    info = {"nproc": os.cpu_count(), "kernel": platform.release(), "cpu_model": None, "memory_mb": None}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_mb"] = int(line.split()[1]) // 1024
    except OSError:
        pass
    info["os"] = platform.platform()
    return info


def parse_kv(path: Path) -> dict:
    out = {}
    try:
        for line in path.read_text().splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                out[k.strip()] = v.strip()
    except OSError:
        pass
    return out


def parse_status(path: Path) -> dict:
    out = {}
    try:
        for line in path.read_text().splitlines():
            m = re.match(r"^(\w+):\s+(\d+)\s*kB", line)
            if m:
                out[m.group(1)] = int(m.group(2))
            m = re.match(r"^Threads:\s+(\d+)", line)
            if m:
                out["Threads"] = int(m.group(1))
    except OSError:
        pass
    return out


def fmt_ms(v) -> str:
    return "–" if v is None else (f"{v:.1f}" if v >= 10 else f"{v:.2f}")


def verdict(ok) -> str:
    return "–" if ok is None else ("✅ met" if ok else "❌ missed")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--engine", required=True)
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--commit", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--suffix", default="")
    args = ap.parse_args()
    d = Path(args.dir)
    now = datetime.datetime.now(datetime.timezone.utc)
    env = parse_kv(d / "env.txt")

    gen = {}
    try:
        line = [l for l in (d / "gen.out").read_text().splitlines() if l.startswith("RESULT ")][-1]
        for kv in line.split()[1:]:
            k, v = kv.split("=", 1)
            gen[k] = float(v) if "." in v else int(v)
    except (OSError, IndexError, ValueError):
        pass
    gen_args = (d / "gen.args").read_text().strip() if (d / "gen.args").exists() else ""

    scenarios = {}
    for name, title, what, kind, target in SCENARIOS:
        r = read_json(d / f"wrk-{name}.json")
        cmd = (d / f"wrk-{name}.cmd").read_text().strip() if (d / f"wrk-{name}.cmd").exists() else ""
        probe = read_json(d / f"probe-{name}.json")
        try:
            waited = int((d / f"quiesce-{name}.txt").read_text().strip())
        except (OSError, ValueError):
            waited = None
        entry = {"title": title, "request": what, "command": cmd, "result": r, "single_requests": probe,
                 "idle_wait_s": waited, "target": None, "met": None}
        if r is not None:
            bad = r.get("non201", r.get("non200", 0)) + r["errors_connect"] + r["errors_read"] + \
                r["errors_write"] + r["errors_timeout"]
            entry["failed_requests"] = bad
            if kind == "rps":
                entry["target"] = f">= {target} records/s, no failed request"
                entry["met"] = r["rps"] >= target and bad == 0
            else:
                entry["target"] = f"p95 <= {target} ms"
                entry["met"] = r["p95_ms"] <= target and bad == 0
        scenarios[name] = entry

    status = parse_status(d / "rss.txt")
    rss = {k: status.get(k) for k in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem", "Threads")}
    hwm_mb = rss["VmHWM"] / 1024 if rss.get("VmHWM") else None
    rss_mb = rss["VmRSS"] / 1024 if rss.get("VmRSS") else None
    rss_met = None if hwm_mb is None else hwm_mb <= RSS_TARGET_MB
    cold = read_json(d / "coldstart.json")
    cold_met = None if not cold else cold["median_ms"] <= START_TARGET_MS

    result = {
        "engine": args.engine,
        "date": env.get("started") or now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": args.commit,
        "records": args.records,
        "machine": machine(),
        "environment": env,
        "generation": {"options": gen_args, **gen},
        "scenarios": scenarios,
        "rss_kb": rss,
        "rss_target_mb": RSS_TARGET_MB,
        "rss_met": rss_met,
        "cold_start": cold,
        "cold_start_target_ms": START_TARGET_MS,
        "cold_start_met": cold_met,
    }

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = out / f"{now.strftime('%Y-%m-%d')}-{args.commit}-{args.engine}{args.suffix}"
    base.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")

    m = result["machine"]
    L = []
    L.append(f"# Kanri benchmarks: {args.engine}, {args.records:,} services")
    L.append("")
    L.append(f"- Date: {result['date']} (start of this engine's run)  ")
    L.append(f"- Commit: `{args.commit}`  ")
    L.append(f"- Engine: {args.engine} ({env.get('engine_version', '?')})  ")
    L.append(f"- Machine: {m['nproc']} CPUs, {m['cpu_model']}, {m['memory_mb']:,} MB RAM, Linux {m['kernel']}  ")
    L.append(f"- Binary: build/bin/kanri {env.get('kanri_binary', '?')} (the working tree may differ from the commit)  ")
    L.append(f"- Load average before the run: {env.get('loadavg_start', '?')}; after: {env.get('loadavg_end', '?')}  ")
    L.append(f"- Database after generation: {env.get('db_size', '?')}  ")
    L.append(f"- wrk: {env.get('wrk', '?')}, loopback, {env.get('wrk_threads', '?')} threads, "
             f"{env.get('wrk_connections', '?')} connections, {env.get('wrk_duration', '?')} per scenario "
             f"(read scenarios after {env.get('probes', '?')} single requests); server with default settings "
             f"(KANRI_HTTP_THREADS={env.get('http_threads', '16')}, KANRI_READ_CONNECTIONS={env.get('read_connections', '4')})")
    L.append("")
    L.append("## Summary")
    L.append("")
    L.append("| Benchmark | Result | Target | Verdict |")
    L.append("|---|---:|---:|---|")
    c = scenarios["create"]
    if c["result"]:
        L.append(f"| Create throughput (POST) | {c['result']['rps']:,.0f} records/s, {c['failed_requests']} failed | "
                 f"≥ {CREATE_TARGET:,}/s | {verdict(c['met'])} |")
    for name, title, what, kind, target in SCENARIOS[1:]:
        s = scenarios[name]
        if s["result"]:
            L.append(f"| {title} p95 | {fmt_ms(s['result']['p95_ms'])} ms | ≤ {target} ms | {verdict(s['met'])} |")
        else:
            L.append(f"| {title} p95 | not measured | ≤ {target} ms | – |")
    if hwm_mb is not None:
        L.append(f"| Server RSS after the load (VmHWM) | {hwm_mb:,.0f} MB (VmRSS {rss_mb:,.0f} MB) | ≤ {RSS_TARGET_MB} MB | {verdict(rss_met)} |")
    if cold:
        L.append(f"| Cold start to first /healthz 200 (median of {len(cold['runs_ms'])}) | {cold['median_ms']:.0f} ms | "
                 f"≤ {START_TARGET_MS} ms | {verdict(cold_met)} |")
    if gen:
        L.append(f"| Data generation (kanri-bench-gen) | {gen.get('rate', 0):,.0f} services/s "
                 f"({gen.get('services', 0):,} in {gen.get('seconds', 0):,.0f} s) | – | – |")
    L.append("")
    L.append("## HTTP scenarios")
    L.append("")
    L.append("| Scenario | Requests | Req/s | p50 ms | p90 ms | p95 ms | p99 ms | max ms | Failed | Single request ms |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, title, what, kind, target in SCENARIOS:
        s = scenarios[name]
        r = s["result"]
        if not r:
            continue
        single = fmt_ms(s["single_requests"]["median_ms"]) if s.get("single_requests") else "–"
        L.append(f"| {title} | {r['requests']:,} | {r['rps']:,.1f} | {fmt_ms(r['p50_ms'])} | {fmt_ms(r['p90_ms'])} | "
                 f"{fmt_ms(r['p95_ms'])} | {fmt_ms(r['p99_ms'])} | {fmt_ms(r['max_ms'])} | {s['failed_requests']} | {single} |")
    L.append("")
    L.append("Single request: median of up to 5 requests sent one after the other before the wrk run "
             "(the latency without load; they also warm the server up).")
    L.append("")
    for name, title, what, kind, target in SCENARIOS:
        s = scenarios[name]
        r = s["result"]
        if not r:
            continue
        extra = ""
        if r["requests"] < 50:
            extra += (f" Only {r['requests']} requests completed in the run: its percentiles rest on "
                      f"these few samples.")
        if s.get("single_requests"):
            extra += f" Single requests: {', '.join(f'{x:.1f}' for x in s['single_requests']['runs_ms'])} ms."
        if (s.get("idle_wait_s") or 0) > 1:
            extra += f" The server needed {s['idle_wait_s']} s after wrk stopped to finish the requests left in flight."
        if name == "list_paging":
            extra = f" Pages fetched: {r.get('pages', 0):,}, deepest page: {r.get('deepest', 0)}."
        if r.get("first_error"):
            extra += f" First failure: `{r['first_error'][:200]}`."
        L.append(f"- **{title}**: `{what}`.{extra}  ")
        L.append(f"  `{s['command']}`")
    L.append("")
    L.append("## Server memory and start-up")
    L.append("")
    if rss.get("VmHWM") is not None:
        L.append("| /proc/PID/status after the load | kB |")
        L.append("|---|---:|")
        for k in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem"):
            if rss.get(k) is not None:
                L.append(f"| {k} | {rss[k]:,} |")
        if rss.get("Threads") is not None:
            L.append(f"| Threads | {rss['Threads']} |")
        L.append("")
        L.append("RssFile counts pages of the database file mapped by SQLite (mmap_size) and of shared "
                 "libraries; RssAnon is the server's own heap and stacks.")
        L.append("")
    if cold:
        L.append(f"Cold start runs (exec of `kanri serve` to the first 200 from /healthz, file cache warm): "
                 f"{', '.join(f'{x:.0f}' for x in cold['runs_ms'])} ms; median {cold['median_ms']:.0f} ms.")
        L.append("")
    L.append("## Data generation")
    L.append("")
    if gen:
        L.append(f"`kanri-bench-gen {gen_args}`: {gen.get('services', 0):,} services with "
                 f"{gen.get('transitions', 0):,} lifecycle transitions, {gen.get('orgs', 0):,} organizations, "
                 f"{gen.get('users', 0)} owners; {gen.get('seconds', 0):,.1f} s for the services = "
                 f"**{gen.get('rate', 0):,.0f} services/s**. Services containing 障害: {gen.get('shougai', 0):,} "
                 f"({100.0 * gen.get('shougai', 0) / max(gen.get('services', 1), 1):.1f} %), containing printer: "
                 f"{gen.get('printer', 0):,} ({100.0 * gen.get('printer', 0) / max(gen.get('services', 1), 1):.1f} %).")
        if env.get("post_load"):
            L.append("")
            L.append(f"After loading: {env['post_load']}.")
    else:
        L.append("No generation result.")
    L.append("")
    L.append("Numbers from a shared 2-CPU machine vary from run to run; compare runs of the same machine only. "
             "See bench/README.md for what each benchmark measures.")
    L.append("")
    base.with_suffix(".md").write_text("\n".join(L))
    print(base.with_suffix(".md"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
