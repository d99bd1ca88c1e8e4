"""Write a DataFrame as CSV fast, byte for byte as pandas writes it.

:func:`write_csv` writes what ``df.to_csv(path, index=False,
lineterminator="\\n", float_format=f"%.{decimals}f", encoding="utf-8")``
writes (the format of the shipped sample, :func:`crm_lab.datasets.write_tables`),
to the byte, but builds the text with Arrow's compute kernels instead of one
Python call per cell:

* whole numbers as Arrow prints them (as Python does: ``-12``);
* floats exactly as ``"%.2f" % x`` (correct rounding, half to even, ``-0.00``
  for small negatives): the digits come from ``rint(|x| * 10**decimals)``,
  and the rare value within rounding error of a tie (or too large for that)
  is formatted by Python itself;
* text as the :mod:`csv` module quotes it (``QUOTE_MINIMAL``): a value that
  holds a comma, a quote or a line break is written by :mod:`csv` itself;
* dates (the columns named in *dates*) as ``YYYY-MM-DD``;
* missing values as empty cells.

A table with anything else (a column of mixed Python objects, a time zone,
one column only, ...) is written by pandas itself, so the result is always
what pandas writes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["write_csv", "pandas_csv"]

_BATCH = 1 << 20  # rows turned into text at a time (bounds the memory the text needs)


def pandas_csv(df: pd.DataFrame, path: str | Path, *, decimals: int, dates: Iterable[str] = ()) -> None:
    """The reference: what pandas writes (dates formatted ``%Y-%m-%d`` first)."""
    out = df.copy()
    for name in dates:
        if name in out and pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = out[name].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, lineterminator="\n", float_format=f"%.{decimals}f", encoding="utf-8")


def write_csv(df: pd.DataFrame, path: str | Path, *, decimals: int, dates: Iterable[str] = ()) -> None:
    """Write *df* as :func:`pandas_csv` does, byte for byte, much faster."""
    dates = set(dates)
    names = list(df.columns)
    if len(names) < 2 or not all(isinstance(c, str) for c in names) or len(set(names)) != len(names):
        pandas_csv(df, path, decimals=decimals, dates=dates)
        return
    converters = [_converter(df[name], decimals, name in dates) for name in names]
    if any(c is None for c in converters):
        pandas_csv(df, path, decimals=decimals, dates=dates)
        return
    header = io.StringIO()
    _writer(header).writerow(names)
    with open(path, "wb") as handle:
        handle.write(header.getvalue().encode("utf-8"))
        for start in range(0, len(df), _BATCH):
            cells = [_as_string(convert(start, min(start + _BATCH, len(df)))) for convert in converters]
            lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*cells, ","), "", "\n")
            for chunk in lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]:
                handle.write(_bytes(chunk))


def _as_string(cells: pa.Array) -> pa.Array:
    return cells if cells.type == pa.string() else pc.cast(cells, pa.string())


def _writer(handle):
    # the dialect pandas' to_csv uses
    return csv.writer(handle, lineterminator="\n", delimiter=",", quotechar='"', quoting=csv.QUOTE_MINIMAL, doublequote=True)


def _bytes(strings: pa.Array) -> memoryview:
    """The concatenated UTF-8 bytes of a string array without nulls."""
    offsets_type = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    _, offsets, data = strings.buffers()
    bounds = np.frombuffer(offsets, dtype=offsets_type)[strings.offset : strings.offset + len(strings) + 1]
    if len(bounds) == 0:
        return memoryview(b"")
    return memoryview(data)[int(bounds[0]) : int(bounds[-1])]


def _converter(series: pd.Series, decimals: int, is_date: bool):
    """A function (start, stop) -> the column's cells as a string array, or None to leave it to pandas."""
    dtype = series.dtype
    if is_date:
        if not (isinstance(dtype, np.dtype) and dtype.kind == "M"):
            return None if dtype.kind == "M" else _text_converter(series)
        days = series.to_numpy().astype("datetime64[D]")
        valid = days[~np.isnat(days)]
        if valid.size and (valid.min() < np.datetime64("1000-01-01") or valid.max() > np.datetime64("9999-12-31")):
            return None
        return lambda a, b: pc.fill_null(pc.cast(pa.array(days[a:b]), pa.string()), "")
    if isinstance(dtype, np.dtype):
        if dtype.kind in "iu":
            values = series.to_numpy()
            return lambda a, b: pc.cast(pa.array(values[a:b]), pa.string())
        if dtype.kind == "b":
            values = series.to_numpy()
            return lambda a, b: pc.if_else(pa.array(values[a:b]), "True", "False")
        if dtype.kind == "f":
            values = series.to_numpy().astype(np.float64)
            return lambda a, b: _fixed(values[a:b], decimals)
        if dtype.kind == "O":
            return _text_converter(series)
        return None
    if isinstance(dtype, pd.StringDtype):
        return _text_converter(series)
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "iu" and dtype.name[0] in "IU":
        # pandas' nullable integers (Int64, ...): a missing value is an empty cell
        values = pa.array(series.array)
        return lambda a, b: pc.fill_null(pc.cast(values.slice(a, b - a), pa.string()), "")
    return None


