"""`mlprov load --bulk`: a first load of MLMD stores with Neo4j's offline importer.

Each store's graph stream (the online loader's, so the graph is the same) goes into the
bulk-import-files sink, in a temporary folder under the server's `import/`, while the local
server stops: two worker processes write it, each a share of its readings (`WORKER_READINGS`); then
`neo4j-admin database import full` builds the database from the files, the server starts again,
the schema is applied and its indexes populated, and each Source is marked `loaded`.

Only for the local server's empty database: the importer replaces the whole database. Before
importing, the empty database's folders are moved aside, so that an import that fails (the
importer leaves a half-written store behind) is undone by moving them back.

A bulk load killed outright (rules §13) cannot undo anything itself: its file writers and its
importer die with it (the kernel kills them when their parent dies), and the next bulk load undoes the rest before it
starts: from the notes the dead one left in its folder under `import/` (its owner, the importer's
process, the database folders it moved aside) it kills an importer still running, puts the database
folders back, removes the folder and starts the server the dead one stopped. A database that holds
only sources whose load never finished (an import killed before it marked its sources `loaded`)
counts as empty.
"""

from __future__ import annotations

import ctypes
import json
import logging
import multiprocessing
import os
import re
import resource
import signal
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import psutil

from mlprov.core import queries, workers
from mlprov.core.connection import open_driver
from mlprov.core.errors import BadInputError, MlprovError
from mlprov.core.progress import Board
from mlprov.loader import mlmd
from mlprov.loader.graph_stream import READING_TABLES, GraphStream
from mlprov.loader.import_files_sink import CsvFile, ImportFilesSink
from mlprov.loader.load import LoadResult, apply_schema, finish_source
from mlprov.loader.store_state import read_state, read_watermarks
from mlprov.loader.operators import OperatorMap, default_map
from mlprov.loader.sinks import Written, fill
from mlprov.server.distribution import require_tool
from mlprov.server.local import LocalServer

log = logging.getLogger(__name__)
_FAILED_AT = re.compile(r"\[source:(?P<file>[^,\]]+), position:\d+, line:(?P<line>\d+)")
_CAUSE = re.compile(r"^Caused by: [\w.$]+: (.+)$", re.MULTILINE)
_STAGE = re.compile(r"^(?P<stage>[A-Z][\w >-]*), started ")
FOLDER_PREFIX = "mlprov-bulk-"
OWNER_FILE = "owner.json"  # the bulk load that made the folder (workers.this_worker)
IMPORTER_FILE = "importer.json"  # the importer it started: pid and start time
MOVED_FILE = "moved.json"  # the database folders it moved aside: [[folder, where it is kept], ...]
_PR_SET_PDEATHSIG = 1


class BulkImportError(MlprovError):
    """The importer refused the files; the database was left as it was."""


@dataclass
class _StoreFiles:
    """One store's import files, and its load result as far as writing them went (`_finish`
    adds the store's share of the import to its seconds)."""

    result: LoadResult
    files: list[CsvFile]

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)


