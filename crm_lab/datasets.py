"""The exhibition datasets: load, validate, regenerate, verify.

The shipped sample in ``datasets/`` is one realisation of
:func:`crm_lab.simulate.simulate_market` with the seed :data:`SAMPLE_SEED`.
:func:`load` returns one table, validated against its declaration in
:data:`crm_lab.schema.TABLES` — from the sample, or from a folder of your own
CSV files in the same layout (or Parquet files, ``<table>.parquet``), or from a
database file of your own (DuckDB or SQLite) holding tables of the same names.  A file that breaks the schema
raises :class:`DataValidationError` naming the file, the table, the column,
the offending lines or rows and what was expected; nothing is ever written
into a user's folder or database file.  :func:`connect` opens the validated
tables as an in-memory DuckDB database, the customer database (客户数据库) to
query with SQL.
"""

from __future__ import annotations

import csv
import difflib
import errno
import hashlib
import importlib.resources
import io
import os
import re
import sqlite3
import stat
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._csv import write_csv
from ._dbfile import DATABASE_SUFFIXES, PARQUET_SUFFIX, database_kind, has_database_suffix, is_parquet, not_a_database
from .schema import SCALE_LABELS, SCALES, TABLES, Column, Table
from .simulate import Market, Truth, simulate_market

__all__ = [
    "SAMPLE_SEED",
    "SAMPLE_SIZES",
    "DATABASE_SUFFIXES",
    "DataValidationError",
    "MissingTableError",
    "sample_dir",
    "load",
    "load_all",
    "load_truth",
    "manifest_problems",
    "connect",
    "write_tables",
    "write_database",
    "generate_sample",
    "verify",
    "dictionary_markdown",
    "write_dictionary",
]

