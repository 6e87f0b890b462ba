"""Build model graphlets with the stored queries of cypher/graphlets/, source by source.

Only sources whose store changed since their last build, or whose build settings changed, are
built (`graphlets.pending` says which and why). A source that a sync brought up to date (`store
synced`) is built incrementally (rules §11): the `scope_*` queries work out, from what the sync
marked `Changed`, which artifacts, graphlets, chains and pipelines the change reaches, and the
build steps run on those only. Every other reason (never built, settings changed, the last build
did not finish, `--force`) rebuilds the source whole. Both run the same steps (`BUILD_STEPS`), each
given either a scope (lists of uids) or none (the whole source); a rebuild touches no other source.

A step that fails (rules §12) fails its source only: the server transactions it left are ended,
the source's graphlets are removed and it is marked `failed` (the next build rebuilds it whole),
and the other sources are built; `build` then raises `GraphletBuildError` naming each failed
source. A lost connection ends the build at once (`ServerError`); its source stays `building`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import neo4j

from mlprov.core import queries, statistics
from mlprov.core.errors import MlprovError, ServerError
from mlprov.core.settings import GraphletSettings
from mlprov.core.transactions import release_orphans


log = logging.getLogger(__name__)

BUILD_STEPS = ("clear", "creators", "members", "chain", "links", "outcomes", "costs", "derive", "tallies",
               "absorb_changes")
# What the steps write, versioned: raised whenever a step writes new or other properties, so graphlets
# built by an older version are rebuilt rather than read by analyses that expect what they lack.
# 2: per-category costs on each graphlet (costs step).
# 3: each execution's holder count and first holder on the execution, no longer on its CONTAINS links.
# 4: the member facts `derive` compares (Schema and HyperParameters ids, Transform code, upstream
#    operators) and the upstream and downstream sizes written by `members` on each Graphlet.
# 5: each Pipeline's tallies (`tally_*`), which the whole-graph cost, waste and outcome analyses add up.
# 6: the executions' tallies by operator, category, state and holding (`tally_states`,
#    `tally_attributed`), which executions_by_operator, failures_by_operator and
#    operator_frequency add up too.
GRAPHLET_FORMAT = 6
# The steps that add, remove or change indexed properties (Graphlet nodes, their outcome): after
# them the index samples are refreshed where they are outdated (mlprov.core.statistics); the other
# steps write links and properties that no index holds, which the server counts exactly by itself.
_CHANGE_INDEXED = ("clear", "members", "outcomes")
_REPLAN_FORCE = "CYPHER replan=force"
# The one reason of graphlets.pending that an incremental build serves; every other one is a full build.
SYNCED = "store synced"
FULL, INCREMENTAL = "full", "incremental"


def fingerprint(settings: GraphletSettings) -> str:
    """What a build is recorded with on the Source node: the settings and the build steps (graphlets
    built by a version with other steps or another format, or with other settings, are rebuilt)."""
    return json.dumps({**asdict(settings), "steps": BUILD_STEPS, "format": GRAPHLET_FORMAT}, sort_keys=True)


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
    # Per stored query (build steps and the incremental build's scope_* reads), summed over sources.
    step_seconds: dict[str, float] = field(default_factory=dict)
    graphlets: int = 0
    modes: dict[str, str] = field(default_factory=dict)  # source -> full | incremental
    reasons: dict[str, str] = field(default_factory=dict)  # source -> why it was built
    # source -> how much each step of an incremental build covered (see Scopes.counts)
    touched: dict[str, dict[str, int]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # source -> why its build failed (one line)
    # Statistics refreshes after steps that found an index outdated (the one before the build aside).
    refreshes: int = 0


class GraphletBuildError(MlprovError):
    """Some sources' builds failed (the others were built); `report` says which and why."""

    def __init__(self, report: BuildReport):
        self.report = report
        super().__init__("; ".join(f"{source}: {why}" for source, why in report.failed.items()))


# A connection that is gone: nothing more can be built, and the source stays `building`.
_CONNECTION_LOST = (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired,
                    neo4j.exceptions.DatabaseUnavailable)
