"""Bad command-line input (issue 18): every case gets a clear message, never a traceback.

Classes: output folders that are files or cannot be created (every command),
numeric options, repeated ``-p``/``-g``, ``data generate`` over a folder of
other files, the whole message of an error raised inside a notebook run
(one real run), data-command errors, Ctrl-C.  The CLI runs in-process
(``cli.main``); stand-ins replace the notebooks and the data module except in
the one real run.
"""

import hashlib
import os
import sys
import types
from pathlib import Path

import pytest
import userdata

from crm_lab import cli, datasets, runner
from crm_lab._checks import CrmLabError

PARAMETERS = 'seed: int = 1  # random seed\ndata_dir: str = ""  # data folder\noutput_dir: str = ""  # results\n'


def write_notebook(path, *cells):
    return userdata.write_notebook(path, cells, parameters=PARAMETERS)


@pytest.fixture
def suite(tmp_path, monkeypatch):
    """A suite of one notebook (never executed by these tests except where said)."""
    folder = tmp_path / "notebooks"
    write_notebook(folder / "00_demo.ipynb", "x = seed")
    monkeypatch.setattr(runner, "notebooks_dir", lambda: folder)
    return folder


def usage_error(capsys, argv):
    """Run *argv*, expect argparse's exit 2; return its error line."""
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.splitlines()[-1]


# --------------------------------------------------------------------------
# 1. output folders: a file, a parent that is a file, no permission (every command)
# --------------------------------------------------------------------------
OUTPUT_COMMANDS = [
    (["run", "00"], "run"),
    (["sweep", "00", "-g", "seed", "1,2"], "sweep"),
    (["student"], "student"),
    (["slides", "00"], "slides"),
    (["data", "generate"], "data generate"),
]


@pytest.mark.parametrize("argv, name", OUTPUT_COMMANDS, ids=[n for _, n in OUTPUT_COMMANDS])
def test_output_dir_that_is_a_file(argv, name, tmp_path, capsys):
    target = tmp_path / "results.txt"
    target.write_text("mine")
    line = usage_error(capsys, argv + ["--output-dir", str(target)])
    assert line == f"crm-lab {name}: error: argument --output-dir: {target} is a file; give a folder"
    assert target.read_text() == "mine"


@pytest.mark.parametrize("argv, name", OUTPUT_COMMANDS, ids=[n for _, n in OUTPUT_COMMANDS])
def test_output_dir_under_a_file(argv, name, tmp_path, capsys):
    target = tmp_path / "results.txt"
    target.write_text("mine")
    line = usage_error(capsys, argv + ["--output-dir", str(target / "out" / "deeper")])
    assert line == (f"crm-lab {name}: error: argument --output-dir: {target / 'out' / 'deeper'} cannot be "
                    f"created: {target} is a file, not a folder")


def test_output_dir_without_permission(tmp_path, monkeypatch, capsys):
    # the tests may run as root, who may write anywhere: the permission answer is simulated
    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != locked)
    line = usage_error(capsys, ["run", "00", "--output-dir", str(locked / "runs")])
    assert line.endswith(f"argument --output-dir: {locked / 'runs'} cannot be created: "
                         f"no permission to write in {locked}")
    line = usage_error(capsys, ["student", "--output-dir", str(locked)])
    assert line.endswith(f"argument --output-dir: {locked} is a folder you may not write to (permission denied)")


def test_output_dir_broken_symlink(tmp_path, capsys):
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "gone")
    line = usage_error(capsys, ["run", "00", "--output-dir", str(link)])
    assert f"{link} is a broken symbolic link" in line and "give a folder" in line
    line = usage_error(capsys, ["run", "00", "--output-dir", str(link / "runs")])
    assert line.endswith(f"{link / 'runs'} cannot be created: {link} is a broken symbolic link")


def test_dictionary_output_file_checked(tmp_path, capsys):
    line = usage_error(capsys, ["data", "dictionary", "--output", str(tmp_path)])
    assert line == f"crm-lab data dictionary: error: argument --output: {tmp_path} is a folder; give a file name"
    missing = tmp_path / "no" / "README.md"
    line = usage_error(capsys, ["data", "dictionary", "--output", str(missing)])
    assert line.endswith(f"cannot write {missing}: its folder {missing.parent} does not exist")


