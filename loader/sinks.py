"""What a graph stream is written into, and the one loop that writes it.

A sink takes a store's graph rows one at a time, in load order, and chooses how to batch them (a
`BatchSink` takes the link tables' rows a chunk at a time, as columns):
`neo4j_sink.Neo4jBatchSink` writes them into a database, `import_files_sink.ImportFilesSink` into
files for `neo4j-admin database import`. `fill` is the same for both: it pours the stream into the
sink with a progress line per MLMD table and counts what the Source node records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from mlprov.core.collection import fewer_collections
from mlprov.core.progress import Progress
from mlprov.loader.graph_stream import GraphStream, Part


class GraphSink(Protocol):
    def write(self, part: Part, row: dict) -> None:
        """Take one row; rows come in the stream's load order."""

    def finish(self) -> None:
        """The stream is complete: write whatever is still held back."""

    def close(self) -> None:
        """Release what the sink holds, waiting for any write in progress; rows not yet written
        are dropped. Harmless after `finish`."""


@runtime_checkable
class BatchSink(GraphSink, Protocol):
    """A sink that also takes a reading's rows a batch at a time, as columns (`Reading.batches`)."""

    def write_batch(self, part: Part, columns: dict[str, list]) -> None:
        """Take the rows that `columns` (equal-length lists named by the row keys) hold, in order."""


@dataclass(frozen=True)
class Written:
    """MLMD rows written (pipelines are derived, so not counted) and the reader's skipped tally."""

    nodes: int
    relationships: int
    skipped: dict[str, int]


class Meter(Protocol):
    def advance(self, n: int = 1) -> None: ...
    def close(self) -> None: ...


def fill(sink: GraphSink, stream: GraphStream, *, quiet: bool = False, only: Collection[str] | None = None,
         meter: Callable[[str, int], Meter] | None = None) -> Written:
    """Write every row of `stream` (of its readings labelled in `only`, when given) into `sink`, then
    finish it. Each reading's rows are counted on a progress line, or on what `meter(label,
    expected rows)` returns."""
    counted: Counter = Counter()
    try:
        with fewer_collections():
            _pour(sink, stream, counted, quiet, only, meter)
        sink.finish()
    except BaseException:
        # Nothing may still be writing when the caller handles the failure (a load removes what
        # it wrote); a write's own failure was raised already, or is beside the point now.
        try:
            sink.close()
        except Exception:
            pass
        raise
    return Written(counted["nodes"], counted["relationships"], stream.skipped)


def _pour(sink: GraphSink, stream: GraphStream, counted: Counter, quiet: bool, only: Collection[str] | None,
          meter: Callable[[str, int], Meter] | None) -> None:
    """`fill`'s loop: each reading into the sink (the link tables' a batch at a time where the sink
    takes batches), its rows counted in `counted` and on its progress line."""
    for reading in stream.readings(only):
        progress = (meter(reading.label, reading.expected) if meter is not None
                    else Progress(f"  {reading.label}", reading.expected, quiet=quiet))
        if reading.batches is not None and isinstance(sink, BatchSink):
            for part, columns in reading.batches:
                sink.write_batch(part, columns)
                if part.counts_as is not None:
                    n = len(next(iter(columns.values())))
                    counted[part.counts_as] += n
                    progress.advance(n)
        else:
            for part, row in reading.rows:
                sink.write(part, row)
                if part.counts_as is not None:
                    counted[part.counts_as] += 1
                    progress.advance()
        progress.close()