def bulk_load(
    locations: list[str | Path],
    server: LocalServer,
    *,
    source_name: str | None = None,
    operators: OperatorMap | None = None,
    quiet: bool = False,
    before_import: Callable[[list[CsvFile]], None] | None = None,
) -> list[LoadResult]:
    """Import the MLMD stores at `locations` (files, or databases: the graph stream is the same)
    into the empty database of `server` (which must be running).

    Refuses, writing nothing, when a file is not a readable MLMD store, when two stores would
    have one source name, or when the database holds any node. `before_import` sees the written
    files just before the importer runs (tests use it to damage one)."""
    started = time.monotonic()
    sources = _source_names(locations, source_name)
    recover_abandoned(server)
    target = server.target()
    with open_driver(target) as (driver, database):
        keys, rows = queries.execute(driver, database, "load.any_node")
        if rows and not _only_unfinished_loads(driver, database):
            raise BadInputError(
                f"--bulk needs an empty database, and {target.uri} already holds nodes: load without --bulk "
                "(it adds beside what is there), or empty the database first"
            )
    server.layout.import_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX, dir=server.layout.import_dir))
    (folder / OWNER_FILE).write_text(workers.this_worker(), encoding="utf-8")
    try:
        # The server stops while the files are written: its shutdown is mostly waiting (Bolt
        # gives connections seconds to finish), which costs nothing beside the writing.
        with ThreadPoolExecutor(max_workers=1) as background:
            stopped = background.submit(server.stop)
            try:
                written = [_write_files(location, source, folder / f"store-{i}", operators or default_map(), quiet)
                           for i, (location, source) in enumerate(zip(locations, sources))]
                log.info("import files written in %.1f s", time.monotonic() - started)
                if before_import is not None:
                    before_import([f for store in written for f in store.files])
            except BaseException:
                stopped.result()
                server.start()
                raise
            stopped.result()
        shared_started = time.monotonic()
        _import(server, database, written, folder)
        with open_driver(server.target()) as (driver, database):
            schema_started = time.monotonic()
            apply_schema(driver, database)
            applied = time.monotonic()
            queries.execute(driver, database, "schema.await_indexes")
            log.info("schema applied and indexes populated in %.1f s (%.1f s creating them)",
                     time.monotonic() - schema_started, applied - schema_started)
            return _finish(driver, database, written, time.monotonic() - shared_started, started)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def recover_abandoned(server: LocalServer) -> list[Path]:
    """Undo what bulk loads that died left under the server's `import/` (see the module's doc);
    returns the folders undone. Refuses while the bulk load that made a folder still runs."""
    undone = []
    for folder in sorted(server.layout.import_dir.glob(f"{FOLDER_PREFIX}*")):
        owner = _read_json(folder / OWNER_FILE)
        if owner is not None and _same_process_alive(owner.get("pid"), owner.get("started")):
            raise BadInputError(f"another bulk load (pid {owner['pid']}) is importing into {server.home}: "
                                "run this again when it has finished")
        log.warning("a bulk load that died left %s: undoing it", folder)
        importer = _read_json(folder / IMPORTER_FILE) or {}
        if _same_process_alive(importer.get("pid"), importer.get("started")):
            os.killpg(importer["pid"], signal.SIGKILL)  # its own process group
            psutil.Process(importer["pid"]).wait(timeout=30)
        moved = [(Path(original), Path(kept)) for original, kept in _read_json(folder / MOVED_FILE) or []]
        _put_back([(original, kept) for original, kept in moved if kept.exists()])
        shutil.rmtree(folder, ignore_errors=True)
        undone.append(folder)
    if undone:
        # The dead load stopped the server, or was stopping it (the stop runs beside the file
        # writing) or had not begun to: let any shutdown end, then start it.
        server.stop()
        server.start()
    return undone


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _same_process_alive(pid: int | None, started: float | None) -> bool:
    """Is the process `pid` that started at `started` still running (not a zombie, not another
    process that reused the id)?"""
    if pid is None or started is None:
        return False
    try:
        process = psutil.Process(int(pid))
        return abs(process.create_time() - float(started)) < 1.0 and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _only_unfinished_loads(driver, database: str) -> bool:
    """The database holds only sources whose load never finished and that no live load holds (a
    killed import's leftovers): the import may overwrite it."""
    _, rows = queries.execute(driver, database, "load.unfinished_only")
    return all(source is not None and others == 0 and not workers.alive(worker, age)
               for source, worker, age, others in rows)


def _source_names(locations: list[str | Path], source_name: str | None) -> list[str]:
    """Every store opened and checked before anything is written; one distinct name per store."""
    if source_name and len(locations) > 1:
        raise BadInputError("--source-name names one store; give one path with it")
    names: dict[str, str] = {}
    for location in locations:
        store = mlmd.open_store(location)
        store.close()
        name = source_name or store.identity.default_source_name
        if name in names:
            raise BadInputError(
                f"{store.identity.location}: its source name {name!r} is also that of {names[name]}; a bulk import "
                "loads each source once: load one of them without --bulk under another --source-name"
            )
        names[name] = store.identity.location
    return list(names)


