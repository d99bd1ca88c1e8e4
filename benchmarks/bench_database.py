"""Benchmark of crm_lab.datasets.connect: the load time of the customer database.

Usage::

    python benchmarks/bench_database.py [--sizes 100000] [--repeat 3] [--no-sqlite]

Times ``connect()`` — validate every table (:func:`crm_lab.datasets.load_all`)
and copy it into an in-memory DuckDB database — for

* the shipped sample (3,000 exhibitors, read from its CSV folder), and
* for each size *n*, a market of ``simulate_market(n, n_visitors=n, rng=0)``
  (the sizes of ``bench_simulate.py``) written into a temporary folder three
  ways: CSV files (:func:`~crm_lab.datasets.write_tables`), a DuckDB file and
  a SQLite file (:func:`~crm_lab.datasets.write_database`); ``connect`` is
  timed on each.

Each row reports the best of ``--repeat`` runs of ``connect`` and, beside it,
of ``load_all`` alone, so the difference is the copy into DuckDB.  The time
to simulate and write the market is printed but not part of any figure.

This is a script, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_lab import datasets  # noqa: E402
from crm_lab.simulate import simulate_market  # noqa: E402


def _best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
        if hasattr(result, "close"):
            result.close()
        del result
    return min(times)


def _size_mib(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.iterdir() if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


def _versions() -> str:
    import duckdb
    import numpy
    import pandas

    try:
        cores = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        cores = "?"
    return (
        f"{date.today().isoformat()}; {cores} cores (nproc), {platform.machine()}, {platform.system()}; "
        f"Python {platform.python_version()}, numpy {numpy.__version__}, pandas {pandas.__version__}, "
        f"duckdb {duckdb.__version__}"
    )


def _row(label: str, source: Path, rows: int, repeat: int) -> str:
    connect = _best(lambda: datasets.connect(source), repeat)
    load_all = _best(lambda: datasets.load_all(source), repeat)
    return f"{label:<34} {rows:>11,} {_size_mib(source):>9.1f} {connect:>10.2f} {load_all:>10.2f} {connect - load_all:>8.2f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000], help="n_exhibitors of the simulated markets")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (the best is reported)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite file")
    args = parser.parse_args(argv)

    print(f"connect(data_dir): load_all (validation) + copy into in-memory DuckDB; best of {args.repeat}")
    print(_versions())
    print()
    header = f"{'data_dir':<34} {'rows':>11} {'MiB':>9} {'connect s':>10} {'load_all s':>10} {'copy s':>8}"
    lines = [header, "-" * len(header)]
    sample = datasets.sample_dir()
    sample_rows = sum(len(df) for df in datasets.load_all(sample).values())
    lines.append(_row("sample (3,000 exhibitors), CSV", sample, sample_rows, args.repeat))
    notes = []
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            market = simulate_market(n, n_visitors=n, rng=0)
            simulated = time.perf_counter() - start
            rows = sum(len(df) for df in market.tables.values())
            folder = Path(tmp) / "csv"
            start = time.perf_counter()
            datasets.write_tables(market, folder)
            wrote_csv = time.perf_counter() - start
            start = time.perf_counter()
            duck = datasets.write_database(market, Path(tmp) / "market.duckdb")
            wrote_duck = time.perf_counter() - start
            targets = [(f"{n:,} exhibitors, CSV folder", folder), (f"{n:,} exhibitors, DuckDB file", duck)]
            note = f"n={n:,}: simulated in {simulated:.1f} s; written as CSV in {wrote_csv:.1f} s, as DuckDB in {wrote_duck:.1f} s"
            if not args.no_sqlite:
                start = time.perf_counter()
                lite = datasets.write_database(market, Path(tmp) / "market.sqlite")
                note += f", as SQLite in {time.perf_counter() - start:.1f} s"
                targets.append((f"{n:,} exhibitors, SQLite file", lite))
            notes.append(note)
            del market
            for label, source in targets:
                lines.append(_row(label, source, rows, args.repeat))
                print(f"  done: {label}", file=sys.stderr, flush=True)
    print("\n".join(lines))
    print()
    print("(MiB: the files read, CSV folders including the truth files)")
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
