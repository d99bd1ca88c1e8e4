"""Tests of crm_lab.datasets: the shipped sample, loading, validation messages.

Every broken-input case runs on a COPY of the sample in tmp_path; the shipped
``datasets/`` folder is only read.  Files are corrupted with pandas (company
names contain commas), and each error message must name the file, the column,
the file line numbers (header = line 1, so data row i is on line i + 2) and
what was expected.
"""

from __future__ import annotations

import importlib.resources
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_lab import datasets
from crm_lab.datasets import (
    MANIFEST,
    SAMPLE_SEED,
    TRUTH_FILES,
    DataValidationError,
    dictionary_markdown,
    generate_sample,
    load,
    load_all,
    load_truth,
    sample_dir,
    verify,
)
from crm_lab.schema import STAGES, TABLES
from crm_lab.simulate import Truth

SAMPLE = sample_dir()
SHIPPED = [t.filename for t in TABLES.values()] + list(TRUTH_FILES) + [MANIFEST]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


@pytest.fixture
def copy_dir(tmp_path) -> Path:
    """A full copy of the shipped sample (tables, truth, manifest)."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in SHIPPED:
        shutil.copy2(SAMPLE / name, folder / name)
    return folder


def read_raw(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def write_raw(folder: Path, table: str, df: pd.DataFrame) -> Path:
    path = folder / f"{table}.csv"
    df.to_csv(path, index=False)
    return path


def corrupt(folder: Path, table: str, edit) -> Path:
    """Read *table* as text, let *edit* change the frame in place (or return a new one), write it back."""
    df = read_raw(folder, table)
    out = edit(df)
    return write_raw(folder, table, df if out is None else out)


def error_of(table: str, folder: Path) -> str:
    with pytest.raises(DataValidationError) as info:
        load(table, folder)
    return str(info.value)


def line(row: int) -> int:
    """The file line of data row *row* (0-based), the header being line 1."""
    return row + 2


def problem_lines(message: str) -> list[str]:
    return [ln for ln in message.splitlines() if ln.strip().startswith("- ")]


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


# --------------------------------------------------------------------------
# the shipped sample
# --------------------------------------------------------------------------


def test_shipped_sample_verifies():
    assert verify() == []


def test_sample_dir_in_a_clone_is_its_datasets_folder():
    assert SAMPLE == Path(datasets.__file__).resolve().parents[1] / "datasets"


def test_sample_dir_of_an_installed_package_is_its_shipped_copy(tmp_path, monkeypatch):
    # an installed crm_lab sits in site-packages, where a datasets/ folder may be another distribution's package
    site = tmp_path / "site-packages"
    (site / "datasets").mkdir(parents=True)
    (site / "crm_lab" / "_sample").mkdir(parents=True)
    monkeypatch.setattr(datasets, "__file__", str(site / "crm_lab" / "datasets.py"))
    monkeypatch.setattr(importlib.resources, "files", lambda package: site / package)
    assert sample_dir() == site / "crm_lab" / "_sample"
    (site / "crm_lab" / "_sample").rmdir()
    with pytest.raises(FileNotFoundError, match="sample data folder was not found.*pass data_dir="):
        sample_dir()


def test_shipped_files_are_exactly_the_manifest():
    listed = sorted(ln.split()[1] for ln in (SAMPLE / MANIFEST).read_text(encoding="utf-8").splitlines())
    assert listed == sorted(n for n in SHIPPED if n != MANIFEST)
    assert {p.name for p in SAMPLE.iterdir() if p.is_file()} == set(SHIPPED) | {"README.md"}


def test_regenerated_sample_is_byte_identical(tmp_path):
    written = generate_sample(tmp_path)
    assert sorted(p.name for p in written) == sorted(SHIPPED)
    for name in SHIPPED:
        fresh, shipped = (tmp_path / name).read_bytes(), (SAMPLE / name).read_bytes()
        assert fresh == shipped, (
            f"{name}: a fresh generate_sample() differs from the shipped datasets/{name}; the reproducibility "
            "contract is broken (if the change is intended, run `crm-lab data generate` and commit the files)"
        )


def test_verify_detects_a_changed_file(copy_dir):
    assert verify(copy_dir) == []
    path = copy_dir / "visits.csv"
    path.write_bytes(path.read_bytes().replace(b",1\n", b",2\n", 1))
    problems = verify(copy_dir)
    assert len(problems) == 1 and str(path) in problems[0] and "SHA-256" in problems[0]


def test_verify_regenerate_detects_edited_data_with_a_fresh_manifest(copy_dir):
    corrupt(copy_dir, "visits", lambda d: d.loc.__setitem__((0, "days"), "4" if d.loc[0, "days"] != "4" else "3"))
    datasets._write_manifest(copy_dir, [n for n in SHIPPED if n != MANIFEST])
    assert verify(copy_dir) == []  # the manifest matches and the data are valid ...
    problems = verify(copy_dir, regenerate=True)  # ... but they are not the simulation of the seed
    assert problems == [f"{copy_dir / 'visits.csv'}: differs from a fresh simulation with seed {SAMPLE_SEED}"]


def test_verify_reports_a_missing_manifest_and_file(copy_dir):
    (copy_dir / MANIFEST).unlink()
    (copy_dir / "kano.csv").unlink()
    problems = "\n".join(verify(copy_dir))
    assert f"{copy_dir / MANIFEST}: missing" in problems
    assert str(copy_dir / "kano.csv") in problems and "no such file" in problems


def test_readme_is_the_generated_dictionary():
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    assert readme == dictionary_markdown(), (
        "datasets/README.md is out of date with crm_lab/schema.py: run `crm-lab data dictionary` and commit it"
    )


def test_dictionary_documents_every_table_and_column():
    text = dictionary_markdown()
    sections = re.split(r"^## ", text, flags=re.M)
    by_title = {s.splitlines()[0].strip(): s for s in sections[1:]}
    for name, table in TABLES.items():
        assert name in by_title, f"no section for table {name}"
        section = by_title[name]
        assert table.meaning[1:] in section
        for col in table.columns:
            row = next((ln for ln in section.splitlines() if ln.startswith(f"| `{col.name}` |")), None)
            assert row is not None, f"{name}.{col.name} is not documented"
            assert col.dtype in row and ("yes" if col.nullable else "no") in row
            assert col.allowed.split(",")[0] in row.replace("\\|", "|")
        assert f"`{table.filename}`" in text
    for rule_table in ("participation", "editions"):
        for description, _ in TABLES[rule_table].checks:
            assert description[1:] in by_title[rule_table]


@pytest.mark.parametrize("name", list(TABLES))
def test_load_returns_schema_dtypes_and_order(name):
    df = load(name)
    table = TABLES[name]
    assert list(df.columns) == list(table.column_names)
    assert len(df) > 0
    for col in table.columns:
        dtype = df[col.name].dtype
        if col.dtype == "int":
            assert dtype == ("Int64" if col.nullable else np.dtype("int64")), (col.name, dtype)
        elif col.dtype == "float":
            assert dtype == np.dtype("float64"), (col.name, dtype)
        elif col.dtype == "date":
            assert dtype.kind == "M", (col.name, dtype)
        else:
            assert pd.api.types.is_string_dtype(dtype) and dtype == "str", (col.name, dtype)
            assert df[col.name].map(type).eq(str).all(), col.name


def test_load_sample_values():
    exh = load("exhibitors")
    assert len(exh) == datasets.SAMPLE_SIZES["n_exhibitors"]
    assert exh["exhibitor_id"].iloc[0] == "E000001" and exh["exhibitor_id"].is_unique
    assert exh["company_name"].str.contains(",").any()  # names with commas survive
    kano = load("kano")
    assert kano["functional"].isna().any() and kano["functional"].dropna().between(1, 5).all()
    editions = load("editions")
    assert editions["start_date"].dt.year.tolist() == editions["year"].tolist()
    assert load("exhibitors", "").equals(exh)  # "" means the sample, as None does


def test_load_all_loads_every_table(sample_tables):
    assert list(sample_tables) == list(TABLES)
    only = load_all(tables=["survey", "exhibitors"])
    assert list(only) == ["survey", "exhibitors"]


def test_load_truth_of_the_sample():
    truth = load_truth(None)
    assert isinstance(truth, Truth)
    assert truth.seed == SAMPLE_SEED == 2024
    assert truth.sizes["n_exhibitors"] == 3000
    assert len(truth.latent) == 3000
    assert truth.path("conative", "satisfaction:switching_cost") == -0.15
    assert truth.transition.loc["stability", "stability"] == 0.80


def test_load_truth_of_data_without_truth(copy_dir):
    for name in TRUTH_FILES:
        (copy_dir / name).unlink()
    assert load_truth(copy_dir) is None
    assert len(load_all(copy_dir)) == len(TABLES)  # your own data loads without a truth


# --------------------------------------------------------------------------
# bad input, one broken copy per case
# --------------------------------------------------------------------------


def test_missing_column(copy_dir):
    path = corrupt(copy_dir, "exhibitors", lambda d: d.drop(columns="region"))
    msg = error_of("exhibitors", copy_dir)
    assert str(path) in msg
    assert "missing column 'region'" in msg and "home region of the firm" in msg
    assert "the file's columns are: exhibitor_id, company_name, sector, size_class" in msg
    assert "did you mean" not in msg


def test_misspelt_column_suggests_the_right_name(copy_dir):
    path = corrupt(copy_dir, "exhibitors", lambda d: d.rename(columns={"region": "regoin"}))
    msg = error_of("exhibitors", copy_dir)
    assert str(path) in msg
    assert "missing column 'region'" in msg and "did you mean 'regoin'?" in msg


def test_text_in_an_int_column(copy_dir):
    def edit(d):
        d.loc[4, "employees"] = "many"
        d.loc[9, "employees"] = "12.5"

    path = corrupt(copy_dir, "exhibitors", edit)
    msg = error_of("exhibitors", copy_dir)
    assert str(path) in msg
    (problem,) = problem_lines(msg)
    assert "column 'employees'" in problem and "expected whole numbers (>= 1)" in problem
    assert f"on lines {line(4)} ('many'), {line(9)} ('12.5')" in problem


def test_likert_out_of_range(copy_dir):
    def edit(d):
        d.loc[0, "sat2"] = "0"
        d.loc[7, "sat2"] = "8"

    path = corrupt(copy_dir, "survey", edit)
    msg = error_of("survey", copy_dir)
    assert str(path) in msg
    (problem,) = problem_lines(msg)
    assert "column 'sat2'" in problem and "values out of range, expected 1 to 7 (1-7 Likert)" in problem
    assert f"2 rows, on lines {line(0)} ('0'), {line(7)} ('8')" in problem


def test_nps_accepts_0_to_10_but_not_11(copy_dir):
    def edit(d):
        d.loc[0, "nps"] = "0"
        d.loc[1, "nps"] = "10"
        d.loc[2, "nps"] = "11"

    corrupt(copy_dir, "survey", edit)
    (problem,) = problem_lines(error_of("survey", copy_dir))
    assert "column 'nps'" in problem and "expected 0 to 10" in problem and f"1 row, on line {line(2)} ('11')" in problem


def test_kano_code_6(copy_dir):
    path = corrupt(copy_dir, "kano", lambda d: d.loc.__setitem__((3, "dysfunctional"), "6"))
    msg = error_of("kano", copy_dir)
    assert str(path) in msg
    (problem,) = problem_lines(msg)
    assert "column 'dysfunctional'" in problem and "expected 1 to 5 (1-5)" in problem
    assert f"on line {line(3)} ('6')" in problem


def test_unknown_region_code_suggests_the_right_one(copy_dir):
    def edit(d):
        d.loc[2, "region"] = "South China"
        d.loc[5, "region"] = "Mars"

    path = corrupt(copy_dir, "exhibitors", edit)
    msg = error_of("exhibitors", copy_dir)
    assert str(path) in msg
    (problem,) = problem_lines(msg)
    assert "column 'region'" in problem and "unknown codes, expected one of north_china, east_china" in problem
    assert f"on lines {line(2)} ('South China'), {line(5)} ('Mars')" in problem
    assert "'South China' (did you mean 'south_china'?)" in problem
    assert "'Mars' (did you mean" not in problem


def test_duplicate_exhibitor_ids(copy_dir):
    def edit(d):
        d.loc[6, "exhibitor_id"] = d.loc[1, "exhibitor_id"]

    path = corrupt(copy_dir, "exhibitors", edit)
    msg = error_of("exhibitors", copy_dir)
    assert str(path) in msg
    (problem,) = problem_lines(msg)
    assert "duplicate exhibitor_id E000002" in problem and f"2 rows, on lines {line(1)}, {line(6)}" in problem


def test_duplicate_participation_key(copy_dir):
    raw = read_raw(copy_dir, "participation")
    assert (raw.loc[0, "exhibitor_id"], raw.loc[1, "exhibitor_id"]) == ("E000001", "E000001")
    raw.loc[1, "edition"] = raw.loc[0, "edition"]
    path = write_raw(copy_dir, "participation", raw)
    msg = error_of("participation", copy_dir)
    assert str(path) in msg
    (problem,) = problem_lines(msg)
    assert f"duplicate exhibitor_id/edition E000001/{raw.loc[0, 'edition']}" in problem
    assert f"on lines {line(0)}, {line(1)}" in problem


def test_negative_money(copy_dir):
    path = corrupt(copy_dir, "participation", lambda d: d.loc.__setitem__((0, "booth_spend"), "-1200.00"))
    msg = error_of("participation", copy_dir)
    assert str(path) in msg
    (problem,) = problem_lines(msg)
    assert "column 'booth_spend'" in problem and "negative amounts, expected >= 0 (CNY)" in problem
    assert f"on line {line(0)} ('-1200.00')" in problem


def test_empty_cells_in_a_required_column(copy_dir):
    # "NA" is a missing number, but in a text column it is the text "NA" (issue 18): only empty cells are missing there
    def edit(d):
        d.loc[10, "company_name"] = ""
        d.loc[11, "company_name"] = " "
        d.loc[12, "employees"] = " "
        d.loc[13, "employees"] = "NA"
        d.loc[14, "company_name"] = "NA"

    path = corrupt(copy_dir, "exhibitors", edit)
    msg = error_of("exhibitors", copy_dir)
    assert str(path) in msg
    problems = problem_lines(msg)
    assert len(problems) == 2
    assert any(
        "column 'company_name': empty cells where a value is required" in p and f"on lines {line(10)}, {line(11)}" in p
        for p in problems
    )
    assert any("column 'employees': empty cells" in p and f"on lines {line(12)}, {line(13)}" in p for p in problems)


def test_empty_cells_allowed_in_a_nullable_column(copy_dir):
    corrupt(copy_dir, "kano", lambda d: d.loc.__setitem__((0, "functional"), ""))
    kano = load("kano", copy_dir)
    assert pd.isna(kano.loc[0, "functional"]) and kano["functional"].dtype == "Int64"


def test_empty_file(copy_dir):
    path = copy_dir / "visits.csv"
    path.write_bytes(b"")
    msg = error_of("visits", copy_dir)
    assert str(path) in msg and "the file is empty" in msg
    assert "expected a header row with the columns visitor_id, edition, days" in msg


def test_header_only_file(copy_dir):
    path = copy_dir / "visits.csv"
    path.write_text("visitor_id,edition,days\n", encoding="utf-8")
    msg = error_of("visits", copy_dir)
    assert str(path) in msg and "has a header but no data rows" in msg


@pytest.mark.parametrize(
    "text, encoding, bad_byte",
    [("Société Générale", "latin-1", "0xe9"), ("展会集团", "gbk", None)],
    ids=["latin-1", "gbk"],
)
def test_file_that_is_not_utf8(copy_dir, text, encoding, bad_byte):
    raw = read_raw(copy_dir, "exhibitors")
    raw.loc[3, "company_name"] = text
    path = copy_dir / "exhibitors.csv"
    path.write_bytes(raw.to_csv(index=False).encode(encoding))
    msg = error_of("exhibitors", copy_dir)
    assert str(path) in msg and "not UTF-8" in msg and "Save the file as UTF-8" in msg
    assert f"on line {line(3)}" in msg
    if bad_byte:
        assert f"byte {bad_byte}" in msg


def test_row_rule_broken(copy_dir):
    raw = read_raw(copy_dir, "participation")
    row = int(np.flatnonzero(raw["special_requests"].astype(int) > 0)[0])
    raw.loc[row, "requests_met"] = str(int(raw.loc[row, "special_requests"]) + 1)
    path = write_raw(copy_dir, "participation", raw)
    msg = error_of("participation", copy_dir)
    assert str(path) in msg
    (problem,) = problem_lines(msg)
    assert "rule broken: requests_met is at most special_requests" in problem and f"on line {line(row)}" in problem


def test_lapsed_rule_broken(copy_dir):
    raw = read_raw(copy_dir, "participation")
    row = int(np.flatnonzero(raw["participated"] == "1")[0])
    raw.loc[row, "stage"] = "lapsed"
    write_raw(copy_dir, "participation", raw)
    (problem,) = problem_lines(error_of("participation", copy_dir))
    assert "stage is lapsed exactly when participated is 0" in problem and f"on line {line(row)}" in problem


def test_bad_dates(copy_dir):
    def edit(d):
        d.loc[0, "date"] = "2023-13-01"
        d.loc[1, "date"] = "15/03/2023"

    path = corrupt(copy_dir, "transactions", edit)
    msg = error_of("transactions", copy_dir)
    assert str(path) in msg
    (problem,) = problem_lines(msg)
    assert "column 'date'" in problem and "expected dates as YYYY-MM-DD" in problem
    assert f"on lines {line(0)} ('2023-13-01'), {line(1)} ('15/03/2023')" in problem


def test_end_date_before_start_date(copy_dir):
    corrupt(copy_dir, "editions", lambda d: d.loc.__setitem__((2, "end_date"), "2000-01-01"))
    (problem,) = problem_lines(error_of("editions", copy_dir))
    assert "rule broken: end_date is on or after start_date" in problem and f"on line {line(2)}" in problem


def test_all_problems_of_a_file_are_reported_at_once(copy_dir):
    def edit(d):
        d.loc[0, "sat1"] = "9"
        d.loc[1, "exhibitor_id"] = ""
        d.loc[2, "complaints"] = "several"

    path = corrupt(copy_dir, "survey", edit)
    msg = error_of("survey", copy_dir)
    assert str(path) in msg
    problems = problem_lines(msg)
    assert len(problems) == 3, msg
    assert any("column 'sat1'" in p and f"line {line(0)} ('9')" in p for p in problems)
    assert any("column 'exhibitor_id'" in p and "empty cells" in p and f"line {line(1)}" in p for p in problems)
    assert any("column 'complaints'" in p and f"line {line(2)} ('several')" in p for p in problems)


def test_many_bad_rows_are_counted_and_the_first_five_shown(copy_dir):
    corrupt(copy_dir, "visits", lambda d: d.loc.__setitem__((slice(0, 9), "days"), "5"))
    (problem,) = problem_lines(error_of("visits", copy_dir))
    assert "10 rows, on lines 2 ('5'), 3 ('5'), 4 ('5'), 5 ('5'), 6 ('5') and 5 more" in problem


def test_line_numbers_count_blank_lines(copy_dir):
    raw = read_raw(copy_dir, "visits")
    raw.loc[5, "days"] = "9"
    path = copy_dir / "visits.csv"
    lines = raw.to_csv(index=False).split("\n")
    lines.insert(2, "")  # a blank line 3
    path.write_text("\n".join(lines), encoding="utf-8")
    # data row 5 is now on line 8 of the file
    assert "on line 8 ('9')" in error_of("visits", copy_dir)


def test_extra_columns_are_kept(copy_dir):
    def edit(d):
        d["note"] = "ok"
        d.loc[0, "note"] = "first, with a comma"
        d["score"] = [str(i % 7) for i in range(len(d))]
        d["ratio"] = "0.5"

    corrupt(copy_dir, "exhibitors", edit)
    exh = load("exhibitors", copy_dir)
    assert list(exh.columns) == [*TABLES["exhibitors"].column_names, "note", "score", "ratio"]
    assert exh.loc[0, "note"] == "first, with a comma" and pd.api.types.is_string_dtype(exh["note"])
    assert exh["score"].dtype == np.dtype("int64") and exh["score"].iloc[8] == 1
    assert exh["ratio"].dtype == np.dtype("float64") and (exh["ratio"] == 0.5).all()


def test_column_order_does_not_matter(copy_dir):
    corrupt(copy_dir, "visits", lambda d: d[["days", "visitor_id", "edition"]])
    visits = load("visits", copy_dir)
    assert list(visits.columns) == ["visitor_id", "edition", "days"]
    pd.testing.assert_frame_equal(visits, load("visits"))


def test_utf8_file_with_bom_loads(copy_dir):
    path = copy_dir / "exhibitors.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    exh = load("exhibitors", copy_dir)
    assert exh.columns[0] == "exhibitor_id"
    pd.testing.assert_frame_equal(exh, load("exhibitors"))


def test_windows_line_ends_load(copy_dir):
    path = copy_dir / "sectors.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    pd.testing.assert_frame_equal(load("sectors", copy_dir), load("sectors"))


def test_missing_file_names_the_path_and_lists_the_csvs(copy_dir):
    (copy_dir / "survey.csv").unlink()
    with pytest.raises(FileNotFoundError) as info:
        load("survey", copy_dir)
    msg = str(info.value)
    assert str(copy_dir / "survey.csv") in msg
    assert "editions.csv, exhibitors.csv, kano.csv, participation.csv" in msg and "survey.csv," not in msg


def test_missing_file_in_an_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="CSV files in that folder: none"):
        load("survey", tmp_path)


def test_unknown_table_name_suggests_one():
    with pytest.raises(ValueError, match=r"unknown table 'exhibitor' \(did you mean 'exhibitors'\?\)"):
        load("exhibitor")
    with pytest.raises(ValueError, match="tables: sectors, editions, exhibitors"):
        load("zzz")


def test_data_dir_not_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not an existing folder"):
        load("survey", tmp_path / "nowhere")
    a_file = tmp_path / "survey.csv"
    a_file.write_text("x\n1\n", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match=re.escape(str(a_file)) + ".* is a file, not a folder of CSV files or a database"):
        load("survey", a_file)


def test_load_all_reports_a_reference_to_a_missing_exhibitor(copy_dir):
    raw = read_raw(copy_dir, "participation")
    raw.loc[4, "exhibitor_id"] = "E999999"
    write_raw(copy_dir, "participation", raw)
    load("participation", copy_dir)  # the table on its own is valid
    with pytest.raises(DataValidationError) as info:
        load_all(copy_dir)
    msg = str(info.value)
    assert str(copy_dir) in msg
    (problem,) = problem_lines(msg)
    assert "participation.exhibitor_id refers to exhibitors.exhibitor_id" in problem
    assert "E999999" in problem and f"on line {line(4)} of participation.csv" in problem


def test_load_all_reports_a_deleted_exhibitor_in_every_referring_table(copy_dir):
    exh = read_raw(copy_dir, "exhibitors")
    survey = read_raw(copy_dir, "survey")
    gone = survey.loc[0, "exhibitor_id"]
    write_raw(copy_dir, "exhibitors", exh[exh["exhibitor_id"] != gone])
    msg = str(pytest.raises(DataValidationError, load_all, copy_dir).value)
    for child in ("participation", "transactions", "survey"):
        assert any(p.strip().startswith(f"- {child}.exhibitor_id") and gone in p for p in problem_lines(msg)), child


def test_loading_writes_nothing_into_the_folder(copy_dir):
    before = snapshot(copy_dir)
    load_all(copy_dir)
    load_truth(copy_dir)
    verify(copy_dir)
    corrupt(copy_dir, "visits", lambda d: d.loc.__setitem__((0, "days"), "x"))
    before_bad = snapshot(copy_dir)
    with pytest.raises(DataValidationError):
        load_all(copy_dir)
    assert snapshot(copy_dir) == before_bad
    assert set(before) == set(before_bad)


def test_loading_the_sample_writes_nothing():
    before = snapshot(SAMPLE)
    load_all()
    load_truth()
    assert snapshot(SAMPLE) == before


def test_loaded_truth_matches_the_stage_labels():
    truth = load_truth()
    assert set(truth.transition.index) == set(STAGES) and list(truth.transition.columns) == list(STAGES)
    np.testing.assert_allclose(truth.transition.sum(axis=1), 1.0)


# --------------------------------------------------------------------------
# the fast CSV writer: byte for byte what pandas writes
# --------------------------------------------------------------------------


def _edge_frame() -> pd.DataFrame:
    """Every kind of cell the writer handles, with the values where formatting goes wrong."""
    rng = np.random.default_rng(5)
    floats = np.r_[
        [0.125, 0.375, -0.125, 2.675, 1.005, -0.0, 0.0, -0.001, -0.004, 0.005, 0.015, 1234.565, 2.5, 0.5, 1e17, 1e22],
        [-1e300, np.nan, np.inf, -np.inf, 5e-324, 123456789.995, 2.0**52, 2.0**53 + 2],
        np.arange(-500, 500) / 1000 + 0.0005,  # ties and near-ties at 2 and 3 decimals
        np.round(rng.normal(0, 1e4, 2000), 2),
        rng.normal(0, 1, 2000),
    ]
    n = floats.size
    words = np.array(
        ["plain", "Huaxin Machinery Co., Ltd.", 'say "hi"', "two\nlines", "car\rriage", "cr\r\nlf", " padded ", "", "中文 Ünï", "a;b", "#x"],
        dtype=object,
    )
    text = words[rng.integers(0, words.size, n)]
    text[rng.random(n) < 0.05] = None
    days = pd.to_datetime("2019-04-08") + pd.to_timedelta(rng.integers(-30000, 30000, n), unit="D")
    df = pd.DataFrame(
        {
            "amount": floats,
            "count": rng.integers(-(10**12), 10**12, n),
            "label": pd.Series(text, dtype="str"),
            "label_object": pd.Series(text, dtype=object),
            "flag": rng.random(n) < 0.5,
            "answer": pd.array(np.where(rng.random(n) < 0.1, None, rng.integers(1, 6, n)), dtype="Int64"),
            "date": pd.Series(days, dtype="datetime64[us]"),
            "stamp": pd.Series(days + pd.to_timedelta(rng.integers(0, 24, n), unit="h"), dtype="datetime64[us]"),
            "small": np.clip(floats, -1e30, 1e30).astype(np.float32),
        }
    )
    df.loc[df.index[::37], "date"] = pd.NaT
    return df


@pytest.mark.parametrize("decimals", [2, 4, 0])
def test_fast_csv_writer_is_byte_identical_to_pandas(tmp_path, monkeypatch, decimals):
    import crm_lab._csv
    from crm_lab._csv import pandas_csv, write_csv

    df = _edge_frame()
    pandas_csv(df, tmp_path / "pandas.csv", decimals=decimals, dates=["date", "stamp"])

    def no_pandas(*args, **kwargs):
        raise AssertionError("every column of this frame has a fast path")

    monkeypatch.setattr(crm_lab._csv, "pandas_csv", no_pandas)
    write_csv(df, tmp_path / "fast.csv", decimals=decimals, dates=["date", "stamp"])
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


@pytest.mark.parametrize(
    "make",
    [
        lambda df: df.iloc[:0],  # no rows: the header alone
        lambda df: df[["amount"]],  # one column (written by pandas itself)
        lambda df: df.assign(mixed=[1, "a"] * (len(df) // 2) + [None] * (len(df) % 2)),  # mixed objects (pandas)
        lambda df: df.assign(zoned=pd.Timestamp("2020-01-01", tz="Asia/Shanghai")),  # a time zone (pandas)
    ],
)
def test_fast_csv_writer_falls_back_to_pandas_identically(tmp_path, make):
    from crm_lab._csv import pandas_csv, write_csv

    df = make(_edge_frame())
    pandas_csv(df, tmp_path / "pandas.csv", decimals=2, dates=["date"])
    write_csv(df, tmp_path / "fast.csv", decimals=2, dates=["date"])
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_write_tables_writes_what_pandas_writes(tmp_path, small_market):
    """Every table and truth file of a market other than the sample, against pandas' own to_csv."""
    datasets.write_tables(small_market, tmp_path / "fast")
    reference = tmp_path / "pandas"
    reference.mkdir()
    for name, table in TABLES.items():
        datasets._csv_frame(small_market.tables[name], table).to_csv(
            reference / table.filename, index=False, lineterminator="\n", float_format="%.2f", encoding="utf-8"
        )
    small_market.truth.latent.to_csv(reference / "truth_latent.csv", index=False, lineterminator="\n", float_format="%.4f")
    small_market.truth.kano.to_csv(reference / "truth_kano.csv", index=False, lineterminator="\n", float_format="%.4f")
    for path in sorted(reference.iterdir()):
        assert (tmp_path / "fast" / path.name).read_bytes() == path.read_bytes(), path.name