# The readings of a store's graph stream, split between two worker processes (each with its own
# read transaction, checked to see the parent's rows, and its own file writer): on two cores the
# files take about 60% of the time one process takes. Since the link tables are written column-wise,
# at L (the two workers side by side) the executions take 69 s, the events 78 s, the artifacts 33 s,
# the attributions 27 s and the associations 15 s: the executions and the links they share a worker
# with (111 s) against the artifacts and the events (110 s).
WORKER_READINGS = (("contexts", "executions", "attributions", "associations"),
                   ("artifacts", "events", "parent contexts"))
_LABELS = tuple(READING_TABLES)  # a reading's slot in the progress counts is its index here
# SQLite's message when a writer waiting to commit keeps a new reader out (the parent's read
# transaction keeps the writer waiting in turn): the parent then reads alone.
_LOCKED = "database is locked"
_COUNT_EVERY = 4096  # rows a worker counts before it publishes them


class _SnapshotMoved(Exception):
    """A worker's read transaction cannot see the rows the parent's sees."""


def _write_files(location: str | Path, source: str, folder: Path, operators: OperatorMap, quiet: bool) -> _StoreFiles:
    """Write one store's import files, from the rows its read transaction here sees: by two worker
    processes whose own transactions see the same rows (the same watermarks), else (a writer
    committed in between) by this process alone."""
    started = time.monotonic()
    store = mlmd.open_store(location)
    where = store.identity.location
    try:
        if not quiet:
            log.info("writing %s as source %r (MLMD schema %d) for the import", where, source, store.schema_version)
        # The same Source facts as the online loader's, so a bulk-loaded source can be synced.
        state = read_state(store)
        source_node = {"name": source, **state.facts(), "status": "loading"}
        try:
            written, files = _write_in_workers(location, source, folder, operators, source_node,
                                               state.watermarks.to_json(), quiet)
        except _SnapshotMoved as moved:
            log.warning("%s: %s; writing its import files in one process", where, moved)
            shutil.rmtree(folder, ignore_errors=True)
            written, files = _write_stream(store, source, folder, operators, source_node, quiet=quiet)
    finally:
        store.close()
    result = LoadResult(source, where, "loaded", written.nodes, written.relationships, written.skipped,
                        time.monotonic() - started)
    return _StoreFiles(result, files)


def _write_in_workers(location: str | Path, source: str, folder: Path, operators: OperatorMap, source_node: dict,
                      watermarks: str, quiet: bool) -> tuple[Written, list[CsvFile]]:
    """Each worker writes its readings' files in its own folder under `folder`; progress is drawn
    here from the counts they share."""
    context = multiprocessing.get_context("spawn")
    slots = len(_LABELS)
    expected, done, ended = (context.RawArray("q", [-1] * slots), context.RawArray("q", slots),
                             context.RawArray("d", slots))
    board = Board(quiet=quiet)
    reported: set[int] = set()

    def draw() -> None:
        for slot in range(slots):
            if ended[slot] and slot not in reported:
                reported.add(slot)
                board.ended(_LABELS[slot], done[slot], expected[slot], ended[slot])
        board.show([(label, done[slot], expected[slot]) for slot, label in enumerate(_LABELS)
                    if expected[slot] >= 0 and slot not in reported])

    with ProcessPoolExecutor(max_workers=len(WORKER_READINGS), mp_context=context, initializer=_worker_started,
                             initargs=(os.getpid(), expected, done, ended)) as pool:
        futures = [pool.submit(_write_readings, location, source, folder / f"part-{i}", operators, labels,
                               source_node if i == 0 else None, watermarks)
                   for i, labels in enumerate(WORKER_READINGS)]
        pending = set(futures)
        while pending and not any(f.done() and f.exception() is not None for f in futures):
            _, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
            draw()
        parts = [future.result() for future in futures]
    draw()
    skipped = Counter()
    for written, _, _ in parts:
        skipped.update(written.skipped)
    total = Written(sum(w.nodes for w, _, _ in parts), sum(w.relationships for w, _, _ in parts),
                    dict(sorted(skipped.items())))
    log.info("import files written by %d workers (peak RSS %s MB)", len(parts),
             ", ".join(f"{rss:.0f}" for _, _, rss in parts))
    return total, [f for _, files, _ in parts for f in files]


