"""Files a test writes as a user would: another simulated market in the documented schema, a small notebook.

Tests get the data folder through the ``user_data`` fixture of conftest.py.
"""

import nbformat
import pandas as pd

from crm_lab import datasets
from crm_lab.schema import TABLES
from crm_lab.simulate import simulate_market


def write_user_data(folder, seed, n_exhibitors=400, *, n_visitors=300, kano_respondents=20):
    """The tables only (no truth, no manifest), each with an extra column a user might have.

    Returns the simulated market, so a test can compare the notebook's results with it.
    """
    market = simulate_market(n_exhibitors, n_visitors=n_visitors, kano_respondents=kano_respondents, rng=seed)
    for path in datasets.write_tables(market, folder):
        if path.suffix != ".csv" or path.name.startswith("truth"):
            path.unlink()
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        df["note"] = "kept"  # an extra column a user might have
        df.to_csv(path, index=False)
    assert sorted(p.name for p in folder.iterdir()) == sorted(t.filename for t in TABLES.values())
    return market


def mtimes(folder):
    """Modification time of every file in *folder*, by name (to show that a run did not write there)."""
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def check_outputs(executed):
    """Exercise id -> the text its one-line check cell (``ex.check("NN.k", ...)``) displayed in an executed notebook."""
    out = {}
    for cell in nbformat.read(executed, as_version=4).cells:
        if cell.cell_type == "code" and cell.source.strip().startswith("ex.check("):
            exercise_id = cell.source.split('"')[1]
            out[exercise_id] = "".join(o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", [])
                                       if o.get("output_type") in ("execute_result", "display_data"))
    return out


KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def write_notebook(path, cells, *, parameters=None):
    """A notebook file on the python3 kernel: a parameters cell (tagged), if given, then *cells*.

    *cells*: notebook cells, or strings for code cells.  Creates the folder; returns *path*.
    """
    made = [nbformat.v4.new_code_cell(c) if isinstance(c, str) else c for c in cells]
    if parameters is not None:
        made.insert(0, nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=made, metadata={"kernelspec": dict(KERNELSPEC)}), path)
    return path
