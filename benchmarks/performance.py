"""Benchmark tsforecast against a hand-written PyTorch loop and the installed peers.

Runs every (system, workload) in its own child process (so peak RSS is per system), interleaves
the systems within each repeat, and writes medians and within-run ratios to docs/performance.md.
Run by hand, never from the unit tests:

    python benchmarks/performance.py                   # full suite, writes docs/performance.md
    python benchmarks/performance.py --repeats 1 --workloads w1 --out /tmp/perf.md   # smoke run
    python benchmarks/performance.py --device cuda     # on a GPU machine
    python benchmarks/performance.py --workloads w4 w5 --out /tmp/panel.md   # panels only
    python benchmarks/performance.py --systems raw tsforecast --workloads w1 w2 w4 --repeats 7 \
        --thread-repeats 0 --json benchmarks/results/overhead.json --out /tmp/overhead.md
                                          # fit overhead only; render it with --overhead-json
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _workloads import (  # noqa: E402
    BATCH,
    HIDDEN,
    LR,
    PANEL_TEST_POINTS,
    TEST_POINTS,
    WORKLOADS,
    resize,
)

PANEL_PEERS = ["darts", "neuralforecast"]  # peers with a panel (global model) API
LARGE = ("w3", "w5")  # raw loop and tsforecast only; their own repeat counts

PEERS = ["skorch", "darts", "neuralforecast", "skforecast"]
PEER_MODULES = {"skorch": ["skorch"], "darts": ["darts"], "neuralforecast": ["neuralforecast"],
                "skforecast": ["skforecast", "keras"]}
PEER_PACKAGES = {"skorch": "skorch", "darts": "darts", "neuralforecast": "neuralforecast",
                 "skforecast": "skforecast"}
PEER_LABELS = {
    "skorch": "skorch NeuralNetRegressor",
    "darts": "darts BlockRNNModel",
    "neuralforecast": "neuralforecast LSTM",
    "skforecast": "skforecast ForecasterRnn",
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--repeats", type=int, default=5, help="repeats of workloads 1 and 2")
    p.add_argument("--w3-repeats", type=int, default=1, help="repeats of workload 3 (2M points)")
    p.add_argument("--w5-repeats", type=int, default=1,
                   help="repeats of workload 5 (10,000-series panel)")
    p.add_argument("--workloads", nargs="+", default=["w1", "w2", "w3"], choices=list(WORKLOADS))
    p.add_argument("--systems", nargs="+", default=["raw", "tsforecast", *PEERS])
    p.add_argument("--w3-points", type=int, default=2_000_000,
                   help="length of workload 3 (default 2,000,000)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch.set_num_threads in every child; 0 keeps torch's default "
                        "(default 1: see the thread study in docs/performance.md); workload 5 "
                        "always runs on 2")
    p.add_argument("--thread-repeats", type=int, default=3,
                   help="repeats of the 1-vs-2 thread study on workload 1 (0 skips it)")
    p.add_argument("--predict-calls", type=int, default=200, help="predict() calls per median")
    p.add_argument("--inner-repeats", type=int, default=5, help="rolling/score calls per median")
    p.add_argument("--out", default=str(HERE.parent / "docs" / "performance.md"))
    p.add_argument("--json", default=None, help="also write every raw measurement here")
    p.add_argument("--from-json", nargs="+", default=None, metavar="JSON",
                   help="re-render the report from saved --json files (same other options) "
                        "instead of measuring; repeats of each file stay paired within it")
    p.add_argument("--overhead-json", nargs="+", default=None, metavar="JSON",
                   help="saved --json runs of the raw loop and tsforecast (--systems raw "
                        "tsforecast), rendered as the report's fit-overhead table")
    p.add_argument("--overhead-only", action="store_true",
                   help="with --overhead-json: replace the fit-overhead section of the existing "
                        "--out file (or insert it before its first section), keep the rest")
    p.add_argument("--date-note", default="",
                   help="appended to the report's date line (e.g. when the saved results of "
                        "--from-json were measured)")
    p.add_argument("--notes", default=str(HERE / "performance_notes.md"),
                   help="hand-written markdown appended to the report (if the file exists)")
    p.add_argument("--child", nargs=2, metavar=("SYSTEM", "WORKLOAD"), help=argparse.SUPPRESS)
    return p.parse_args(argv)


# -- child -----------------------------------------------------------------------------------


def child(args) -> None:
    """Run one system on one workload and print one JSON line (this process's own peak RSS)."""
    system, workload = args.child
    import torch

    wl = WORKLOADS[workload]
    threads = wl.threads or args.threads
    if threads:
        torch.set_num_threads(threads)
    if wl.n_series > 1:
        from _panel_systems import PANEL_SYSTEMS as SYSTEMS
    else:
        from _systems import SYSTEMS

    # The first torch optimizer in a process imports torch._dynamo (~2.5 s here); pay it before
    # any clock starts, so fit times compare the training itself.
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if system not in ("raw", "tsforecast"):
        args.predict_calls = min(args.predict_calls, 20)  # peers' predict is slow; 20 is plenty
    out = SYSTEMS[system](wl, args.device, args)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    out["rss_after_import_mb"] = rss_import
    out["threads"] = torch.get_num_threads()
    print("RESULT " + json.dumps(out), flush=True)


def run_child(system: str, workload: str, args, threads=None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", system, workload,
           "--device", args.device, "--predict-calls", str(args.predict_calls),
           "--inner-repeats", str(args.inner_repeats), "--w3-points", str(args.w3_points)]
    cmd += ["--threads", str(threads or args.threads)]
    timeout = 1800 if workload in LARGE else 900
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail)[-400:]}
    result = json.loads(lines[-1][len("RESULT "):])
    result["wall_s"] = time.perf_counter() - start
    result["load_1min"] = [load_before, os.getloadavg()[0]]  # machine load before and after
    return result