_shared: dict = {}  # in a worker: the progress counts the parent draws


def _worker_started(parent: int, expected, done, ended) -> None:
    _die_with_parent(parent)()
    _shared.update(expected=expected, done=done, ended=ended)


class _SharedMeter:
    """A reading's progress in a worker, counted in the arrays the parent reads."""

    def __init__(self, label: str, expected: int):
        self.slot = _LABELS.index(label)
        self.pending = 0
        self.started = time.monotonic()
        _shared["expected"][self.slot] = expected

    def advance(self, n: int = 1) -> None:
        self.pending += n
        if self.pending >= _COUNT_EVERY:
            _shared["done"][self.slot] += self.pending
            self.pending = 0

    def close(self) -> None:
        _shared["done"][self.slot] += self.pending
        self.pending = 0
        _shared["ended"][self.slot] = max(time.monotonic() - self.started, 1e-6)


def _write_readings(location: str | Path, source: str, folder: Path, operators: OperatorMap, labels: tuple[str, ...],
                    source_node: dict | None, watermarks: str) -> tuple[Written, list[CsvFile], float]:
    """In a worker: the files of the readings `labels`, from a read transaction that must see the
    rows whose `watermarks` the parent read, and the worker's peak RSS in MB."""
    try:
        store = mlmd.open_store(location)
    except BadInputError as exc:
        if _LOCKED in str(exc):
            raise _SnapshotMoved("a writer waiting to commit kept a second reader out") from None
        raise
    try:
        if read_watermarks(store).to_json() != watermarks:
            raise _SnapshotMoved("the store changed while it was being opened for the import")
        written, files = _write_stream(store, source, folder, operators, source_node, only=labels,
                                       meter=_SharedMeter)
    finally:
        store.close()
    return written, files, _peak_rss_mb()


def _peak_rss_mb() -> float:
    """This process's peak RSS in MB. Linux keeps `ru_maxrss` across exec, so a spawned worker's
    would be its parent's peak when larger (the end-to-end bench's generator: 1.1 GB); VmHWM is
    this process's memory's own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write_stream(store: mlmd.Store, source: str, folder: Path, operators: OperatorMap, source_node: dict | None,
                  **fill_options) -> tuple[Written, list[CsvFile]]:
    """The import files of the open store's graph stream (of the readings `fill` is asked for) in
    `folder`; `fill` closes the sink whether it succeeds or fails."""
    sink = ImportFilesSink(folder, store.identity.location, source_node)
    return fill(sink, GraphStream(store, source, operators), **fill_options), sink.files


def _import(server: LocalServer, database: str, written: list[_StoreFiles], folder: Path) -> None:
    """Import into the stopped server's database and start it again; on failure the database is
    put back as it was first."""
    java = require_tool("java", "to run neo4j-admin")
    files = [f for store in written for f in store.files]
    command = server.admin_command(java, *import_arguments(database, files, folder))
    environment = {**server.java_env(), "HEAP_SIZE": server.memory.heap}
    aside = folder / "previous"
    folders = [f for f in server.layout.database_dirs(database) if f.exists()]
    (folder / MOVED_FILE).write_text(json.dumps([[str(f), str(aside / f.parent.name / f.name)] for f in folders]),
                                     encoding="utf-8")
    moved = _move_aside(server.layout.database_dirs(database), aside)
    try:
        output = _run_importer(command, environment, folder)
    except BaseException:
        _put_back(moved)
        server.start()
        raise
    if output is not None:
        _put_back(moved)
        server.start()
        raise BulkImportError(_failure_message(output, written))
    shutil.rmtree(aside, ignore_errors=True)
    server.start()


def import_arguments(database: str, written: list[CsvFile], folder: Path) -> list[str]:
    """The importer's arguments for the `written` files (those with rows), its report in `folder`."""
    files = [f for f in written if f.rows]
    arguments = ["database", "import", "full", database, "--overwrite-destination",
                 # Our files are fault-free by construction (the reader drops dangling rows):
                 # anything the importer finds wrong is a bug, and must stop the import.
                 "--bad-tolerance=0", "--skip-bad-relationships=false", "--skip-duplicate-nodes=false",
                 f"--report-file={folder / 'import.report'}", "--verbose"]
    for csv in files:
        option = "nodes" if csv.node else "relationships"
        arguments.append(f"--{option}={csv.kind}={csv.path}")
    multiline = [str(f.path) for f in files if f.multiline]
    if multiline:
        # Only the files that hold a value with a newline pay for multi-line parsing.
        arguments += ["--multiline-fields-format=v2", f"--multiline-fields={','.join(multiline)}"]
    return arguments


