"""What a graph stream is written into, and the one loop that writes it.

A sink takes a store's graph rows one at a time, in load order, and chooses how to batch them:
`neo4j_sink.Neo4jBatchSink` writes them into a database, `import_files_sink.ImportFilesSink` into
files for `neo4j-admin database import`. `fill` is the same for both: it pours the stream into the
sink with a progress line per MLMD table and counts what the Source node records.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from mlprov.core.progress import Progress
from mlprov.loader.graph_stream import GraphStream, Part


class GraphSink(Protocol):
    def write(self, part: Part, row: dict) -> None:
        """Take one row; rows come in the stream's load order."""

    def finish(self) -> None:
        """The stream is complete: write whatever is still held back."""


@dataclass(frozen=True)
class Written:
    """MLMD rows written (pipelines are derived, so not counted) and the reader's skipped tally."""

    nodes: int
    relationships: int
    skipped: dict[str, int]


def fill(sink: GraphSink, stream: GraphStream, *, quiet: bool = False) -> Written:
    """Write every row of `stream` into `sink`, then finish it."""
    counted: Counter = Counter()
    for reading in stream.readings():
        progress = Progress(f"  {reading.label}", reading.expected, quiet=quiet)
        for part, row in reading.rows:
            sink.write(part, row)
            if part.counts_as is not None:
                counted[part.counts_as] += 1
                progress.advance()
        progress.close()
    sink.finish()
    return Written(counted["nodes"], counted["relationships"], stream.skipped)