# What a server refuses or fails in one step (a value it cannot index, a type error, a deadlock):
# that source fails, the others are built.
_STEP_FAILED = (neo4j.exceptions.Neo4jError,)


class _StepFailed(Exception):
    def __init__(self, step: str, cause: Exception):
        super().__init__(step)
        self.step, self.cause = step, cause


def build(driver: neo4j.Driver, database: str, settings: GraphletSettings | None = None,
          *, force: bool = False, quiet: bool = False) -> BuildReport:
    settings = settings or GraphletSettings()
    try:
        # Transactions an earlier build left behind (a step failed on a version without this
        # clean-up, or its client died) would hold their locks, and this build would wait for ever.
        _release(driver, database, "before the build")
        queries.execute(driver, database, "schema.constraints")
        # The steps' walks are planned on index statistics: those must describe the graph as it
        # is now, not as it was before the last load (mlprov.core.statistics).
        statistics.refresh(driver, database)
        keys, rows = queries.execute(driver, database, "graphlets.pending",
                                     fingerprint=fingerprint(settings), force=force)
    except _CONNECTION_LOST as exc:
        raise ServerError("lost the connection to Neo4j before building graphlets: run "
                          "`mlprov graphlets build` again once Neo4j is back") from exc
    report = BuildReport()
    planning = _Planning()
    for source, status, reason in rows:
        if status != "loaded":
            report.skipped[source] = reason
            log.warning("graphlets: skipping source %r: %s", source, reason)
            continue
        try:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphlets-read") as reads:
                run = _Run(driver, database, settings, source, report, quiet, planning, reads)
                _build_source(run, reason)
        except _StepFailed as failed:
            if isinstance(failed.cause, _CONNECTION_LOST):
                raise _connection_lost(f"while building the graphlets of source {source!r} (step {failed.step})") \
                    from failed.cause
            report.failed[source] = _fail_source(run, failed)
    if report.failed:
        raise GraphletBuildError(report)
    return report


def _build_source(run: _Run, reason: str) -> None:
    report, source, settings = run.report, run.source, run.settings
    started = time.monotonic()
    mode = INCREMENTAL if reason == SYNCED else FULL
    run.afresh = mode == FULL
    # From here until mark_built the source says `building`: a build that dies half-way is
    # redone whole by the next one, which also absorbs the Changed marks left behind.
    run.step("mark_building")
    # It reads the executions' times, no links, and no step writes those: beside the first steps.
    trace_read = run.later("scope_trace_end")
    pipelines = graphlets = facts = None  # a full build changes every pipeline's rows
    if mode == INCREMENTAL:
        scopes = _incremental(run, trace_read)
        report.touched[source] = scopes.counts()
        pipelines, graphlets, facts = scopes.exported, scopes.revised, scopes.revised_facts
    else:
        for step in BUILD_STEPS:
            if step == "tallies":
                _tally(run, pipelines=None, executions=None)
            else:
                run.step(step, **({"trace_end": trace_read.result()[0][0]} if step == "outcomes" else {}))
    trace_end = trace_read.result()[0][0]
    n = run.read("count")[0][0]
    seconds = time.monotonic() - started
    run.step("mark_built", fingerprint=fingerprint(settings), pipelines=pipelines, graphlets=graphlets,
             graphlet_facts=facts,
             facts={"graphlets": n, "graphlets_seconds": round(seconds, 3), "graphlets_trace_end": trace_end})
    report.built.append(source)
    report.seconds[source] = seconds
    report.modes[source] = mode
    report.reasons[source] = reason
    report.graphlets += n
    if not run.quiet:
        log.info("graphlets: %s: %d graphlets (%s: %s build) in %.1fs", source, n, reason, mode, seconds)


def _server_message(exc: Exception) -> str:
    """The server's message, on one line and short (it may quote a value of the store)."""
    text = " ".join(str(getattr(exc, "message", None) or exc).split())
    return text if len(text) <= 200 else text[:197] + "..."