# -- orchestration ---------------------------------------------------------------------------


def available_peers(requested):
    found, skipped = [], {}
    for peer in requested:
        missing = [m for m in PEER_MODULES[peer] if importlib.util.find_spec(m) is None]
        if missing:
            skipped[peer] = f"not installed ({', '.join(missing)}); `pip install -e .[bench]`"
        else:
            found.append(peer)
    return found, skipped


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def main(argv=None) -> None:
    args = parse_args(argv)
    resize("w3", args.w3_points)
    if args.child:
        child(args)
        return
    core = [s for s in args.systems if s in ("raw", "tsforecast")]
    peers, skipped = available_peers([s for s in args.systems if s in PEERS])
    if args.overhead_only:
        write_overhead(args)
        return
    if args.from_json:
        runs, threads = load_runs(args.from_json)
        peers = [p for p in PEERS if any(s == p for s, _ in runs)]
        skipped = {p: why for p, why in skipped.items() if p not in peers}
        write_report(args, runs, threads, peers, skipped, argv)
        return
    runs = {}  # (system, workload) -> list of results, one per repeat
    for workload in args.workloads:
        repeats = {"w3": args.w3_repeats, "w5": args.w5_repeats}.get(workload, args.repeats)
        systems = core if workload in LARGE else core + peers
        if WORKLOADS[workload].n_series > 1:
            systems = [s for s in systems if s in ("raw", "tsforecast", *PANEL_PEERS)]
        for r in range(repeats):
            order = systems[r % len(systems):] + systems[: r % len(systems)]  # rotate the order
            for system in order:
                log(f"{workload} repeat {r + 1}/{repeats}: {system}")
                res = run_child(system, workload, args)
                res["repeat"] = r
                if "error" in res:
                    log(f"  error: {res['error']}")
                runs.setdefault((system, workload), []).append(res)
    threads = {}
    for r in range(args.thread_repeats):
        for n in (1, 2):
            for system in ("raw", "tsforecast"):
                log(f"threads={n} repeat {r + 1}/{args.thread_repeats}: {system}")
                res = run_child(system, "w1t", args, threads=n)
                res["repeat"] = r
                threads.setdefault((system, n), []).append(res)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"command": shlex.join(sys.argv[1:] if argv is None else argv),
             "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
             "machine": machine_lines(args)[:2],
             "runs": {f"{s}/{w}": v for (s, w), v in runs.items()},
             "threads": {f"{s}/{n}": v for (s, n), v in threads.items()}}, indent=1))
    write_report(args, runs, threads, peers, skipped, argv)