#: The seed of the shipped sample (``crm-lab data generate`` uses it).
SAMPLE_SEED = 2024
#: The sizes of the shipped sample (the defaults of :func:`simulate_market`).
SAMPLE_SIZES = {"n_exhibitors": 3000, "n_visitors": 4000, "n_editions": 7, "kano_respondents": 120}
MANIFEST = "MANIFEST.sha256"
TRUTH_FILES = ("truth.json", "truth_latent.csv", "truth_kano.csv")
_SHIPPED_SAMPLE = "_sample"  # the sample's folder inside an installed package (setup.py copies it there)
_MISSING = {"", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"}
_SHOW = 5  # offending lines shown per problem

# Cross-table references checked by load_all: (table, column) -> (table, column).
REFERENCES = {
    ("exhibitors", "sector"): ("sectors", "sector"),
    ("participation", "exhibitor_id"): ("exhibitors", "exhibitor_id"),
    ("participation", "edition"): ("editions", "edition"),
    ("transactions", "exhibitor_id"): ("exhibitors", "exhibitor_id"),
    ("transactions", "edition"): ("editions", "edition"),
    ("visits", "visitor_id"): ("visitors", "visitor_id"),
    ("visits", "edition"): ("editions", "edition"),
    ("survey", "exhibitor_id"): ("exhibitors", "exhibitor_id"),
    ("survey", "edition"): ("editions", "edition"),
    ("kano", "edition"): ("editions", "edition"),
}


class DataValidationError(ValueError):
    """A data file does not match its documented schema (the message says where and how)."""


class MissingTableError(FileNotFoundError, DataValidationError):
    """A table is not there: its CSV file in a folder, or the table in a database file.

    Both a :class:`FileNotFoundError` (what a missing CSV file always raised)
    and a :class:`DataValidationError`, so either ``except`` catches it for
    every kind of ``data_dir``.
    """


def sample_dir() -> Path:
    """The folder of the shipped sample.

    In a clone of the project (an editable install), the ``datasets/`` folder
    at the project's root.  In an installed wheel, which has no such folder,
    the copy the build put inside the package, ``crm_lab/_sample/``.

    Raises
    ------
    FileNotFoundError
        When neither exists; then pass ``data_dir=`` with your own CSV files.
    """
    root = Path(__file__).resolve().parents[1]
    clone = root / "datasets"
    # pyproject.toml marks the clone: an installed crm_lab has site-packages as
    # its parent, whose datasets/ may be another distribution's package.
    if clone.is_dir() and (root / "pyproject.toml").is_file():
        return clone
    shipped = importlib.resources.files("crm_lab") / _SHIPPED_SAMPLE
    if isinstance(shipped, Path) and shipped.is_dir():
        return shipped
    raise FileNotFoundError(
        f"the sample data folder was not found: neither {clone} (a clone of the project) nor {shipped} "
        "(an installed wheel); reinstall crm-lab, or pass data_dir= with your own CSV files"
    )


def _clone_sample_dir(what: str) -> Path:
    """The clone's ``datasets/`` folder, the only default a writer may use (never an installed package)."""
    folder = sample_dir()
    if folder.name != "datasets":
        raise FileNotFoundError(
            f"{what}: crm-lab is installed, not run from a clone, so there is no datasets/ folder to rewrite; "
            "pass the folder to write to"
        )
    return folder


@dataclass(frozen=True)
class _Database:
    """A user's database file, recognised by its header: *kind* is ``"duckdb"`` or ``"sqlite"``."""

    path: Path
    kind: str

    def __str__(self) -> str:
        return str(self.path)


def _source(data_dir) -> Path | _Database:
    """The folder of CSV files, or the database file, that *data_dir* names (the sample for None or "")."""
    if data_dir is None or (isinstance(data_dir, str) and data_dir == ""):
        return sample_dir()
    if not isinstance(data_dir, (str, os.PathLike)):
        raise TypeError(
            "data_dir must be a folder of CSV files or a database file, given as a str or pathlib.Path "
            f"(or None for the shipped sample); got {type(data_dir).__name__} {data_dir!r}"
        )
    path = Path(data_dir).expanduser()
    if path.is_dir():
        if not os.access(path, os.R_OK | os.X_OK):
            raise DataValidationError(
                f"data_dir {str(path.resolve())!r}: the folder cannot be read (permission denied); "
                "give yourself read access to it (chmod u+rx) or copy the files elsewhere"
            )
        return path
    suffixes = ", ".join(DATABASE_SUFFIXES)
    if not path.exists():
        kind = _special(path)
        raise FileNotFoundError(
            f"data_dir {str(path.absolute())!r} "
            + (f"{kind}, " if kind else "")
            + f"is not an existing folder (of CSV files) or database file ({suffixes})"
        )
    kind = _special(path)
    if kind:
        raise DataValidationError(f"data_dir {str(path.absolute())!r} {kind}; give a folder of CSV files or a database file")
    if not os.access(path, os.R_OK):
        raise DataValidationError(f"data_dir {str(path.resolve())!r}: the file cannot be read (permission denied)")
    if not has_database_suffix(path):
        if path.suffix.lower() == PARQUET_SUFFIX or is_parquet(path):
            raise FileNotFoundError(
                f"data_dir {str(path.resolve())!r} is a Parquet file; pass the folder that holds it "
                f"(each table is read from <table>{PARQUET_SUFFIX} or <table>.csv in that folder)"
            )
        raise FileNotFoundError(
            f"data_dir {str(path.resolve())!r} is a file, not a folder of CSV files or a database file ({suffixes}); "
            "to load one CSV file, pass the folder that holds it"
        )
    kind = database_kind(path)
    if kind is None:
        raise DataValidationError(f"data_dir {not_a_database(path.resolve())}; give a folder of CSV files or a database file")
    return _Database(path, kind)


def _special(path: Path) -> str | None:
    """Why *path* is not a regular file one could read ("is a directory", "is a broken link", ...), or None.

    None too when nothing is there at all (neither a file nor a link).
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            return f"is a broken link (to {os.readlink(path)!r}, which does not exist)"
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a broken link (a loop of symbolic links that never reaches a file)"
        if isinstance(exc, PermissionError):
            return "cannot be reached (permission denied on a folder on its way)"
        return f"cannot be examined ({exc.strerror})"
    if stat.S_ISDIR(info.st_mode):
        return "is a directory, not a file"
    if not stat.S_ISREG(info.st_mode):
        what = (
            "a character device" if stat.S_ISCHR(info.st_mode) else "a block device" if stat.S_ISBLK(info.st_mode)
            else "a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode)
            else "a special file"
        )
        link = f" (a link to {os.readlink(path)!r})" if path.is_symlink() else ""
        return f"is not a regular file: it is {what}{link}"
    return None


def _table(name: str) -> Table:
    if name not in TABLES:
        hint = difflib.get_close_matches(name, TABLES, n=1)
        raise ValueError(
            f"unknown table {name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "") + f"; tables: {', '.join(TABLES)}"
        )
    return TABLES[name]


# --------------------------------------------------------------------------
# loading and validation
# --------------------------------------------------------------------------


def load(name: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Load one table, validated against its schema.

    Parameters
    ----------
    name : str
        A table of :data:`crm_lab.schema.TABLES` (``exhibitors``,
        ``participation``, ``survey``, ``kano``, ...).
    data_dir : str or Path, optional
        ``None`` or ``""``: the shipped sample.  A folder: read
        ``<data_dir>/<name>.csv`` (UTF-8, comma-separated, a header row, the
        columns of the data dictionary ``datasets/README.md``), or
        ``<data_dir>/<name>.parquet`` (a Parquet file with those columns, as
        ``write_tables(..., format="parquet")`` writes it).  A database
        file (``.duckdb``, ``.sqlite`` or ``.db``; DuckDB or SQLite, told
        apart by the file's header, not its suffix): read its table *name*
        (or a view; names match case-insensitively), opened read-only.

    Returns
    -------
    pandas.DataFrame
        The schema's columns in the schema's order with their types
        (``int64``, or ``Int64`` where empty cells are allowed, read exactly
        from their digits; ``float64``; text; ``datetime64``), followed by
        any extra columns of the file, which are kept (as numbers when every
        value is one and no digit would be lost, else as text).  An empty
        cell is a missing value; so are ``NA``, ``NaN``, ``null`` and
        ``None`` in a number or date column, but in a text column they are
        the text itself.

    Raises
    ------
    DataValidationError
        When the file breaks the schema: missing or misspelt columns, values
        of the wrong type, Likert codes or other values out of range, whole
        numbers beyond 64 bits, unknown codes, duplicate or empty ids, empty
        cells where a value is required, broken row rules, an empty file,
        text that is not UTF-8, a NUL character in a value.  Every problem of
        the file is listed, each with the column, up to five line numbers and
        their values, and what was expected.  A file that is not a
        well-formed comma-separated table raises it with the first lines at
        fault: another delimiter (``;``, tab), rows with more or fewer fields
        than the header, a quote that is never closed or stands inside an
        unquoted value.  Line numbers are those a text editor shows (a
        quoted value may span lines; blank lines are skipped but counted).
        A file or folder that cannot be read (permission denied) raises it
        too.  For a database file the same
        problems are named with the table and **row numbers** (row 1 is the
        first row the database returns for ``SELECT *``: the order the rows
        were inserted), and a file with a database suffix that is not a
        DuckDB or SQLite database raises it too.  A Parquet file is checked
        like a database table (row numbers from 1), and one that is not a
        readable Parquet file, holds no rows, or has columns of nested
        values, raises it as well; so does a folder holding a table both as
        CSV and as Parquet file.
    MissingTableError
        When the CSV file, or the database's table, is missing; the message
        lists the CSV files of the folder, or the tables of the database.
        Also when the table's name is taken by something that is not a
        regular file (a directory, a broken link, a device); the message says
        what it is.  (A :class:`FileNotFoundError` as well.)
    FileNotFoundError
        When the folder or database file does not exist.
    TypeError
        When *data_dir* is not a str, a path or None.

    Notes
    -----
    A database table goes through the same conversion and validation as a
    CSV file: each value is read as text (``NULL`` is an empty cell; numbers
    in their shortest exact form), then converted and checked column by
    column, so dates, whole numbers and codes are checked identically.
    Dates may be stored as ``DATE`` or as text ``YYYY-MM-DD``; a timestamp at
    midnight (``2024-03-05 00:00:00``, what pandas writes for a date) counts
    as its date, any other time of day is an error.  DuckDB's own file format
    changes between its versions: a file written by a newer DuckDB than the
    one installed stops with DuckDB's message saying so.

    Examples
    --------
    >>> exhibitors = load("exhibitors")
    >>> exhibitors.columns[:3].tolist()
    ['exhibitor_id', 'company_name', 'sector']
    """
    return _load(_table(name), _source(data_dir))[0]


def _load(table: Table, source: Path | _Database) -> tuple[pd.DataFrame, np.ndarray, str]:
    """The validated table, the line (CSV) or row (database, Parquet) number of each of its rows, and that unit."""
    if isinstance(source, _Database):
        raw, actual = _read_database_table(source, table)
        return _validate(raw, table, source.path, unit="row", db_table=actual), raw.index.to_numpy(), "row"
    path = _table_file(source, table)
    kind = _special(path)
    if kind:
        raise MissingTableError(
            f"{path} {kind}; table {table.name!r} is read from a regular file {table.filename} or "
            f"{table.name}{PARQUET_SUFFIX} in the folder"
        )
    if not path.is_file():
        present = sorted(p.name for p in path.parent.glob("*.csv"))
        parquet = sorted(p.name for p in path.parent.glob(f"*{PARQUET_SUFFIX}"))
        raise MissingTableError(
            f"{path}: no such file (table {table.name!r} is read from {table.filename} or {table.name}{PARQUET_SUFFIX}); "
            f"CSV files in that folder: {', '.join(present) if present else 'none'}"
            + (f"; Parquet files: {', '.join(parquet)}" if parquet else "")
        )
    if not os.access(path, os.R_OK):
        raise DataValidationError(f"{path}: the file cannot be read (permission denied); give yourself read access (chmod u+r)")
    try:
        if path.suffix == PARQUET_SUFFIX:
            raw = _read_parquet_table(path, table)
            return _validate(raw, table, path, unit="row"), raw.index.to_numpy(), "row"
        raw = _read_text_table(path, table)
    except PermissionError:
        raise DataValidationError(f"{path}: the file cannot be read (permission denied); give yourself read access (chmod u+r)") from None
    return _validate(raw, table, path, nul_checked=True), raw.index.to_numpy(), "line"


def _table_file(folder: Path, table: Table) -> Path:
    """The file a folder holds *table* in: ``<name>.parquet`` if there is one, else ``<name>.csv`` (existing or not).

    A name counts as there when anything has it (a file, a folder, a link, even a broken one), so that
    :func:`_load` can say what it is rather than that it is missing.
    """
    csv_path = folder / table.filename
    parquet_path = folder / f"{table.name}{PARQUET_SUFFIX}"
    if not os.path.lexists(parquet_path):
        return csv_path
    if os.path.lexists(csv_path):
        raise DataValidationError(
            f"{folder}: table {table.name!r} is there twice, as {csv_path.name} and as {parquet_path.name}; "
            "keep one of them (or put them in separate folders)"
        )
    return parquet_path


def _read_parquet_table(path: Path, table: Table) -> pd.DataFrame:
    """A Parquet file's table as text cells indexed by row number (1, 2, ...), as a database table is read.

    Every value becomes the text a CSV file would hold (missing -> ``""``,
    numbers in their shortest exact form, dates as ``YYYY-MM-DD``), so that
    the same checks apply.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    if not is_parquet(path):
        raise DataValidationError(f"{path}: not a Parquet file (its first bytes are not Parquet's file header 'PAR1')")
    try:
        data = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataValidationError(f"{path}: pyarrow {pa.__version__} cannot read this Parquet file: {exc}") from None
    columns = data.column_names
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise DataValidationError(f"{path}: the file has these columns more than once: {', '.join(dupes)}")
    if data.num_rows == 0:
        raise DataValidationError(
            f"{path}: the file has no rows; expected the columns {', '.join(table.column_names)} and data rows"
        )
    cells = {}
    for i, name in enumerate(columns):
        values = data.column(i)
        kind = values.type
        if pa.types.is_dictionary(kind):
            values, kind = values.cast(kind.value_type), kind.value_type
        plain = (
            pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
            or pa.types.is_boolean(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)
            or pa.types.is_binary(kind) or pa.types.is_large_binary(kind)
            or pa.types.is_date(kind) or pa.types.is_timestamp(kind) or pa.types.is_null(kind)
        )
        if not plain:
            raise DataValidationError(
                f"{path}: column {name!r} holds values of type {kind}; expected one number, text or date per cell"
            )
        try:
            text = pc.fill_null(pc.cast(values, pa.large_string()), "")
        except pa.ArrowException as exc:
            raise DataValidationError(f"{path}: column {name!r} cannot be read as text (not UTF-8?): {exc}") from None
        if pa.types.is_timestamp(kind):  # a date held as a timestamp at midnight counts as its date
            text = pc.replace_substring_regex(text, _MIDNIGHT.pattern, "\\1")
        cells[name] = pd.Series(text, dtype="str")
    raw = pd.DataFrame(cells, copy=False)
    raw.index = pd.RangeIndex(1, len(raw) + 1)
    return raw


_DELIMITERS = {";": "';'", "\t": "a tab", "|": "'|'"}  # what a file saved with another delimiter shows in its header
_BREAK_OR_COMMA = np.array([10, 13, 44, 34], dtype=np.uint8)  # what may stand next to a quote that opens or closes a value
_FILLER = np.array([9, 13, 32, 44], dtype=np.uint8)  # tab, CR, space, comma: all a blank line may hold


def _read_text_table(path: Path, table: Table) -> pd.DataFrame:
    """A CSV file's cells as text, indexed by the file line each record starts on (header = line 1).

    The file is split into records here, vectorised over its bytes, so that
    every record is named by the line a text editor shows it on (a quoted
    value may hold line breaks; blank lines are skipped but counted), and
    ragged rows, stray or unclosed quotes, NUL bytes and another delimiter
    are named with their lines before pandas parses the cells.
    """
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataValidationError(
            f"{path}: not UTF-8 text: byte 0x{data[exc.start]:02x} on line {line} cannot be decoded. "
            "Save the file as UTF-8 (in Excel: 'CSV UTF-8 (comma delimited)')."
        ) from None
    if data.startswith(b"\xef\xbb\xbf"):  # the byte order mark Excel writes
        data = data[3:]
    if not data.strip():
        raise DataValidationError(
            f"{path}: the file is empty; expected a header row with the columns {', '.join(table.column_names)}"
        )
    rec = _Records(data)
    if rec.empty:
        raise DataValidationError(
            f"{path}: the file holds only blank lines (or commas); expected a header row with the columns "
            f"{', '.join(table.column_names)}"
        )
    header = rec.header
    if "," not in header and (seen := [d for d in _DELIMITERS if d in header]):
        raise DataValidationError(
            f"{path} uses {_DELIMITERS[seen[0]]} as delimiter; crm-lab reads comma-separated files "
            "(save as CSV UTF-8 with commas, in Excel: 'CSV UTF-8 (comma delimited)')"
        )
    try:
        names = [h.strip() for h in next(csv.reader(io.StringIO(header)))]
    except (csv.Error, StopIteration):  # a broken quote in the header: reported below
        names = [h.strip() for h in header.split(",")]
    rec.names = names
    if rec.unclosed is not None or rec.stray is not None:
        pos = rec.stray if rec.stray is not None else rec.unclosed
        where = f"line {rec.line_of(pos)}" + (f", column {name!r}" if (name := rec.column_name(pos)) else "")
        if rec.stray is not None:
            raise DataValidationError(
                f"{path}: a double quote (\") in the middle of a value, on {where} (the first such place): "
                "a value that holds quotes must be enclosed in double quotes as a whole, with each quote "
                'inside it doubled, e.g. "5"" screen"'
            )
        raise DataValidationError(
            f"{path}: the quoted value that starts on {where} is never closed: the file ends inside it; "
            "add the missing closing double quote (\")"
        )
    counts = Counter(names)
    dupes = sorted(h for h, n in counts.items() if n > 1)
    if dupes:
        raise DataValidationError(f"{path}: the header names these columns more than once: {', '.join(dupes)}")
    ragged = rec.fields != len(names)
    if ragged.any():
        rows = np.flatnonzero(ragged)
        shown = ", ".join(f"line {rec.lines[i]} has {rec.fields[i]}" for i in rows[:_SHOW])
        more = f" and {rows.size - _SHOW} more lines" if rows.size > _SHOW else ""
        raise DataValidationError(
            f"{path}: every line must have as many comma-separated fields as the header on line {rec.header_line} "
            f"({len(names)}: {_shorten(names)}); {shown}{more}. A value that holds a comma must be enclosed in "
            'double quotes ("Foods Co., Ltd.")'
        )
    if b"\x00" in data:
        nul = np.flatnonzero(rec.bytes == 0)
        by_column: dict[str, list[int]] = {}
        for pos in nul[: 100 * _SHOW]:  # the first places suffice
            lines = by_column.setdefault(rec.column_name(pos) or "?", [])
            if (ln := rec.line_of(pos)) not in lines:
                lines.append(ln)
        details = "; ".join(
            f"column {c!r} on line{'s' if len(ls) > 1 else ''} {', '.join(map(str, ls[:_SHOW]))}" for c, ls in by_column.items()
        )
        utf16 = " (a file saved as UTF-16? save it as CSV UTF-8)" if nul.size > len(data) // 4 else ""
        raise DataValidationError(
            f"{path}: a NUL character (byte 0x00) inside a value, {nul.size} in all: {details}; "
            f"expected text without control characters{utf16}"
        )
    if rec.lines.size == 0:
        raise DataValidationError(f"{path}: the file has a header but no data rows")
    try:
        raw = pd.read_csv(
            io.BytesIO(rec.body()), dtype=str, na_filter=False, encoding="utf-8", skip_blank_lines=False,
            header=0, index_col=False,
        )
    except pd.errors.ParserError as exc:  # not expected after the checks above; said plainly if it happens
        raise DataValidationError(f"{path}: not a well-formed CSV table ({exc})") from None
    if raw.shape != (rec.lines.size, len(names)):
        raise DataValidationError(
            f"{path}: the file could not be read consistently ({rec.lines.size} data lines, but pandas read "
            f"{raw.shape[0]} rows of {raw.shape[1]} columns); check its quotes and line breaks"
        )
    raw.columns = names
    raw.index = pd.Index(rec.lines)
    return raw


def _shorten(names: list[str], limit: int = 10) -> str:
    return ", ".join(names[:limit]) + (f" … ({len(names)} columns)" if len(names) > limit else "")


class _Records:
    """The records of a CSV file's bytes: where each starts, on which line, how many fields it has.

    A line break (LF, CRLF or a lone CR) ends a record unless it is inside
    a quoted value, which is decided by the parity of the double quotes
    before it (RFC 4180: a quote inside a quoted value is doubled).  Lines
    holding nothing but spaces, tabs and commas are blank and skipped.
    """

    def __init__(self, data: bytes):
        self.data = data
        a = self.bytes = np.frombuffer(data, dtype=np.uint8)
        if b"\r" in data:
            cr, lf = a == 13, a == 10
            lone = cr.copy()
            lone[:-1] &= ~lf[1:]
            self.breaks = np.flatnonzero(lf | lone)
        else:
            self.breaks = np.flatnonzero(a == 10)
        self.stray = self.unclosed = None
        commas = np.flatnonzero(a == 44)
        if b'"' in data:
            quotes = self.quotes = np.flatnonzero(a == 34)
            opening, closing = quotes[0::2], quotes[1::2]
            before = np.where(opening > 0, a[np.maximum(opening - 1, 0)], 10)
            after = np.where(closing + 1 < a.size, a[np.minimum(closing + 1, a.size - 1)], 10)
            wrong = np.r_[opening[~np.isin(before, _BREAK_OR_COMMA)], closing[~np.isin(after, _BREAK_OR_COMMA)]]
            if wrong.size:
                self.stray = int(wrong.min())
            elif quotes.size % 2:
                self.unclosed = int(quotes[-1])
            seps = self.breaks[np.searchsorted(quotes, self.breaks) % 2 == 0]
            commas = commas[np.searchsorted(quotes, commas) % 2 == 0]
        else:
            self.quotes = None
            seps = self.breaks
        self.seps, self.commas = seps, commas
        starts = np.r_[0, seps + 1]
        ends = np.r_[seps, a.size]
        fields = np.bincount(np.searchsorted(seps, commas), minlength=starts.size) + 1
        if starts[-1] == a.size:  # the file ends with a line break
            starts, ends, fields = starts[:-1], ends[:-1], fields[:-1]
        # a record is blank when it starts with a filler byte and holds nothing else
        blank = np.isin(a[np.minimum(starts, a.size - 1)], _FILLER) | (starts == ends)
        if blank.any():
            content = np.r_[0, np.cumsum(~np.isin(a, _FILLER) & (a != 10))]
            blank &= content[ends] == content[starts]
        self.blank_spans = (starts[blank], ends[blank]) if blank.any() else None
        keep = np.flatnonzero(~blank)
        self.empty = keep.size == 0  # nothing but blank lines
        head = keep[0] if keep.size else 0
        self.header = data[starts[head] : ends[head]].decode("utf-8").rstrip("\r")
        self.header_start, self.header_line = int(starts[head]), self.line_of(int(starts[head]))
        data_rows = keep[1:]
        self.starts = starts[data_rows]
        self.fields = fields[data_rows]
        self.lines = np.searchsorted(self.breaks, self.starts) + 1
        self.names: list[str] = []

    def line_of(self, pos: int) -> int:
        """The 1-based line of byte *pos*."""
        return int(np.searchsorted(self.breaks, pos)) + 1

    def column_name(self, pos: int) -> str | None:
        """The header name of the field byte *pos* is in (once the header is read), else None."""
        record_start = 0 if (r := int(np.searchsorted(self.seps, pos))) == 0 else int(self.seps[r - 1]) + 1
        field = int(np.searchsorted(self.commas, pos) - np.searchsorted(self.commas, record_start))
        return self.names[field] if field < len(self.names) else None

    def body(self) -> bytes:
        """The header and the data records, without blank lines (and without what precedes the header)."""
        if self.blank_spans is None:
            return self.data[self.header_start :] if self.header_start else self.data
        drop = np.zeros(self.bytes.size + 1, dtype=np.int32)
        spans_start, spans_end = self.blank_spans
        np.add.at(drop, spans_start, 1)
        np.add.at(drop, np.minimum(spans_end + 1, self.bytes.size), -1)
        keep = np.cumsum(drop[:-1]) == 0
        keep[: self.header_start] = False
        return self.bytes[keep].tobytes()


def _quote(identifier: str) -> str:
    """A SQL identifier in double quotes (DuckDB and SQLite alike)."""
    return '"' + str(identifier).replace('"', '""') + '"'


# A timestamp at midnight, as pandas and DuckDB write a date held in a timestamp column.
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(?:\.0*)?$")


def _duckdb_error() -> type[Exception]:
    import duckdb

    return duckdb.Error


def _open_database(db: _Database):
    """A read-only connection to the user's file (DuckDB, or the standard library's sqlite3 for SQLite)."""
    if db.kind == "sqlite":
        try:
            return sqlite3.connect(db.path.resolve().as_uri() + "?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise DataValidationError(f"{db.path}: SQLite cannot open this database file read-only: {exc}") from None
    import duckdb

    try:
        return duckdb.connect(str(db.path), read_only=True)
    except duckdb.Error as exc:
        raise DataValidationError(
            f"{db.path}: DuckDB {duckdb.__version__} cannot open this database file read-only: {exc}"
        ) from None


def _database_tables(db: _Database, con) -> list[str]:
    """The tables and views of the database's main schema."""
    if db.kind == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite!_%' ESCAPE '!'"
    else:
        sql = (
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_catalog = current_database()"
        )
    return sorted(row[0] for row in con.execute(sql).fetchall())