def _release(driver: neo4j.Driver, database: str, when: str) -> None:
    try:
        released = release_orphans(driver, database)
    except neo4j.exceptions.ClientError as exc:  # a user not allowed to list or end transactions
        log.warning("graphlets: could not look for server transactions left holding locks %s (%s)",
                    when, _server_message(exc))
        return
    if released:
        log.warning("graphlets: ended %d server transaction(s) %s that no client could finish and that "
                    "held locks (rules §12)", len(released), when)


def _fail_source(run: _Run, failed: _StepFailed) -> str:
    """rules §12: end what the failed step left on the server, remove the source's half-built
    graphlets and mark it `failed` (the next build rebuilds it whole); returns the one-line reason."""
    why = f"building its graphlets failed at step {failed.step}: {_server_message(failed.cause)}"
    try:
        try:
            _release(run.driver, run.database, f"after {run.source}'s failed step")
        except _CONNECTION_LOST as exc:
            raise _StepFailed("clean-up", exc) from exc
        run.step("clear")
        run.step("mark_failed", error=why)
        why += "; its graphlets were removed and the next `mlprov graphlets build` rebuilds it"
    except _StepFailed as also:
        if isinstance(also.cause, _CONNECTION_LOST):
            raise _connection_lost(f"after building the graphlets of source {run.source!r} failed ({why})") \
                from also.cause
        why += (f"; removing its half-built graphlets failed too ({_server_message(also.cause)}): "
                "it stays `building` and the next `mlprov graphlets build` rebuilds it")
    return why


class _Planning:
    """When the server plans a stored query afresh (ARCHITECTURE.md, graphlet build). A source built
    in full runs each query as stored, `CYPHER replan=force`, the first time in a build: its graph
    has just changed wholesale. Every other run (later sources of the build, and every source built
    incrementally) uses `replan=default`, which takes the plan the server has cached, or makes one if
    it has none (a statistics refresh throws them all away once the graph has changed enough)."""

    def __init__(self) -> None:
        self.forced: set[str] = set()  # queries planned afresh in this build
        self.cached: dict[str, queries.StoredQuery] = {}  # name -> the query with replan=default
        self._lock = threading.Lock()  # the build's reads ask from a second thread

    def query(self, name: str, afresh: bool) -> queries.StoredQuery:
        """The query to run: as stored when `afresh` (a full build) and not yet forced in this build."""
        with self._lock:
            if afresh and name not in self.forced:
                self.forced.add(name)
                return queries.registry().get(name)
            if name not in self.cached:
                query = queries.registry().get(name)
                self.cached[name] = replace(query, body=query.body.replace(_REPLAN_FORCE, "CYPHER replan=default"))
            return self.cached[name]


