"""Tests of crm_lab.params: coercion, unknown names, one-line errors."""

import doctest
import os
import pathlib
import types

import pytest

from crm_lab import params
from crm_lab.params import Bool, Choice, Float, Folder, Int, ParameterError, Parameters, Str, check


def notebook_spec(tmp_path):
    return dict(
        seed=Int(min=0),
        data_dir=Folder(must_exist=True, allow_empty=True),
        alpha=Float(gt=0, lt=1),
        n_boot=Int(min=100, max=100_000),
        segment=Choice("exhibitor", "visitor"),
        output_dir=Folder(must_exist=False, allow_empty=True),
    )


def notebook_namespace(**overrides):
    """What globals() holds after a parameters cell in IPython."""
    ns = {
        "__name__": "__main__",
        "__builtins__": __builtins__,
        "_": "",
        "_i1": "seed: int = 2024",
        "In": ["", "seed: int = 2024"],
        "Out": {},
        "get_ipython": lambda: None,
        "exit": object(),
        "quit": object(),
        "open": open,
        "params": params,
        "os": os,
        "Path": pathlib.Path,
        "seed": 2024,
        "data_dir": "",
        "alpha": 0.05,
        "n_boot": 2000,
        "segment": "exhibitor",
        "output_dir": "",
    }
    ns.update(overrides)
    return ns


def test_defaults_pass_and_keep_spec_order(tmp_path):
    P = check(notebook_namespace(), **notebook_spec(tmp_path))
    assert isinstance(P, Parameters)
    assert list(P) == ["seed", "data_dir", "alpha", "n_boot", "segment", "output_dir"]
    assert (P.seed, P["alpha"], P.n_boot, P.segment) == (2024, 0.05, 2000, "exhibitor")
    assert P.data_dir == "" and P.output_dir == ""
    assert dict(P) == {k: P[k] for k in P}


def test_result_is_read_only():
    P = check({"seed": 1}, seed=Int())
    with pytest.raises(AttributeError):
        P.seed = 2
    with pytest.raises(TypeError):
        P["seed"] = 2
    with pytest.raises(AttributeError, match="no parameter 'sed'"):
        P.sed  # noqa: B018 (the attribute access is what raises)


def test_namespace_is_not_modified():
    ns = notebook_namespace(alpha="0.1")
    before = dict(ns)
    check(ns, seed=Int(), data_dir=Str(), alpha=Float(), n_boot=Int(), segment=Str(), output_dir=Str())
    assert ns == before


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, 7), ("007", 7), (7.0, 7), ("2000", 2000), ("5e3", 5000), (" 12 ", 12)],
)
def test_int_coercion(value, expected):
    result = check({"n": value}, n=Int()).n
    assert result == expected and type(result) is int


@pytest.mark.parametrize("value", [7.5, True, False, "seven", None, float("nan"), [1]])
def test_int_rejects(value):
    with pytest.raises(ParameterError, match=r"^parameter 'n' must be an integer \(got .+\)$"):
        check({"n": value}, n=Int())


@pytest.mark.parametrize(
    ("value", "expected"), [(0.05, 0.05), ("5e-2", 0.05), ("0.05", 0.05), (1, 1.0), ("1", 1.0)]
)
def test_float_coercion(value, expected):
    result = check({"x": value}, x=Float()).x
    assert result == expected and type(result) is float


@pytest.mark.parametrize("value", [True, "abc", None, float("nan"), float("inf"), "inf"])
def test_float_rejects_non_numbers(value):
    with pytest.raises(ParameterError, match="parameter 'x' must be a"):
        check({"x": value}, x=Float())


def test_float_bounds_message_like_attrs():
    with pytest.raises(ParameterError) as info:
        check({"alpha": 1.5}, alpha=Float(gt=0, lt=1))
    assert str(info.value) == "parameter 'alpha' must be > 0 and < 1 (got 1.5)"
    assert check({"a": 0}, a=Float(ge=0, le=1)).a == 0.0
    with pytest.raises(ParameterError, match=r"must be > 0 \(got 0\)"):
        check({"a": 0}, a=Float(gt=0))


