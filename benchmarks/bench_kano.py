"""Benchmark of crm_lab.kano: 1,000,000 respondents x 20 attributes.

Usage::

    python benchmarks/bench_kano.py [--respondents 1000000] [--attributes 20]
                                    [--n-boot 10000] [--repeat 3] [--subsample 200000]

What is timed (best of ``--repeat`` runs, wall clock):

1. **Classification + per-attribute table from codes**: answers as int8 codes
   in two (respondents x attributes) arrays (0 = missing, about 1%);
   ``kano.count_categories_wide`` (one ``bincount`` of the 36 answer-pair
   codes per attribute, mapped through the evaluation table) followed by ``kano.analyze_counts`` (the table: counts,
   mode, Fong's test, Better/Worse, strengths, chi-square).
2. **The same through the user-facing** ``kano.analyze`` on the long
   DataFrame (20 million rows; attribute as a pandas Categorical, answers
   int8), without bootstrap.
3. **Bootstrap intervals of Better and Worse for one attribute** with
   ``--n-boot`` resamples of all respondents: ``kano.analyze`` on that
   attribute's 1,000,000 rows with ``n_boot`` minus the same call with
   ``n_boot=0`` (so only the resampling is counted).

Against straightforward implementations:

* **row by row**: a Python loop over answer pairs, looking each pair up in
  the evaluation table and adding one to a per-attribute counter; timed on
  ``--subsample`` pairs and **extrapolated** linearly to all pairs;
* **bootstrap by resampling rows**: for each replicate, draw n row indices
  with numpy and count the categories of the drawn rows (numpy inside, a
  loop over replicates); timed on 20 replicates and **extrapolated** to
  ``--n-boot``.  (kano draws the category counts of each replicate from
  the multinomial distribution they follow, which needs no per-row work,
  and takes the interval from ``crm_lab.resampling.percentile_interval``.)

``kano.analyze`` and ``kano.analyze_counts`` return plain DataFrames (one row
per attribute; nothing in ``DataFrame.attrs``), so the timings below measure
the same calls as before the shared-core migration; a check run at small
sizes (``--respondents 20000 --attributes 5 --n-boot 500 --repeat 1
--subsample 5000``) gives the same agreement lines.

Peak resident memory (``ru_maxrss``) of the whole run is printed at the end.
This is a script, not a test: it asserts nothing.

Results
-------
Measured 2026-11-22 on 2 cores (x86_64 Linux, shared with other jobs, so
the figures are upper bounds), Python 3.11.7, numpy 2.4.6, pandas 3.1.1;
defaults (1,000,000 x 20, 10,000 resamples, best of 3)::

    task                                      seconds   per second   row-by-row s  speed-up
    classify + table from int8 codes            0.107   188 M pairs           8.5       80x
    analyze(long DataFrame), no bootstrap       1.189    17 M pairs           8.5        7x
    bootstrap, 1 attribute, 10,000 resamples    0.008   1.3 M resamples     150.1   19,612x
    peak RSS 747 MiB (the 20-million-row DataFrame included)

The row-by-row figures are extrapolated (200,000 pairs; 20 replicates).
Most of ``analyze``'s time on a DataFrame is pandas: turning nullable Int8
columns into codes and factorising the attribute; from int8 arrays the same
table takes a tenth of a second.  The bootstrap costs next to nothing
because a replicate's category counts are drawn as one multinomial vector
instead of resampling a million rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from crm_lab import kano  # noqa: E402


def best_of(repeat: int, func) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return min(times), out


def make_codes(n: int, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """int8 answer codes (respondents x attributes), about 1% missing (0)."""
    f = rng.integers(1, 6, size=(n, k), dtype=np.int8)
    d = rng.integers(1, 6, size=(n, k), dtype=np.int8)
    f[rng.random((n, k), dtype=np.float32) < 0.01] = 0
    d[rng.random((n, k), dtype=np.float32) < 0.01] = 0
    return f, d


def table_from_codes(f: np.ndarray, d: np.ndarray, names: list[str]) -> pd.DataFrame:
    counts = kano.count_categories_wide(f, d)
    frame = pd.DataFrame(counts[:, :6], index=pd.Index(names, name="attribute"), columns=list(kano.CATEGORIES))
    return kano.analyze_counts(frame)


def row_by_row(f: np.ndarray, d: np.ndarray, names: list[str]) -> dict:
    """The straightforward version: one Python step per answer pair."""
    table = {(i + 1, j + 1): kano.EVALUATION_TABLE[i][j] for i in range(5) for j in range(5)}
    counts = {name: dict.fromkeys(kano.CATEGORIES, 0) for name in names}
    rows, cols = f.shape
    fl, dl = f.tolist(), d.tolist()
    for r in range(rows):
        fr, dr = fl[r], dl[r]
        for c in range(cols):
            pair = (fr[c], dr[c])
            if 0 in pair:
                continue
            counts[names[c]][table[pair]] += 1
    return counts


def resample_rows(cat: np.ndarray, reps: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap by drawing row indices for every replicate."""
    n = cat.size
    out = np.empty((reps, 2))
    for b in range(reps):
        c = np.bincount(cat[rng.integers(0, n, n)], minlength=7)
        base = c[:4].sum()
        out[b] = (c[0] + c[1]) / base, -(c[1] + c[2]) / base
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--respondents", type=int, default=1_000_000)
    ap.add_argument("--attributes", type=int, default=20)
    ap.add_argument("--n-boot", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--subsample", type=int, default=200_000, help="answer pairs timed row by row")
    args = ap.parse_args(argv)
    n, k = args.respondents, args.attributes
    pairs = n * k
    rng = np.random.default_rng(2024)
    names = [f"attribute_{j:02d}" for j in range(k)]
    print(f"crm_lab.kano benchmark: {n:,} respondents x {k} attributes = {pairs:,} answer pairs")
    print(f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores; Python {platform.python_version()}, "
          f"numpy {np.__version__}, pandas {pd.__version__}; best of {args.repeat}\n")  # fmt: skip

    f, d = make_codes(n, k, rng)

    # 1. classification + table from codes
    t_codes, table = best_of(args.repeat, lambda: table_from_codes(f, d, names))
    # row by row on a subsample, extrapolated
    sub_rows = max(1, args.subsample // k)
    t_sub, slow = best_of(1, lambda: row_by_row(f[:sub_rows], d[:sub_rows], names))
    t_rowwise = t_sub * n / sub_rows
    check = table_from_codes(f[:sub_rows], d[:sub_rows], names)
    same = all(check.loc[a, c] == slow[a][c] for a in names for c in kano.CATEGORIES)

    # 2. analyze() on the long DataFrame
    long = pd.DataFrame(
        {
            "attribute": pd.Categorical.from_codes(np.tile(np.arange(k, dtype=np.int8), n), names),
            "functional": f.ravel(),
            "dysfunctional": d.ravel(),
        }
    )
    long = long.assign(functional=long["functional"].where(long["functional"] > 0).astype("Int8"),
                       dysfunctional=long["dysfunctional"].where(long["dysfunctional"] > 0).astype("Int8"))  # fmt: skip
    t_long, table_long = best_of(args.repeat, lambda: kano.analyze(long, n_boot=0))
    agree = table_long[list(kano.CATEGORIES)].equals(table[list(kano.CATEGORIES)])

    # 3. bootstrap of one attribute
    one = long[long["attribute"] == names[0]].reset_index(drop=True)
    t_one0, _ = best_of(args.repeat, lambda: kano.analyze(one, n_boot=0))
    t_one, boot = best_of(args.repeat, lambda: kano.analyze(one, n_boot=args.n_boot, rng=1))
    t_boot = t_one - t_one0
    cat = kano.classify_codes(f[:, 0], d[:, 0])
    reps = 20
    t_rs, _ = best_of(1, lambda: resample_rows(cat, reps, np.random.default_rng(1)))
    t_rs_all = t_rs * args.n_boot / reps

    rows = [
        ("classify + table from int8 codes", t_codes, pairs, "pairs", t_rowwise, f"Python row loop on {sub_rows * k:,} pairs, x{n / sub_rows:g}"),
        ("analyze(long DataFrame), no bootstrap", t_long, pairs, "pairs", t_rowwise, "same row loop"),
        (f"bootstrap, 1 attribute, {args.n_boot:,} resamples", t_boot, args.n_boot, "resamples", t_rs_all,
         f"numpy row resampling, {reps} reps, x{args.n_boot / reps:g}"),
    ]  # fmt: skip
    print(f"{'task':<42}{'seconds':>9}{'per second':>16}{'row-by-row s':>14}{'speed-up':>10}  baseline (extrapolated)")
    print("-" * 130)
    for task, t, units, unit, base, how in rows:
        print(f"{task:<42}{t:>9.3f}{units / t:>12,.0f} {unit[:4]:<4}{base:>13.1f}{base / t:>10,.0f}x  {how}")
    print()
    print(f"row loop and vectorised counts agree on the subsample: {same}; analyze() agrees with the code path: {agree}")
    b = boot.iloc[0]
    print(f"{names[0]}: Better {b['better']:.4f} [{b['better_low']:.4f}, {b['better_high']:.4f}], "
          f"Worse {b['worse']:.4f} [{b['worse_low']:.4f}, {b['worse_high']:.4f}] (95% percentile bootstrap)")  # fmt: skip
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS of this run: {rss / 2**20 if sys.platform == 'darwin' else rss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
