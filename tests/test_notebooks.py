"""The notebooks as a researcher runs them: papermill with other parameters, on other data.

(nbval checks the committed notebooks with their default parameters; see pyproject.toml.)
"""

import json

import nbformat
import pytest
from userdata import check_outputs, mtimes

from crm_lab import datasets, runner
from crm_lab.simulate import simulate_market

pytestmark = pytest.mark.notebook


def assert_every_check_correct(executed, count):
    checks = list(check_outputs(executed).values())
    assert len(checks) == count, checks
    wrong = [text for text in checks if not text.startswith("✓ Correct")]
    assert not wrong, wrong


def test_every_notebook_is_committed_executed_with_one_parameters_cell():
    for path in runner.list_notebooks():
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: {len(tagged)} cells tagged 'parameters'"
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), f"{path.name}: committed with unexecuted cells"
        errors = [o for c in code for o in c.outputs if o.output_type == "error"]
        assert not errors, f"{path.name}: a committed output is an error"
        assert nb.metadata["kernelspec"]["name"] == "python3"


def assert_start_here_conclusions_agree(res):
    """Notebook 00: each verdict in results.json, and the sentence printed for it, follow from the numbers."""
    rd, said = res["risk_difference"], res["conclusions"]
    excludes = rd["ci_low"] > 0 or rd["ci_high"] < 0
    assert res["risk_difference_excludes_zero"] == excludes
    assert ("which excludes 0" if excludes else "which includes 0") in said["risk_difference"]
    assert f"[{rd['ci_low']:.3f}, {rd['ci_high']:.3f}]".replace("-0.000", "0.000") in said["risk_difference"]
    planted = res["planted_difference"]
    if planted is None:
        assert res["planted_covered"] is None and "no planted gap" in said["planted"]
    else:
        covered = rd["ci_low"] <= planted <= rd["ci_high"]
        assert res["planted_covered"] == covered
        assert (" covers " if covered else " misses ") in said["planted"]
        assert f"{planted:.3f}" in said["planted"]
    ratio = res["width_ratio"]
    assert ratio["ci_low"] <= ratio["estimate"] <= ratio["ci_high"]
    assert res["width_ratio_excludes_half"] == (not ratio["ci_low"] <= 0.5 <= ratio["ci_high"])
    assert ("which excludes 0.5" if res["width_ratio_excludes_half"] else "which includes 0.5") in said["width_ratio"]
    assert 0.4 < ratio["estimate"] < 0.6  # about half, not a quarter: precision grows with √n


def test_start_here_with_other_parameters(run_nb, tmp_path):
    result = run_nb("00_start_here", seed=7, alpha=0.01, truth_size=5000)
    res = result.results
    assert res["risk_difference"]["confidence"] == pytest.approx(0.99)
    # the data is the shipped sample; only the truth simulation changed with the seed
    assert res["n_exhibitors"] == 3000
    assert res["planted_difference"] is not None and -0.2 < res["planted_difference"] < 0.3
    default = json.loads((tmp_path / "00_start_here" / "results.json").read_text())
    assert default == res
    assert_start_here_conclusions_agree(res)
    # the instructor's solutions stay right at another level and truth simulation
    assert_every_check_correct(result.output, 6)


def test_start_here_on_another_simulated_market(run_nb, tmp_path):
    # another market (data seed 3) with its planted truth, and another notebook seed: the verdicts follow the numbers
    folder = tmp_path / "market3"
    datasets.write_tables(simulate_market(1200, n_visitors=300, kano_respondents=20, rng=3), folder)
    result = run_nb("00_start_here", tmp_path / "out", data_dir=str(folder), seed=3, truth_size=5000)
    res = result.results
    assert res["n_exhibitors"] == 1200 and res["planted_difference"] is not None
    assert_start_here_conclusions_agree(res)
    assert_every_check_correct(result.output, 6)


def test_start_here_on_a_users_data_folder(run_nb, user_data, tmp_path):
    user, market = user_data(seed=11, n_exhibitors=400, n_visitors=300, kano_respondents=20)
    before = mtimes(user)
    result = run_nb("00_start_here", tmp_path / "out", data_dir=str(user))
    res = result.results
    assert res["n_exhibitors"] == 400
    assert res["planted_difference"] is None  # no truth for a user's data
    rates = market.tables["participation"]
    assert 0 < res["return_rate_competitive"] <= 1 and len(rates) > 0
    assert mtimes(user) == before, "the user's folder was written to"
    assert_start_here_conclusions_agree(res)
    # the instructor's solutions stay right on a user's data (no planted truth: 00.6 answers "d")
    assert_every_check_correct(result.output, 6)


def test_a_bad_parameter_value_stops_with_one_clear_line(run_nb):
    with pytest.raises(runner.NotebookExecutionError) as info:
        run_nb("00_start_here", alpha=1.5)
    assert "parameter 'alpha' must be > 0 and < 1 (got 1.5)" in str(info.value)


def test_an_unknown_parameter_name_is_refused_before_running(run_nb, tmp_path):
    with pytest.raises(ValueError, match="did you mean 'seed'"):
        run_nb("00_start_here", sede=3)
    assert not any(tmp_path.iterdir())


def test_broken_user_data_names_file_column_and_lines(run_nb, user_data, tmp_path):
    user, _ = user_data(seed=12, n_exhibitors=400, n_visitors=300, kano_respondents=20, name="broken")
    survey = (user / "survey.csv").read_text().splitlines()
    header = survey[0].split(",")
    row = survey[3].split(",")
    row[header.index("sat2")] = "9"
    survey[3] = ",".join(row)
    (user / "survey.csv").write_text("\n".join(survey) + "\n")
    with pytest.raises(runner.NotebookExecutionError) as info:
        run_nb("00_start_here", tmp_path / "o", data_dir=str(user))
    message = str(info.value)
    assert "survey.csv" in message and "'sat2'" in message and "line 4" in message


def test_sample_truth_is_shipped():
    assert datasets.load_truth().seed == datasets.SAMPLE_SEED