def test_runner_refuses_output_dir_that_is_a_file_before_running(suite, tmp_path):
    target = tmp_path / "results.txt"
    target.write_text("mine")
    for call in (lambda: runner.run_notebook("00", output_dir=target, html=False),
                 lambda: runner.run_all(["00"], output_dir=target, html=False),
                 lambda: runner.sweep("00", {"seed": [1, 2]}, output_dir=target / "sw")):
        with pytest.raises(CrmLabError) as info:
            call()
        assert str(info.value).startswith(f"output_dir {target}")
        assert "is a file" in str(info.value)


def test_runner_output_dir_that_is_not_a_path(suite):
    with pytest.raises(CrmLabError, match=r"'output_dir' must be a folder path, a str or pathlib.Path \(got None\)"):
        runner.run_all(["00"], output_dir=None, html=False)
    with pytest.raises(CrmLabError, match="cannot hold a NUL byte"):
        runner.run_notebook("00", output_dir="out\0put", html=False)


def test_usable_output_dirs_pass(tmp_path):
    assert cli.output_folder_problem(tmp_path) is None
    assert cli.output_folder_problem(tmp_path / "new" / "deeper") is None


# --------------------------------------------------------------------------
# 2. numeric options: named, with the expectation and the value
# --------------------------------------------------------------------------
@pytest.mark.parametrize("argv, expected", [
    (["data", "generate", "--seed", "-1"], "argument --seed: must be an integer >= 0 (got -1)"),
    (["data", "generate", "--seed", "1.5"], "argument --seed: must be an integer >= 0 (got 1.5)"),
    (["data", "generate", "--seed", "seven"], "argument --seed: must be an integer >= 0 (got seven)"),
    (["run", "00", "--workers", "0"], "argument --workers: must be an integer >= 1 (got 0)"),
    (["run", "00", "--workers", "-2"], "argument --workers: must be an integer >= 1 (got -2)"),
    (["sweep", "00", "-g", "seed", "1", "--workers", "two"],
     "argument --workers: must be an integer >= 1 (got two)"),
])
def test_numeric_options_name_the_option(argv, expected, capsys):
    assert usage_error(capsys, argv).endswith(expected)


def test_seed_zero_and_large_are_accepted(fake_datasets, tmp_path):
    calls = fake_datasets
    assert cli.main(["data", "generate", "--seed", "0", "--output-dir", str(tmp_path / "a")]) == 0
    assert cli.main(["data", "generate", "--seed", str(2**70), "--output-dir", str(tmp_path / "b")]) == 0
    assert [c[2] for c in calls] == [0, 2**70]


# --------------------------------------------------------------------------
# 3. repeated -p and -g
# --------------------------------------------------------------------------
def test_repeated_parameter_is_refused(monkeypatch, capsys):
    monkeypatch.setattr(runner, "run_all", lambda *a, **k: pytest.fail("must not run"))
    assert cli.main(["run", "00", "-p", "seed", "1", "-p", "seed", "2"]) == 2
    assert capsys.readouterr().err == (
        "crm-lab: error: -p seed given twice (1 and 2); give each parameter once\n")
    assert cli.main(["run", "00", "-p", "a", "1", "-p", "a", "2", "-p", "a", "3", "-p", "b", "x",
                     "-p", "b", "y"]) == 2
    assert capsys.readouterr().err == (
        "crm-lab: error: -p a given 3 times (1, 2 and 3); -p b given twice (x and y); give each parameter once\n")
    assert cli.main(["run", "00", "-p", "label", "", "-p", "label", "x"]) == 2
    assert capsys.readouterr().err == "crm-lab: error: -p label given twice ('' and x); give each parameter once\n"