def load_runs(paths):
    """Merge saved runs; repeat numbers of the k-th file are offset by 100 * k."""
    runs, threads = {}, {}
    for k, path in enumerate(paths):
        data = json.loads(Path(path).read_text())
        for target, key in ((runs, "runs"), (threads, "threads")):
            for name, results in data[key].items():
                system, other = name.split("/")
                other = int(other) if key == "threads" else other
                for res in results:
                    res["repeat"] = res["repeat"] + 100 * k
                target.setdefault((system, other), []).extend(results)
    return runs, threads


def write_report(args, runs, threads, peers, skipped, argv) -> None:
    text = render(args, runs, threads, peers, skipped, argv)
    notes = Path(args.notes)
    if notes.is_file():
        text = text.rstrip("\n") + "\n\n" + notes.read_text()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    log(f"wrote {args.out}")


# -- report ----------------------------------------------------------------------------------


def _ok(results):
    return [r for r in results if "error" not in r]


def _med(results, key):
    values = [r[key] for r in _ok(results) if r.get(key) is not None]
    return median(values) if values else None


def _ratios(runs, num, den, workload, key_num, key_den=None) -> list[float]:
    """num/den of each repeat that measured both."""
    key_den = key_den or key_num
    a = {r["repeat"]: r for r in _ok(runs.get((num, workload), []))}
    b = {r["repeat"]: r for r in _ok(runs.get((den, workload), []))}
    return [a[k][key_num] / b[k][key_den] for k in sorted(a.keys() & b.keys())
            if a[k].get(key_num) is not None and b[k].get(key_den)]


def _ratio(runs, num, den, workload, key_num, key_den=None):
    """Median over repeats of num/den measured in the same repeat."""
    ratios = _ratios(runs, num, den, workload, key_num, key_den)
    return median(ratios) if ratios else None


def _system_rows(runs, systems, workload, names, notes, row) -> list[str]:
    """``row(system, results)`` for each system with a successful run of ``workload``; a system
    whose runs all failed, and each system's own notes, add a line to ``notes``."""
    lines = []
    for system in systems:
        results = runs.get((system, workload))
        if not results:
            continue
        if not _ok(results):
            notes.append(f"- {names[system]}: failed: {results[-1]['error']}")
            continue
        lines.append(row(system, results))
        note = _ok(results)[-1].get("notes")
        if note:
            notes.append(f"- {names[system]}: {note}.")
    return lines


def _fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def machine_lines(args):
    import numpy
    import torch

    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = [f"python {platform.python_version()}", f"torch {torch.__version__}",
                f"numpy {numpy.__version__}"]
    for pkg in ["tsforecast", "scikit-learn", "pandas", "skorch", "darts", "neuralforecast",
                "skforecast", "keras", "pytorch-lightning"]:
        try:
            versions.append(f"{pkg} {importlib.metadata.version(pkg)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return [
        f"- Machine: {platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores, "
        f"{mem:.0f} GiB RAM; device `{args.device}`; torch threads: "
        f"{args.threads or f'torch default ({torch.get_num_threads()})'}.",
        f"- Versions: {', '.join(versions)}.",
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
        + (f" ({args.date_note})." if args.date_note else "."),
    ]


