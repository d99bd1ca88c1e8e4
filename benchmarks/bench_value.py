"""Benchmark of crm_lab.value: the BG/NBD fit on CDNOW, and RFM on millions of transactions.

Usage::

    python benchmarks/bench_value.py [--repeat N] [--rows 6000000] [--customers 1000000]
                                     [--lifetimes-python /tmp/lt/bin/python]

1. **BG/NBD on CDNOW** (2,357 customers, ``tests/data``): the best of
   ``--repeat`` fits of :func:`crm_lab.value.fit_bgnbd` (estimates, SEs and
   log-likelihood included), and — when ``--lifetimes-python`` names an
   interpreter with the archived ``lifetimes`` package installed (e.g. a
   throwaway ``python3 -m venv /tmp/lt && /tmp/lt/bin/pip install
   lifetimes``) — the best of as many ``BetaGeoFitter().fit`` calls there,
   in a subprocess, with its estimates.
2. **RFM** on a synthetic transactions table of ``--rows`` purchases by
   ``--customers`` customers (the size of the 1M-exhibitor market: about six
   purchases each), built vectorised: ids ``E0000001`` .., dates uniform
   over seven years, amounts log-normal in cents.  Times :func:`rfm`
   (pandas) and :func:`rfm_sql` (DuckDB) on a registered DataFrame and on a
   DuckDB table, and checks that the results are equal; then
   :func:`summary_from_transactions` for the same table.

This is a script, not a test: it asserts nothing but the pandas = SQL
equality it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from crm_lab import value  # noqa: E402

CDNOW = ROOT / "tests" / "data" / "cdnow_customers_summary.csv"

LIFETIMES_SCRIPT = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd, numpy, scipy, lifetimes
from lifetimes import BetaGeoFitter
d = pd.read_csv(sys.argv[1], index_col=0)
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    f = BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"])
    times.append(time.perf_counter() - t)
print(json.dumps({"best": min(times), "params": [float(f.params_[k]) for k in ("r", "alpha", "a", "b")],
                  "versions": {"lifetimes": lifetimes.__version__, "numpy": numpy.__version__,
                               "scipy": scipy.__version__, "pandas": pd.__version__}}))
"""


def best_of(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def bench_bgnbd(repeat: int, lifetimes_python: str | None) -> None:
    d = pd.read_csv(CDNOW, index_col=0)
    seconds, fit = best_of(lambda: value.fit_bgnbd(d["frequency"], d["recency"], d["T"]), repeat)
    print(f"BG/NBD on CDNOW ({len(d):,} customers), best of {repeat}")
    print(f"  crm_lab.value.fit_bgnbd   {seconds * 1000:8.1f} ms  "
          + ", ".join(f"{k}={v:.4f}" for k, v in fit.params_.items()) + f", LL={fit.log_likelihood_:.2f}"
          + f"  ({fit.iterations_} iterations, SEs included)")
    print("  published (FHL 2005)                  r=0.243, alpha=4.414, a=0.793, b=2.426, LL=-9582.4")
    if not lifetimes_python:
        print("  lifetimes: no --lifetimes-python given (not run)")
        return
    if not Path(lifetimes_python).exists():
        print(f"  lifetimes: {lifetimes_python} does not exist (not run)")
        return
    proc = subprocess.run([lifetimes_python, "-c", LIFETIMES_SCRIPT, str(CDNOW), str(repeat)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        print("  lifetimes: failed —", proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode)
        return
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    p = res["params"]
    print(f"  lifetimes BetaGeoFitter   {res['best'] * 1000:8.1f} ms  "
          f"r={p[0]:.4f}, alpha={p[1]:.4f}, a={p[2]:.4f}, b={p[3]:.4f}")
    print(f"  (lifetimes {res['versions']['lifetimes']}, numpy {res['versions']['numpy']}, "
          f"scipy {res['versions']['scipy']}, pandas {res['versions']['pandas']})")


def synthetic_transactions(rows: int, customers: int, rng: np.random.Generator) -> pd.DataFrame:
    """*rows* purchases by *customers* customers (each buys at least once), vectorised."""
    who = np.r_[np.arange(customers), rng.integers(0, customers, rows - customers)]
    ids = np.char.add("E", np.char.zfill(np.arange(1, customers + 1).astype(str), 7))
    start = np.datetime64("2019-01-01")
    dates = start + rng.integers(0, 7 * 365, rows).astype("timedelta64[D]")
    amount = np.round(np.maximum(rng.lognormal(7.5, 1.0, rows), 0.01), 2)
    return pd.DataFrame({"exhibitor_id": ids[who], "date": dates.astype("datetime64[us]"), "amount": amount})


def bench_rfm(rows: int, customers: int, repeat: int) -> None:
    import duckdb

    t = time.perf_counter()
    tx = synthetic_transactions(rows, customers, np.random.default_rng(0))
    build = time.perf_counter() - t
    print(f"\nRFM on {rows:,} transactions of {customers:,} customers (synthetic, built in {build:.1f} s), best of {repeat}")
    s_pd, ours = best_of(lambda: value.rfm(tx), repeat)
    print(f"  pandas  rfm()                         {s_pd:7.2f} s")
    con = duckdb.connect()
    try:
        con.execute(f"SET threads = {os.cpu_count() or 1}")
        con.register("transactions", tx)
        s_view, sql_view = best_of(lambda: value.rfm_sql(con), repeat)
        print(f"  DuckDB  rfm_sql(), registered frame   {s_view:7.2f} s")
        t = time.perf_counter()
        con.execute("CREATE TABLE tx AS SELECT exhibitor_id, CAST(date AS DATE) AS date, amount FROM transactions")
        load = time.perf_counter() - t
        s_table, sql_table = best_of(lambda: value.rfm_sql(con, table="tx"), repeat)
        print(f"  DuckDB  rfm_sql(), DuckDB table       {s_table:7.2f} s   (CREATE TABLE took {load:.2f} s)")
    finally:
        con.close()
    equal = ours.equals(sql_view) and ours.equals(sql_table)
    print(f"  pandas == SQL (every row and column): {equal}")
    s_sum, summary = best_of(lambda: value.summary_from_transactions(tx, freq="W"), 1)
    print(f"  summary_from_transactions(freq='W')   {s_sum:7.2f} s   ({len(summary):,} customers)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rows", type=int, default=6_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lifetimes-python", default="/tmp/lt/bin/python")
    args = parser.parse_args(argv)
    import duckdb
    import scipy

    print(f"{platform.platform()}; {os.cpu_count()} cores; Python {platform.python_version()}, numpy {np.__version__}, "
          f"pandas {pd.__version__}, scipy {scipy.__version__}, duckdb {duckdb.__version__}\n")
    bench_bgnbd(args.repeat, args.lifetimes_python)
    bench_rfm(args.rows, args.customers, max(1, min(args.repeat, 3)))


if __name__ == "__main__":
    main()