def _text_converter(series: pd.Series):
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
        return None
    try:
        values = pa.array(series.array if series.dtype != object else series.to_numpy(), type=pa.large_string(), from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()

    def convert(a, b):
        cells = pc.cast(pc.fill_null(values.slice(a, b - a), ""), pa.string())
        special = pc.or_(pc.or_(pc.match_substring(cells, ","), pc.match_substring(cells, '"')), pc.match_substring(cells, "\n"))
        if pc.any(special).as_py():
            # A comma, a quote or a line feed: quoted, quotes doubled (as csv
            # always does).  A carriage return: as this Python's csv does.
            quoted = pc.binary_join_element_wise('"', pc.replace_substring(cells, '"', '""'), '"', "")
            cells = pc.if_else(special, quoted, cells)
            odd = pc.match_substring(cells, "\r")
            if pc.any(odd).as_py():
                which = np.flatnonzero(odd.to_numpy(zero_copy_only=False))
                raw = values.slice(a, b - a).take(pa.array(which)).to_pylist()
                cells = pc.replace_with_mask(cells, odd, pa.array([_quote(v) for v in raw], cells.type))
        return cells

    return convert


def _quote(value: str) -> str:
    """One value as the csv module writes it among others (quoted if it must be)."""
    out = io.StringIO()
    _writer(out).writerow([value, ""])
    return out.getvalue()[:-2]  # drop the empty second cell's comma and the line end


def _fixed(values: np.ndarray, decimals: int) -> pa.Array:
    """``"%.{decimals}f" % x`` for every x, exactly; NaN as an empty cell.

    The characters are laid out right-aligned in a byte matrix, one row per
    value, and the rows' used parts are then read out as one string buffer.
    """
    scale = 10.0**decimals
    with np.errstate(invalid="ignore", over="ignore"):
        y = np.abs(values) * scale
        r = np.rint(y)
        frac = y - np.floor(y)
        # Within rounding error of a tie (x.5), too large for exact integers, or
        # not finite: these few go to Python's own formatting.
        doubtful = ~(np.abs(frac - 0.5) > y * 1e-15) | ~(y < 2.0**52)
    units = np.where(doubtful, 0, r).astype(np.int64)
    negative = np.signbit(values) & ~doubtful
    whole = units // np.int64(10**decimals)
    digits = np.ones(units.size, dtype=np.int64)  # of the whole part
    rest = whole // 10
    while rest.any():
        digits += rest > 0
        rest //= 10
    tail = decimals + 1 if decimals else 0  # ".dd"
    length = negative + digits + tail
    width = int(length.max(initial=1))
    chars = np.zeros((units.size, width), dtype=np.uint8)
    column = width - 1
    rest = units.copy()
    for _ in range(decimals):
        chars[:, column] = rest % 10 + 48
        rest //= 10
        column -= 1
    if decimals:
        chars[:, column] = ord(".")
        column -= 1
    for j in range(int(digits.max(initial=1))):
        chars[:, column - j] = np.where(j < digits, rest % 10 + 48, 0)
        rest //= 10
    rows = np.flatnonzero(negative)
    chars[rows, width - 1 - tail - digits[rows]] = ord("-")
    used = np.arange(width) >= (width - length)[:, None]
    offsets = np.zeros(units.size + 1, dtype=np.int64)
    np.cumsum(length, out=offsets[1:])
    big = offsets[-1] >= 2**31
    text = pa.Array.from_buffers(
        pa.large_string() if big else pa.string(),
        units.size,
        [None, pa.py_buffer(offsets if big else offsets.astype(np.int32)), pa.py_buffer(chars[used])],
    )
    if doubtful.any():
        fmt = f"%.{decimals}f"
        fixes = ["" if np.isnan(x) else fmt % x for x in values[doubtful].tolist()]
        text = pc.replace_with_mask(text, pa.array(doubtful), pa.array(fixes, text.type))
    return text