def test_int_bounds():
    assert check({"n": 100}, n=Int(min=100, max=200)).n == 100
    with pytest.raises(ParameterError) as info:
        check({"n": "50"}, n=Int(min=100, max=100_000))
    assert str(info.value) == "parameter 'n' must be an integer >= 100 and <= 100000 (got '50')"


def test_choice_is_case_sensitive_and_lists_values():
    assert check({"s": "visitor"}, s=Choice("exhibitor", "visitor")).s == "visitor"
    with pytest.raises(ParameterError) as info:
        check({"s": "Visitor"}, s=Choice("exhibitor", "visitor"))
    assert str(info.value) == "parameter 's' must be one of 'exhibitor', 'visitor' (got 'Visitor')"


def test_choice_needs_strings():
    with pytest.raises(TypeError):
        Choice()
    with pytest.raises(TypeError):
        Choice("a", 1)


@pytest.mark.parametrize(("value", "expected"), [(True, True), (False, False), ("true", True), ("False", False)])
def test_bool(value, expected):
    assert check({"b": value}, b=Bool()).b is expected


def test_numpy_scalars():
    import numpy as np

    assert check({"b": np.True_}, b=Bool()).b is True
    assert check({"n": np.int64(5)}, n=Int()).n == 5
    assert check({"x": np.float32(0.5)}, x=Float()).x == 0.5
    with pytest.raises(ParameterError, match="must be an integer"):
        check({"n": np.True_}, n=Int())


@pytest.mark.parametrize("value", [1, 0, "yes", None])
def test_bool_rejects(value):
    with pytest.raises(ParameterError, match="must be True or False"):
        check({"b": value}, b=Bool())


def test_str():
    assert check({"s": "x"}, s=Str()).s == "x"
    with pytest.raises(ParameterError, match=r"must be a string \(got 3\)"):
        check({"s": 3}, s=Str())
    with pytest.raises(ParameterError, match="non-empty"):
        check({"s": ""}, s=Str(allow_empty=False))


def test_folder_existing(tmp_path):
    P = check({"d": str(tmp_path), "p": tmp_path}, d=Folder(must_exist=True), p=Folder(must_exist=True))
    assert P.d == str(tmp_path) and P.p == str(tmp_path)


def test_folder_relative_path_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    assert check({"d": "data"}, d=Folder(must_exist=True)).d == str(tmp_path / "data")


def test_folder_missing_names_resolved_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParameterError) as info:
        check({"d": "nowhere"}, d=Folder(must_exist=True))
    message = str(info.value)
    assert message.startswith("parameter 'd' must be an existing folder or database file (.duckdb, .sqlite, .db) (got 'nowhere'")
    assert repr(str(tmp_path / "nowhere")) in message
    # an output folder (must_exist=False) or database=False: a folder only
    with pytest.raises(ParameterError, match=r"must be an existing folder \(got 'nowhere'"):
        check({"d": "nowhere"}, d=Folder(must_exist=True, database=False))


def test_folder_empty_and_new(tmp_path):
    assert check({"d": ""}, d=Folder(allow_empty=True)).d == ""
    with pytest.raises(ParameterError, match="non-empty folder path"):
        check({"d": ""}, d=Folder())
    new = tmp_path / "results"
    assert check({"d": str(new)}, d=Folder(must_exist=False)).d == str(new)
    assert not new.exists()  # checking never creates anything


def test_folder_rejects_file_and_non_path(tmp_path):
    file = tmp_path / "a.csv"
    file.write_text("x\n")
    with pytest.raises(ParameterError, match="must be a folder, not a file"):
        check({"d": str(file)}, d=Folder())
    with pytest.raises(ParameterError, match=r"must be a folder path \(got 3\)"):
        check({"d": 3}, d=Folder())