def test_repeated_grid_and_overlap_are_refused(monkeypatch, capsys):
    monkeypatch.setattr(runner, "sweep", lambda *a, **k: pytest.fail("must not run"))
    assert cli.main(["sweep", "00", "-g", "seed", "1,2", "-g", "seed", "3"]) == 2
    assert capsys.readouterr().err == (
        "crm-lab: error: -g seed given twice (1,2 and 3); list all its values once, e.g. -g seed 1,2,3\n")
    assert cli.main(["sweep", "00", "-g", "seed", "1,2,1"]) == 2
    assert "-g seed lists 1 more than once (got 1,2,1); give each value once" in capsys.readouterr().err
    assert cli.main(["sweep", "00", "-g", "seed", "1,2", "-p", "seed", "3"]) == 2
    assert "seed is given with both -p and -g" in capsys.readouterr().err
    assert cli.main(["sweep", "00", "-g", "seed", "1,2", "-p", "seed", "3", "-p", "seed", "4"]) == 2
    assert "-p seed given twice (3 and 4)" in capsys.readouterr().err


def test_parameter_the_notebook_lacks_gets_did_you_mean(suite, capsys):
    assert cli.main(["sweep", "00", "-g", "sed", "1,2"]) == 2
    assert capsys.readouterr().err == (
        "crm-lab: error: unknown parameter 'sed' (did you mean 'seed'?) for notebook 00_demo; "
        "known parameters: data_dir, output_dir, seed\n")


# --------------------------------------------------------------------------
# 4. data generate over a folder of other files: --force
# --------------------------------------------------------------------------
@pytest.fixture
def fake_datasets(monkeypatch, tmp_path):
    """A stand-in datasets module whose generate_sample writes two tiny files and their manifest."""
    calls = []
    module = types.ModuleType("crm_lab.datasets")
    module.MANIFEST = "MANIFEST.sha256"
    module.sample_dir = lambda: tmp_path / "shipped"

    def generate_sample(output_dir=None, *, seed=None):
        calls.append(("generate", output_dir, seed))
        folder = Path(output_dir) if output_dir is not None else module.sample_dir()
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / "sectors.csv", folder / "truth.json"]
        paths[0].write_text(f"sector\nseed{seed}\n")
        paths[1].write_text("{}\n")
        (folder / "MANIFEST.sha256").write_text("".join(
            f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in paths))
        return paths + [folder / "MANIFEST.sha256"]

    module.generate_sample = generate_sample
    module.manifest_problems = datasets.manifest_problems  # the real check of an unchanged sample
    monkeypatch.setitem(sys.modules, "crm_lab.datasets", module)
    return calls


