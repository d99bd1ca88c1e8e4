"""Benchmark of crm_lab.simulate.simulate_market and write_tables: time, memory, scaling, writing.

Usage::

    python benchmarks/bench_simulate.py [--sizes 10000 100000 1000000] [--repeat N]
                                        [--write-size 100000] [--write-repeat N]

For each size *n* it times ``simulate_market(n, n_visitors=n, rng=0)`` — the
number of visitors is scaled with the number of exhibitors — and reports

* the rows of every table (and their total),
* the best wall-clock time of ``--repeat`` runs,
* the peak of Python-level allocations during one run (``tracemalloc``),
  measured in a run of its own because tracing slows the code down; numpy
  reports its buffers to tracemalloc but Arrow's memory pool (the text
  columns) does not, so this is a lower bound: the peak RSS is the figure,
* the peak resident set size (``ru_maxrss``) of a fresh subprocess per size,
  so that one size does not pollute the next; the RSS of the interpreter
  after its imports is shown too,
* the scaling ratios time(10n)/time(n): 10 means linear time.

Then, for the market of ``--write-size`` exhibitors (default 100,000), the
time of ``crm_lab.datasets.write_tables``: as CSV with pandas' own ``to_csv``
(the writer before issue 17, "before"), as CSV with the Arrow-built writer
("after"; the files must be byte-identical to "before", which is checked), and
as Parquet (``format="parquet"``); with the size of each folder, and the time
of ``load_all`` from the CSV and from the Parquet folder.

Each measurement runs in a child process that is killed when it exceeds
``--timeout`` seconds or ``--max-rss-gib`` of resident memory; the table
then says so instead of waiting forever.

This is a script, not a test: it asserts nothing (except that the two CSV
writers wrote the same bytes).
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


def _folder_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.iterdir()) / MiB


def _write_with_pandas(market, folder):
    """write_tables as it was before issue 17: every CSV file by pandas' to_csv."""
    from crm_lab import _csv, datasets, simulate

    saved = datasets.write_csv, simulate.write_csv
    datasets.write_csv = simulate.write_csv = _csv.pandas_csv
    try:
        return datasets.write_tables(market, folder)
    finally:
        datasets.write_csv, simulate.write_csv = saved


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _worker(n: int, repeat: int, mode: str) -> dict:
    """Run in a fresh interpreter: time ('time'), trace ('trace') or write ('write') one size."""
    sys.path.insert(0, str(ROOT))
    from crm_lab.datasets import load_all, write_tables
    from crm_lab.simulate import simulate_market

    out = {"n": n, "mode": mode, "rss_after_import_mib": _maxrss_mib()}
    if mode == "trace":
        gc.collect()
        tracemalloc.start()
        simulate_market(n, n_visitors=n, rng=0)
        out["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / MiB
        tracemalloc.stop()
        return out
    if mode == "write":
        market = simulate_market(n, n_visitors=n, rng=0)
        with tempfile.TemporaryDirectory() as tmp:
            before, after, parquet = (Path(tmp) / name for name in ("before", "after", "parquet"))
            out["csv_before_seconds"] = _best(lambda: _write_with_pandas(market, before), repeat)
            out["csv_after_seconds"] = _best(lambda: write_tables(market, after), repeat)
            out["parquet_seconds"] = _best(lambda: write_tables(market, parquet, format="parquet"), repeat)
            out["identical"] = sorted(p.name for p in before.iterdir()) == sorted(p.name for p in after.iterdir()) and all(
                p.read_bytes() == (after / p.name).read_bytes() for p in before.iterdir()
            )
            out["csv_mib"], out["parquet_mib"] = _folder_mib(after), _folder_mib(parquet)
            out["load_csv_seconds"] = _best(lambda: load_all(after), 1)
            out["load_parquet_seconds"] = _best(lambda: load_all(parquet), 1)
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


def _run_child(n: int, repeat: int, mode: str, timeout: float, max_rss_mib: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", str(n), "--repeat", str(repeat), "--mode", mode]
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
    import pyarrow

    try:
        cores = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        cores = str(os.cpu_count())
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{date.today().isoformat()}; {cores} cores (nproc), {platform.machine()}, {platform.system()}; "
        f"load average at the start {load}; Python {platform.python_version()}, numpy {numpy.__version__}, "
        f"pandas {pandas.__version__}, pyarrow {pyarrow.__version__}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000], help="n_exhibitors values")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size (the best is reported)")
    parser.add_argument("--write-size", type=int, default=100_000, help="n_exhibitors of the market written (0: skip)")
    parser.add_argument("--write-repeat", type=int, default=2, help="timed writes per writer (the best is reported)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per size and measurement")
    parser.add_argument("--max-rss-gib", type=float, default=16, help="resident memory allowed per size")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="time", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker is not None:
        print(json.dumps(_worker(args.worker, args.repeat, args.mode)))
        return 0

    sizes = sorted(args.sizes)
    max_rss = args.max_rss_gib * 1024
    print(f"simulate_market(n, n_visitors=n, rng=0): visitors scaled with exhibitors; best of {args.repeat}")
    print(_versions())
    print()
    results = {}
    for n in sizes:
        timed = _run_child(n, args.repeat, "time", args.timeout, max_rss)
        traced = _run_child(n, 1, "trace", args.timeout, max_rss) if "error" not in timed else {}
        results[n] = (timed, traced)
        print(f"  done n={n:,}", file=sys.stderr, flush=True)
    written = _run_child(args.write_size, args.write_repeat, "write", args.timeout, max_rss) if args.write_size else None

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
        for a, b in zip(sizes, sizes[1:]):
            if a in ok and b in ok:
                ratio = min(ok[b]["seconds"]) / min(ok[a]["seconds"])
                print(f"scaling time({b:,}) / time({a:,}) = {ratio:.1f}  (size ratio {b / a:g}; equal means linear)")
    if written is not None:
        print()
        n = args.write_size
        if "error" in written:
            print(f"write_tables for n_exhibitors={n:,}: {written['error']}")
        else:
            before, after, parquet = written["csv_before_seconds"], written["csv_after_seconds"], written["parquet_seconds"]
            print(f"write_tables for n_exhibitors={n:,} (best of {args.write_repeat}):")
            print(f"  CSV, pandas to_csv (before):  {before:6.2f} s")
            print(
                f"  CSV, Arrow-built (after):     {after:6.2f} s  ({before / after:.1f}x faster; "
                f"byte-identical: {'yes' if written['identical'] else 'NO'}; {written['csv_mib']:.0f} MiB)"
            )
            print(f"  Parquet (format='parquet'):   {parquet:6.2f} s  ({before / parquet:.1f}x faster; {written['parquet_mib']:.0f} MiB)")
            print(f"load_all from the CSV folder: {written['load_csv_seconds']:.2f} s; from the Parquet folder: "
                  f"{written['load_parquet_seconds']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