def render(args, runs, threads, peers, skipped, argv) -> str:
    cmd = "python benchmarks/performance.py" + ("" if not argv else " " + shlex.join(argv))
    if argv is None:
        cmd = "python benchmarks/performance.py " + shlex.join(sys.argv[1:])
    L = ["# Performance", "",
         "Generated by `benchmarks/performance.py` (the closing notes come from "
         "`benchmarks/performance_notes.md`); do not edit by hand. Command:", "",
         f"    {cmd.strip()}", ""]
    L += machine_lines(args)
    L += [
        f"- Settings: LSTM 1 layer, hidden {HIDDEN}, linear head on the last hidden state, MSE, "
        f"Adam lr {LR:g}, batch {BATCH}, fixed epochs, no validation split, no early stopping, "
        f"seed 0. Data: noisy sine (periods 24 and 168) plus a linear trend, seeded; the last "
        f"{TEST_POINTS:,} points are the test part; every system scales with the training "
        f"part's mean and standard deviation.",
        f"- Repeats: {args.repeats} for workloads 1-2, {args.w3_repeats} for workload 3"
        + ("" if not args.from_json else
           f" per run; {len(args.from_json)} runs merged (a system absent from a run has fewer "
           f"repeats; ratios only pair repeats of the same run)") + "; each "
        f"(system, workload, repeat) is a fresh process; systems are interleaved within a repeat "
        f"(order rotated). Times are medians over repeats; one-forecast time is the median of "
        f"{args.predict_calls} `predict()` calls (20 for peers); rolling and score are medians of "
        f"{args.inner_repeats} calls. Ratios are computed within the same repeat, then the median "
        f"is taken.",
        "- The 2-core machine was shared with other engineers' work while this ran: absolute "
        "times are noisy; the within-run ratios are the figures to read.",
        "",
        "Columns: **fit** seconds; **predict** = one forecast after fit (ms); **rolling** = "
        "forecasts from every origin of the 4,000-point test part, one call (s); **score** = "
        "the system's scoring call over the same origins (s); **peak RSS** of the child process "
        "(MiB, includes the imports); **MAE** of all rolling forecasts on the test part (data "
        "units); **fit x raw** = fit time over the raw loop's in the same repeat.",
        "",
        *overhead_section(args),
    ]
    names = {"raw": "raw PyTorch loop", "tsforecast": "tsforecast LSTMForecaster", **PEER_LABELS}
    for workload in args.workloads:
        wl = WORKLOADS[workload]
        if wl.n_series > 1:
            continue  # panels: panel_section
        L += [f"## Workload {workload[1]}: {wl.description}", ""]
        L += ["| system | fit s | fit x raw | predict ms | rolling s | score s | peak RSS MiB "
              "| windows/s (fit) | test MAE |",
              "|---|---|---|---|---|---|---|---|---|"]
        def row(system, results, workload=workload):
            fit_ratio = 1.0 if system == "raw" else _ratio(runs, system, "raw", workload, "fit_s")
            return (
                f"| {names[system]} | {_fmt(_med(results, 'fit_s'), '.2f')} "
                f"| {_fmt(fit_ratio, '.2f')} | {_fmt(_med(results, 'predict_ms'), '.2f')} "
                f"| {_fmt(_med(results, 'rolling_s'), '.4f')} "
                f"| {_fmt(_med(results, 'score_s'), '.4f')} "
                f"| {_fmt(_med(results, 'peak_rss_mb'), '.0f')} "
                f"| {_fmt(_med(results, 'windows_per_s'), ',.0f')} "
                f"| {_fmt(_med(results, 'mae'), '.4f')} |")

        notes = []
        L += _system_rows(runs, ["raw", "tsforecast", *peers], workload, names, notes, row)
        raw = runs.get(("raw", workload))
        if raw and _med(raw, "dataloader_rolling_s") is not None:
            L.append(f"| tutorial DataLoader loop (rolling only) | | | | "
                     f"{_fmt(_med(raw, 'dataloader_rolling_s'), '.4f')} | | | | |")
        L += [""] + notes + ([""] if notes else [])
    L += targets_section(args, runs)
    L += panel_section(args, runs)
    L += threads_section(threads)
    L += peers_section(peers, skipped)
    L += ["## GPU and mixed precision", "",
          "- GPU numbers are pending: no GPU was available for this run. The suite takes "
          "`--device cuda` (every system then trains and predicts on the GPU, and timings "
          "synchronise the device).",
          "- bf16 autocast is not offered: torch's CPU LSTM fails under it on this CPU (no "
          "bf16 instructions; see the notes below); it is future work for GPUs.", ""]
    return "\n".join(L)


# Most that tsforecast's fit may take over the raw loop's (overhead table).
OVERHEAD_TARGETS = {"w1": 1.05, "w2": 1.05, "w3": 1.05, "w4": 1.10}