# --------------------------------------------------------------------------
# Parquet tables
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parquet_dir(tmp_path_factory):
    """The shipped sample's market written as Parquet (tables) plus its truth and manifest."""
    from crm_lab.simulate import simulate_market

    folder = tmp_path_factory.mktemp("parquet") / "market"
    market = simulate_market(**datasets.SAMPLE_SIZES, rng=SAMPLE_SEED)
    datasets.write_tables(market, folder, format="parquet")
    return folder


@pytest.fixture
def parquet_copy(tmp_path, parquet_dir) -> Path:
    folder = tmp_path / "pq"
    shutil.copytree(parquet_dir, folder)
    return folder


def _edit_parquet(folder: Path, table: str, edit) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = folder / f"{table}.parquet"
    df = pq.read_table(path).to_pandas()
    out = edit(df)
    pq.write_table(pa.Table.from_pandas(df if out is None else out, preserve_index=False), path)
    return path


def test_parquet_folder_holds_every_table_truth_and_manifest(parquet_dir):
    names = sorted(p.name for p in parquet_dir.iterdir())
    assert names == sorted([f"{t}.parquet" for t in TABLES] + list(TRUTH_FILES) + [MANIFEST])


def test_parquet_tables_load_exactly_as_the_csv_sample(parquet_dir, sample_tables):
    loaded = load_all(parquet_dir)
    assert list(loaded) == list(sample_tables)
    for name, df in loaded.items():
        pd.testing.assert_frame_equal(df, sample_tables[name], obj=name)
    assert load_truth(parquet_dir).seed == SAMPLE_SEED


