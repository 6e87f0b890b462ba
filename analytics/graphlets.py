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


log = logging.getLogger(__name__)

BUILD_STEPS = ("clear", "creators", "members", "chain", "links", "outcomes", "costs", "derive")


@dataclass(frozen=True)
class GraphletSettings:
    """The graphlet rules that the paper leaves open (rules §8), with their defaults."""

    open_window_ms: int = 24 * 3600 * 1000
    trainer_operator: str = "Trainer"
    model_types: tuple[str, ...] = ("Model",)

    def fingerprint(self) -> str:
        # The build steps are part of it: graphlets built by a version with other steps are rebuilt.
        return json.dumps({**asdict(self), "steps": BUILD_STEPS}, sort_keys=True)


@dataclass
class BuildReport:
    built: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)  # summed over sources
    graphlets: int = 0


def _step_params(step: str, source: str, settings: GraphletSettings) -> dict:
    params: dict = {"source": source}
    if step in ("members", "links"):
        params["trainer_operator"] = settings.trainer_operator
    if step == "members":
        params["model_types"] = list(settings.model_types)
    if step == "outcomes":
        params["open_window_ms"] = settings.open_window_ms
    return params


def build(driver: neo4j.Driver, database: str, settings: GraphletSettings | None = None,
          *, force: bool = False, quiet: bool = False) -> BuildReport:
    settings = settings or GraphletSettings()
    queries.execute(driver, database, "schema.constraints")
    keys, rows = queries.execute(driver, database, "graphlets.pending",
                                 settings=settings.fingerprint(), force=force)
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
            queries.execute(driver, database, f"graphlets.{step}", **_step_params(step, source, settings))
            step_seconds = time.monotonic() - step_started
            report.step_seconds[step] = report.step_seconds.get(step, 0.0) + step_seconds
            if not quiet:
                log.info("graphlets: %s: %s done in %.1fs", source, step, step_seconds)
        _, counted = queries.execute(driver, database, "graphlets.count", source=source)
        n = counted[0][0]
        seconds = time.monotonic() - started
        queries.execute(driver, database, "graphlets.mark_built", source=source,
                        settings=settings.fingerprint(),
                        facts={"graphlets": n, "graphlets_seconds": round(seconds, 3)})
        report.built.append(source)
        report.seconds[source] = seconds
        report.graphlets += n
        if not quiet:
            log.info("graphlets: %s: %d graphlets (%s) in %.1fs", source, n, reason, seconds)
    return report
