"""The CSV writer (`mlprov.core.output.frame_text`) writes what `DataFrame.to_csv(index=False)`
writes, byte for byte, while it formats and quotes columns in Arrow: exports written before it and
after it are the same files, and a table refreshed from its last Parquet file equals a whole run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlprov.core.output import _fast_csv, frame_text


def _floats(rng: np.random.Generator, n: int) -> np.ndarray:
    """Floats over every magnitude Python's repr writes differently: exponents below 1e-4 and from
    1e16, integral values (`1.0`), the shortest round-trip digits, signed zero and infinities."""
    spread = rng.standard_normal(n) * 10.0 ** rng.integers(-30, 30, n)
    whole = rng.integers(-10**6, 10**6, n).astype(float)
    edges = np.array([0.0, -0.0, 1e16, 1e15, 9999999999999998.0, 1e-4, 1e-5, 0.1 + 0.2, 123456789012345678.0,
                      np.inf, -np.inf, 5e-324, 1.7976931348623157e308, 0.25])
    return np.concatenate([spread, whole, edges])


TEXTS = ["plain", "", "a,b", 'say "hi"', "two\nlines", "carriage\rreturn", " leading space", "trailing ",
         "semi;colon", "tab\there", "ünïcödé", "'single'", '"', ",", "3 17 42"]


def _frames() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(7)
    floats = _floats(rng, 3000)
    n = len(floats)
    texts = [TEXTS[i % len(TEXTS)] for i in range(n)]
    with_nulls = [None if i % 7 == 3 else text for i, text in enumerate(texts)]
    masked_floats = pd.array([None if i % 5 == 2 else value for i, value in enumerate(floats)], dtype="Float64")
    return {
        # As the export's queries give them (run_df) and as Parquet reads them back.
        "nullable kinds": pd.DataFrame({
            "text": pd.array(with_nulls, dtype="str"),
            "count": pd.array([None if i % 4 == 1 else i - 1000 for i in range(n)], dtype="Int64"),
            "cost_s": masked_floats,
            "flag": pd.array([None if i % 6 == 0 else bool(i % 2) for i in range(n)], dtype="boolean"),
        }),
        # numpy columns: NaN floats, plain ints and bools, strings as objects.
        "numpy kinds": pd.DataFrame({
            "share": np.where(np.arange(n) % 9 == 4, np.nan, floats),
            "n": np.arange(n, dtype="int64") * 7919 - 10**9,
            "ok": np.arange(n) % 3 == 0,
            "name": pd.Series(texts, dtype=object),
        }),
        "header to quote": pd.DataFrame({"a,b": ["x", "y"], 'say "c"': [1.5, 2.0], "plain": [True, False]}),
        # Integers of other widths, the largest unsigned ones included.
        "integer widths": pd.DataFrame({
            "big": pd.array([2**64 - 1, None, 0], dtype="UInt64"),
            "small": np.array([-128, 0, 127], dtype="int8"),
            "u": np.array([2**63, 1, 2], dtype="uint64"),
        }),
        "all null text": pd.DataFrame({"text": pd.array([None, None], dtype="str"), "n": [1, 2]}),
    }


@pytest.mark.parametrize("name", sorted(_frames()))
def test_the_arrow_writer_writes_what_pandas_writes(name):
    frame = _frames()[name]
    fast = _fast_csv(frame)
    assert fast is not None, f"{name}: the fast writer gave the table back to pandas"
    assert fast == frame.to_csv(index=False)


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"only": ["x", "", None]}),  # one column: a row of one empty field is written ""
    pd.DataFrame({"a": pd.Series([], dtype="str"), "b": pd.Series([], dtype="Float64")}),  # no rows
    pd.DataFrame({"mixed": ["x", 1, 2.5], "n": [1, 2, 3]}),  # objects that are not all strings
    pd.DataFrame({"when": pd.to_datetime(["2026-01-01", "2026-01-02"]), "n": [1, 2]}),
    pd.DataFrame({1: ["x", "y"], "n": [1, 2]}),  # a column name that is not text
    pd.DataFrame({"f": np.array([0.1, 1.5], dtype="float32"), "n": [1, 2]}),  # written as 0.1, not as a double
    pd.DataFrame({"f": pd.array([0.1, None], dtype="Float32"), "n": [1, 2]}),
    pd.DataFrame([["x", 1], ["y", 2]], columns=["a", "a"]),
], ids=["one column", "no rows", "mixed objects", "datetimes", "numbered column", "float32", "Float32",
        "repeated name"])
def test_what_the_arrow_writer_does_not_know_pandas_writes(frame):
    assert _fast_csv(frame) is None
    assert frame_text(frame, "csv") == frame.to_csv(index=False)