def overhead_section(args) -> list[str]:
    """The fit-overhead table, from the --overhead-json runs (raw loop and tsforecast only)."""
    if not args.overhead_json:
        return []
    runs, _ = load_runs(args.overhead_json)
    saved = [json.loads(Path(path).read_text()) for path in args.overhead_json]
    L = ["## Fit overhead against the raw loop", "",
         "`LSTMForecaster.fit` against a hand-written PyTorch loop that trains the same network "
         "on the same data with the same budget (workloads and settings as in the sections "
         "below), one torch thread, each fit in a fresh process, the two alternated in every "
         "repeat. **fit x raw** is the median over repeats of the ratio of wall-clock times "
         "within a repeat, **range** its lowest and highest; **CPU x raw** the same median for "
         "the CPU time of each fit, which other processes on the machine disturb less; "
         "**load** the 1-minute load average of the 2-core machine, shared with other work, "
         "before and after each process. Measured on "
         + ", ".join(data.get("date", "?") for data in saved) + " with:", ""]
    L += [f"    python benchmarks/performance.py {data.get('command', '?')}" for data in saved]
    if args.overhead_only:
        L += ["", "and written into this page with:", "",
              "    python benchmarks/performance.py --overhead-only --overhead-json "
              + shlex.join(args.overhead_json)]
    L += [""] + [line for data in saved[:1] for line in data.get("machine", [])]
    L += ["", "| workload | repeats | raw fit s | tsforecast fit s | fit x raw | range "
          "| CPU x raw | target | met | load |", "|---|---|---|---|---|---|---|---|---|---|"]
    for workload in WORKLOADS:
        ratios = _ratios(runs, "tsforecast", "raw", workload, "fit_s")
        if not ratios:
            continue
        pair = [r for s in ("raw", "tsforecast") for r in _ok(runs[(s, workload)])]
        loads = [x for r in pair for x in r.get("load_1min", [])]
        cpu = _ratio(runs, "tsforecast", "raw", workload, "fit_cpu_s")
        ratio, target = median(ratios), OVERHEAD_TARGETS.get(workload)
        met = "-" if target is None else ("yes" if ratio <= target else "no")
        L.append(f"| {WORKLOADS[workload].description} | {len(ratios)} "
                 f"| {_fmt(_med(runs[('raw', workload)], 'fit_s'), '.2f')} "
                 f"| {_fmt(_med(runs[('tsforecast', workload)], 'fit_s'), '.2f')} "
                 f"| {ratio:.3f} | {min(ratios):.3f} - {max(ratios):.3f} | {_fmt(cpu, '.3f')} "
                 f"| {'-' if target is None else f'{target:.2f}'} | {met} "
                 f"| {min(loads, default=0):.1f} - {max(loads, default=0):.1f} |")
    return L + [""]


def write_overhead(args) -> None:
    """Put the fit-overhead section into the existing report in place of the current one."""
    out = Path(args.out)
    text = out.read_text()
    heading = "## Fit overhead against the raw loop"
    start = text.find(heading)
    if start < 0:
        start = end = text.find("\n## ") + 1
    else:
        end = text.find("\n## ", start + len(heading)) + 1
    section = "\n".join(overhead_section(args)) + "\n"
    out.write_text(text[:start] + section + text[end:])
    log(f"wrote the fit-overhead section of {out}")


