"""mlprov.loader: read MLMD stores and write them into Neo4j; the synthetic corpus generator.

Public entry point: ``load_store(path, driver, database, ...)``.
"""

from mlprov.loader.load import LoadResult, load_store

__all__ = ["LoadResult", "load_store"]
