"""Bad input to the loader and to ``verify`` (issue 18): each gets a clear error, never a wrong table.

Every message must name the file (or the database file and table), the
column, the lines (1-based, as a text editor shows them, header = line 1) or
database rows, and what was expected.  Tables are tiny CSV files written by
hand in tmp_path, or a small simulated market written once per module and
copied per test.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

from crm_lab import datasets
from crm_lab.datasets import MANIFEST, DataValidationError, MissingTableError, load, load_all, verify
from crm_lab.simulate import simulate_market

SECTORS = "sector,market_structure,competing_shows\n"
EXHIBITORS = "exhibitor_id,company_name,sector,region,size_class,employees,first_edition\n"
KANO = "respondent_id,edition,segment,attribute,functional,dysfunctional\n"
PANEL = ("exhibitor_id,edition,participated,stage,booth_sqm,booth_spend,services_spend,leads,contacts,"
         "special_requests,requests_met\n")
TRANSACTIONS = "transaction_id,exhibitor_id,edition,date,service,amount\n"


def write(folder: Path, table: str, text: str | bytes) -> Path:
    path = folder / f"{table}.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def error_of(table: str, folder, exc=DataValidationError) -> str:
    with pytest.raises(exc) as info:
        load(table, folder)
    return str(info.value)


@pytest.fixture(scope="module")
def market_dir(tmp_path_factory) -> Path:
    """A small simulated dataset folder (tables, truth, manifest), written once."""
    folder = tmp_path_factory.mktemp("market")
    datasets.write_tables(simulate_market(n_exhibitors=60, n_visitors=60, n_editions=3, kano_respondents=10, rng=5), folder)
    return folder


@pytest.fixture
def data(market_dir, tmp_path) -> Path:
    """A copy of the small dataset, free to damage."""
    return Path(shutil.copytree(market_dir, tmp_path / "data"))


# --------------------------------------------------------------------------
# 1. empty ids
# --------------------------------------------------------------------------


def test_empty_and_blank_exhibitor_ids(tmp_path):
    path = write(tmp_path, "exhibitors", EXHIBITORS + ",A,machinery,east_china,small,3,1\n"
                 "E2,B,machinery,east_china,small,3,1\n , C,machinery,east_china,small,3,1\n")
    msg = error_of("exhibitors", tmp_path)
    assert str(path) in msg and "column 'exhibitor_id'" in msg
    assert "ids must be non-empty" in msg and "on lines 2, 4" in msg


def test_empty_kano_respondent_ids(tmp_path):
    write(tmp_path, "kano", KANO + ",1,visitor,wifi,1,2\n,1,visitor,app,1,2\nR3,1,visitor,wifi,1,2\n")
    msg = error_of("kano", tmp_path)
    assert "kano.csv" in msg and "column 'respondent_id'" in msg
    assert "ids must be non-empty" in msg and "2 rows, on lines 2, 3" in msg


def test_null_ids_in_a_database_name_the_table_and_rows(tmp_path):
    db = tmp_path / "crm.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE sectors (sector TEXT, market_structure TEXT, competing_shows INTEGER)")
        con.executemany("INSERT INTO sectors VALUES (?, ?, ?)", [("m", "monopoly", 1), (None, "monopoly", 2), (None, "competitive", 3)])
    con.close()
    msg = error_of("sectors", db)
    assert str(db) in msg and "table 'sectors'" in msg and "column 'sector'" in msg
    assert "ids must be non-empty" in msg and "rows 2, 3" in msg


# --------------------------------------------------------------------------
# 2. whole numbers, exactly
# --------------------------------------------------------------------------


def test_a_20_digit_integer_is_named_with_the_range(tmp_path):
    path = write(tmp_path, "sectors", SECTORS + "m,monopoly,1\nn,monopoly,123456789012345678901\no,monopoly,-9223372036854775809\n")
    msg = error_of("sectors", tmp_path)
    assert str(path) in msg and "column 'competing_shows'" in msg
    assert "too large" in msg and "9223372036854775807" in msg and ">= 0" in msg
    assert "on lines 3 ('123456789012345678901'), 4 ('-9223372036854775809')" in msg


def test_integers_are_read_exactly(tmp_path):
    write(tmp_path, "sectors", SECTORS + f"m,monopoly,{2**53 + 1}\nn,monopoly,{2**63 - 1}\no,monopoly,7.000\np,monopoly,+3\n")
    shows = load("sectors", tmp_path)["competing_shows"]
    assert shows.dtype == "int64" and shows.tolist() == [2**53 + 1, 2**63 - 1, 7, 3]


def test_values_that_are_not_whole_numbers(tmp_path):
    write(tmp_path, "sectors", SECTORS + "m,monopoly,1.5\nn,monopoly,abc\no,monopoly,1.00000000000000001\np,monopoly,2\n")
    msg = error_of("sectors", tmp_path)
    assert "column 'competing_shows': expected whole numbers (>= 0)" in msg
    assert "on lines 2 ('1.5'), 3 ('abc'), 4 ('1.00000000000000001')" in msg


def test_nullable_integers_are_exact_and_range_checked(tmp_path):
    write(tmp_path, "kano", KANO + "R1,1,visitor,wifi,,5\nR2,1,visitor,wifi,1,99999999999999999999\nR3,1,visitor,wifi,1,6\n")
    msg = error_of("kano", tmp_path)
    assert "column 'dysfunctional'" in msg and "too large" in msg and "line 3 ('99999999999999999999')" in msg
    assert "values out of range, expected 1 to 5" in msg and "line 4 ('6')" in msg


def test_big_integers_in_a_database_are_exact(tmp_path):
    db = tmp_path / "crm.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE sectors (sector TEXT, market_structure TEXT, competing_shows INTEGER)")
        con.execute("INSERT INTO sectors VALUES ('m', 'monopoly', ?)", (2**53 + 1,))
    con.close()
    assert load("sectors", db)["competing_shows"].tolist() == [2**53 + 1]


def test_extra_columns_keep_every_digit(tmp_path):
    write(tmp_path, "sectors", "sector,market_structure,competing_shows,big,huge,ratio\n"
          f"m,monopoly,1,{2**53 + 1},123456789012345678901,0.5\nn,monopoly,2,1,2,1\n")
    frame = load("sectors", tmp_path)
    assert frame["big"].dtype == "int64" and frame["big"].tolist() == [2**53 + 1, 1]
    assert frame["huge"].tolist() == ["123456789012345678901", "2"]  # kept as text, not rounded
    assert frame["ratio"].tolist() == [0.5, 1.0]


# --------------------------------------------------------------------------
# 3. verify and its manifest
# --------------------------------------------------------------------------


def test_verify_a_sound_folder(data):
    assert verify(data) == []


def test_verify_an_empty_manifest(data):
    (data / MANIFEST).write_text("", encoding="utf-8")
    problems = verify(data)
    assert any(MANIFEST in p and "lists no files" in p for p in problems)
    assert any("sectors.csv" in p and "not listed" in p for p in problems)


def test_verify_a_changed_file_missing_from_the_manifest(data):
    lines = (data / MANIFEST).read_text(encoding="utf-8").splitlines()
    (data / MANIFEST).write_text("\n".join(ln for ln in lines if "sectors.csv" not in ln) + "\n", encoding="utf-8")
    with open(data / "sectors.csv", "a", encoding="utf-8") as handle:
        handle.write("\n")
    assert verify(data) == [f"{data}: sectors.csv is not listed in {MANIFEST}"]


def test_verify_never_reads_outside_the_folder(data, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("x", encoding="utf-8")
    digest = datasets._sha256(secret)
    with open(data / MANIFEST, "a", encoding="utf-8") as handle:
        handle.write(f"{digest}  ../secret.txt\n{digest}  {secret}\n")
    n = len((data / MANIFEST).read_text(encoding="utf-8").splitlines())
    problems = verify(data)
    assert [p for p in problems if "not a file of this folder" in p] == [
        f"{MANIFEST} line {n - 1}: '../secret.txt' is not a file of this folder (entries are plain file names, without folders or '..')",
        f"{MANIFEST} line {n}: {str(secret)!r} is not a file of this folder (entries are plain file names, without folders or '..')",
    ]


def test_verify_a_malformed_manifest_line(data):
    text = (data / MANIFEST).read_text(encoding="utf-8")
    (data / MANIFEST).write_text("oops\n" + text + "abc  sectors.csv\n", encoding="utf-8")
    problems = verify(data)
    assert problems[0].startswith(f"{MANIFEST} line 1: expected '<64 hexadecimal digits of SHA-256>  <file name>', got 'oops'")
    assert any(p.startswith(f"{MANIFEST} line {len(text.splitlines()) + 2}: expected") for p in problems)


def test_verify_a_file_listed_twice_and_a_listed_directory(data):
    first = (data / MANIFEST).read_text(encoding="utf-8").splitlines()[0]
    (data / "notes.csv").mkdir()
    with open(data / MANIFEST, "a", encoding="utf-8") as handle:
        handle.write(first + "\n" + "0" * 64 + "  notes.csv\n")
    problems = verify(data)
    assert any("is listed twice (first on line 1)" in p for p in problems)
    assert any("notes.csv: listed in" in p and "is a directory" in p for p in problems)


# --------------------------------------------------------------------------
# 4. another delimiter
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "said"), [(";", "';'"), ("\t", "a tab"), ("|", "'|'")])
def test_a_file_with_another_delimiter(tmp_path, delimiter, said):
    path = write(tmp_path, "sectors", SECTORS.replace(",", delimiter) + delimiter.join(["m", "monopoly", "1"]) + "\n")
    msg = error_of("sectors", tmp_path)
    assert msg.startswith(f"{path} uses {said} as delimiter; crm-lab reads comma-separated files (save as CSV UTF-8 with commas")
    assert "missing column" not in msg


# --------------------------------------------------------------------------
# 5. text that looks like a missing value; blank lines
# --------------------------------------------------------------------------


def test_na_words_in_a_text_column_are_text(tmp_path):
    write(tmp_path, "exhibitors", EXHIBITORS + "".join(
        f"{i},{name},machinery,east_china,small,3,1\n" for i, name in (("E1", "None"), ("E2", "NA"), ("NaN", "null"))))
    frame = load("exhibitors", tmp_path)
    assert frame["company_name"].tolist() == ["None", "NA", "null"] and frame["exhibitor_id"].tolist() == ["E1", "E2", "NaN"]
    assert frame["company_name"].notna().all()


def test_whitespace_only_lines_are_skipped_and_counted(tmp_path):
    write(tmp_path, "sectors", SECTORS + "m,monopoly,1\n   \n\t\n,,\nn,monopoly,-1\n \t \n")
    msg = error_of("sectors", tmp_path)
    assert "(2 data rows" in msg and "empty cells" not in msg
    assert "on line 6 ('-1')" in msg
    write(tmp_path, "sectors", SECTORS + "m,monopoly,1\n  \n")
    assert load("sectors", tmp_path)["sector"].tolist() == ["m"]


def test_na_words_in_a_duckdb_text_column_are_text(tmp_path):
    db = tmp_path / "crm.duckdb"
    datasets.write_database({"sectors": pd.DataFrame(
        {"sector": ["NA", "null"], "market_structure": ["monopoly", "competitive"], "competing_shows": [0, 1]})}, db)
    assert load("sectors", db)["sector"].tolist() == ["NA", "null"]


# --------------------------------------------------------------------------
# 6. special files, unreadable files, a data_dir of the wrong type
# --------------------------------------------------------------------------


def special(kind: str, path: Path) -> None:
    if kind == "directory":
        path.mkdir()
    elif kind == "broken link":
        path.symlink_to(path.parent / "gone.csv")
    elif kind == "loop":
        path.symlink_to(path)
    elif kind == "device":
        path.symlink_to("/dev/null")
    elif kind == "fifo":
        os.mkfifo(path)


@pytest.mark.parametrize(("kind", "said"), [
    ("directory", "is a directory"),
    ("broken link", "is a broken link (to"),
    ("loop", "is a broken link (a loop of symbolic links"),
    ("device", "is not a regular file: it is a character device (a link to '/dev/null')"),
    ("fifo", "is not a regular file: it is a named pipe (FIFO)"),
])
def test_a_table_name_that_is_not_a_regular_file(tmp_path, kind, said):
    write(tmp_path, "editions", "edition\n1\n")
    special(kind, tmp_path / "sectors.csv")
    msg = error_of("sectors", tmp_path, MissingTableError)
    assert msg.startswith(f"{tmp_path / 'sectors.csv'} {said}") and "no such file" not in msg


def test_an_unreadable_file_and_folder(tmp_path, monkeypatch):
    path = write(tmp_path, "sectors", SECTORS + "m,monopoly,1\n")
    real = os.access
    monkeypatch.setattr(datasets.os, "access", lambda p, mode: False if Path(p) == path else real(p, mode))
    assert "sectors.csv: the file cannot be read (permission denied)" in error_of("sectors", tmp_path)
    monkeypatch.setattr(datasets.os, "access", lambda p, mode: False if Path(p) == tmp_path else real(p, mode))
    assert "the folder cannot be read (permission denied)" in error_of("sectors", tmp_path)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads a chmod 000 file anyway")
def test_a_chmod_000_file(tmp_path):
    path = write(tmp_path, "sectors", SECTORS + "m,monopoly,1\n")
    path.chmod(0)
    try:
        assert "permission denied" in error_of("sectors", tmp_path)
    finally:
        path.chmod(0o644)


def test_none_is_the_sample_and_other_types_are_refused():
    pd.testing.assert_frame_equal(load("sectors", None), load("sectors", datasets.sample_dir()))
    for bad in (3, ["datasets"], 2.5):
        with pytest.raises(TypeError, match=f"data_dir must be a folder of CSV files or a database file, .*got {type(bad).__name__}"):
            load("sectors", bad)


# --------------------------------------------------------------------------
# 7. ragged rows, quotes, and line numbers
# --------------------------------------------------------------------------


def test_ragged_rows_are_named_with_their_lines(tmp_path):
    path = write(tmp_path, "sectors", SECTORS + '"a\nb",monopoly,1\nm,monopoly,1,4\n\nn,monopoly\n')
    msg = error_of("sectors", tmp_path)
    assert str(path) in msg and "as many comma-separated fields as the header on line 1 (3: sector" in msg
    assert "line 4 has 4, line 6 has 2" in msg and "C error" not in msg


def test_an_unclosed_quote_names_where_it_starts(tmp_path):
    write(tmp_path, "sectors", SECTORS + 'm,monopoly,1\n\n"n,monopoly,1\no,monopoly,1\n')
    msg = error_of("sectors", tmp_path)
    assert "the quoted value that starts on line 4, column 'sector' is never closed" in msg and "EOF" not in msg


def test_a_stray_quote_inside_a_value(tmp_path):
    write(tmp_path, "sectors", SECTORS + 'm,monopoly,1\nn,mono"poly,1\n')
    msg = error_of("sectors", tmp_path)
    assert 'a double quote (") in the middle of a value, on line 3, column \'market_structure\'' in msg


def test_line_numbers_after_quoted_line_breaks_and_blank_lines(tmp_path):
    write(tmp_path, "sectors", SECTORS + '"a\r\nb",monopoly,1\r\n\r\n"c ""q""",monopoly,-1\r\n')
    assert "on line 5 ('-1')" in error_of("sectors", tmp_path)
    write(tmp_path, "sectors", SECTORS.replace("\n", "\r") + "m,monopoly,1\r\rn,monopoly,-2\r")  # old Mac line ends
    assert "on line 4 ('-2')" in error_of("sectors", tmp_path)


