"""Benchmark of crm_lab.simulate.simulate_market: time, memory and scaling.

Usage::

    python benchmarks/bench_simulate.py [--sizes 10000 100000 1000000] [--repeat N]

For each size *n* it times ``simulate_market(n, n_visitors=n, rng=0)`` — the
number of visitors is scaled with the number of exhibitors — and reports

* the rows of every table (and their total),
* the best wall-clock time of ``--repeat`` runs,
* the peak of Python-level allocations during one run (``tracemalloc``; numpy
  reports its buffers to tracemalloc), measured in a run of its own because
  tracing slows the code down,
* the peak resident set size (``ru_maxrss``) of a fresh subprocess per size,
  so that one size does not pollute the next; the RSS of the interpreter
  after its imports is shown too,

plus, for the smallest size, the time of ``crm_lab.datasets.write_tables``.
Scaling ratios time(10n)/time(n) close to 10 mean linear time.

Each size runs in a child process that is killed when it exceeds
``--timeout`` seconds or ``--max-rss-gib`` of resident memory; the table
then says so instead of waiting forever.

This is a script, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MiB = 2**20


def _maxrss_mib() -> float:
    # ru_maxrss is in KiB on Linux, in bytes on macOS
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / MiB if sys.platform == "darwin" else rss / 1024


def _worker(n: int, repeat: int, mode: str, write: bool) -> dict:
    """Run in a fresh interpreter: time (mode 'time') or trace (mode 'trace') one size."""
    sys.path.insert(0, str(ROOT))
    from crm_lab.datasets import write_tables
    from crm_lab.simulate import simulate_market

    out = {"n": n, "mode": mode, "rss_after_import_mib": _maxrss_mib()}
    if mode == "trace":
        gc.collect()
        tracemalloc.start()
        market = simulate_market(n, n_visitors=n, rng=0)
        out["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / MiB
        tracemalloc.stop()
        return out
    times = []
    market = None
    for _ in range(repeat):
        market = None
        gc.collect()
        t0 = time.perf_counter()
        market = simulate_market(n, n_visitors=n, rng=0)
        times.append(time.perf_counter() - t0)
    out["seconds"] = times
    out["rows"] = {name: len(df) for name, df in market.tables.items()}
    out["maxrss_mib"] = _maxrss_mib()
    if write:
        wtimes = []
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                write_tables(market, tmp)
                wtimes.append(time.perf_counter() - t0)
        out["write_seconds"] = wtimes
    return out


def _rss_of(pid: int) -> float:
    """Current resident memory of a process in MiB (Linux /proc), or 0."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _run_child(n: int, repeat: int, mode: str, write: bool, timeout: float, max_rss_mib: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", str(n), "--repeat", str(repeat), "--mode", mode]
    if write:
        cmd.append("--write")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_seen = 0.0
    while proc.poll() is None:
        peak_seen = max(peak_seen, _rss_of(proc.pid))
        if time.monotonic() - t0 > timeout:
            proc.kill()
            proc.wait()
            return {"n": n, "mode": mode, "error": f"stopped after {timeout:.0f} s (time limit)"}
        if peak_seen > max_rss_mib:
            proc.kill()
            proc.wait()
            return {"n": n, "mode": mode, "error": f"stopped at {peak_seen / 1024:.1f} GiB RSS (memory limit)"}
        time.sleep(0.2)
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        return {"n": n, "mode": mode, "error": f"exit code {proc.returncode}: {stderr.strip().splitlines()[-1:]}"}
    return json.loads(stdout.strip().splitlines()[-1])


def _versions() -> str:
    import numpy
    import pandas

    try:
        cores = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        cores = str(os.cpu_count())
    return (
        f"{date.today().isoformat()}; {cores} cores (nproc), {platform.machine()}, {platform.system()}; "
        f"Python {platform.python_version()}, numpy {numpy.__version__}, pandas {pandas.__version__}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000], help="n_exhibitors values")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size (the best is reported)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per size and measurement")
    parser.add_argument("--max-rss-gib", type=float, default=16, help="resident memory allowed per size")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="time", help=argparse.SUPPRESS)
    parser.add_argument("--write", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker is not None:
        print(json.dumps(_worker(args.worker, args.repeat, args.mode, args.write)))
        return 0

    sizes = sorted(args.sizes)
    print(f"simulate_market(n, n_visitors=n, rng=0): visitors scaled with exhibitors; best of {args.repeat}")
    print(_versions())
    print()
    results = {}
    for n in sizes:
        timed = _run_child(n, args.repeat, "time", n == sizes[0], args.timeout, args.max_rss_gib * 1024)
        traced = (
            _run_child(n, 1, "trace", False, args.timeout, args.max_rss_gib * 1024) if "error" not in timed else {}
        )
        results[n] = (timed, traced)
        print(f"  done n={n:,}", file=sys.stderr, flush=True)

    names = None
    header = f"{'n_exhibitors':>12} {'rows (total)':>13} {'seconds':>9} {'tracemalloc peak MiB':>21} {'peak RSS MiB':>13}"
    print(header)
    print("-" * len(header))
    for n, (timed, traced) in results.items():
        if "error" in timed:
            print(f"{n:>12,} {timed['error']}")
            continue
        names = list(timed["rows"])
        peak = f"{traced['tracemalloc_peak_mib']:.0f}" if "tracemalloc_peak_mib" in traced else traced.get("error", "?")
        print(
            f"{n:>12,} {sum(timed['rows'].values()):>13,} {min(timed['seconds']):>9.2f} {peak:>21} "
            f"{timed['maxrss_mib']:>13.0f}"
        )
    ok = {n: t for n, (t, _) in results.items() if "error" not in t}
    if ok:
        base = ok[min(ok)]["rss_after_import_mib"]
        print(f"(peak RSS includes about {base:.0f} MiB for the interpreter and its imports)")
        print()
        print("rows per table")
        print(f"{'table':>14} " + " ".join(f"{n:>12,}" for n in ok))
        for name in names:
            print(f"{name:>14} " + " ".join(f"{ok[n]['rows'][name]:>12,}" for n in ok))
        print()
        first = ok.get(sizes[0])
        if first and "write_seconds" in first:
            print(f"write_tables for n_exhibitors={sizes[0]:,}: {min(first['write_seconds']):.2f} s (best of {args.repeat})")
        for a, b in zip(sizes, sizes[1:]):
            if a in ok and b in ok:
                ratio = min(ok[b]["seconds"]) / min(ok[a]["seconds"])
                print(f"scaling time({b:,}) / time({a:,}) = {ratio:.1f}  (size ratio {b / a:g}; equal means linear)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