def test_parquet_folder_verifies_and_regenerates(parquet_dir):
    assert verify(parquet_dir, regenerate=True) == []


def test_parquet_regenerate_detects_edited_data(parquet_copy):
    _edit_parquet(parquet_copy, "visits", lambda df: df.assign(days=df.days.where(df.index != 0, 4)))
    datasets._write_manifest(parquet_copy, [p.name for p in parquet_copy.iterdir() if p.name != MANIFEST])
    problems = verify(parquet_copy, regenerate=True)
    assert problems == [f"{parquet_copy / 'visits.parquet'}: differs from a fresh simulation with seed {SAMPLE_SEED}"]


def test_parquet_bad_values_are_named_with_the_file_column_and_rows(parquet_copy):
    def edit(df):
        df.loc[[2, 7], "employees"] = -5
        df.loc[4, "region"] = "north"

    path = _edit_parquet(parquet_copy, "exhibitors", edit)
    with pytest.raises(DataValidationError) as info:
        load("exhibitors", parquet_copy)
    msg = str(info.value)
    assert msg.startswith(f"{path} does not match the schema of table 'exhibitors'")
    assert "column 'employees': values out of range" in msg and "rows 3 ('-5'), 8 ('-5')" in msg
    assert "column 'region': unknown codes" in msg and "row 5 ('north')" in msg


