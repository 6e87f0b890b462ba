"""Writing results: the output formats, one DataFrame writer (stdout or a file), strict JSON for
documents, and the one atomic file write that every file mlprov writes for others goes through.

Atomic: the file is written to a temporary file in the same folder, fsynced, then renamed over the
old one (`os.replace`), so a reader sees the old file or the new one, never half of one. Strict
JSON: NaN and infinities are written as null (orchestrators' parsers refuse them).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mlprov.core.errors import BadInputError


class Format(str, Enum):
    """Every output format; each command offers some of them."""

    table = "table"  # aligned columns for people
    text = "text"  # a few sentences for people (an advice)
    csv = "csv"
    json = "json"
    parquet = "parquet"  # files only


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_umask() -> int:
    """The process's umask, read without changing it (Linux: /proc/self/status), else by setting
    and restoring it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Write `path` by `write(temporary path)` in the same folder, fsync, and rename it into place.
    The file gets the mode a plain `open(path, "w")` gives it (0666 less the umask), not the
    temporary file's 0600 (rules §13)."""
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    temporary = Path(name)
    try:
        write(temporary)
        os.chmod(temporary, 0o666 & ~current_umask())
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def _quote_characters() -> str:
    """The characters that make pandas' `to_csv` (Python's csv writer, QUOTE_MINIMAL, a newline
    ending each line) quote a field, asked of the csv module itself: which line-break characters it
    quotes has differed between Python versions."""
    quoted = []
    for character in ',"\r\n':
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow([f"a{character}b", "c"])
        if buffer.getvalue().startswith('"'):
            quoted.append(character)
    return "".join(quoted)


_NEEDS_QUOTES = "[" + _quote_characters() + "]"  # none of them is special in a class


def _csv_quoted(values: pa.Array) -> pa.Array:
    """Strings as a CSV field: quoted, with quotes doubled, only where a delimiter, a quote or a line
    break needs it."""
    needs = pc.fill_null(pc.match_substring_regex(values, _NEEDS_QUOTES), False)
    if not pc.any(needs).as_py():
        return values
    wrapped = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
    return pc.if_else(needs, wrapped, values)


def _csv_field(series: pd.Series) -> pa.Array | None:
    """A column as the text `to_csv` writes for it (null where it writes nothing), or None for a
    kind of column this does not know."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return pc.if_else(pa.array(series, type=pa.bool_(), from_pandas=True), "True", "False")
    if pd.api.types.is_integer_dtype(dtype):
        return pc.cast(pa.array(series, from_pandas=True), pa.string())
    if pd.api.types.is_float_dtype(dtype) and dtype.itemsize == 8:
        # Python's shortest repr, as pandas writes floats (Arrow's own formatting differs: 1 for 1.0).
        # Only 64-bit ones: pandas writes a float32 by its own shortest form (0.1), not a double's.
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        text = pa.array(list(map(float.__repr__, values.tolist())), type=pa.string())
        return pc.if_else(pa.array(np.isnan(values)), pa.scalar(None, pa.string()), text)
    if isinstance(dtype, pd.StringDtype):
        return _csv_quoted(pc.cast(pa.array(series, from_pandas=True), pa.string()))
    if dtype == object and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return _csv_quoted(pa.array(series.to_numpy(dtype=object), type=pa.string(), from_pandas=True))
    return None


def _fast_csv(frame: pd.DataFrame) -> str | None:
    """`frame.to_csv(index=False)`, byte for byte, with the formatting and quoting done in Arrow
    (about a third of `to_csv`'s time on the export's 330,000-row tables, with the GIL the export's
    other threads need free for a third of it, against 1%); None for a frame it does not know how to
    write (then pandas writes it). One column is left to pandas: a row of one empty field is
    written `""`; so are repeated column names."""
    if (len(frame.columns) < 2 or len(frame) == 0 or os.linesep != "\n" or not frame.columns.is_unique
            or not all(isinstance(name, str) for name in frame.columns)):
        return None
    fields = []
    for name in frame.columns:
        field = _csv_field(frame[name])
        if field is None:
            return None
        fields.append(pc.fill_null(field, ""))
    header = ",".join(_csv_quoted(pa.array(list(frame.columns), type=pa.string())).to_pylist())
    lines = pc.binary_join_element_wise(*fields, ",")
    return header + "\n" + "\n".join(lines.to_pylist()) + "\n"


def frame_text(frame: pd.DataFrame, fmt: Format | str, decimals: int | None = None) -> str:
    """A table as text: `table` (aligned, floats to `decimals` places when given), `csv` or `json`
    (a list of records, strict)."""
    fmt = Format(fmt)
    if fmt is Format.csv:
        text = _fast_csv(frame)
        return frame.to_csv(index=False) if text is None else text
    if fmt is Format.json:
        # pandas writes NaN, infinities and missing values as null, objects it does not know as
        # strings; in C, where a detour through Python objects takes 20 times longer.
        return frame.to_json(orient="records", indent=1, default_handler=str) + "\n"
    if fmt is Format.table:
        if frame.empty:
            return "(no rows)\n"
        float_format = None if decimals is None else (lambda v: f"{v:.{decimals}f}")
        return frame.to_string(index=False, float_format=float_format) + "\n"
    raise ValueError(f"a table is not written as {fmt.value}")


def check_destination(fmt: Format | str, output: Path | None) -> None:
    """Refuse, before any work, a format that stdout cannot take (parquet is binary)."""
    if Format(fmt) is Format.parquet and output is None:
        raise BadInputError("--format parquet needs --output PATH")


def write_frame(frame: pd.DataFrame, fmt: Format | str, output: Path | None = None,
                decimals: int | None = None) -> None:
    """Write a table to stdout, or atomically to the file `output` (parquet needs a file)."""
    fmt = Format(fmt)
    check_destination(fmt, output)
    if output is None:
        sys.stdout.write(frame_text(frame, fmt, decimals))
        return
    if fmt is Format.parquet:
        atomic_write(output, lambda path: frame.to_parquet(path, index=False))
        return
    text = frame_text(frame, fmt, decimals)
    atomic_write(output, lambda path: path.write_text(text, encoding="utf-8"))


def strict(value: Any) -> Any:
    """`value` with NaN, infinities and missing values as None and numpy scalars as Python ones,
    so that `json.dumps(..., allow_nan=False)` takes it."""
    if isinstance(value, Mapping):
        return {str(key): strict(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(item) for item in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if value is pd.NA or value is pd.NaT or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value


def json_text(document: Any) -> str:
    """A document (dicts, lists, numbers, strings) as strict JSON."""
    return json.dumps(strict(document), indent=2, allow_nan=False, default=str) + "\n"


def write_json(document: Any) -> None:
    """Write a document as strict JSON to stdout."""
    sys.stdout.write(json_text(document))