class _Run:
    """One source's build: runs stored queries with the source and settings, and times each. The
    steps run one after another; `later` starts a read beside them, on a second connection."""

    def __init__(self, driver: neo4j.Driver, database: str, settings: GraphletSettings, source: str,
                 report: BuildReport, quiet: bool, planning: _Planning, reads: ThreadPoolExecutor):
        self.driver, self.database, self.settings, self.source = driver, database, settings, source
        self.report, self.quiet, self.planning, self.reads = report, quiet, planning, reads
        self.afresh = True  # plan each query afresh (once per build): false while building incrementally
        self._timing = threading.Lock()

    def _execute(self, name: str, params: dict[str, Any], timed: bool = True) -> list[list[Any]]:
        query = self.planning.query(f"graphlets.{name}", self.afresh)
        if "source" in query.params:
            params = {"source": self.source, **params}
        started = time.monotonic()
        # Each query gets the settings its header declares, and the source.
        try:
            _, rows = queries.execute_query(self.driver, self.database, query, self.settings, **params)
        except _STEP_FAILED + _CONNECTION_LOST as exc:
            raise _StepFailed(name, exc) from exc
        if timed:
            self._timed(name, time.monotonic() - started)
        return rows

    def _timed(self, name: str, seconds: float) -> None:
        with self._timing:
            self.report.step_seconds[name] = self.report.step_seconds.get(name, 0.0) + seconds
        if not self.quiet:
            log.info("graphlets: %s: %s done in %.1fs", self.source, name, seconds)

    def step(self, name: str, **params: Any) -> None:
        self._execute(name, params)
        if name in _CHANGE_INDEXED:  # the next steps are planned on what this one wrote
            try:
                self.report.refreshes += statistics.refresh(self.driver, self.database)
            except _CONNECTION_LOST as exc:
                raise _StepFailed(name, exc) from exc

    def read(self, name: str, **params: Any) -> list[list[Any]]:
        return self._execute(name, params)

    def read_halves(self, name: str, key: str, items: list[Any], **params: Any) -> list[list[Any]]:
        """`read` of the `items` (parameter `key`) in two halves at once, one on the second
        connection: for a read the server runs on one core whose rows are per item. Timed as one."""
        started = time.monotonic()
        other = self.reads.submit(self._execute, name, {**params, key: items[1::2]}, False)
        try:
            rows = self._execute(name, {**params, key: items[0::2]}, False)
        except BaseException:
            wait([other])  # never leave the other half running beside a failed step's clean-up
            raise
        rows += other.result()
        self._timed(name, time.monotonic() - started)
        return rows

    def later(self, name: str, **params: Any) -> Future[list[list[Any]]]:
        """Start a read beside the steps; its rows (or the _StepFailed it raised) come from result().
        Only for a read of what no step still to run before result() writes, and which reads no link
        while a step adds or removes links (ARCHITECTURE.md, graphlet build: a record-format bug)."""
        return self.reads.submit(self._execute, name, params)


@dataclass
class Scopes:
    """What an incremental build gave each step (uids), for the report."""

    artifacts: list[str] = field(default_factory=list)       # creators
    removed: list[str] = field(default_factory=list)         # clear: graphlets gone for good
    rebuilt: list[str] = field(default_factory=list)         # clear + members: graphlets made (again)
    chains: list[dict] = field(default_factory=list)         # chain
    links: list[str] = field(default_factory=list)           # links
    outcomes: list[str] = field(default_factory=list)        # outcomes
    cost_executions: list[str] = field(default_factory=list) # costs, shares
    cost_graphlets: list[str] = field(default_factory=list)  # costs, sums
    derived: list[str] = field(default_factory=list)         # derive, graphlets
    pipelines: list[str] = field(default_factory=list)       # derive, DAG edges
    exported: list[str] = field(default_factory=list)        # names of pipelines whose analysis rows may change
    revised: list[str] = field(default_factory=list)         # graphlets whose rows by graphlet may change
    revised_facts: list[str] = field(default_factory=list)   # of those, for more than their costs and links

    def counts(self) -> dict[str, int]:
        counts = {name: len(value) for name, value in asdict(self).items()}
        counts["graphlets"] = len(set(self.removed) | set(self.rebuilt) | set(self.links) | set(self.outcomes)
                                  | set(self.cost_graphlets) | set(self.derived))
        return counts


def _since(starts: Iterable[int | None]) -> int | None:
    """Where a chain must be numbered again from: its earliest changed start; the whole chain
    (None) when a graphlet without a start time is among them (those sort last, after every time)."""
    starts = list(starts)
    return None if any(s is None for s in starts) else min(starts)