def test_input_folder_accepts_a_database_file_but_no_other_file(tmp_path):
    import sqlite3

    db = tmp_path / "crm.sqlite"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.close()
    assert check({"d": str(db)}, d=Folder(must_exist=True, allow_empty=True)).d == str(db)
    text = tmp_path / "notes.txt"
    text.write_text("x\n")
    with pytest.raises(ParameterError) as info:
        check({"d": str(text)}, d=Folder(must_exist=True))
    assert str(info.value) == (
        "parameter 'd' must be a folder or a database file (.duckdb, .sqlite, .db), not another file "
        f"(got {str(text)!r}, resolved to {str(text)!r})"
    )
    fake = tmp_path / "fake.db"
    fake.write_text("exhibitor_id\nE1\n")
    with pytest.raises(ParameterError, match=r"^parameter 'd' must be a folder or a database file, but .*fake\.db' is not a "
                       r"DuckDB or SQLite database \(its first bytes are neither's file header\) \(got '.*fake\.db'\)$"):
        check({"d": str(fake)}, d=Folder(must_exist=True))
    empty = tmp_path / "empty.duckdb"
    empty.touch()
    with pytest.raises(ParameterError, match="is an empty file, not a DuckDB or SQLite database"):
        check({"d": str(empty)}, d=Folder(must_exist=True))
    with pytest.raises(ParameterError, match="must be a folder, not a file"):
        check({"d": str(db)}, d=Folder(must_exist=False))  # never an output folder
    assert check({"d": str(db)}, d=Folder(database=True)).d == str(db)


def test_unknown_name_with_suggestion(tmp_path):
    ns = notebook_namespace(sede=7)
    with pytest.raises(ParameterError) as info:
        check(ns, **notebook_spec(tmp_path))
    assert str(info.value) == (
        "unknown parameter 'sede' (known: seed, data_dir, alpha, n_boot, segment, output_dir); "
        "did you mean 'seed'?"
    )


def test_unknown_name_without_close_match():
    with pytest.raises(ParameterError) as info:
        check({"seed": 1, "zzz": 2}, seed=Int())
    assert str(info.value) == "unknown parameter 'zzz' (known: seed)"


def test_imports_and_ipython_names_are_ignored():
    ns = notebook_namespace()
    ns.update(np=types.ModuleType("numpy"), helper=lambda: 1, Klass=type("Klass", (), {}), _secret=1, print=print)
    spec = dict(seed=Int(), data_dir=Str(), alpha=Float(), n_boot=Int(), segment=Str(), output_dir=Str())
    assert check(ns, **spec).seed == 2024


def test_missing_parameter():
    with pytest.raises(ParameterError, match="missing parameter 'alpha'"):
        check({"seed": 1}, seed=Int(), alpha=Float())


def test_all_violations_in_one_line(tmp_path):
    ns = notebook_namespace(seed=-1, alpha=1.5, segment="both", sede=1)
    with pytest.raises(ParameterError) as info:
        check(ns, **notebook_spec(tmp_path))
    message = str(info.value)
    assert "\n" not in message
    parts = message.split("; ")
    assert parts[0] == "parameter 'seed' must be an integer >= 0 (got -1)"
    assert parts[1] == "parameter 'alpha' must be > 0 and < 1 (got 1.5)"
    assert parts[2] == "parameter 'segment' must be one of 'exhibitor', 'visitor' (got 'both')"
    assert parts[3].startswith("unknown parameter 'sede'")


def test_error_is_value_error_and_renders_one_line():
    with pytest.raises(ValueError) as info:
        check({"alpha": 2}, alpha=Float(lt=1))
    assert isinstance(info.value, ParameterError)
    assert info.value._render_traceback_() == ["ParameterError: parameter 'alpha' must be < 1 (got 2)"]


def test_bad_spec_is_a_type_error():
    with pytest.raises(TypeError, match=r"\(got seed=<class .int.>\)"):
        check({"seed": 1}, seed=int)


def test_rerun_in_live_kernel_ignores_later_variables():
    spec = dict(seed=Int(), alpha=Float())
    ns = {"In": [], "seed": 1, "alpha": 0.05}
    ns["P"] = check(ns, **spec)
    # later cells define variables; then the student edits and re-runs
    ns.update(df=[1, 2], n=300, rate=0.3, alpha=0.1)
    assert check(ns, **spec).alpha == 0.1
    # a misspelt parameter added on the re-run is still caught
    ns["sead"] = 3
    with pytest.raises(ParameterError, match="did you mean 'seed'"):
        check(ns, **spec)


def test_docstring_examples_run():
    assert doctest.testmod(params).failed == 0
