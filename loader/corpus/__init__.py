"""Synthetic production-pipeline corpus (SPEC §6) and the SPEC §3 graphlet reference.

`generate` writes a real MLMD SQLite store with its ground truth; `describe` measures SPEC §6
quantities on any store; `compute_graphlets` is the plain-Python graphlet oracle.
"""

from mlprov.loader.corpus.describe import describe
from mlprov.loader.corpus.generate import SCALES, CorpusFiles, generate
from mlprov.loader.corpus.reference import compute, compute_graphlets, graphlets_from_rows

__all__ = ["SCALES", "CorpusFiles", "compute", "compute_graphlets", "describe", "generate", "graphlets_from_rows"]