def targets_section(args, runs):
    L = ["## Targets", "",
         "A peer row is met when tsforecast's fit and one-forecast times are both below the "
         "peer's (ratios < 1, same run) and its test MAE is within 5% of the peer's or better.",
         "", "| target | measured | met |", "|---|---|---|"]

    def row(label, value, limit, spec, unit=""):
        met = "n/a" if value is None else ("yes" if value <= limit else "no")
        L.append(f"| {label} | {_fmt(value, spec)}{unit if value is not None else ''} | {met} |")

    for w in ("w1", "w2"):
        if w in args.workloads:
            row(f"fit within 1.10x of raw, workload {w[1]}",
                _ratio(runs, "tsforecast", "raw", w, "fit_s"), 1.10, ".3f", "x")
    if "w1" in args.workloads:
        row("one forecast under 2 ms (median, workload 1)",
            _med(runs.get(("tsforecast", "w1"), []), "predict_ms"), 2.0, ".3f", " ms")
        row("score over all 4,000 origins within 1.5x of the raw batched forward (workload 1)",
            _ratio(runs, "tsforecast", "raw", "w1", "score_s", "rolling_s"), 1.5, ".3f", "x")
    if "w2" in args.workloads:
        row("score within 1.5x of the raw batched forward (workload 2)",
            _ratio(runs, "tsforecast", "raw", "w2", "score_s", "rolling_s"), 1.5, ".3f", "x")
    if "w3" in args.workloads:
        row("workload 3 peak RSS under 1 GiB",
            _med(runs.get(("tsforecast", "w3"), []), "peak_rss_mb"), 1024, ".0f", " MiB")
        row("workload 3 fit within 1.10x of raw (not a target; for reference)",
            _ratio(runs, "tsforecast", "raw", "w3", "fit_s"), 1.10, ".3f", "x")
    peers = sorted({s for s, _ in runs} - {"raw", "tsforecast"})
    for w in ("w1", "w2"):
        ts = runs.get(("tsforecast", w))
        if not ts or not _ok(ts):
            continue
        for peer in peers:
            pr = runs.get((peer, w))
            if not pr or not _ok(pr):
                continue
            fit = _ratio(runs, "tsforecast", peer, w, "fit_s")
            pred = _ratio(runs, "tsforecast", peer, w, "predict_ms")
            mae_ts, mae_p = _med(ts, "mae"), _med(pr, "mae")
            met = "yes" if fit < 1 and pred < 1 and mae_ts <= mae_p * 1.05 else "no"
            L.append(f"| faster than {PEER_LABELS[peer]} (workload {w[1]}): fit, predict ratio; "
                     f"MAE tsforecast vs peer | fit {fit:.2f}x, predict {pred:.3f}x; MAE "
                     f"{mae_ts:.4f} vs {mae_p:.4f} | {met} |")
    return L + [""]


def panel_section(args, runs):
    """Tables and targets of the panel workloads (one global model over many series)."""
    panels = [w for w in args.workloads if WORKLOADS[w].n_series > 1]
    if not panels:
        return []
    L = ["## Panels: one global model over many series", "",
         f"Every series is seasonal (a 24- or 7-step cycle, plus a weaker 168-step one, random "
         f"phases), with its own trend, noise, level and scale (scales span two orders of "
         f"magnitude), seeded. Each system trains one model on all series: LSTM 1 layer, "
         f"hidden {HIDDEN}, window 24, horizon 12, MSE, Adam lr {LR:g}, batch {BATCH}, fixed "
         f"epochs (the same number of gradient steps), each series scaled by its own mean and "
         f"standard deviation. tsforecast runs with its defaults (per-series standard scaler, "
         f"`instance_norm=\"last\"`, `head=\"sequence\"`) except `deseasonalize=False`, "
         f"`validation_fraction=0` and `early_stopping=False`; the raw loop is `nn.LSTM` + "
         f"`Linear` over the last 12 outputs (what `head=\"sequence\"` reads), without "
         f"instance norm, its windows gathered by index from one tensor.", "",
         f"Columns: **fit** seconds (includes building the model and the data tensors); "
         f"**predict** = forecasts for every series in one call (ms; tsforecast: `predict()`, "
         f"returning a long frame; raw: one forward pass over every series' last window, with "
         f"scaling); **x raw** = over the raw loop's time in the same repeat; **peak RSS** of the "
         f"child process (MiB, includes the imports); **windows/s** = training windows x epochs "
         f"/ fit s; **MAE / std** = error of those forecasts on each series' next "
         f"{PANEL_TEST_POINTS} points (held out), in units of the series' standard deviation.",
         ""]
    names = {"raw": "raw PyTorch loop", "tsforecast": "tsforecast LSTMForecaster", **PEER_LABELS}
    for workload in panels:
        wl = WORKLOADS[workload]
        L += [f"### Workload {workload[1]}: {wl.description}", "",
              "| system | fit s | fit x raw | predict ms | predict x raw | peak RSS MiB "
              "| windows/s (fit) | MAE / std |", "|---|---|---|---|---|---|---|---|"]
        def row(system, results, workload=workload):
            fit_x = 1.0 if system == "raw" else _ratio(runs, system, "raw", workload, "fit_s")
            pred_x = 1.0 if system == "raw" else _ratio(runs, system, "raw", workload,
                                                        "predict_ms")
            return (
                f"| {names[system]} | {_fmt(_med(results, 'fit_s'), '.2f')} "
                f"| {_fmt(fit_x, '.2f')} | {_fmt(_med(results, 'predict_ms'), '.2f')} "
                f"| {_fmt(pred_x, '.2f')} | {_fmt(_med(results, 'peak_rss_mb'), '.0f')} "
                f"| {_fmt(_med(results, 'windows_per_s'), ',.0f')} "
                f"| {_fmt(_med(results, 'mae'), '.4f')} |")

        notes = []
        L += _system_rows(runs, ["raw", "tsforecast", *PANEL_PEERS], workload, names, notes, row)
        first = next((r for s in ("tsforecast", "raw") for r in _ok(runs.get((s, workload), []))),
                     None)
        if first:
            done = {s: len(_ok(runs.get((s, workload), []))) for s in ["raw", "tsforecast",
                                                                       *PANEL_PEERS]}
            notes.append(f"- {first['train_windows']:,} training windows, "
                         f"{first['steps']:,} gradient steps per epoch, "
                         f"{first['threads']} torch thread(s); repeats: "
                         + ", ".join(f"{s} {n}" for s, n in done.items() if n) + ".")
        loads = [x for s in ["raw", "tsforecast", *PANEL_PEERS]
                 for r in _ok(runs.get((s, workload), [])) for x in r.get("load_1min", [])]
        if loads:
            notes.append(f"- Machine load (1-minute load average, 2 cores) before and after "
                         f"each process: {min(loads):.1f} to {max(loads):.1f}.")
        L += [""] + notes + [""]
    L += ["### Panel targets", "", "| target | measured | met |", "|---|---|---|"]

    def row(label, value, limit, spec, unit=""):
        met = "n/a" if value is None else ("yes" if value <= limit else "no")
        L.append(f"| {label} | {_fmt(value, spec)}{unit if value is not None else ''} | {met} |")

    if "w4" in panels:
        row("fit within 1.10x of the raw loop (workload 4)",
            _ratio(runs, "tsforecast", "raw", "w4", "fit_s"), 1.10, ".3f", "x")
        row("predict for all 300 series within 1.5x of the raw batched forward (workload 4)",
            _ratio(runs, "tsforecast", "raw", "w4", "predict_ms"), 1.5, ".3f", "x")
        for peer in PANEL_PEERS:
            if _ok(runs.get((peer, "w4"), [])):
                row(f"fit ahead of {PEER_LABELS[peer]} (workload 4; ratio < 1)",
                    _ratio(runs, "tsforecast", peer, "w4", "fit_s"), 0.999, ".3f", "x")
    if "w5" in panels:
        ts = runs.get(("tsforecast", "w5"), [])
        row("workload 5 peak RSS under 1.5 GiB",
            _med(ts, "peak_rss_mb"), 1536, ".0f", " MiB")
        if _ok(ts):
            L.append(f"| workload 5: one epoch (not a target) | {_med(ts, 'fit_s'):.1f} s, "
                     f"{_med(ts, 'windows_per_s'):,.0f} windows/s | - |")
    return L + [""]