def _incremental(run: _Run, trace_read: Future[list[list[Any]]]) -> Scopes:
    """Absorb what a sync marked Changed (rules §11): every scope follows from the marks and from
    what the steps before it wrote, and each step runs on its scope only."""
    scopes = Scopes()
    source = run.source

    # rules §3 step 2: creators of the artifacts a new or changed OUTPUT event (or a deleted
    # execution) may have given another creator.
    before = {artifact: creator for artifact, creator, _ in run.read("scope_artifacts")}
    scopes.artifacts = sorted(before)
    run.step("creators", artifacts=scopes.artifacts)
    moved = sorted(artifact for artifact, creator, creator_changed in run.read("scope_artifacts")
                   if creator != before.get(artifact) or creator_changed)

    # Graphlets whose members may differ, and the Trainers that anchor graphlets now.
    dirty = {graphlet for graphlet, _ in run.read("scope_graphlets", artifacts=moved)}
    old = _members(run, dirty)
    trainers = {row[0]: row for row in run.read(
        "scope_trainers", trainers=sorted({facts["trainer"] for facts in old.values() if facts["trainer"]}))}
    live = {trainer: row for trainer, row in trainers.items() if row[1]}
    rebuilt = {f"{source}:g:{row[5]}" for row in live.values()}
    # A live Trainer's graphlet is always among the dirty ones (its Trainer is a changed member);
    # should one not be, it is rebuilt too rather than left beside a second one.
    extra = _members(run, rebuilt - dirty)
    old.update(extra)
    dirty |= set(extra)
    removed = dirty - rebuilt
    scopes.removed, scopes.rebuilt = sorted(removed), sorted(rebuilt)

    # rules §3 step 8: each chain that gains, loses or rebuilds a graphlet is numbered again from
    # the earliest of them (old starts of what goes, new starts of what comes).
    starts: dict[tuple[str, str], list[int | None]] = {}
    for facts in old.values():
        starts.setdefault((facts["pipeline"], facts["trainer_node"]), []).append(facts["started_at"])
    for row in live.values():
        starts.setdefault((row[2], row[3]), []).append(row[4])
    scopes.chains = [{"pipeline": pipeline, "trainer_node": node, "since": _since(chain_starts)}
                     for (pipeline, node), chain_starts in sorted(starts.items())]
    chain_before = _chain_state(run, scopes.chains)

    run.step("clear", graphlets=sorted(dirty))
    run.step("members", trainers=sorted(live))
    run.step("chain", chains=scopes.chains)
    chain_after = _chain_state(run, scopes.chains)
    # Graphlets whose place in their chain moved (number, last, previous): their rows in the
    # analyses ordered by chain position change with it (rules §13).
    renumbered = {g for g, state in chain_after.items() if chain_before.get(g) != state}
    last_changed = {g for g, state in chain_after.items() if g in rebuilt or chain_before.get(g, (None,) * 3)[1] != state[1]}
    previous_changed = {g for g, state in chain_after.items() if chain_before.get(g, (None,) * 3)[2] != state[2]}
    after_rebuilt = {g for g, state in chain_after.items() if state[2] in rebuilt}

    # rules §3 step 4 and rules §3 step 6: links from the rebuilt graphlets and into them (from
    # graphlets that linked to what was rebuilt or removed).
    linked_to_old = {f for facts in old.values() for f in facts["linked_from"]}
    scopes.links = sorted((rebuilt | linked_to_old) - removed)
    run.step("links", graphlets=scopes.links)
    # What `derive` and the export's pipelines need from the sync's marks and the links the steps
    # above wrote: read beside the steps up to `costs`, which write properties only (no links).
    spans_read = run.later("scope_spans")
    pipelines_read = run.later("scope_pipelines")
    marked_read = run.later("scope_touched_pipelines")

    # rules §3 step 9: outcomes of the rebuilt graphlets, of those that became or stopped being
    # last of their chain, of last graphlets the moved trace end brings into or out of the open
    # window, and of holders of a changed PushedModel or blessing.
    trace_end, built_trace_end = trace_read.result()[0]
    window = set()
    if trace_end is not None and built_trace_end is not None and trace_end != built_trace_end:
        window = {row[0] for row in run.read("scope_window", trace_end=trace_end, built_trace_end=built_trace_end)}
    pushes = {row[0] for row in run.read("scope_outcomes")}
    scopes.outcomes = sorted((rebuilt | last_changed | window | pushes) - removed)
    run.step("outcomes", graphlets=scopes.outcomes, trace_end=trace_end)

    # rules §3 step 10: shares of every execution whose holders changed (or whose cost did), on
    # all their links; sums of every graphlet holding one, and of the rebuilt ones.
    new = _members(run, rebuilt)
    shared: set[str] = set()
    for graphlet in removed:
        shared |= set(old[graphlet]["executions"])
    for graphlet, facts in new.items():
        was = old.get(graphlet)
        now = set(facts["executions"])
        if was is None or (was["started_at"], was["trainer_id"]) != (facts["started_at"], facts["trainer_id"]):
            shared |= now | set(was["executions"] if was else ())
        else:
            shared |= now ^ set(was["executions"])
        shared |= set(facts["changed"])
    scopes.cost_executions = sorted(shared | {e for facts in new.values() for e in facts["executions"]})
    holders = {row[0] for row in run.read("scope_holders", executions=sorted(shared))} if shared else set()
    scopes.cost_graphlets = sorted(rebuilt | holders)
    run.step("costs", executions=scopes.cost_executions, graphlets=scopes.cost_graphlets)

    # Derived facts: the rebuilt graphlets, those after them or after another graphlet now, and
    # those whose input spans a sync changed (with the graphlet after each); the DAG edges of every
    # pipeline with a changed execution.
    spans = spans_read.result()
    changed_spans = {row[0] for row in spans} | {row[1] for row in spans if row[1]}
    scopes.derived = sorted((rebuilt | previous_changed | after_rebuilt | changed_spans) - removed)
    scopes.pipelines = [row[0] for row in pipelines_read.result()]
    run.step("derive", graphlets=scopes.derived, pipelines=scopes.pipelines)

    # rules §13: the pipelines an export refreshes, read before the Changed marks go.
    touched = (set(scopes.links) | set(scopes.outcomes) | set(scopes.cost_graphlets) | set(scopes.derived) | rebuilt
               | renumbered)
    scopes.revised = sorted(touched - removed)
    scopes.revised_facts = sorted((rebuilt | set(scopes.outcomes) | set(scopes.derived) | renumbered) - removed)
    scopes.exported = sorted({row[0] for row in marked_read.result()}
                             | {row[0] for row in run.read("scope_graphlet_pipelines", graphlets=sorted(touched))}
                             | {old[graphlet]["pipeline"] for graphlet in removed})
    # Each pipeline's tallies read its executions (their holders included) and its graphlets: those
    # pipelines, and the pipelines of the executions whose holders may have changed (a graphlet may
    # hold an execution of another pipeline).
    _tally(run, pipelines=scopes.exported, executions=scopes.cost_executions)
    run.step("absorb_changes")
    return scopes


