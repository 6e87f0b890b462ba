"""Synthetic production-pipeline corpus (rules §6) and the plain-Python graphlet oracle (rules §3).

`generate` writes a real MLMD SQLite store with its ground truth; `describe` measures the
calibration quantities of rules §6 on any store; `compute_graphlets` is the plain-Python graphlet
oracle.
"""

from mlprov.corpus.describe import describe
from mlprov.corpus.generate import SCALES, CorpusFiles, generate
from mlprov.corpus.oracle.graphlets import compute, compute_graphlets, graphlets_from_rows

__all__ = ["SCALES", "CorpusFiles", "compute", "compute_graphlets", "describe", "generate", "graphlets_from_rows"]