def threads_section(threads):
    if not threads:
        return []
    L = ["## torch threads: 1 vs 2 (workload 1 with 1 epoch)", "",
         "| system | threads | fit s | predict ms | rolling s | score s |",
         "|---|---|---|---|---|---|"]
    for system in ("raw", "tsforecast"):
        for n in (1, 2):
            res = threads.get((system, n), [])
            if not _ok(res):
                continue
            L.append(f"| {system} | {n} | {_fmt(_med(res, 'fit_s'), '.2f')} "
                     f"| {_fmt(_med(res, 'predict_ms'), '.3f')} "
                     f"| {_fmt(_med(res, 'rolling_s'), '.4f')} "
                     f"| {_fmt(_med(res, 'score_s'), '.4f')} |")
    return L + [""]


def peers_section(peers, skipped):
    L = ["## Peers", ""]
    for peer in peers:
        try:
            version = importlib.metadata.version(PEER_PACKAGES[peer])
        except importlib.metadata.PackageNotFoundError:
            version = "?"
        panel = " and the panel workload 4" if peer in PANEL_PEERS else ""
        L.append(f"- {PEER_LABELS[peer]} {version}: benchmarked on workloads 1-2{panel} "
                 f"(not on the large workloads 3 and 5).")
    for peer, why in skipped.items():
        L.append(f"- {PEER_LABELS[peer]}: skipped, {why}.")
    return L + [""]


if __name__ == "__main__":
    main()