def test_load_all_cross_table_lines_after_quoted_line_breaks(data):
    raw = pd.read_csv(data / "exhibitors.csv", dtype=str, keep_default_na=False)
    raw.loc[0, "company_name"] = "two\nlines"
    raw.loc[3, "sector"] = "toys"
    text = raw.to_csv(index=False, lineterminator="\n").split("\n")
    text.insert(3, "")  # a blank line too: row 3 is now on line 2 + 3 + 1 (quoted break) + 1 (blank) = line 7
    (data / "exhibitors.csv").write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_all(data, tables=["sectors", "exhibitors"])
    assert "exhibitors.sector refers to sectors.sector values that do not exist: toys; 1 row, on line 7 of exhibitors.csv" in str(info.value)


# --------------------------------------------------------------------------
# 8. NUL characters
# --------------------------------------------------------------------------


def test_a_nul_byte_inside_a_value(tmp_path):
    path = write(tmp_path, "sectors", (SECTORS + "m,monopoly,1\nn,mono\x00poly,1\n").encode())
    msg = error_of("sectors", tmp_path)
    assert str(path) in msg and "NUL character (byte 0x00)" in msg and "column 'market_structure' on line 3" in msg


def test_a_nul_in_a_database_text(tmp_path):
    db = tmp_path / "crm.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE sectors (sector TEXT, market_structure TEXT, competing_shows INTEGER)")
        con.executemany("INSERT INTO sectors VALUES (?, ?, ?)", [("m", "monopoly", 1), ("n\x00x", "monopoly", 1)])
    con.close()
    msg = error_of("sectors", db)
    assert "table 'sectors'" in msg and "column 'sector': a NUL character" in msg and "row 2" in msg


