"""Benchmark of crm_lab.lifecycle: the retention-model fits and the transition-matrix bootstrap.

Usage::

    python benchmarks/bench_lifecycle.py [--repeat N] [--n-exhibitors 1000000] [--n-boot 2000]
                                         [--lifetimes-python /tmp/lt/bin/python] [--simulate]

Reports wall-clock times (best of ``--repeat``):

* ``fit_bgbb`` on the donations summary of Fader, Hardie & Shang (2010)
  (``tests/data/donations.csv``, 22 rows, 11,104 donors), and on one million
  customers simulated from the BG/BB model (identical rows are fitted once);
* ``fit_sbg`` on the "regular" and "high end" cohorts of Fader & Hardie (2007);
* lifetimes' ``BetaGeoBetaBinomFitter`` on the same donations data, when an
  interpreter with lifetimes installed is given (``--lifetimes-python``; the
  package is archived, so it lives in a throwaway venv, never in the project's);
  its import time is reported apart;
* ``transition_matrix`` on a participation panel of ``--n-exhibitors``
  exhibitors over 7 editions, without and with ``--n-boot`` bootstrap
  resamples of the exhibitors.  The panel is synthesised from the planted
  chain with the panel's columns (``exhibitor_id, edition, stage``),
  vectorised; ``--simulate`` uses ``simulate_market`` instead (15 s and 4 GB
  for a million exhibitors, see bench_simulate.py).

This is a script, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_lab import lifecycle as lc  # noqa: E402
from crm_lab.schema import STAGE_CODES  # noqa: E402
from crm_lab.simulate import MarketParams  # noqa: E402

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def synthetic_panel(n: int, n_editions: int = 7, *, rng=0) -> pd.DataFrame:
    """A participation panel (exhibitor_id, edition, stage) from the planted chain, vectorised.

    45% of the exhibitors enter at edition 1, the rest uniformly later; after
    each edition an exhibitor comes back with probability logistic(stage
    intercept) and then moves by the planted matrix; lapsing is for good.
    """
    params = MarketParams()
    gen = np.random.default_rng(rng)
    first = np.where(gen.random(n) < params.incumbent_share, 1, gen.integers(2, n_editions + 1, n))
    back = 1 / (1 + np.exp(-np.asarray(params.return_intercepts)))
    cum = np.cumsum(np.asarray(params.transition), axis=1)
    lapsed = 4
    stage = np.full(n, lapsed)
    cols = {"firm": [], "edition": [], "stage": []}
    for e in range(1, n_editions + 1):
        if e > 1:
            active = stage < lapsed
            came = active & (gen.random(n) < back[np.minimum(stage, 3)])
            moved = np.minimum((gen.random(n)[:, None] > cum[np.minimum(stage, 3)]).sum(axis=1), 3)
            stage = np.where(came, moved, lapsed)
        stage = np.where(first == e, 0, stage)
        rows = np.flatnonzero(first <= e)
        cols["firm"].append(rows)
        cols["edition"].append(np.full(rows.size, e))
        cols["stage"].append(stage[rows])
    firm = np.concatenate(cols["firm"])
    ids = np.char.add("E", np.char.zfill(np.arange(1, n + 1).astype(str), 7))
    return pd.DataFrame({"exhibitor_id": ids[firm], "edition": np.concatenate(cols["edition"]),
                         "stage": np.asarray(STAGE_CODES)[np.concatenate(cols["stage"])]})


LIFETIMES_SCRIPT = textwrap.dedent(
    """
    import time, warnings
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    import lifetimes
    from lifetimes import BetaGeoBetaBinomFitter
    import pandas as pd
    t1 = time.perf_counter()
    d = pd.read_csv({path!r})
    times = []
    for _ in range({repeat}):
        t = time.perf_counter()
        f = BetaGeoBetaBinomFitter().fit(d["frequency"], d["recency"], d["n"], weights=d["n_custs"])
        times.append(time.perf_counter() - t)
    import numpy, pandas
    print(lifetimes.__version__, numpy.__version__, pandas.__version__, t1 - t0, min(times), times[0],
          *f.params_.round(3).tolist())
    """
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--n-exhibitors", type=int, default=1_000_000)
    ap.add_argument("--n-boot", type=int, default=2000)
    ap.add_argument("--lifetimes-python", default="/tmp/lt/bin/python")
    ap.add_argument("--simulate", action="store_true", help="build the panel with simulate_market")
    args = ap.parse_args()

    print(f"crm_lab.lifecycle benchmark, {date.today()}; {os.cpu_count()} cores, {platform.machine()} "
          f"{platform.system()}; Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}")
    print(f"best of {args.repeat} runs unless said otherwise\n")

    don = pd.read_csv(ROOT / "tests" / "data" / "donations.csv")
    sec, m = best(lambda: lc.fit_bgbb(don["frequency"], don["recency"], don["n"], weights=don["n_custs"]), args.repeat)
    print(f"fit_bgbb, donations (22 rows, 11,104 donors)        {sec:8.4f} s   "
          f"alpha, beta, gamma, delta = {', '.join(f'{v:.3f}' for v in m.params_)}; LL = {m.log_likelihood_:,.1f}")
    sim = lc.simulate_bgbb(1.2, 0.75, 0.66, 2.8, 1_000_000, 10, rng=0)
    sec, m = best(lambda: lc.fit_bgbb(sim["frequency"], sim["recency"], sim["n_periods"]), max(1, args.repeat // 2))
    print(f"fit_bgbb, 1,000,000 simulated customers, 10 periods  {sec:8.4f} s   "
          f"({m.meta['rows']:,} rows; {', '.join(f'{v:.3f}' for v in m.params_)}; planted 1.2, 0.75, 0.66, 2.8)")
    for name, surv in (("regular", REGULAR), ("high end", HIGH_END)):
        sec, m = best(lambda s=surv: lc.fit_sbg(s), args.repeat)
        print(f"fit_sbg, {name:<9} cohort (8 counts)                 {sec:8.4f} s   "
              f"alpha, beta = {m.alpha_:.3f}, {m.beta_:.3f}; LL = {m.log_likelihood_:,.1f}")

    py = Path(args.lifetimes_python)
    if py.exists():
        script = LIFETIMES_SCRIPT.format(path=str(ROOT / "tests" / "data" / "donations.csv"), repeat=args.repeat)
        run = subprocess.run([str(py), "-c", script], capture_output=True, text=True, timeout=600)
        if run.returncode == 0:
            v, npv, pdv, imp, fit, first, *params = run.stdout.split()
            print(f"lifetimes {v} BetaGeoBetaBinomFitter, donations     {float(fit):8.4f} s   "
                  f"(first fit {float(first):.4f} s; import {float(imp):.2f} s; numpy {npv}, pandas {pdv}; "
                  f"{', '.join(params)})")
        else:
            print(f"lifetimes at {py}: failed\n{run.stderr[-800:]}")
    else:
        print(f"lifetimes: no interpreter at {py} (install lifetimes in a throwaway venv and pass --lifetimes-python)")

    n = args.n_exhibitors
    t0 = time.perf_counter()
    if args.simulate:
        from crm_lab.simulate import simulate_market

        panel = simulate_market(n, n_visitors=50, kano_respondents=10, rng=0).tables["participation"]
        how = "simulate_market"
    else:
        panel = synthetic_panel(n, rng=0)
        how = "synthetic_panel"
    build = time.perf_counter() - t0
    print(f"\nparticipation panel: {n:,} exhibitors, {len(panel):,} rows ({how}: {build:.2f} s)")
    reps = max(1, min(3, args.repeat))
    sec0, tm = best(lambda: lc.transition_matrix(panel, n_boot=0), reps)
    print(f"transition_matrix, no bootstrap                       {sec0:8.3f} s   "
          f"({tm.meta['n_moves']:,} moves of {tm.meta['n']:,} exhibitors, {tm.meta['patterns']:,} distinct patterns)")
    sec, tm = best(lambda: lc.transition_matrix(panel, n_boot=args.n_boot, rng=1), reps)
    print(f"transition_matrix, n_boot = {args.n_boot:<6,}                    {sec:8.3f} s   "
          f"(bootstrap part {sec - sec0:.3f} s)")
    print("\nestimated moves of those who came back (planted in parentheses):")
    planted = pd.DataFrame(np.asarray(MarketParams().transition), index=tm.returned.index, columns=tm.returned.columns)
    shown = tm.returned.round(3).astype(str) + " (" + planted.round(2).astype(str) + ")"
    print(shown.to_string())
    st = tm.table.loc[("stability", "ended")]
    print(f"\nP(stability -> ended) = {st['estimate']:.4f}, bootstrap SE {st['se']:.5f}, "
          f"95% CI [{st['ci_low']:.4f}, {st['ci_high']:.4f}]")


if __name__ == "__main__":
    main()