def test_parquet_missing_column_and_wrong_type(parquet_copy):
    _edit_parquet(parquet_copy, "exhibitors", lambda df: df.drop(columns="sector"))
    with pytest.raises(DataValidationError, match="missing column 'sector'"):
        load("exhibitors", parquet_copy)
    _edit_parquet(parquet_copy, "visits", lambda df: df.assign(days=df.days.astype(str) + " days"))
    with pytest.raises(DataValidationError, match=r"column 'days': expected whole numbers .* rows 1 \('2 days'\)|column 'days': expected whole numbers"):
        load("visits", parquet_copy)


def test_parquet_broken_reference_names_the_rows_of_the_parquet_file(parquet_copy):
    _edit_parquet(parquet_copy, "visits", lambda df: df.assign(visitor_id=df.visitor_id.where(df.index != 3, "V999999")))
    with pytest.raises(DataValidationError) as info:
        load_all(parquet_copy, tables=["visitors", "visits"])
    msg = str(info.value)
    assert "visits.visitor_id refers to visitors.visitor_id values that do not exist: V999999" in msg
    assert "row 4 of visits.parquet" in msg


def test_a_file_named_parquet_that_is_not_one(parquet_copy):
    (parquet_copy / "sectors.parquet").write_text("sector,market_structure\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"sectors\.parquet: not a Parquet file"):
        load("sectors", parquet_copy)
    (parquet_copy / "sectors.parquet").write_bytes(b"PAR1 truncated")
    with pytest.raises(DataValidationError, match=r"sectors\.parquet: pyarrow .* cannot read this Parquet file"):
        load("sectors", parquet_copy)


def test_an_empty_or_nested_parquet_table(parquet_copy):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = parquet_copy / "sectors.parquet"
    pq.write_table(pq.read_table(path).slice(0, 0), path)
    with pytest.raises(DataValidationError, match="the file has no rows"):
        load("sectors", parquet_copy)
    table = pa.table({"sector": ["textiles"], "market_structure": ["monopoly"], "competing_shows": pa.array([[0, 1]])})
    pq.write_table(table, path)
    with pytest.raises(DataValidationError, match=r"column 'competing_shows' holds values of type list<.*>; expected one number"):
        load("sectors", parquet_copy)


def test_a_table_both_as_csv_and_as_parquet_is_refused(parquet_copy):
    shutil.copy2(SAMPLE / "sectors.csv", parquet_copy / "sectors.csv")
    with pytest.raises(DataValidationError, match="table 'sectors' is there twice, as sectors.csv and as sectors.parquet"):
        load("sectors", parquet_copy)


def test_missing_parquet_table_lists_the_parquet_files(parquet_copy):
    (parquet_copy / "survey.parquet").unlink()
    with pytest.raises(FileNotFoundError) as info:
        load("survey", parquet_copy)
    msg = str(info.value)
    assert "survey.csv or survey.parquet" in msg and "Parquet files: editions.parquet, exhibitors.parquet" in msg


def test_a_parquet_file_as_data_dir_asks_for_its_folder(parquet_dir):
    with pytest.raises(FileNotFoundError, match="is a Parquet file; pass the folder that holds it"):
        load("survey", parquet_dir / "survey.parquet")


def test_write_tables_refuses_mixing_formats_and_unknown_ones(tmp_path, small_market):
    datasets.write_tables(small_market, tmp_path / "csv")
    with pytest.raises(FileExistsError, match="already holds table 'sectors' in the other format"):
        datasets.write_tables(small_market, tmp_path / "csv", format="parquet")
    with pytest.raises(ValueError, match="format must be 'csv' or 'parquet'"):
        datasets.write_tables(small_market, tmp_path / "x", format="feather")


def test_parquet_writing_is_reproducible(tmp_path, small_market):
    a = datasets.write_tables(small_market, tmp_path / "a", format="parquet")
    b = datasets.write_tables(small_market, tmp_path / "b", format="parquet")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_parquet_dates_may_be_timestamps_at_midnight(parquet_copy, sample_tables):
    def as_timestamps(df):
        for col in ("start_date", "end_date"):
            df[col] = pd.to_datetime(df[col]).astype("datetime64[us]")

    _edit_parquet(parquet_copy, "editions", as_timestamps)
    pd.testing.assert_frame_equal(load("editions", parquet_copy), sample_tables["editions"])

    def afternoon(df):
        df.loc[1, "start_date"] = df.loc[1, "start_date"] + pd.Timedelta(hours=14)

    _edit_parquet(parquet_copy, "editions", afternoon)
    with pytest.raises(DataValidationError, match=r"column 'start_date': expected dates as YYYY-MM-DD, got 1 row: row 2 \('20\d\d-\d\d-\d\d 14:00:00"):
        load("editions", parquet_copy)
