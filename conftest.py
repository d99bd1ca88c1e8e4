"""pytest configuration for the whole repository (not part of the crm_lab package).

The doctests of crm_lab (``--doctest-modules``, see pyproject.toml) see
``np`` and ``pd`` without importing them, as a reader of the docstrings would
expect.
"""

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(autouse=True, scope="session")
def _doctest_namespace(doctest_namespace):
    doctest_namespace["np"] = np
    doctest_namespace["pd"] = pd
