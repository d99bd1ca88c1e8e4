"""The customer database: crm_lab.datasets.connect, and a user's DuckDB or SQLite file as data_dir.

A small simulated market (``small_market``) is written once as a CSV folder
(the tables only, as a user's folder has no planted truth) and as database
files; every database file must load exactly as the CSV folder does, be only
read, and break with the same clear errors (file, table, column, rows).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from crm_lab import datasets, params, runner
from crm_lab.datasets import DataValidationError, MissingTableError, connect, load, load_all, load_truth, write_database
from crm_lab.schema import TABLES

# --------------------------------------------------------------------------
# files written once per module
# --------------------------------------------------------------------------


def _state(path: Path) -> tuple[int, str]:
    """Modification time and SHA-256 of a file (to show it was only read)."""
    return path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()


def _csv_frames(market) -> dict[str, pd.DataFrame]:
    """The tables as write_tables writes them (dates as YYYY-MM-DD text)."""
    return {name: datasets._csv_frame(market.tables[name], table) for name, table in TABLES.items()}


@pytest.fixture(scope="module")
def files(tmp_path_factory, small_market):
    """{kind: path}: the same market as a CSV folder and as database files of every kind we read."""
    root = tmp_path_factory.mktemp("user data")
    csv = root / "csv folder"
    for path in datasets.write_tables(small_market, csv):
        if path.suffix != ".csv" or path.name.startswith("truth"):
            path.unlink()  # a user's folder: tables only, no truth, no manifest
    out = {
        "csv": csv,
        "duckdb": write_database(small_market, root / "market.duckdb"),  # dates as DATE
        "sqlite": write_database(small_market, root / "market.sqlite"),  # dates as text (CSV conversion)
        "sqlite .db": write_database(small_market, root / "sqlite.db"),
    }
    # a DuckDB file written from the CSV frames (dates as text), under a .db suffix
    text = root / "duckdb_text.db"
    with duckdb.connect(str(text)) as con:
        for name, df in _csv_frames(small_market).items():
            con.register("frame", df)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM frame')
            con.unregister("frame")
    out["duckdb text dates"] = text
    # what a pandas user writes: datetime64 columns -> SQLite text '2019-04-09 00:00:00'
    stamps = root / "pandas.sqlite"
    con = sqlite3.connect(stamps)
    for name, table in TABLES.items():
        small_market.tables[name][list(table.column_names)].to_sql(name, con, index=False)
    con.commit()
    con.close()
    out["sqlite pandas timestamps"] = stamps
    return out


DATABASES = ["duckdb", "sqlite", "sqlite .db", "duckdb text dates", "sqlite pandas timestamps"]


@pytest.fixture(scope="module")
def csv_tables(files):
    return load_all(files["csv"])


def _sqlite_copy(tmp_path: Path, market, edit=None, name="edited.sqlite") -> Path:
    """A user's SQLite file of the CSV frames, after ``edit(frames)`` changed them (pandas' to_sql)."""
    frames = {k: v.copy() for k, v in _csv_frames(market).items()}
    if edit is not None:
        edit(frames)
    path = tmp_path / name
    con = sqlite3.connect(path)
    try:
        for table, df in frames.items():
            df.to_sql(table, con, index=False)
        con.commit()
    finally:
        con.close()
    return path


# --------------------------------------------------------------------------
# connect on the sample
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_con():
    con = connect()
    yield con
    con.close()


def test_connect_holds_every_table_of_the_sample(sample_con, sample_tables):
    names = {row[0] for row in sample_con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert names == set(TABLES)
    for name, df in sample_tables.items():
        assert sample_con.execute(f"SELECT COUNT(*) FROM {name}").fetchall()[0][0] == len(df), name
        columns = sample_con.sql(f"SELECT * FROM {name} LIMIT 0").columns
        assert columns == df.columns.tolist(), name


def test_connect_types_dates_and_nulls(sample_con, sample_tables):
    types = dict(sample_con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                    "WHERE table_name = 'editions'").fetchall())
    assert types == {"edition": "BIGINT", "year": "BIGINT", "start_date": "DATE", "end_date": "DATE",
                     "price_per_sqm": "DOUBLE"}
    back = sample_con.execute("SELECT * FROM editions ORDER BY edition").df()
    pd.testing.assert_frame_equal(back, sample_tables["editions"], check_dtype=False)
    # a nullable column: NULL where the DataFrame has <NA>
    nullable = [(t, c.name) for t, table in TABLES.items() for c in table.columns if c.nullable]
    table, column = nullable[0]
    nulls = sample_con.execute(f"SELECT COUNT(*) - COUNT({column}) FROM {table}").fetchall()[0][0]
    assert nulls == sample_tables[table][column].isna().sum()


def test_a_sql_join_and_aggregate_equals_pandas(sample_con, sample_tables):
    sql = sample_con.execute("""
        SELECT e.region, p.edition,
               COUNT(*) AS exhibitors, SUM(p.booth_spend) AS booth_spend, AVG(p.leads) AS mean_leads
        FROM participation AS p JOIN exhibitors AS e USING (exhibitor_id)
        WHERE p.participated = 1
        GROUP BY e.region, p.edition
        ORDER BY e.region, p.edition
    """).df()
    part, exh = sample_tables["participation"], sample_tables["exhibitors"]
    merged = part[part["participated"] == 1].merge(exh[["exhibitor_id", "region"]], on="exhibitor_id")
    expected = (
        merged.groupby(["region", "edition"])
        .agg(exhibitors=("exhibitor_id", "size"), booth_spend=("booth_spend", "sum"), mean_leads=("leads", "mean"))
        .reset_index()
        .sort_values(["region", "edition"], ignore_index=True)
    )
    pd.testing.assert_frame_equal(sql, expected, check_dtype=False)


def test_connect_a_subset_and_an_unknown_table():
    with connect(tables=["sectors", "exhibitors"]) as con:
        assert sorted(r[0] for r in con.execute("SHOW TABLES").fetchall()) == ["exhibitors", "sectors"]
    with pytest.raises(ValueError, match="unknown table 'exhibitor' \\(did you mean 'exhibitors'\\?\\)"):
        connect(tables=["exhibitor"])


def test_connect_is_a_copy_in_memory(tmp_path, files):
    before = {p.name: _state(p) for p in files["csv"].iterdir()}
    with connect(files["csv"]) as con:
        assert con.execute("SELECT current_database()").fetchall()[0][0] == "memory"
        con.execute("DELETE FROM exhibitors")  # changes the copy only
    assert {p.name: _state(p) for p in files["csv"].iterdir()} == before
    assert len(load("exhibitors", files["csv"])) == 400


# --------------------------------------------------------------------------
# a user's database file loads exactly as the CSV folder
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", DATABASES)
def test_a_database_file_loads_as_the_csv_folder(files, csv_tables, kind):
    path = files[kind]
    before = _state(path)
    listing = sorted(p.name for p in path.parent.iterdir())
    tables = load_all(path)
    assert set(tables) == set(TABLES)
    for name, df in tables.items():
        pd.testing.assert_frame_equal(df, csv_tables[name], check_exact=True, obj=f"{kind}: {name}")
    assert load_truth(path) is None
    with connect(path) as con:
        for name, df in csv_tables.items():
            assert con.execute(f"SELECT COUNT(*) FROM {name}").fetchall()[0][0] == len(df)
    # only read: same bytes, same mtime, no journal or WAL file left beside it
    assert _state(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == listing


def test_connect_on_a_database_file_equals_connect_on_the_folder(files):
    sql = "SELECT sector, COUNT(*), SUM(employees) FROM exhibitors GROUP BY sector ORDER BY sector"
    with connect(files["csv"]) as a, connect(files["duckdb"]) as b, connect(files["sqlite"]) as c:
        assert a.execute(sql).fetchall() == b.execute(sql).fetchall() == c.execute(sql).fetchall()


def test_table_names_match_case_insensitively_and_views_count(tmp_path, small_market, csv_tables):
    path = tmp_path / "views.duckdb"
    with duckdb.connect(str(path)) as con:
        con.register("frame", _csv_frames(small_market)["sectors"])
        con.execute('CREATE TABLE "Sectors_raw" AS SELECT * FROM frame')
        con.execute('CREATE VIEW "SECTORS" AS SELECT * FROM "Sectors_raw"')
    pd.testing.assert_frame_equal(load("sectors", path), csv_tables["sectors"])


def test_extra_columns_and_native_types_are_kept_like_csv(tmp_path, small_market, csv_tables):
    def edit(frames):
        frames["exhibitors"]["note"] = "kept"
        frames["exhibitors"]["score"] = 1.5

    path = _sqlite_copy(tmp_path, small_market, edit)
    exhibitors = load("exhibitors", path)
    assert exhibitors["note"].eq("kept").all() and exhibitors["score"].eq(1.5).all()
    pd.testing.assert_frame_equal(exhibitors.drop(columns=["note", "score"]), csv_tables["exhibitors"])


# --------------------------------------------------------------------------
# bad inputs: the same clear errors as for CSV files
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["duckdb", "sqlite"])
def test_a_missing_table_names_the_file_the_table_and_the_tables_it_has(tmp_path, small_market, kind):
    path = write_database({"sectors": small_market.tables["sectors"], "exhibitors": small_market.tables["exhibitors"]},
                          tmp_path / f"two.{kind}")
    with pytest.raises(MissingTableError) as info:
        load("survey", path)
    message = str(info.value)
    assert str(path) in message and "no table 'survey'" in message
    assert message.endswith("the tables it has: exhibitors, sectors")
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, DataValidationError)
    typo = tmp_path / f"typo.{kind}"
    with duckdb.connect(str(typo)) if kind == "duckdb" else sqlite3.connect(typo) as con:
        con.execute("CREATE TABLE exhibitor (exhibitor_id VARCHAR)")
    with pytest.raises(MissingTableError, match="no table 'exhibitors' .*did you mean 'exhibitor'"):
        load_all(typo, tables=["exhibitors"])


def test_a_missing_column_is_named_with_the_table(tmp_path, small_market):
    path = _sqlite_copy(tmp_path, small_market, lambda f: f.update(survey=f["survey"].drop(columns=["nps"])))
    with pytest.raises(DataValidationError) as info:
        load("survey", path)
    message = str(info.value)
    assert message.startswith(f"{path}: table 'survey' does not match the schema of table 'survey'")
    assert "missing column 'nps'" in message
    assert "the table's columns are: exhibitor_id, edition" in message


def test_bad_values_name_the_column_and_the_rows(tmp_path, small_market):
    def edit(frames):
        survey = frames["survey"]
        survey["sat1"] = survey["sat1"].astype(object)
        survey.loc[[2, 6], "sat1"] = 9  # rows 3 and 7 of the table
        survey.loc[4, "sat1"] = "high"  # row 5
        editions = frames["editions"]
        editions.loc[1, "start_date"] = "2020-13-01"  # row 2
        editions.loc[2, "start_date"] = "2021-04-10 09:30:00"  # row 3: a time of day is not a date

    path = _sqlite_copy(tmp_path, small_market, edit)
    with pytest.raises(DataValidationError) as info:
        load("survey", path)
    message = str(info.value)
    assert "column 'sat1': expected whole numbers" in message and "1 row: row 5 ('high')" in message
    assert "column 'sat1': values out of range, expected 1 to 7" in message or "values out of range" in message
    assert "2 rows: rows 3 ('9'), 7 ('9')" in message
    with pytest.raises(DataValidationError) as info:
        load("editions", path)
    assert "column 'start_date': expected dates as YYYY-MM-DD, got 2 rows: rows 2 ('2020-13-01'), " \
           "3 ('2021-04-10 09:30:00')" in str(info.value)


def test_duplicate_ids_and_broken_references_name_the_rows(tmp_path, small_market):
    def edit(frames):
        exhibitors = frames["exhibitors"]
        exhibitors.loc[9, "exhibitor_id"] = exhibitors.loc[0, "exhibitor_id"]

    path = _sqlite_copy(tmp_path, small_market, edit)
    first = small_market.tables["exhibitors"]["exhibitor_id"].iloc[0]
    with pytest.raises(DataValidationError, match=re.escape(f"duplicate exhibitor_id {first}: 2 rows: rows 1, 10")):
        load("exhibitors", path)

    def orphan(frames):
        frames["participation"].loc[3, "exhibitor_id"] = "E999999"

    path = _sqlite_copy(tmp_path, small_market, orphan, name="orphan.sqlite")
    with pytest.raises(DataValidationError) as info:
        load_all(path, tables=["exhibitors", "participation"])
    message = str(info.value)
    assert message.startswith(f"tables in {path} do not fit together")
    assert "E999999; 1 row: row 4 of table 'participation'" in message


@pytest.mark.parametrize("content", [b"", b"exhibitor_id,company_name\nE1,x\n"], ids=["empty", "csv text"])
def test_a_file_with_a_database_suffix_that_is_not_a_database(tmp_path, content):
    path = tmp_path / "customers.db"
    path.write_bytes(content)
    with pytest.raises(DataValidationError, match="is (an empty file, )?not a DuckDB or SQLite database") as info:
        load("exhibitors", path)
    assert str(path) in str(info.value)
    with pytest.raises(DataValidationError, match="not a DuckDB or SQLite database"):
        connect(path)
    assert path.read_bytes() == content


def test_a_path_that_does_not_exist(tmp_path):
    for name in ("nowhere", "nowhere.duckdb"):
        with pytest.raises(FileNotFoundError, match="is not an existing folder .* or database file"):
            load("exhibitors", tmp_path / name)
        with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / name))):
            connect(tmp_path / name)
    assert not (tmp_path / "nowhere.duckdb").exists()  # DuckDB would create it if asked to


def test_an_empty_table(tmp_path, small_market):
    path = _sqlite_copy(tmp_path, small_market, lambda f: f.update(kano=f["kano"].iloc[:0]))
    with pytest.raises(DataValidationError, match=re.escape(f"{path}: table 'kano' has no rows")):
        load("kano", path)


def test_a_duckdb_file_locked_by_a_writer_gives_a_clear_error(tmp_path, small_market):
    path = write_database({"sectors": small_market.tables["sectors"]}, tmp_path / "open.duckdb")
    writer = duckdb.connect(str(path))  # in this process a second, read-only open is refused
    try:
        with pytest.raises(DataValidationError, match=f"{re.escape(str(path))}: DuckDB .* cannot open this database"):
            load("sectors", path)
    finally:
        writer.close()
    assert len(load("sectors", path)) == len(small_market.tables["sectors"])


def test_write_database_refuses_an_existing_file_and_an_unknown_suffix(tmp_path, small_market):
    path = write_database({"sectors": small_market.tables["sectors"]}, tmp_path / "s.duckdb")
    with pytest.raises(FileExistsError, match="already exists"):
        write_database(small_market, path)
    with pytest.raises(ValueError, match=r"'path' must end in one of \.duckdb, \.sqlite, \.db"):
        write_database(small_market, tmp_path / "s.xlsx")
    assert not (tmp_path / "s.xlsx").exists()


# --------------------------------------------------------------------------
# notebooks: data_dir may name a database file
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["duckdb", "sqlite"])
def test_folder_parameter_accepts_a_database_file_for_input_only(files, kind):
    path = files[kind]
    assert params.check({"d": str(path)}, d=params.Folder(must_exist=True, allow_empty=True)).d == str(path)
    with pytest.raises(params.ParameterError, match="must be a folder, not a file"):
        params.check({"d": str(path)}, d=params.Folder(must_exist=False, allow_empty=True))  # an output folder
    with pytest.raises(params.ParameterError, match="must be a folder, not a file"):
        params.check({"d": str(path)}, d=params.Folder(must_exist=True, database=False))


@pytest.mark.notebook
def test_start_here_on_a_duckdb_and_a_sqlite_file_equals_the_csv_folder(files, tmp_path):
    runs = {}
    for kind in ("csv", "duckdb", "sqlite"):
        before = _state(files[kind]) if kind != "csv" else None
        result = runner.run_notebook(
            "00_start_here",
            output_dir=tmp_path / kind,
            parameters={"data_dir": str(files[kind]), "truth_size": 1000},
            html=False,
            progress=False,
        )
        runs[kind] = json.loads((tmp_path / kind / "00_start_here" / "results.json").read_text())
        assert result.results == runs[kind]
        if before is not None:
            assert _state(files[kind]) == before
    # every key comes from the data (no planted truth for a user's data or a database file)
    assert runs["csv"]["planted_difference"] is None
    assert runs["csv"]["n_exhibitors"] == 400
    assert runs["duckdb"] == runs["csv"]
    assert runs["sqlite"] == runs["csv"]


# --------------------------------------------------------------------------
# a folder of Parquet tables (write_tables(..., format="parquet"))
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parquet_folder(tmp_path_factory, small_market):
    folder = tmp_path_factory.mktemp("parquet") / "market"
    for path in datasets.write_tables(small_market, folder, format="parquet"):
        if path.suffix != ".parquet":
            path.unlink()  # tables only, as a user's folder
    return folder


def test_a_parquet_folder_loads_and_connects_as_the_csv_folder(files, csv_tables, parquet_folder):
    before = {p.name: _state(p) for p in parquet_folder.iterdir()}
    tables = load_all(parquet_folder)
    for name, df in tables.items():
        pd.testing.assert_frame_equal(df, csv_tables[name], check_exact=True, obj=f"parquet: {name}")
    sql = "SELECT sector, COUNT(*), SUM(employees) FROM exhibitors GROUP BY sector ORDER BY sector"
    with connect(parquet_folder) as a, connect(files["csv"]) as b:
        assert a.execute(sql).fetchall() == b.execute(sql).fetchall()
        types = dict(a.execute("SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_name = 'editions'").fetchall())
        assert types["start_date"] == "DATE" and types["price_per_sqm"] == "DOUBLE"
    assert {p.name: _state(p) for p in parquet_folder.iterdir()} == before  # only read


def test_connect_validates_a_parquet_folder_before_creating_tables(tmp_path, parquet_folder):
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "edited"
    shutil.copytree(parquet_folder, folder)
    table = pq.read_table(folder / "participation.parquet").to_pandas()
    table.loc[1, "booth_spend"] = -10.0
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), folder / "participation.parquet")
    with pytest.raises(DataValidationError) as info:
        connect(folder)
    msg = str(info.value)
    assert str(folder / "participation.parquet") in msg
    assert "column 'booth_spend': negative amounts" in msg and "row 2 ('-10')" in msg
