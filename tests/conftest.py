"""Fixtures shared by the test modules.

- ``sample_tables``: every table of the shipped sample, loaded once.
- ``small_market``: one small simulated market, built once.
- ``run_nb``: run a suite notebook as a researcher does (papermill, no HTML).
- ``user_data``: write a user's data folder (another simulated market, tables only).

The session-scoped data is shared: a test must not modify it (copy first).
"""

import pytest
from userdata import write_user_data

from crm_lab import datasets, runner
from crm_lab.simulate import simulate_market

#: The sizes and seed of ``small_market``, the small market most topic tests build.
SMALL_MARKET = {"n_exhibitors": 400, "n_visitors": 400, "rng": 11}


@pytest.fixture(scope="session")
def sample_tables():
    """``datasets.load_all()``: the shipped sample's tables, by name (do not modify)."""
    return datasets.load_all()


@pytest.fixture(scope="session")
def small_market():
    """``simulate_market(400, n_visitors=400, rng=11)`` (do not modify its tables)."""
    return simulate_market(**SMALL_MARKET)


@pytest.fixture
def run_nb(tmp_path):
    """``run_nb(name, folder=tmp_path, /, **parameters)`` -> :class:`crm_lab.runner.RunResult`.

    Runs a suite notebook with papermill into *folder*, without HTML or a
    progress bar; a failing cell raises :class:`runner.NotebookExecutionError`.
    """

    def run(name, folder=None, /, **parameters):
        return runner.run_notebook(
            name, output_dir=tmp_path if folder is None else folder, parameters=parameters, html=False, progress=False
        )

    return run


@pytest.fixture
def user_data(tmp_path):
    """``user_data(seed, n_exhibitors, *, name="my data", ...)`` -> (folder, market).

    Writes :func:`userdata.write_user_data` into ``tmp_path / name``.
    """

    def write(seed, n_exhibitors=400, *, name="my data", **sizes):
        folder = tmp_path / name
        return folder, write_user_data(folder, seed, n_exhibitors, **sizes)

    return write

