"""mlprov.analytics: run the stored analyses, draw the report, export tables, the waste model.

For notebooks::

    import mlprov.analytics as mla
    df = mla.run("corpus_summary")
"""

from mlprov.analytics.runner import run

__all__ = ["run"]