# --------------------------------------------------------------------------
# 9. the data dictionary's statements across tables
# --------------------------------------------------------------------------


def test_first_edition_must_be_the_first_in_the_panel(data):
    raw = pd.read_csv(data / "exhibitors.csv", dtype=str, keep_default_na=False)
    panel = pd.read_csv(data / "participation.csv", dtype=str, keep_default_na=False)
    who = raw.loc[2, "exhibitor_id"]
    first = panel.loc[panel["exhibitor_id"] == who, "edition"].astype(int).min()
    raw.loc[2, "first_edition"] = str(first + 1)
    raw.to_csv(data / "exhibitors.csv", index=False)
    with pytest.raises(DataValidationError) as info:
        load_all(data, tables=["exhibitors", "participation"])
    msg = str(info.value)
    assert "exhibitors.first_edition must be its first edition in participation" in msg
    assert f"1 row, on line 4 ({who}: first_edition {first + 1}, participation from {first}) of exhibitors.csv" in msg


def test_visitor_first_edition_must_be_the_first_visit(data):
    raw = pd.read_csv(data / "visitors.csv", dtype=str, keep_default_na=False)
    raw.loc[0, "first_edition"] = "3" if raw.loc[0, "first_edition"] != "3" else "2"
    raw.to_csv(data / "visitors.csv", index=False)
    with pytest.raises(DataValidationError, match=r"visitors.first_edition must be its first edition in visits.*on line 2 \("):
        load_all(data, tables=["visitors", "visits"])


