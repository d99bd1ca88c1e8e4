"""Recognise a user's database file (DuckDB or SQLite) by its suffix and its first bytes.

Shared by :mod:`crm_lab.datasets` (which reads such a file) and
:mod:`crm_lab.params` (which checks a notebook's ``data_dir`` before any work
is done); it imports nothing heavy, so checking parameters stays fast.
"""

from __future__ import annotations

import os

__all__ = ["DATABASE_SUFFIXES", "PARQUET_SUFFIX", "database_kind", "has_database_suffix", "is_parquet", "not_a_database"]

#: The suffixes of a database file that ``data_dir`` may name (compared case-insensitively).
DATABASE_SUFFIXES = (".duckdb", ".sqlite", ".db")

#: The suffix of a table in Parquet format (``<table>.parquet`` in a folder, beside or instead of CSV files).
PARQUET_SUFFIX = ".parquet"

_PARQUET_MAGIC = b"PAR1"  # the first (and last) 4 bytes of every Parquet file
_SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite 3 database
_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database (after an 8-byte checksum)


def has_database_suffix(path: str | os.PathLike) -> bool:
    """Whether *path* ends in one of :data:`DATABASE_SUFFIXES`."""
    return os.path.splitext(os.fspath(path))[1].lower() in DATABASE_SUFFIXES


def database_kind(path: str | os.PathLike) -> str | None:
    """``"duckdb"`` or ``"sqlite"`` from the file's header, or None when it is neither.

    The content decides, not the suffix: a ``.db`` file may be either.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError:
        return None
    if head.startswith(_SQLITE_MAGIC):
        return "sqlite"
    if head[8:12] == _DUCKDB_MAGIC:
        return "duckdb"
    return None


def is_parquet(path: str | os.PathLike) -> bool:
    """Whether the file *path* starts as a Parquet file does (its content decides, not its suffix)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == _PARQUET_MAGIC
    except OSError:
        return False


def not_a_database(path: str | os.PathLike) -> str:
    """Why the existing file *path* is not a database it could read (one clause)."""
    size = os.path.getsize(path)
    if size == 0:
        return f"{os.fspath(path)!r} is an empty file, not a DuckDB or SQLite database"
    return f"{os.fspath(path)!r} is not a DuckDB or SQLite database (its first bytes are neither's file header)"
