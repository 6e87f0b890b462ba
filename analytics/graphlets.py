"""Build model graphlets with the stored queries of cypher/graphlets/, source by source.

Incremental: only sources whose store was (re)loaded since their last build, or whose build
settings changed, are rebuilt; a rebuild replaces that source's graphlets and touches no other.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field

import neo4j

from mlprov.core import queries
from mlprov.core.errors import MlprovError
from mlprov.core.settings import GraphletSettings


log = logging.getLogger(__name__)

BUILD_STEPS = ("clear", "creators", "members", "chain", "links", "outcomes", "costs", "derive")


def fingerprint(settings: GraphletSettings) -> str:
    """What a build is recorded with on the Source node: the settings and the build steps (graphlets
    built by a version with other steps, or with other settings, are rebuilt)."""
    return json.dumps({**asdict(settings), "steps": BUILD_STEPS}, sort_keys=True)


def built_settings(driver: neo4j.Driver, database: str, source: str | None = None) -> GraphletSettings:
    """The settings the graphlets of `source` (of every source when None) were built with; the
    default settings when none are built. Queries over graphlets pass these, so that an analysis
    means by "Trainer" what the build did."""
    _, rows = queries.execute(driver, database, "graphlets.built_settings", source=source)
    found = {GraphletSettings.from_params(json.loads(recorded)) for recorded, in rows}
    if len(found) > 1:
        raise MlprovError("the sources' graphlets were built with different settings: run "
                          "`mlprov graphlets build` to rebuild them with one, or choose a source")
    return found.pop() if found else GraphletSettings()


@dataclass
class BuildReport:
    built: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)  # summed over sources
    graphlets: int = 0


def build(driver: neo4j.Driver, database: str, settings: GraphletSettings | None = None,
          *, force: bool = False, quiet: bool = False) -> BuildReport:
    settings = settings or GraphletSettings()
    queries.execute(driver, database, "schema.constraints")
    keys, rows = queries.execute(driver, database, "graphlets.pending",
                                 fingerprint=fingerprint(settings), force=force)
    report = BuildReport()
    for source, status, reason in rows:
        if status != "loaded":
            report.skipped[source] = reason
            log.warning("graphlets: skipping source %r: %s", source, reason)
            continue
        started = time.monotonic()
        queries.execute(driver, database, "graphlets.mark_building", source=source)
        for step in BUILD_STEPS:
            step_started = time.monotonic()
            # Each step gets the settings its header declares, and the source.
            queries.execute(driver, database, f"graphlets.{step}", settings, source=source)
            step_seconds = time.monotonic() - step_started
            report.step_seconds[step] = report.step_seconds.get(step, 0.0) + step_seconds
            if not quiet:
                log.info("graphlets: %s: %s done in %.1fs", source, step, step_seconds)
        # A full build has taken in whatever a sync marked; a build killed before mark_built
        # leaves the source `building`, so the next one rebuilds it fully without the marks.
        queries.execute(driver, database, "graphlets.absorb_changes", source=source)
        _, counted = queries.execute(driver, database, "graphlets.count", source=source)
        n = counted[0][0]
        seconds = time.monotonic() - started
        queries.execute(driver, database, "graphlets.mark_built", source=source,
                        fingerprint=fingerprint(settings),
                        facts={"graphlets": n, "graphlets_seconds": round(seconds, 3)})
        report.built.append(source)
        report.seconds[source] = seconds
        report.graphlets += n
        if not quiet:
            log.info("graphlets: %s: %d graphlets (%s) in %.1fs", source, n, reason, seconds)
    return report
