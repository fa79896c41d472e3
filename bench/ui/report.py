#!/usr/bin/env python3
"""Writes bench/results/ui-<date><suffix>.md and .json from the ui.json files of bench/ui/measure.py
(one per engine). Prints the path of the .md.

    report.py --commit C --out DIR [--suffix S] [--note TEXT] [--findings FILE.md] ENGINE_UI_JSON...
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from pathlib import Path

LIST_PAGES = ("list", "list_high", "search_printer", "search_shougai")


def machine() -> dict:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "memory_kb": int(mem), "kernel": platform.release(),
            "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0][:40]}


def verdict(value: float, target: float) -> str:
    return "✅ met" if value <= target else "❌ missed"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commit", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--suffix", default="")
    ap.add_argument("--note", default="")
    ap.add_argument("--findings", default="", help="a Markdown file: what the person who ran it found")
    ap.add_argument("runs", nargs="+")
    args = ap.parse_args()
    runs = [json.loads(Path(p).read_text()) for p in args.runs]
    day = time.strftime("%Y-%m-%d", time.gmtime())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = out / f"ui-{day}{args.suffix}"
    doc = {"date": day, "commit": args.commit, "machine": machine(), "note": args.note, "engines": runs}
    base.with_suffix(".json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")

    L: list[str] = []
    w = L.append
    w(f"# Web UI benchmarks — {day}, commit {args.commit}")
    w("")
    m = doc["machine"]
    w(f"Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_kb'] // 1024} MiB, kernel {m['kernel']}; {m['wrk']}.")
    for r in runs:
        w(f"- **{r['engine']}**: {r['records']:,} services ({r['engine_version']}); data {r['data']}; "
          f"binary {r['kanri_binary']}; load average {' '.join(r['loadavg_start'])} → {' '.join(r['loadavg_end'])}.")
    if args.note:
        w(f"- Note: {args.note}")
    w("")
    w("## Summary")
    w("")
    w("Server time = single requests one after the other on one keep-alive connection (no other load from the "
      "benchmark), pages interleaved; p95 of the rounds. wrk = 2 threads, 16 connections (closed loop: on 2 CPUs its "
      "latency is mostly queueing behind the other 15 connections).")
    w("")
    w("| Target | Engine | Page | Server time p95 | wrk p95 | Verdict (server time) |")
    w("|---|---|---|---|---|---|")
    for r in runs:
        s, k = r["singles"]["variants"], r["wrk"]
        for name in LIST_PAGES:
            w(f"| list page of 50, p95 ≤ {r['targets']['list']:.0f} ms | {r['engine']} | `{s[name]['path']}` | "
              f"{s[name]['p95_ms']:.1f} ms | {k[name]['p95_ms']:.1f} ms | {verdict(s[name]['p95_ms'], r['targets']['list'])} |")
        d = "detail_history"
        w(f"| detail with {r['pages'][d]['history_entries']} history entries, ≤ {r['targets']['detail']:.0f} ms | {r['engine']} | "
          f"`/r/services/{r['history_service']['number']}` | {s[d]['p95_ms']:.1f} ms | {k[d]['p95_ms']:.1f} ms | "
          f"{verdict(s[d]['p95_ms'], r['targets']['detail'])} |")
    a = runs[0]["assets"]
    for page, p in a["pages"].items():
        kb = p["gzip_bytes"] / 1024
        w(f"| JS + CSS compressed ≤ {runs[0]['targets']['assets_kb']:.0f} KB | — | {page} page (`{p['path']}`) | "
          f"{kb:.1f} KiB gzip ({p['raw_bytes'] / 1024:.1f} KiB raw) | — | {verdict(kb, runs[0]['targets']['assets_kb'])} |")
    w("")

    w("## Pages")
    w("")
    for r in runs:
        w(f"### {r['engine']} ({r['records']:,} services)")
        w("")
        w("| Page | Path | Rows | HTML | Transferred | Single p50 | p95 | p99 | wrk req/s | wrk p50 | p95 | p99 | non-200 | Other CPU s |")
        w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name, f in r["pages"].items():
            s, k = r["singles"]["variants"][name], r["wrk"][name]
            rows = f["history_entries"] if name == "detail_history" else f["rows"]
            other = k["run"]["other_cpu_s"]
            w(f"| {name} | `{f['path']}` | {rows}{' entries' if name == 'detail_history' else ''} | {f['bytes_html'] / 1024:.1f} KiB | "
              f"{f['bytes_transferred'] / 1024:.1f} KiB {f['encoding']} | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} | {s['p99_ms']:.1f} | "
              f"{k['rps']:.1f} | {k['p50_ms']:.1f} | {k['p95_ms']:.1f} | {k['p99_ms']:.1f} | {k.get('non200', 0)} | "
              f"{other}{' ⚠' if k['run']['disturbed'] else ''} |")
        w("")
        sr = r["singles"]["run"]
        w(f"Single requests: {r['singles']['rounds']} rounds; other processes used {sr['other_cpu_s']} CPU-s meanwhile"
          f"{' ⚠ (disturbed)' if sr['disturbed'] else ''}. Times in ms.")
        w("")
        w("Commands (from bench/, with SESSION the `kanri_session` cookie of a sign-in):")
        w("")
        w("```sh")
        for name, k in r["wrk"].items():
            w(k["command"])
        w("```")
        w("")
        w("#### Where the time goes (single requests, p50 / p95 ms)")
        w("")
        w("| Page | API, same rows (query + to_json + JSON) | htmx fragment, no layout (gzip) | page, no gzip | page, gzip (as a browser) |")
        w("|---|---|---|---|---|")
        v = r["singles"]["variants"]
        for name in r["pages"]:
            if name + ":api" not in v:
                continue
            cells = [f"{v[n]['p50_ms']:.1f} / {v[n]['p95_ms']:.1f}" for n in (name + ":api", name + ":fragment", name + ":identity", name)]
            w(f"| {name} | " + " | ".join(cells) + " |")
        w("")
        if r.get("profile"):
            pr = r["profile"]
            w(f"#### CPU profile: `{pr['path']}` under wrk, {pr['seconds']} s (perf, 199 Hz, DWARF call graphs, server process)")
            w("")
            w("Self time (top symbols):")
            w("")
            w("| % | Symbol |")
            w("|---|---|")
            for e in pr["self"][:20]:
                w(f"| {e['percent']:.1f} | `{e['symbol']}` |")
            w("")
            w("Inclusive (children) time:")
            w("")
            w("| incl. % | self % | Symbol |")
            w("|---|---|---|")
            for e in pr["inclusive"][:30]:
                w(f"| {e['children_percent']:.1f} | {e['self_percent']:.1f} | `{e['symbol']}` |")
            w("")
        if r.get("memory"):
            w("Server memory after the runs: " + ", ".join(f"{k} {v}" for k, v in r["memory"].items()) + ".")
            w("")

    w("## Scripts and style sheets")
    w("")
    w("Fetched from the running server (first engine) as the pages reference them (`<script src>`, `<link rel=stylesheet>`), "
      "with and without `Accept-Encoding: gzip`; bytes of the response bodies.")
    w("")
    w("| File | Type | Raw | gzip | Cache-Control |")
    w("|---|---|---|---|---|")
    for u, f in a["files"].items():
        w(f"| `{u}` | {f['type']} | {f['raw_bytes']:,} | {f['gzip_bytes']:,} ({f['content_encoding']}) | {f['cache_control']} |")
    w("")
    w("| Page | Files | Raw | gzip |")
    w("|---|---|---|---|")
    for page, p in a["pages"].items():
        w(f"| {page} (`{p['path']}`) | {len(p['urls'])} | {p['raw_bytes']:,} B ({p['raw_bytes'] / 1024:.1f} KiB) | "
          f"{p['gzip_bytes']:,} B ({p['gzip_bytes'] / 1024:.1f} KiB) |")
    w("")
    w("## Findings")
    w("")
    w(Path(args.findings).read_text().strip() if args.findings else
      "None written for this run (bench/ui/report.py --findings FILE adds them).")
    w("")
    md = base.with_suffix(".md")
    md.write_text("\n".join(L) + "\n")
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