def _tally(run: _Run, pipelines: list[str] | None, executions: list[str] | None) -> None:
    """Count the pipelines' tallies again (every pipeline of the source with no lists given): read
    in two halves on two connections, since a day's pipelines are the busy ones (at L about 600
    holding half the graphlets), then written one batch at a time (write_tallies)."""
    uids = [row[0] for row in run.read("scope_tallies", pipelines=pipelines, executions=executions)]
    if not uids:
        return
    columns = list(queries.registry().get("graphlets.tallies").returns)
    rows = run.read_halves("tallies", "pipelines", uids)
    run.step("write_tallies", rows=[dict(zip(columns, row)) for row in rows])


def _members(run: _Run, graphlets: Iterable[str]) -> dict[str, dict[str, Any]]:
    """scope_members of the listed graphlets that exist, by uid."""
    graphlets = sorted(graphlets)
    if not graphlets:
        return {}
    keys = ("graphlet", "pipeline", "trainer_node", "started_at", "trainer_id", "trainer", "executions",
            "changed", "linked_from")
    return {row[0]: dict(zip(keys, row)) for row in run.read("scope_members", graphlets=graphlets)}


def _chain_state(run: _Run, chains: list[dict]) -> dict[str, tuple]:
    """Per graphlet of the chains' renumbered parts: (chain_index, chain_last, previous graphlet)."""
    if not chains:
        return {}
    return {row[0]: tuple(row[1:]) for row in run.read("scope_chains", chains=chains)}


def _connection_lost(when: str) -> ServerError:
    """The one line for a build that lost its server: the source stays `building`, so a re-run rebuilds it."""
    return ServerError(f"lost the connection to Neo4j {when}; the source is marked `building`: "
                       "run `mlprov graphlets build` again once Neo4j is back")
