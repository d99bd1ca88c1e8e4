"""Benchmark of the vectorised interaction power simulation (crm_lab.power, crm_lab.regression).

Usage::

    python benchmarks/bench_switching.py [--sizes 200 684 2000] [--reps 1000] [--repeat 3]

For each survey size *n* it simulates ``--reps`` data sets of the moderation
model (:func:`crm_lab.power.simulate_moderation`, the planted effects of
the sample market: b_x = 0.385, b_m = 0.2, b_xm = -0.15, reliabilities
0.72 / 0.61 / 0.71) and fits ``y ~ x_c * w_c`` to every replication twice:

* **batched**: :func:`crm_lab.regression.batched_ols` on the (reps, n, 4)
  array in one call (what :func:`~crm_lab.power.interaction_power`
  does, in memory-bounded chunks);
* **loop**: one ``statsmodels.api.OLS(y, X).fit()`` per replication, the
  usual way.

Both fit the same arrays, so the script also checks that they agree (the
largest difference of the interaction's t statistics is printed).  Times are
the best of ``--repeat`` runs; the ratio is loop / batched.  The column
``interaction_power s`` times the whole ``interaction_power`` call (simulation
+ fits + counting), and ``loop / power`` sets the loop of statsmodels fits
alone against it (the statsmodels route would also have to simulate).

This is a script, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EFFECTS = {"b_x": 0.385, "b_m": 0.2, "b_xm": -0.15, "r": 0.04}
RELIABILITY = (0.72, 0.61, 0.71)


def _best(func, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - start)
    return best, out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 684, 2000])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    import numpy
    import statsmodels
    import statsmodels.api as sm

    from crm_lab import power, regression

    print(f"python {platform.python_version()}, numpy {numpy.__version__}, statsmodels {statsmodels.__version__}; "
          f"{platform.machine()} {platform.system()}")
    print(f"reps = {args.reps} per size; best of {args.repeat}\n")
    header = f"{'n':>6} {'batched s':>10} {'loop s':>10} {'ratio':>8} {'max |Δt|':>10} {'interaction_power s':>20} {'loop / power':>14}"
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        x, w, y = power.simulate_moderation(n, args.reps, **EFFECTS, reliability=RELIABILITY, rng=0)
        X = power._design(x, w)

        def batched(X=X, y=y):
            beta, se, _ = regression.batched_ols(X, y)
            return beta[:, 3] / se[:, 3]

        def loop(X=X, y=y):
            t = np.empty(args.reps)
            for k in range(args.reps):
                fit = sm.OLS(y[k], X[k]).fit()
                t[k] = fit.tvalues[3]
            return t

        def simulation(n=n):
            return power.interaction_power(n, **EFFECTS, reliability=RELIABILITY, reps=args.reps, rng=0)

        t_batched, tb = _best(batched, args.repeat)
        t_loop, tl = _best(loop, args.repeat)
        t_power, _ = _best(simulation, args.repeat)
        diff = float(np.max(np.abs(np.asarray(tb) - np.asarray(tl))))
        print(f"{n:>6} {t_batched:>10.4f} {t_loop:>10.4f} {t_loop / t_batched:>8.1f} {diff:>10.2e} {t_power:>20.4f}"
              f" {t_loop / t_power:>14.1f}")

if __name__ == "__main__":
    main()
