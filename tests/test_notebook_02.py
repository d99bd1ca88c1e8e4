"""Notebook 02 (the Kano model) as a researcher runs it: other parameters, a user's data folder, bad parameters.

(nbval checks the committed notebook with its default parameters.)
"""

import pytest
from userdata import write_user_data

from crm_lab import runner

pytestmark = pytest.mark.notebook

NOTEBOOK = "02_kano_model"


def test_kano_notebook_on_a_users_folder_with_another_segment_edition_and_seed(tmp_path):
    user = tmp_path / "my survey"
    market = write_user_data(user, seed=21, n_exhibitors=400, n_visitors=300, kano_respondents=25)
    before = {p.name: p.stat().st_mtime_ns for p in user.iterdir()}
    result = runner.run_notebook(
        NOTEBOOK,
        output_dir=tmp_path / "out",
        parameters={"data_dir": str(user), "segment": "visitor", "edition": 3, "seed": 7,
                    "n_boot": 200, "alpha": 0.1, "n_sims": 60},
        html=False,
        progress=False,
    )  # fmt: skip
    res = result.results
    kano = market.tables["kano"]
    visitors = kano[(kano["segment"] == "visitor") & (kano["edition"] == 3)]
    assert (res["segment"], res["edition"]) == ("visitor", 3)
    assert res["respondents"] == visitors["respondent_id"].nunique()
    assert res["n_missing"] == int((visitors["functional"].isna() | visitors["dysfunctional"].isna()).sum())
    assert set(res["category"]) == set(kano["attribute"])
    assert res["planted_agreement"] is None and res["better_coverage"] is None  # no truth for a user's data
    assert all(-1 <= w <= 0 for w in res["worse"].values())
    assert 0 <= res["fong_false_clear_rate"] <= 1
    assert {p.name: p.stat().st_mtime_ns for p in user.iterdir()} == before, "the user's folder was written to"


def test_an_unknown_segment_stops_with_one_clear_line(tmp_path):
    with pytest.raises(runner.NotebookExecutionError) as info:
        runner.run_notebook(NOTEBOOK, output_dir=tmp_path, parameters={"segment": "martians"}, html=False, progress=False)
    assert "parameter 'segment' must be one of ['exhibitor_large', 'exhibitor_sme', 'visitor'] (got 'martians')" in str(info.value)


def test_a_bad_parameter_value_stops_before_any_work(tmp_path):
    with pytest.raises(runner.NotebookExecutionError) as info:
        runner.run_notebook(NOTEBOOK, output_dir=tmp_path, parameters={"alpha": 0.7, "n_sims": 5}, html=False, progress=False)
    message = str(info.value)
    assert "parameter 'alpha' must be > 0 and < 0.5 (got 0.7)" in message
    assert "parameter 'n_sims' must be an integer >= 20 and <= 20000 (got 5)" in message