def test_services_spend_must_be_the_sum_of_the_transactions(data):
    panel = pd.read_csv(data / "participation.csv", dtype=str, keep_default_na=False)
    row = int((panel["participated"] == "1").to_numpy().argmax())
    spent = float(panel.loc[row, "services_spend"])
    panel.loc[row, "services_spend"] = f"{spent + 0.01:.2f}"
    panel.to_csv(data / "participation.csv", index=False)
    with pytest.raises(DataValidationError) as info:
        load_all(data, tables=["exhibitors", "editions", "participation", "transactions"])
    msg = str(info.value)
    assert "participation.services_spend must be the sum, to the cent, of the transactions" in msg
    assert (f"1 row, on line {row + 2} ({panel.loc[row, 'exhibitor_id']}/{panel.loc[row, 'edition']}: "
            f"services_spend {spent + 0.01:.2f}, transactions {spent:.2f}) of participation.csv") in msg


def test_statements_in_a_database_name_the_table_and_rows(data, tmp_path):
    tables = load_all(data, tables=["exhibitors", "participation"])
    tables["exhibitors"].loc[1, "first_edition"] += 1
    db = datasets.write_database(tables, tmp_path / "crm.sqlite")
    with pytest.raises(DataValidationError) as info:
        load_all(db, tables=["exhibitors", "participation"])
    assert str(db) in str(info.value) and "1 row: row 2 (" in str(info.value) and "of table 'exhibitors'" in str(info.value)


