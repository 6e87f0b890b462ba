"""mlprov: provenance analytics for production ML pipelines.

Sub-packages: ``mlprov.loader`` (MLMD readers, Neo4j writer, synthetic corpus),
``mlprov.analytics`` (stored-query runner, analyses, report, export, waste model),
``mlprov.cypher`` (the stored queries), ``mlprov.server`` (local Neo4j), ``mlprov.cli``.
"""

__version__ = "0.1.0"