def _read_database_table(db: _Database, table: Table) -> tuple[pd.DataFrame, str]:
    """The table as text cells indexed by row number (1, 2, ...), and its name in the database.

    Every value becomes the text a CSV file would hold, so that the same
    :func:`_convert` checks it: ``NULL`` -> ``""``, numbers in their shortest
    exact form, dates as ``YYYY-MM-DD`` (a midnight timestamp as its date).
    """
    error = sqlite3.Error if db.kind == "sqlite" else _duckdb_error()
    con = _open_database(db)
    try:
        try:
            present = _database_tables(db, con)
            matches = [t for t in present if t == table.name] or [t for t in present if t.lower() == table.name]
            if not matches:
                hint = difflib.get_close_matches(table.name, present, n=1)
                raise MissingTableError(
                    f"{db.path}: no table {table.name!r} in this {'DuckDB' if db.kind == 'duckdb' else 'SQLite'} database"
                    + (f" (did you mean {hint[0]!r}?)" if hint else "")
                    + f"; the tables it has: {', '.join(present) if present else 'none'}"
                )
            actual = matches[0]
            if db.kind == "sqlite":
                cursor = con.execute(f"SELECT * FROM {_quote(actual)}")
                columns = [d[0] for d in cursor.description]
                rows = cursor.fetchall()
                cells = list(zip(*rows)) if rows else [()] * len(columns)
                raw = pd.DataFrame({i: pd.Series(c, dtype=object) for i, c in enumerate(cells)})
            else:
                probe = con.execute(f"SELECT * FROM {_quote(actual)} LIMIT 0")
                columns = [d[0] for d in probe.description]
                probe.fetchall()  # finish the result before the next query (DuckDB 2 requires it)
                casts = ", ".join(f"COALESCE(CAST({_quote(c)} AS VARCHAR), '') AS c{i}" for i, c in enumerate(columns))
                raw = con.execute(f"SELECT {casts} FROM {_quote(actual)}").df()
        except error as exc:
            raise DataValidationError(f"{db.path}: cannot read table {table.name!r}: {exc}") from None
    finally:
        con.close()
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise DataValidationError(f"{db.path}: table {actual!r} has these columns more than once: {', '.join(dupes)}")
    if raw.empty:
        raise DataValidationError(
            f"{db.path}: table {actual!r} has no rows; expected the columns {', '.join(table.column_names)} and data rows"
        )
    raw.columns = columns
    if db.kind == "sqlite":  # Python values, None for NULL (DuckDB did this in SQL)
        raw = raw.astype(object).where(raw.notna(), "")
    raw = raw.astype("str")
    for col in table.columns:
        if col.dtype == "date" and col.name in raw:
            raw[col.name] = raw[col.name].str.replace(_MIDNIGHT, r"\1", regex=True)
    raw.index = pd.RangeIndex(1, len(raw) + 1)
    return raw, actual


