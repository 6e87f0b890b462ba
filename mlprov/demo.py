"""The one-command demo: local Neo4j, synthetic corpus, load, sync, graphlets, report, exports.

The demo shows a live store (rules §10 and rules §11): it loads the corpus as it stood `SYNC_DAYS` days
before the end of its window and builds the graphlets, then the store grows by the remaining days
(`corpus replay`, as an orchestrator writes it), `sync` reads only what changed and the graphlet
build takes in only what the sync reached. The analyses, the exports and the report follow.

Every step is the library call the matching CLI command makes, and every step is idempotent:
running the demo again reuses the corpus, finds the store loaded, synced and the graphlets built,
and only redraws the report and refreshes the exports. The analyses run once: the export and the
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
# The demo loads the store as of this many days before the window's end, then syncs the rest.
SYNC_DAYS = 7


@dataclass
class DemoResult:
    report: Path
    exports: Path
    browser_url: str | None
    password_file: Path | None
    graphlets: int
    seconds: dict[str, float] = field(default_factory=dict)
    store: Path | None = None  # the corpus store, as the sync left it (grown to the window's end)
    synced: str = ""  # the sync's status: synced (this run), unchanged (already synced)
    rebuilt: int = 0  # graphlets the incremental build rebuilt after the sync


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
    from mlprov.corpus import day_end_ms, replay
    from mlprov.corpus.full_cache import cached_corpus
    from mlprov.corpus.generate import DEFAULT_DAYS, pipeline_count
    from mlprov.corpus.snapshot import copy_as_of
    from mlprov.loader.sync import sync_store

    seconds: dict[str, float] = {}
    output = Path(output)
    with _step("reach Neo4j (NEO4J_URI, else the local server, assembled from Maven Central on first use)",
               seconds):
        neo4j_at = start_if_local()

    size = f"{scale.lower()}" if pipelines is None else f"p{pipelines}-d{days}"
    corpus = {"pipelines": pipeline_count(pipelines, scale, days or DEFAULT_DAYS), "days": days or DEFAULT_DAYS,
              "seed": seed, "cache_dir": output / "corpus" / "cache"}
    first_day = max(1, corpus["days"] - SYNC_DAYS)
    store = output / "corpus" / f"corpus-{size}-seed{seed}.sqlite"
    with _step(f"generate the synthetic corpus ({size}, seed {seed}) as of day {first_day}", seconds):
        if store.exists():
            log.info("demo: reusing %s", store)
        else:
            full = cached_corpus(corpus["pipelines"], corpus["days"], seed, corpus["cache_dir"],
                                 lambda message: log.info("demo: %s", message))
            partial = store.with_name(store.name + ".partial")
            partial.unlink(missing_ok=True)
            copy_as_of(full, partial, day_end_ms(first_day))
            partial.replace(store)
    with open_driver(neo4j_at.target) as (driver, database):
        with _step(f"load it into Neo4j as of day {first_day}", seconds):
            # A sync loads a source never loaded in full; a demo run again finds it loaded.
            loaded = sync_store(store, driver, database)
        with _step("build model graphlets", seconds):
            built = build(driver, database)
        with _step(f"grow the store to day {corpus['days']} and sync it (only what changed)", seconds):
            grown = replay(store, corpus["days"], progress=None, **corpus)
            synced = sync_store(store, driver, database)
            log.info("demo: the store grew by %d rows and changed %d (days %d to %d); sync %s %s: %d MLMD rows "
                     "read, %d nodes and %d relationships written%s", grown.inserted, grown.updated,
                     first_day + 1, corpus["days"], synced.status, synced.source, synced.rows_read, synced.nodes,
                     synced.relationships, f", {sum(synced.deleted.values())} removed" if synced.deleted else "")
        with _step("build the graphlets the sync reached (incrementally)", seconds):
            rebuilt = build(driver, database)
            touched = rebuilt.touched.get(synced.source, {})
            if rebuilt.built:
                log.info("demo: graphlets %s build of %s: %d graphlets rebuilt, %d removed, %d touched in all",
                         rebuilt.modes[synced.source], synced.source, touched.get("rebuilt", 0),
                         touched.get("removed", 0), touched.get("graphlets", 0))
            else:
                log.info("demo: graphlets of %s already built", synced.source)
        with _step("run the analyses (once, for the export and the report)", seconds):
            scope = _analysis_scope(driver, database, store.stem)
            tables = run_tables(driver, database, source=scope)
        with _step("export the analysis tables", seconds):
            exported = export(driver, database, output / "export", wait=True, tables=tables)
        with _step("write the report", seconds):
            report = write_report(driver, database, output / "report", source=scope, tables=tables,
                                  export_dir=output / "export", browser_url=neo4j_at.browser_url)
    graphlets = rebuilt.graphlets if rebuilt.built else built.graphlets
    log.info("demo: %d graphlets built now; report %s; %d tables exported", graphlets, report.path,
             len(exported.written))
    return DemoResult(report.path, output / "export", neo4j_at.browser_url, neo4j_at.password_file, graphlets,
                      seconds, store, synced.status, touched.get("rebuilt", 0))
