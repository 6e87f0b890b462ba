"""Synthetic production-pipeline corpus (SPEC §6) and the SPEC §3 graphlet reference.

`generate` writes a real MLMD SQLite store with its ground truth; `describe` measures SPEC §6
quantities on any store; `compute_graphlets` is the plain-Python graphlet oracle.
"""

from mlprov.corpus.describe import describe
from mlprov.corpus.generate import SCALES, CorpusFiles, generate
from mlprov.corpus.oracle.graphlets import compute, compute_graphlets, graphlets_from_rows

__all__ = ["SCALES", "CorpusFiles", "compute", "compute_graphlets", "describe", "generate", "graphlets_from_rows"]