def test_generate_refuses_a_folder_of_user_files(fake_datasets, tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    for name in ("a.csv", "b.csv", "c.csv", "d.csv", "e.csv", "f.csv"):
        (mine / name).write_text("x\n1\n")
    assert cli.main(["data", "generate", "--output-dir", str(mine)]) == 2
    assert capsys.readouterr().err == (
        f"crm-lab: error: {mine} already holds 6 files (a.csv, b.csv, c.csv, d.csv, e.csv, …) and is not an "
        f"unchanged crm-lab sample ({mine / 'MANIFEST.sha256'}: missing); use --force to overwrite\n")
    assert fake_datasets == [] and (mine / "a.csv").read_text() == "x\n1\n"
    assert cli.main(["data", "generate", "--output-dir", str(mine), "--force"]) == 0
    assert (mine / "sectors.csv").is_file()


def test_generate_into_empty_missing_or_unchanged_sample_folder(fake_datasets, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert cli.main(["data", "generate", "--output-dir", str(tmp_path / "empty")]) == 0
    assert cli.main(["data", "generate", "--output-dir", str(tmp_path / "new")]) == 0
    # an unchanged sample (all files as its manifest says) is regenerated without --force
    assert cli.main(["data", "generate", "--seed", "7", "--output-dir", str(tmp_path / "new")]) == 0
    assert (tmp_path / "new" / "sectors.csv").read_text() == "sector\nseed7\n"
    assert cli.main(["data", "generate"]) == 0  # the default (shipped) folder: missing here
    assert cli.main(["data", "generate"]) == 0  # then unchanged
    assert len(fake_datasets) == 5


def test_generate_refuses_a_changed_sample(fake_datasets, tmp_path, capsys):
    folder = tmp_path / "market"
    assert cli.main(["data", "generate", "--output-dir", str(folder)]) == 0
    (folder / "sectors.csv").write_text("sector\nmy edit\n")
    capsys.readouterr()
    assert cli.main(["data", "generate", "--output-dir", str(folder)]) == 2
    assert capsys.readouterr().err == (
        f"crm-lab: error: {folder} already holds 3 files (MANIFEST.sha256, sectors.csv, truth.json) and is not an "
        f"unchanged crm-lab sample ({folder / 'sectors.csv'}: SHA-256 differs from MANIFEST.sha256 (line 1)); "
        "use --force to overwrite\n")
    (folder / "MANIFEST.sha256").write_text("not a manifest line\n")  # a malformed manifest: not a sample
    assert cli.main(["data", "generate", "--output-dir", str(folder)]) == 2
    assert "MANIFEST.sha256 line 1: expected" in capsys.readouterr().err


def test_shipped_sample_counts_as_unchanged():
    from crm_lab import datasets

    assert cli._overwrite_problem(datasets.sample_dir()) is None


# --------------------------------------------------------------------------
# 5. an error raised inside a notebook: the whole message and the partial output
# --------------------------------------------------------------------------
DATA_ERROR = (
    "/data/survey.csv does not match the schema of table 'survey' (3 data rows; see datasets/README.md):\n"
    "  - column 'nps': values outside 0..10 on lines 3, 4 (11, 12)\n"
    "  - column 'edition': not a whole number on line 2 ('x')"
)


def _data_failure(tmp_path):
    return runner.NotebookExecutionError(
        5, 6, "load('survey')", "DataValidationError", DATA_ERROR, ["Traceback ...", "\x1b[31mraise\x1b[0m"],
        tmp_path / "01_demo.ipynb", tmp_path / "runs" / "01_demo.ipynb",
    )


def test_failed_run_prints_every_line_of_the_error(tmp_path, monkeypatch, capsys):
    def failing(names, **kwargs):
        raise _data_failure(tmp_path)

    monkeypatch.setattr(runner, "run_all", failing)
    assert cli.main(["run", "01", "--no-html"]) == 1
    assert capsys.readouterr().err == (
        "crm-lab: error: notebook 01_demo failed in cell [6] (DataValidationError: /data/survey.csv does not "
        "match the schema of table 'survey' (3 data rows; see datasets/README.md): …); partial output: "
        f"{tmp_path / 'runs' / '01_demo.ipynb'}\n"
        "  - column 'nps': values outside 0..10 on lines 3, 4 (11, 12)\n"
        "  - column 'edition': not a whole number on line 2 ('x')\n")


def test_headline_stays_one_line(tmp_path):
    error = _data_failure(tmp_path)
    assert "\n" not in error.headline() and error.headline().endswith(str(tmp_path / "runs" / "01_demo.ipynb"))
    assert error.describe().splitlines()[1:] == DATA_ERROR.splitlines()[1:]


def test_failed_sweep_prints_every_line(tmp_path, monkeypatch, capsys):
    def failing(name, grid, **kwargs):
        raise runner.SweepError(f"1 of 2 runs of 01 failed: seed=2 (DataValidationError: {DATA_ERROR}); "
                                "rerun the same command to retry them", [], None)

    monkeypatch.setattr(runner, "sweep", failing)
    assert cli.main(["sweep", "01", "-g", "seed", "1,2"]) == 1
    err = capsys.readouterr().err
    assert "column 'nps': values outside 0..10 on lines 3, 4" in err
    assert "column 'edition': not a whole number on line 2" in err


def test_real_run_with_bad_data_names_file_column_lines_and_partial_output(tmp_path, capsys):
    """The one real execution: a notebook loads a bad sectors.csv through crm-lab run."""
    notebook = write_notebook(tmp_path / "nb" / "09_load.ipynb",
                              "from crm_lab import datasets\nsectors = datasets.load('sectors', data_dir)")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "sectors.csv").write_text("sector,market_structure,competing_shows\nmachinery,competitive,1\n"
                                     "electronics,huge,2\n")
    out = tmp_path / "runs"
    code = cli.main(["run", str(notebook), "-p", "data_dir", str(bad), "--output-dir", str(out), "--no-html"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.err and "\x1b[" not in captured.err
    first, *details = captured.err.splitlines()
    assert first.startswith("crm-lab: error: notebook 09_load failed in cell [")
    assert "DataValidationError" in first and "sectors.csv" in first
    assert first.endswith(f"partial output: {out / '09_load.ipynb'}")
    assert any("'market_structure'" in line and "line 3" in line and "huge" in line for line in details)
    assert (out / "09_load.ipynb").is_file()
    assert "09_load failed (notebook 09_load failed in cell [" in captured.out  # the progress line: one line


# --------------------------------------------------------------------------
# 6. data commands: --regenerate, errors as messages with exit code 2
# --------------------------------------------------------------------------
@pytest.fixture
def data_module(monkeypatch):
    module = types.ModuleType("crm_lab.datasets")
    calls = []
    module.verify = lambda data_dir=None, *, regenerate=False: calls.append((data_dir, regenerate)) or []
    monkeypatch.setitem(sys.modules, "crm_lab.datasets", module)
    return module, calls


def test_verify_regenerate_is_passed_on(data_module, capsys):
    _, calls = data_module
    assert cli.main(["data", "verify", "--regenerate"]) == 0
    assert cli.main(["data", "verify", "mydata"]) == 0
    assert calls == [(None, True), ("mydata", False)]
    assert capsys.readouterr().out.splitlines() == [
        "OK: no problems found in the shipped datasets (and identical to a fresh simulation from its seed)",
        "OK: no problems found in mydata"]


@pytest.mark.parametrize("error, expected", [
    (CrmLabError("MANIFEST.sha256 line 3: expected '<sha256>  <file name>' (got 'abc')"),
     "crm-lab: error: MANIFEST.sha256 line 3: expected '<sha256>  <file name>' (got 'abc')\n"),
    (ValueError(DATA_ERROR), f"crm-lab: error: {DATA_ERROR}\n"),
    (PermissionError(13, "Permission denied", "/data/survey.csv"),
     "crm-lab: error: /data/survey.csv: permission denied\n"),
    (IsADirectoryError(21, "Is a directory", "/data/MANIFEST.sha256"),
     "crm-lab: error: /data/MANIFEST.sha256: is a directory\n"),
    (FileNotFoundError("data_dir '/x' is not an existing folder"),
     "crm-lab: error: data_dir '/x' is not an existing folder\n"),
], ids=["crmlab", "multiline", "permission", "isdir", "message"])
def test_data_command_errors_are_messages_exit_2(data_module, error, expected, capsys):
    module, _ = data_module

    def verify(data_dir=None, *, regenerate=False):
        raise error

    module.verify = verify
    assert cli.main(["data", "verify", "x"]) == 2
    assert capsys.readouterr().err == expected


def test_real_datasets_error_through_verify(tmp_path, capsys):
    """A real datasets error (a folder that is not there) reaches the user as one message, exit 2."""
    assert cli.main(["data", "verify", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crm-lab: error: data_dir ") and "nowhere" in err and "Traceback" not in err


# --------------------------------------------------------------------------
# 7. Ctrl-C: one line, exit 130, in every command
# --------------------------------------------------------------------------
def test_ctrl_c_in_data_commands(data_module, tmp_path, capsys):
    module, _ = data_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    module.verify = interrupted
    assert cli.main(["data", "verify"]) == 130
    assert capsys.readouterr().err == "crm-lab: interrupted\n"

    module.MANIFEST, module.generate_sample = "MANIFEST.sha256", interrupted
    assert cli.main(["data", "generate", "--output-dir", str(tmp_path / "m")]) == 130
    assert capsys.readouterr().err == (
        f"crm-lab: interrupted: {tmp_path / 'm'} may hold a partly written sample; "
        "run the command again with --force\n")


def test_ctrl_c_in_student_and_slides(monkeypatch, capsys):
    from crm_lab import slides, teaching

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(teaching, "make_student_versions", interrupted)
    monkeypatch.setattr(slides, "build_decks", interrupted)
    assert cli.main(["student"]) == 130
    assert cli.main(["slides", "--all", "--no-execute"]) == 130
    assert capsys.readouterr().err == "crm-lab: interrupted\ncrm-lab: interrupted\n"


def test_help_reads_well(capsys):
    for argv in (["--help"], ["run", "--help"], ["sweep", "--help"], ["student", "--help"],
                 ["slides", "--help"], ["data", "--help"], ["data", "generate", "--help"],
                 ["data", "verify", "--help"], ["data", "dictionary", "--help"]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--force" in out and "--regenerate" in out and "--output FILE" in out and "--seed N" in out