def _describe(mask, values, lines, unit: str = "line", *, quote: bool = True) -> str:
    """'n rows, on lines a ('x'), b ('y') ...' (a database: 'n rows: rows a ('x'), ...') where *mask* is true.

    *values* are shown with their quotes (repr), or as they are with ``quote=False``.
    """
    rows = np.flatnonzero(mask)
    shown = ", ".join(
        f"{lines[i]} ({values[i]!r})" if values is not None and quote else f"{lines[i]} ({values[i]})" if values is not None
        else str(lines[i])
        for i in rows[:_SHOW]
    )
    more = f" and {rows.size - _SHOW} more" if rows.size > _SHOW else ""
    s = "s" if rows.size != 1 else ""
    if unit == "row":
        return f"{rows.size} row{s}: row{s} {shown}{more}"
    return f"{rows.size} row{s}, on line{s} {shown}{more}"


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_INT64_RANGE = f"64-bit whole numbers ({_INT64_MIN} to {_INT64_MAX}) written in digits"
_EXACT_FLOAT = 2**53  # whole numbers below this hold exactly in a float


def _whole_numbers(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each cell as an exact int64: (values, not whole numbers, whole numbers beyond int64).

    *text* holds stripped cells, missing ones as NA (never reported).  Whole
    numbers are read from their digits, never through a float, so
    9007199254740993 stays itself; ``12.0`` is 12; a number written otherwise
    (``1e3``) counts when it is a whole number a float holds exactly (up to
    2**53, at most 15 digits: so ``1.00000000000000001`` is not taken for 1).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pa.array(text.array) if isinstance(text.dtype, pd.StringDtype) else pa.array(text.to_numpy(object), pa.large_string())
    none = np.zeros(len(text), dtype=bool)
    try:  # the usual case: every cell is an integer literal in range
        values = np.asarray(pc.fill_null(pc.cast(cells, pa.int64()), 0), dtype=np.int64)
        return (values if values.flags.writeable else values.copy()), none, none.copy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    present = text.notna().to_numpy()
    plain = text.str.fullmatch(r"[+-]?[0-9]+(?:\.0*)?").fillna(False).to_numpy(dtype=bool)
    body = text.str.replace(r"^[+-]", "", regex=True).str.replace(r"\.0*$", "", regex=True).str.lstrip("0")
    negative = text.str.startswith("-").fillna(False).to_numpy(dtype=bool)
    length = body.str.len().fillna(0).to_numpy(dtype=np.int64)
    top = body.where(length == 19, "")
    fits = plain & (
        (length < 19)
        | ((length == 19) & np.where(negative, (top <= str(-_INT64_MIN)).to_numpy(bool), (top <= str(_INT64_MAX)).to_numpy(bool)))
    )
    digits = ("-" + body.where(negative, "")).where(negative, body).where(fits & (length > 0), "0")
    values = pc.cast(pa.array(digits.to_numpy(object), pa.large_string()), pa.int64()).to_numpy(zero_copy_only=False).copy()
    other = present & ~plain
    beyond = plain & ~fits
    if other.any():
        numbers = pd.to_numeric(text.where(other), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            whole = other & np.isfinite(numbers) & (numbers == np.floor(numbers))
        few_digits = (text.str.replace(r"[eE].*$", "", regex=True).str.count(r"[0-9]").fillna(99) <= 15).to_numpy(bool)
        exact = whole & few_digits & (np.abs(numbers) < _EXACT_FLOAT)
        values[exact] = numbers[exact].astype(np.int64)
        beyond |= whole & few_digits & ~exact
        bad = other & ~exact & ~(whole & few_digits)
    else:
        bad = none
    return values, bad, beyond


def _out_of_range(col: Column, numbers: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Where a valid (*ok*) value lies outside the column's allowed range."""
    out = np.zeros_like(ok)
    if col.low is not None:
        out |= ok & (numbers < col.low)
    if col.high is not None:
        out |= ok & (numbers > col.high)
    return out


def _convert(col: Column, text: pd.Series, problems: list[str], unit: str = "line", key: bool = False) -> pd.Series:
    """Typed values of one column; appends a sentence to *problems* per violation.

    *text* is indexed by file line number (*unit* ``"line"``) or by database
    row number (``"row"``).  An empty cell is missing; in a number or date
    column so are ``NA``, ``NaN``, ``null``, ``None`` (what other programs
    write for a missing number), but in a text column these are text.
    """
    lines = text.index.to_numpy()
    stripped = text.str.strip()
    values = stripped.to_numpy(dtype=object)
    missing = (stripped == "" if col.dtype == "str" else stripped.isin(_MISSING)).to_numpy(dtype=bool)
    where = f"column {col.name!r}"
    if missing.any() and not col.nullable:
        what = " (ids must be non-empty)" if key or col.name.endswith("_id") else ""
        problems.append(f"{where}: empty cells where a value is required{what}, {_describe(missing, None, lines, unit)}")
    if col.dtype == "int":
        ints, bad, beyond = _whole_numbers(stripped.where(~missing).reset_index(drop=True))
        bad &= ~missing
        if bad.any():
            problems.append(f"{where}: expected whole numbers ({col.allowed}), got {_describe(bad, values, lines, unit)}")
        units = f" ({col.unit})" if col.unit else ""
        if beyond.any():
            problems.append(
                f"{where}: whole numbers too large to hold exactly, expected {col.allowed}{units}, "
                f"and {_INT64_RANGE}; {_describe(beyond, values, lines, unit)}"
            )
        ok = ~missing & ~bad & ~beyond
        out_of_range = _out_of_range(col, ints, ok)
        if out_of_range.any():
            problems.append(f"{where}: values out of range, expected {col.allowed}{units}; {_describe(out_of_range, values, lines, unit)}")
        ints[~ok] = 0
        if col.nullable:
            return pd.Series(pd.arrays.IntegerArray(ints, ~ok))
        return pd.Series(ints, dtype="int64")
    if col.dtype == "float":
        numbers = pd.to_numeric(pd.Series(np.where(missing, None, values)), errors="coerce").to_numpy(dtype=float, copy=True)
        bad = ~missing & ~np.isfinite(numbers)
        if bad.any():
            problems.append(f"{where}: expected numbers ({col.allowed}), got {_describe(bad, values, lines, unit)}")
        ok = ~missing & ~bad
        out_of_range = _out_of_range(col, numbers, ok)
        if out_of_range.any():
            what = "negative amounts" if col.unit == "CNY" and col.low == 0 else "values out of range"
            units = f" ({col.unit})" if col.unit else ""
            problems.append(f"{where}: {what}, expected {col.allowed}{units}; {_describe(out_of_range, values, lines, unit)}")
        numbers[~ok] = np.nan
        return pd.Series(numbers, dtype="float64")
    if col.dtype == "date":
        dates = pd.to_datetime(pd.Series(np.where(missing, None, values)), format="%Y-%m-%d", errors="coerce")
        bad = ~missing & dates.isna().to_numpy()
        if bad.any():
            problems.append(f"{where}: expected dates as YYYY-MM-DD, got {_describe(bad, values, lines, unit)}")
        return dates
    # text
    if col.codes:
        unknown = ~missing & ~stripped.isin(col.codes).to_numpy()
        if unknown.any():
            seen = sorted(set(values[unknown]))
            hints = [f"{v!r} (did you mean {m[0]!r}?)" for v in seen[:_SHOW] if (m := difflib.get_close_matches(v, col.codes, n=1))]
            problems.append(
                f"{where}: unknown codes, expected {col.allowed}; {_describe(unknown, values, lines, unit)}"
                + (f"; {', '.join(hints)}" if hints else "")
            )
    return pd.Series(np.where(missing, None, values), dtype="str")


def _validate(raw: pd.DataFrame, table: Table, path: Path, *, unit: str = "line", db_table: str | None = None,
              nul_checked: bool = False) -> pd.DataFrame:
    """The typed table, or a :class:`DataValidationError` listing every problem (*db_table*: its name in a database).

    *nul_checked*: the reader has already refused NUL characters (a CSV file does, on its bytes).
    """
    problems: list[str] = []
    present = list(raw.columns)
    wanted = set(table.column_names)
    missing_cols = [c for c in table.column_names if c not in raw.columns]
    extra = [c for c in present if c not in wanted]
    for name in missing_cols:
        hint = difflib.get_close_matches(name, extra, n=1, cutoff=0.6)
        problems.append(
            f"missing column {name!r} ({table.column(name).meaning})" + (f"; did you mean {hint[0]!r}?" if hint else "")
        )
    if missing_cols:
        problems.append(f"the {'file' if db_table is None else 'table'}'s columns are: {_shorten(present, 100)}")
    lines = raw.index.to_numpy()
    if not nul_checked:
        for name in present:
            nul = raw[name].str.contains("\x00", regex=False).to_numpy(dtype=bool)
            if nul.any():
                problems.append(
                    f"column {name!r}: a NUL character (byte 0x00) inside the value, expected text without control "
                    f"characters; {_describe(nul, None, lines, unit)}"
                )
    typed = {}
    for col in table.columns:
        if col.name in raw.columns:
            typed[col.name] = _convert(col, raw[col.name], problems, unit, key=col.name in table.key)
    out = pd.DataFrame(typed)
    if all(k in out for k in table.key):
        complete = out[list(table.key)].notna().all(axis=1).to_numpy()  # an empty key part is reported above
        dup = out.duplicated(subset=list(table.key), keep=False).to_numpy() & complete
        if dup.any():
            keys = out.loc[dup, list(table.key)].astype(str).agg("/".join, axis=1).to_numpy()
            problems.append(
                f"duplicate {'/'.join(table.key)} {', '.join(dict.fromkeys(keys[:_SHOW]))}: {_describe(dup, None, lines, unit)}"
            )
    if not problems:
        for description, rule in table.checks:
            broken = ~rule(out).to_numpy(dtype=bool)
            if broken.any():
                problems.append(f"rule broken: {description}; {_describe(broken, None, lines, unit)}")
    if problems:
        subject = f"{path}" if db_table is None else f"{path}: table {db_table!r}"
        raise DataValidationError(
            f"{subject} does not match the schema of table {table.name!r} ({len(raw)} data rows; "
            f"see datasets/README.md):\n" + "\n".join(f"  - {p}" for p in problems)
        )
    if extra:
        out = pd.concat([out, _extra_columns(raw[extra])], axis=1)
    return out


def _extra_columns(raw: pd.DataFrame) -> pd.DataFrame:
    """Columns beyond the schema, kept: whole numbers (exact int64) or numbers where every cell is one, else text.

    Vectorised over all of them at once (a file may have thousands).
    """
    names = list(raw.columns)
    n, k = raw.shape
    cells = pd.Series(raw.to_numpy(dtype=object).ravel(order="F"), dtype="str").str.strip()
    ints, bad, beyond = _whole_numbers(cells.where(cells != ""))
    integer_cell = ~bad & ~beyond & (cells != "").to_numpy(bool)
    plain = cells.str.fullmatch(r"[+-]?[0-9]+").to_numpy(bool)
    numbers = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    as_int = (integer_cell & plain).reshape(k, n).all(axis=1)
    long_int = (plain & (cells.str.len().to_numpy() > 15)).reshape(k, n).any(axis=1)  # would lose digits as a float
    as_float = ~as_int & ~np.isnan(numbers).reshape(k, n).any(axis=1) & ~long_int
    parts = []
    if as_int.any():
        parts.append(pd.DataFrame(ints.reshape(k, n)[as_int].T, columns=[c for c, x in zip(names, as_int) if x], index=raw.index))
    if as_float.any():
        parts.append(pd.DataFrame(numbers.reshape(k, n)[as_float].T, columns=[c for c, x in zip(names, as_float) if x], index=raw.index))
    text = ~as_int & ~as_float
    if text.any():
        parts.append(raw.loc[:, text].astype("str"))
    out = pd.concat(parts, axis=1) if len(parts) > 1 else parts[0]
    out = out[names] if len(parts) > 1 else out
    return out.set_axis(pd.RangeIndex(n), axis=0)


def load_all(data_dir: str | Path | None = None, *, tables=None) -> dict[str, pd.DataFrame]:
    """Load several tables (default: all) and check the references between them.

    Every id a table refers to (an exhibitor, a visitor, an edition, a
    sector) must exist in the table it refers to; a missing one raises
    :class:`DataValidationError` naming both tables, the ids and the lines.
    The data dictionary's statements across tables are checked too: an
    exhibitor's ``first_edition`` is its first edition in the participation
    panel, a visitor's ``first_edition`` its first edition in ``visits``,
    and ``participation.services_spend`` is the sum (to the cent) of that
    exhibitor's and edition's transactions other than ``booth_rental``.
    References and statements involving tables that are not loaded are not
    checked.  *data_dir* is as for :func:`load`: the sample, a folder of CSV
    files or a database file.
    """
    names = list(TABLES) if tables is None else list(tables)
    source = _source(data_dir)
    in_db = isinstance(source, _Database)
    loaded, where = {}, {}
    for name in names:
        table = _table(name)
        frame, lines, unit = _load(table, source)
        loaded[name] = frame
        place = f"table {name!r}" if in_db else _table_file(source, table).name
        where[name] = (lines, unit, place)
    problems = []
    for (child, col), (parent, key) in REFERENCES.items():
        if child in loaded and parent in loaded:
            values = loaded[child][col].to_numpy()
            orphan = ~loaded[child][col].isin(loaded[parent][key]).to_numpy()
            if orphan.any():
                lines, unit, place = where[child]
                problems.append(
                    f"{child}.{col} refers to {parent}.{key} values that do not exist: "
                    f"{', '.join(map(str, dict.fromkeys(values[orphan][:_SHOW])))}; "
                    + _describe(orphan, None, lines, unit)
                    + f" of {place}"
                )
    problems += _statement_problems(loaded, where)
    if problems:
        raise DataValidationError(f"tables in {source} do not fit together:\n" + "\n".join(f"  - {p}" for p in problems))
    return loaded


def _statement_problems(loaded: Mapping[str, pd.DataFrame], where: Mapping[str, tuple]) -> list[str]:
    """The data dictionary's statements across tables that the loaded tables break (vectorised)."""
    problems = []
    for people, visits, who, panel_word in (
        ("exhibitors", "participation", "exhibitor_id", "its first edition in participation"),
        ("visitors", "visits", "visitor_id", "its first edition in visits"),
    ):
        if people in loaded and visits in loaded:
            frame, seen = loaded[people], loaded[visits]
            first = seen["edition"].groupby(seen[who].to_numpy(), sort=False).min()
            actual = first.reindex(frame[who].to_numpy()).to_numpy(dtype=float, na_value=np.nan)
            stated = frame["first_edition"].to_numpy()
            wrong = ~np.isnan(actual) & (stated != actual)
            if wrong.any():
                lines, unit, place = where[people]
                ids, first_rows = frame[who].to_numpy(), np.flatnonzero(wrong)[:_SHOW]
                shown = np.full(wrong.size, "", dtype=object)
                shown[first_rows] = [f"{ids[i]}: first_edition {stated[i]}, {visits} from {actual[i]:.0f}" for i in first_rows]
                problems.append(
                    f"{people}.first_edition must be {panel_word} (the data dictionary: "
                    f"{TABLES[people].column('first_edition').meaning}); {_describe(wrong, shown, lines, unit, quote=False)} of {place}"
                )
    if "participation" in loaded and "transactions" in loaded:
        panel, tx = loaded["participation"], loaded["transactions"]
        services = tx["service"].to_numpy() != "booth_rental"
        keys = pd.MultiIndex.from_arrays([panel["exhibitor_id"].to_numpy(), panel["edition"].to_numpy()])
        bought = pd.Series(tx["amount"].to_numpy()[services]).groupby(
            [tx["exhibitor_id"].to_numpy()[services], tx["edition"].to_numpy()[services]], sort=False
        ).sum()
        total = bought.reindex(keys, fill_value=0.0).to_numpy(dtype=float) if len(bought) else np.zeros(len(panel))
        stated = panel["services_spend"].to_numpy(dtype=float)
        wrong = ~(np.abs(stated - total) <= 0.005 + 1e-12 * np.abs(total))  # to the cent (NaN counts as wrong)
        if wrong.any():
            lines, unit, place = where["participation"]
            shown, first_rows = np.full(wrong.size, "", dtype=object), np.flatnonzero(wrong)[:_SHOW]
            ids, editions = panel["exhibitor_id"].to_numpy(), panel["edition"].to_numpy()
            shown[first_rows] = [
                f"{ids[i]}/{editions[i]}: services_spend {stated[i]:.2f}, transactions {total[i]:.2f}" for i in first_rows
            ]
            problems.append(
                "participation.services_spend must be the sum, to the cent, of the transactions of that exhibitor_id "
                "and edition other than booth_rental (the data dictionary: "
                f"{TABLES['participation'].column('services_spend').meaning}); "
                f"{_describe(wrong, shown, lines, unit, quote=False)} of {place}"
            )
    return problems


def load_truth(data_dir: str | Path | None = None) -> Truth | None:
    """The planted truth of a simulated dataset, or None for data without one (your own).

    The truth is read from the files ``truth.json``, ``truth_latent.csv`` and
    ``truth_kano.csv`` of a folder.  A database file counts as your own data:
    for it the answer is always None, whatever tables it holds (keep a
    simulated market's truth in its folder, as :func:`write_tables` writes it).
    """
    source = _source(data_dir)
    if isinstance(source, _Database) or not all((source / f).is_file() for f in TRUTH_FILES):
        return None
    return Truth.from_files(source)


def _create_tables(con, frames: Mapping[str, pd.DataFrame]) -> None:
    """Copy each DataFrame into a DuckDB table of its name (date columns as ``DATE``)."""
    view = "_crm_lab_frame"
    for name, df in frames.items():
        dates = [c.name for c in TABLES[name].columns if c.dtype == "date" and c.name in df]
        replace = ", ".join(f"CAST({_quote(c)} AS DATE) AS {_quote(c)}" for c in dates)
        con.register(view, df)
        try:
            con.execute(f"CREATE TABLE {_quote(name)} AS SELECT *{f' REPLACE ({replace})' if dates else ''} FROM {view}")
        finally:
            con.unregister(view)


def connect(data_dir: str | Path | None = None, *, tables: Iterable[str] | None = None):
    """The customer database (客户数据库): every validated table, queryable with SQL.

    An in-memory DuckDB database holding one table per table of the data,
    under its documented name (``exhibitors``, ``participation``, ``survey``,
    ...), with the columns and values :func:`load_all` returns.  Nothing is
    written anywhere: not into your folder or database file, not to disk.

    Parameters
    ----------
    data_dir : str or Path, optional
        As for :func:`load`: ``None`` or ``""`` for the shipped sample, a
        folder of CSV files, or a DuckDB or SQLite database file (opened
        read-only, only to read and validate its tables).
    tables : iterable of str, optional
        The tables to load (default: all of :data:`crm_lab.schema.TABLES`).

    Returns
    -------
    duckdb.DuckDBPyConnection
        Query it with ``con.execute(sql).fetchall()`` (rows as tuples) or
        ``con.execute(sql).df()`` (a DataFrame).  Types: whole numbers ``BIGINT``,
        amounts ``DOUBLE``, text and codes ``VARCHAR``, dates ``DATE``; an
        empty cell is ``NULL``.  Close it with ``con.close()`` (or open it
        in a ``with`` block).

    Raises
    ------
    DataValidationError, MissingTableError, FileNotFoundError
        Exactly as :func:`load_all`: the data are validated (every column
        rule, row rule, and reference between the tables loaded) before any
        table is created.
    ValueError
        For an unknown table name (with the closest known one).

    See Also
    --------
    load_all : the same tables as pandas DataFrames.
    write_database : write tables into a DuckDB or SQLite file of your own.

    Notes
    -----
    The tables are copies of the validated DataFrames: changing them with
    SQL changes neither the files nor what :func:`load` returns.  The
    database lives in memory, about the size of the DataFrames; loading
    takes the time of :func:`load_all` plus the copy (measured by
    ``benchmarks/bench_database.py``).

    Examples
    --------
    >>> con = connect(tables=["exhibitors", "participation"])
    >>> con.execute("SELECT COUNT(*) FROM exhibitors").fetchall()
    [(3000,)]
    >>> con.execute(
    ...     "SELECT e.size_class, COUNT(*) AS exhibitors, ROUND(AVG(p.booth_sqm), 1) AS mean_sqm "
    ...     "FROM participation AS p JOIN exhibitors AS e USING (exhibitor_id) "
    ...     "WHERE p.edition = 7 AND p.participated = 1 "
    ...     "GROUP BY e.size_class ORDER BY mean_sqm"
    ... ).fetchall()
    [('small', 635, 14.4), ('medium', 343, 37.1), ('large', 188, 133.8)]
    >>> con.close()
    """
    import duckdb

    names = list(TABLES) if tables is None else list(tables)
    for name in names:
        _table(name)
    loaded = load_all(data_dir, tables=names)
    con = duckdb.connect(":memory:")
    try:
        _create_tables(con, loaded)
    except BaseException:
        con.close()
        raise
    return con


# --------------------------------------------------------------------------
# writing, regenerating, verifying
# --------------------------------------------------------------------------


def _csv_frame(df: pd.DataFrame, table: Table) -> pd.DataFrame:
    out = df[list(table.column_names)].copy()
    for col in table.columns:
        if col.dtype == "date" and pd.api.types.is_datetime64_any_dtype(out[col.name]):
            out[col.name] = out[col.name].dt.strftime("%Y-%m-%d")
    return out


def write_tables(market: Market, folder: str | Path, *, format: str = "csv") -> list[Path]:
    """Write a market's tables, truth and checksum manifest into *folder*.

    Parameters
    ----------
    market : Market
        A simulated market (:func:`crm_lab.simulate.simulate_market`).
    folder : str or Path
        Created if needed.
    format : {"csv", "parquet"}
        ``"csv"`` (default): one ``<table>.csv`` per table, written
        byte-stably (UTF-8, ``\\n`` line ends, money with two decimals), so
        the same seed gives byte-identical files.  ``"parquet"``: one
        ``<table>.parquet`` per table (zstd-compressed, dates as ``DATE``),
        smaller and much faster to write and read for large research
        markets; :func:`load`, :func:`load_all` and :func:`connect` read
        them as they read CSV files, with the same checks.  The same seed
        gives the same Parquet bytes with the same pyarrow version.

    The planted truth is written as ``truth.json``, ``truth_latent.csv`` and
    ``truth_kano.csv`` in both cases, and ``MANIFEST.sha256`` lists every
    file's SHA-256.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ValueError
        For an unknown *format*.
    FileExistsError
        When *folder* already holds a table in the other format (``load``
        would not know which file to read).
    """
    if format not in ("csv", "parquet"):
        raise ValueError(f"write_tables: format must be 'csv' or 'parquet' (got {format!r})")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for table in TABLES.values():
        other = folder / (f"{table.name}{PARQUET_SUFFIX}" if format == "csv" else table.filename)
        if other.exists():
            raise FileExistsError(
                f"{other}: the folder already holds table {table.name!r} in the other format; "
                f"write the {format} tables into another folder, or remove the old files first"
            )
    written = []
    for name, table in TABLES.items():
        frame = market.tables[name][list(table.column_names)]
        dates = [c.name for c in table.columns if c.dtype == "date"]
        if format == "parquet":
            path = folder / f"{name}{PARQUET_SUFFIX}"
            _write_parquet(frame, dates, path)
        else:
            path = folder / table.filename
            write_csv(frame, path, decimals=2, dates=dates)
        written.append(path)
    written += market.truth.to_files(folder)
    written.append(_write_manifest(folder, [p.name for p in written]))
    return written


def _write_parquet(frame: pd.DataFrame, dates: list[str], path: Path) -> None:
    """One table as a Parquet file: text as UTF-8 strings, dates as ``DATE``, no pandas metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {}
    for name in frame.columns:
        values = frame[name]
        if name in dates and pd.api.types.is_datetime64_dtype(values.dtype):
            columns[name] = pa.array(values.to_numpy().astype("datetime64[D]"), pa.date32(), from_pandas=True)
        elif values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            columns[name] = pa.array(values.array if values.dtype != object else values.to_numpy(), pa.large_string(), from_pandas=True)
        else:
            columns[name] = pa.array(values.array if not isinstance(values.dtype, np.dtype) else values.to_numpy(), from_pandas=True)
    pq.write_table(pa.table(columns), path, compression="zstd")


def write_database(data: Market | Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write tables into a new database file: DuckDB for ``.duckdb``, SQLite for ``.sqlite`` or ``.db``.

    Parameters
    ----------
    data : Market or mapping of table name to DataFrame
        A simulated market (:func:`crm_lab.simulate.simulate_market`), or
        tables as :func:`load_all` returns them.  Each table's documented
        columns are written, with the values :func:`write_tables` writes.
    path : str or Path
        The file to create; it must not exist yet.

    Returns
    -------
    Path
        *path*.  Read it back with ``load(name, data_dir=path)`` or
        ``connect(path)``; the planted truth is not written (see
        :func:`load_truth`).

    Notes
    -----
    DuckDB stores dates as ``DATE``; SQLite, which has no date type, as text
    ``YYYY-MM-DD`` (the CSV conversion of :func:`write_tables`).  SQLite is
    written with the standard library's :mod:`sqlite3`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DATABASE_SUFFIXES:
        raise ValueError(f"'path' must end in one of {', '.join(DATABASE_SUFFIXES)} (got {str(path)!r})")
    if path.exists():
        raise FileExistsError(f"{path}: already exists; write_database only creates a new file")
    frames = data.tables if isinstance(data, Market) else dict(data)
    for name in frames:
        _table(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if suffix == ".duckdb":
            import duckdb

            con = duckdb.connect(str(path))
            try:
                _create_tables(con, {name: df[list(TABLES[name].column_names)] for name, df in frames.items()})
            finally:
                con.close()
        else:
            con = sqlite3.connect(path)
            try:
                for name, df in frames.items():
                    _csv_frame(df, TABLES[name]).to_sql(name, con, index=False)
                con.commit()
            finally:
                con.close()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_manifest(folder: Path, names: list[str]) -> Path:
    path = folder / MANIFEST
    path.write_text("".join(f"{_sha256(folder / n)}  {n}\n" for n in sorted(names)), encoding="utf-8")
    return path


def generate_sample(output_dir: str | Path | None = None, *, seed: int | None = None) -> list[Path]:
    """Simulate the sample market and write it (tables, truth, manifest).

    Parameters
    ----------
    output_dir : str or Path, optional
        Where to write; default the clone's ``datasets/`` folder (an
        installed package is never written to: pass a folder there).
    seed : int, optional
        Default :data:`SAMPLE_SEED`, the seed of the shipped sample.
    """
    seed = SAMPLE_SEED if seed is None else seed
    market = simulate_market(**SAMPLE_SIZES, rng=seed)
    return write_tables(market, _clone_sample_dir("generate_sample") if output_dir is None else output_dir)


def verify(data_dir: str | Path | None = None, *, regenerate: bool = False) -> list[str]:
    """Problems with a dataset folder; an empty list means it is sound.

    Checks that ``MANIFEST.sha256`` lists exactly the dataset's files (every
    table file and truth file in the folder, nothing missing, every entry a
    well-formed ``<SHA-256>  <file name>`` line naming a file of this folder)
    and that each file has its listed SHA-256; then loads every table
    (validation, cross-table references and statements).  Other files of the
    folder (a README, notebooks) are not part of the dataset and not checked.
    With ``regenerate=True`` the sample is also simulated afresh from its
    seed (read from ``truth.json``) into a temporary folder, and each file
    must be byte-identical (a Parquet
    folder is regenerated as Parquet, and its tables must hold the same
    values: its bytes also depend on the pyarrow version).
    """
    folder = _source(data_dir)
    if isinstance(folder, _Database):
        raise ValueError(f"verify checks a folder of CSV files against its {MANIFEST}; {folder} is a database file (use load_all)")
    problems = manifest_problems(folder)
    try:
        load_all(folder)
    except (DataValidationError, FileNotFoundError) as exc:
        problems.append(str(exc))
    if regenerate:
        truth = load_truth(folder)
        if truth is None or truth.seed is None:
            problems.append(f"{folder}: no truth.json with a seed, so the data cannot be regenerated")
        else:
            fmt = "parquet" if any((folder / f"{t}{PARQUET_SUFFIX}").is_file() for t in TABLES) else "csv"
            with tempfile.TemporaryDirectory() as tmp:
                market = simulate_market(**_sizes_for(truth), params=truth.params, rng=truth.seed)
                for path in write_tables(market, tmp, format=fmt):
                    if path.name == MANIFEST:
                        continue
                    mine = folder / path.name
                    if not mine.is_file() or not _same_content(mine, path):
                        problems.append(f"{mine}: differs from a fresh simulation with seed {truth.seed}")
    return problems


_MANIFEST_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")  # sha256sum's format: '<digest>  <file>' ('*' for binary mode)


def _dataset_files(folder: Path) -> list[str]:
    """The names of the dataset's files present in *folder*: tables (CSV or Parquet) and the truth files."""
    names = [t.filename for t in TABLES.values()] + [f"{t}{PARQUET_SUFFIX}" for t in TABLES] + list(TRUTH_FILES)
    return [n for n in names if os.path.lexists(folder / n)]


def manifest_problems(folder: str | Path) -> list[str]:
    """What is wrong with the folder's manifest, and with each file against it (empty: an unchanged dataset).

    The manifest must list exactly the dataset's files present (tables and
    truth files), as plain names of this folder, each once, with its SHA-256;
    problems name the manifest's line numbers.  Other files are ignored.
    """
    folder = Path(folder)
    manifest = folder / MANIFEST
    kind = _special(manifest)
    if kind:
        return [f"{manifest} {kind}"]
    if not manifest.is_file():
        return [f"{manifest}: missing"]
    try:
        text = manifest.read_text(encoding="utf-8")
    except (UnicodeDecodeError, PermissionError) as exc:
        reason = "permission denied" if isinstance(exc, PermissionError) else "not UTF-8 text"
        return [f"{manifest}: cannot be read ({reason})"]
    problems: list[str] = []
    listed: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _MANIFEST_LINE.fullmatch(line.rstrip())
        if match is None:
            problems.append(
                f"{MANIFEST} line {number}: expected '<64 hexadecimal digits of SHA-256>  <file name>', got {line[:80]!r}"
            )
            continue
        digest, name = match.group(1).lower(), match.group(2)
        if name != os.path.basename(name) or "\\" in name or name in (".", ".."):
            problems.append(
                f"{MANIFEST} line {number}: {name!r} is not a file of this folder (entries are plain file names, "
                "without folders or '..')"
            )
            continue
        if name in listed:
            problems.append(f"{MANIFEST} line {number}: {name} is listed twice (first on line {listed[name][1]})")
            continue
        listed[name] = (digest, number)
    if not listed and not problems:
        problems.append(f"{manifest}: lists no files; expected a line '<SHA-256>  <file name>' for every file of the dataset")
    unlisted = [n for n in _dataset_files(folder) if n not in listed]
    if unlisted:
        problems.append(f"{folder}: {', '.join(unlisted)} {'is' if len(unlisted) == 1 else 'are'} not listed in {MANIFEST}")
    for name, (digest, number) in sorted(listed.items()):
        path = folder / name
        kind = _special(path)
        if kind:
            problems.append(f"{path}: listed in {MANIFEST} (line {number}) but {kind}")
        elif not path.is_file():
            problems.append(f"{path}: listed in {MANIFEST} (line {number}) but missing")
        elif not os.access(path, os.R_OK):
            problems.append(f"{path}: listed in {MANIFEST} (line {number}) but cannot be read (permission denied)")
        elif _sha256(path) != digest:
            problems.append(f"{path}: SHA-256 differs from {MANIFEST} (line {number})")
    return problems


def _same_content(mine: Path, fresh: Path) -> bool:
    """Byte-identical; for Parquet files, the same table (the bytes also name the pyarrow version that wrote them)."""
    if mine.read_bytes() == fresh.read_bytes():
        return True
    if fresh.suffix != PARQUET_SUFFIX:
        return False
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(mine).equals(pq.read_table(fresh))
    except (pa.ArrowException, OSError):
        return False


def _sizes_for(truth: Truth) -> dict:
    sizes = dict(truth.sizes)
    return {k: sizes[k] for k in ("n_exhibitors", "n_visitors", "n_editions", "survey_edition", "kano_respondents")}


# --------------------------------------------------------------------------
# the data dictionary
# --------------------------------------------------------------------------


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def dictionary_markdown() -> str:
    """The data dictionary (``datasets/README.md``), generated from the schema."""
    out = [
        "# The exhibition datasets — data dictionary",
        "",
        "<!-- Generated from crm_lab/schema.py by `crm-lab data dictionary`; do not edit by hand. -->",
        "",
        "The CSV files in this folder are one realisation of the simulated exhibition market of",
        f"`crm_lab.simulate.simulate_market`, with seed {SAMPLE_SEED} and sizes "
        + ", ".join(f"`{k}={v}`" for k, v in SAMPLE_SIZES.items())
        + ".",
        "They are regenerated, byte for byte, by `crm-lab data generate`, and checked against",
        f"`{MANIFEST}` (SHA-256) by `crm-lab data verify`.",
        "",
        "`truth.json`, `truth_latent.csv` and `truth_kano.csv` hold the planted truth of the simulation",
        "(every parameter, each exhibitor's latent scores, the planted Kano categories); your own",
        "data has none, and the notebooks then skip their comparisons with it.",
        "",
        "## Using your own data",
        "",
        "Put CSV files named as the tables below (`survey.csv`, `kano.csv`, ...) in a folder and pass it",
        "as `data_dir` (`crm_lab.datasets.load(\"survey\", data_dir=\"my_data\")`, or a notebook's `data_dir`",
        "parameter). Files are UTF-8, comma-separated, with a header row; column order does not matter;",
        "extra columns are kept; an empty cell is a missing value, allowed only where the table says so.",
        "A notebook needs only the tables it reads. A file that breaks the schema stops with an error",
        "that names the file, the column, the lines and what was expected. Nothing is written into your folder.",
        "",
        "Or keep the tables in one database file — DuckDB (`.duckdb`) or SQLite (`.sqlite`, `.db`) — with",
        "the table and column names below, and pass the file as `data_dir`. It is opened read-only and",
        "checked exactly like the CSV files (dates as `DATE` or text `YYYY-MM-DD`); errors name the file,",
        "the table, the column and the rows. `crm_lab.datasets.connect(data_dir)` opens the validated",
        "tables as an in-memory DuckDB database to query with SQL.",
        "",
        "## Tables",
        "",
        "| table | file | rows are | 中文 | key |",
        "|---|---|---|---|---|",
    ]
    out += [f"| [{t.name}](#{t.name}) | `{t.filename}` | {_cell(t.meaning)} | {t.zh} | {', '.join(t.key)} |" for t in TABLES.values()]
    for t in TABLES.values():
        out += ["", f"## {t.name}", "", f"{t.meaning[0].upper()}{t.meaning[1:]} ({t.zh}). Unique key: {', '.join(t.key)}.", ""]
        out += ["| column | type | unit | allowed | empty allowed | meaning | 中文 |", "|---|---|---|---|---|---|---|"]
        out += [
            f"| `{c.name}` | {c.dtype} | {_cell(c.unit)} | {_cell(c.allowed)} | {'yes' if c.nullable else 'no'} | {_cell(c.meaning)} | {c.zh} |"
            for c in t.columns
        ]
        rules = [d for d, _ in t.checks] + list(t.notes)
        if rules:
            out += [""] + [f"- {r[0].upper()}{r[1:]}." if not r.endswith(".") else f"- {r}" for r in rules]
    out += [
        "",
        "## Survey scales",
        "",
        "Multi-item scales of `survey.csv` (`crm_lab.schema.SCALES`); every item is a 1-7 agreement.",
        "",
        "| construct | items | 中文 | item wording |",
        "|---|---|---|---|",
    ]
    out += [f"| {SCALE_LABELS[c][0]} | {', '.join(items)} | {SCALE_LABELS[c][1]} | {_cell(SCALE_LABELS[c][2])} |" for c, items in SCALES.items()]
    refs = [f"- `{a}.{b}` refers to `{c}.{d}`" for (a, b), (c, d) in REFERENCES.items()]
    refs += [
        "- `exhibitors.first_edition` is the exhibitor's first edition in `participation`",
        "- `visitors.first_edition` is the visitor's first edition in `visits`",
        "- `participation.services_spend` is the sum, to the cent, of that exhibitor's transactions of that edition "
        "other than `booth_rental`",
    ]
    out += ["", "## References between tables", "", "`crm_lab.datasets.load_all` checks that", ""] + refs + [""]
    return "\n".join(out)


def write_dictionary(path: str | Path | None = None) -> Path:
    """Write :func:`dictionary_markdown` (default: the clone's ``datasets/README.md``)."""
    path = _clone_sample_dir("write_dictionary") / "README.md" if path is None else Path(path)
    path.write_text(dictionary_markdown(), encoding="utf-8")
    return path