def _move_aside(folders: tuple[Path, ...], aside: Path) -> list[tuple[Path, Path]]:
    moved = []
    for folder in folders:
        if folder.exists():
            kept = aside / folder.parent.name / folder.name
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(folder, kept)
            moved.append((folder, kept))
    return moved


def _put_back(moved: list[tuple[Path, Path]]) -> None:
    """Drop what the failed import wrote and restore the database folders as they were."""
    for folder, kept in moved:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.move(kept, folder)


def _run_importer(command: list[str], environment: dict[str, str], folder: Path) -> str | None:
    """Run the importer, showing its stages on stderr; None when it succeeded, else its output."""
    began = time.monotonic()
    log_file = folder / "import.log"
    with log_file.open("w", encoding="utf-8") as kept, subprocess.Popen(
        command, env=environment, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True,
        preexec_fn=_die_with_parent(os.getpid()),
    ) as importer:
        (folder / IMPORTER_FILE).write_text(json.dumps(
            {"pid": importer.pid, "started": psutil.Process(importer.pid).create_time()}), encoding="utf-8")
        for line in importer.stdout:
            kept.write(line)
            stage = _STAGE.match(line)
            if stage:
                log.info("  import: %s (%.0f s)", stage["stage"].lower(), time.monotonic() - began)
    if importer.returncode == 0:
        log.info("neo4j-admin import done in %.1f s", time.monotonic() - began)
        return None
    return log_file.read_text(encoding="utf-8")


def _die_with_parent(parent: int) -> Callable[[], None]:
    """For the importer, before it runs: the kernel kills it when this process dies (Linux
    PR_SET_PDEATHSIG), so a bulk load killed outright leaves no importer writing the database."""
    def arrange() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)
    return arrange


def _failure_message(output: str, written: list[_StoreFiles]) -> str:
    """The store, file and line the importer stopped at, and its reason, in one line."""
    undone = "nothing was imported: the database is empty as before and the server runs again"
    # The innermost cause names the value or relationship the importer could not take.
    reasons = re.findall(r"original error: (.+)", output) or _CAUSE.findall(output)
    reason = reasons[-1].strip() if reasons else "the importer gave no reason"
    failed_at = _FAILED_AT.search(output)
    if failed_at:
        for store in written:
            for csv in store.files:
                if str(csv.path) == failed_at["file"]:
                    return (f"{store.result.location}: the bulk import failed on its {csv.kind} rows (line "
                            f"{failed_at['line']} of {csv.path.name}): {reason}; {undone}")
    stores = ", ".join(str(store.result.location) for store in written)
    return f"{stores}: the bulk import failed: {reason}; {undone}"


def _finish(driver, database: str, written: list[_StoreFiles], shared_s: float, started: float) -> list[LoadResult]:
    """Mark each source `loaded`; its time is its own file writing plus its share (by rows) of the rest."""
    finished = datetime.now(timezone.utc)
    all_rows = max(1, sum(store.rows for store in written))
    for store in written:
        store.result.seconds += shared_s * store.rows / all_rows
        finish_source(driver, database, store.result, finished)
    log.info("bulk load of %d store(s) done in %.1f s", len(written), time.monotonic() - started)
    return [store.result for store in written]