# --------------------------------------------------------------------------
# 10. very many extra columns
# --------------------------------------------------------------------------


def test_twenty_thousand_extra_columns_load_fast_and_quietly(tmp_path):
    n = 20_000
    header = SECTORS.strip() + "," + ",".join(f"x{i}" for i in range(n))
    rows = ["m,monopoly,1," + ",".join(map(str, range(n))), "n,monopoly,2," + ",".join(["a"] + ["0.5"] * (n - 1))]
    write(tmp_path, "sectors", "\n".join([header, *rows]) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        start = time.perf_counter()
        frame = load("sectors", tmp_path)
        took = time.perf_counter() - start
    assert took < 12, took  # it took about 60 s (quadratic) before issue 18; about 1.5 s now
    assert frame.shape == (2, n + 3) and list(frame.columns[3:6]) == ["x0", "x1", "x2"]
    assert frame["x0"].tolist() == ["0", "a"] and frame["x1"].dtype == "float64" and frame["x1"].tolist() == [1.0, 0.5]


def test_kano_to_long_refuses_empty_respondent_ids():
    from crm_lab import kano

    wide = pd.DataFrame({"id": [None, " ", "r3"], "wifi_functional": [1, 2, 3], "wifi_dysfunctional": [5, 5, 5]},
                        index=[10, 11, 12])
    with pytest.raises(kano.KanoInputError, match=r"column respondent='id' has empty respondent ids at rows 10, 11; ids must be non-empty"):
        kano.to_long(wide, respondent="id")


def test_a_quoted_header_after_a_byte_order_mark(tmp_path):
    write(tmp_path, "sectors", b'\xef\xbb\xbf"sector","market_structure","competing_shows"\n"m","monopoly","1"\n\nn,monopoly,-1\n')
    assert "on line 4 ('-1')" in error_of("sectors", tmp_path)
