"""The one-command demo: local Neo4j, synthetic corpus, load, graphlets, report, exports.

Every step is the library call the matching CLI command makes, and every step is idempotent:
running the demo again reuses the corpus, finds the store loaded and the graphlets built, and
only redraws the report and refreshes the exports. The analyses run once: the export and the
report share their tables.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from mlprov.core.connection import open_driver
from mlprov.server.locate import start_if_local

log = logging.getLogger(__name__)

DEFAULT_SCALE = "S"
DEFAULT_SEED = 0


@dataclass
class DemoResult:
    report: Path
    exports: Path
    browser_url: str | None
    password_file: Path | None
    graphlets: int
    seconds: dict[str, float] = field(default_factory=dict)


@contextmanager
def _step(name: str, seconds: dict[str, float]) -> Iterator[None]:
    log.info("demo: %s ...", name)
    started = time.monotonic()
    yield
    seconds[name] = round(time.monotonic() - started, 1)
    log.info("demo: %s done in %.1fs", name, seconds[name])


def _analysis_scope(driver, database: str, source: str) -> str | None:
    """None (every source) when the demo's store is the only source loaded, so the export (which
    covers every source) can use the very tables the report draws; else the demo's source, and the
    export runs its own."""
    from mlprov.core import queries

    _, rows = queries.execute(driver, database, "export.source_versions")
    return None if [row[0] for row in rows] == [source] else source


def run_demo(output: Path, scale: str = DEFAULT_SCALE, seed: int = DEFAULT_SEED, *,
             pipelines: int | None = None, days: int | None = None) -> DemoResult:
    """The demo on the synthetic corpus of `scale` (or, for tests, of `pipelines` over `days`)."""
    from mlprov.analytics.export import export
    from mlprov.analytics.graphlets import build
    from mlprov.analytics.report import write_report
    from mlprov.analytics.tables import run_tables
    from mlprov.loader import load_store
    from mlprov.corpus import generate

    seconds: dict[str, float] = {}
    output = Path(output)
    with _step("reach Neo4j (NEO4J_URI, else the local server, assembled from Maven Central on first use)",
               seconds):
        neo4j_at = start_if_local()

    size = f"{scale.lower()}" if pipelines is None else f"p{pipelines}-d{days}"
    store = output / "corpus" / f"corpus-{size}-seed{seed}.sqlite"
    with _step(f"generate the synthetic corpus ({size}, seed {seed})", seconds):
        if store.exists():
            log.info("demo: reusing %s", store)
        else:
            store.parent.mkdir(parents=True, exist_ok=True)
            if pipelines is None:
                generate(store, scale=scale, seed=seed)
            else:
                generate(store, pipelines=pipelines, days=days or 30, seed=seed)
    with open_driver(neo4j_at.target) as (driver, database):
        with _step("load it into Neo4j", seconds):
            load_store(store, driver, database)
        with _step("build model graphlets", seconds):
            built = build(driver, database)
        with _step("run the analyses (once, for the export and the report)", seconds):
            scope = _analysis_scope(driver, database, store.stem)
            tables = run_tables(driver, database, source=scope)
        with _step("export the analysis tables", seconds):
            exported = export(driver, database, output / "export", wait=True, tables=tables)
        with _step("write the report", seconds):
            report = write_report(driver, database, output / "report", source=scope, tables=tables,
                                  export_dir=output / "export", browser_url=neo4j_at.browser_url)
    log.info("demo: %d graphlets built now; report %s; %d tables exported",
             built.graphlets, report.path, len(exported.written))
    return DemoResult(report.path, output / "export", neo4j_at.browser_url, neo4j_at.password_file,
                      built.graphlets, seconds)
