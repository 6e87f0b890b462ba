"""Synthetic production-pipeline corpus (rules §6) and the plain-Python graphlet oracle (rules §3).

`generate` writes a real MLMD SQLite store with its ground truth; `write_snapshot` writes it as it
stood at an instant (`as_of_ms` reads a day number or timestamp) and `replay` grows such a store
day by day, as a live store grows; `describe` measures the calibration quantities of rules §6 on
any store; `compute_graphlets` is the plain-Python graphlet oracle.
"""

from mlprov.corpus.describe import describe
from mlprov.corpus.generate import SCALES, CorpusFiles, generate
from mlprov.corpus.oracle.graphlets import compute, compute_graphlets, graphlets_from_rows
from mlprov.corpus.as_of import as_of_ms, day_end_ms
from mlprov.corpus.replay import replay
from mlprov.corpus.snapshot import write_snapshot

__all__ = ["SCALES", "CorpusFiles", "as_of_ms", "compute", "compute_graphlets", "day_end_ms", "describe", "generate",
           "graphlets_from_rows", "replay", "write_snapshot"]
