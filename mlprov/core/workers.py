"""Who is working on a source, and whether that work is still alive (rules §13).

A load or a sync marks its Source node `loading` or `syncing` together with its worker (host, the
host's boot time, process id and the process's start time, as JSON in `worker`) and a heartbeat
(`heartbeat_at`, the server's clock, so hosts whose clocks disagree still agree on its age). While
it works, a thread refreshes the heartbeat every `BEAT_SECONDS`; the finished load or sync removes
both. An export or a refresh that finds a source marked so tells work in progress from a source
left stuck by work that died (`alive`):

- no worker or no heartbeat: stuck (a marker no running mlprov keeps);
- a heartbeat older than `STALE_AFTER_SECONDS`: stuck, wherever the worker ran;
- a worker on this host (same host name and boot) whose process is gone, a zombie or another
  process that reused its id: stuck at once;
- otherwise: in progress.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import neo4j
import psutil

from mlprov.core import queries

log = logging.getLogger(__name__)

BEAT_SECONDS = 10.0
STALE_AFTER_SECONDS = 120.0
# A process's start time as psutil reports it, compared with what was recorded: same clock, same rounding.
_START_TOLERANCE_S = 1.0


@lru_cache(maxsize=1)
def this_worker() -> str:
    """This process, as a load or sync records it on the Source node (JSON)."""
    me = psutil.Process(os.getpid())
    return json.dumps({"host": socket.gethostname(), "boot": round(psutil.boot_time()), "pid": me.pid,
                       "started": round(me.create_time(), 3)}, sort_keys=True)


def alive(worker: str | None, heartbeat_age_ms: int | None) -> bool:
    """Is the work that marked a source (its `worker` and the age of its heartbeat) still going?"""
    return why_dead(worker, heartbeat_age_ms) is None


def why_dead(worker: str | None, heartbeat_age_ms: int | None) -> str | None:
    """Why the work that marked a source is taken for dead, or None while it is alive."""
    if not worker or heartbeat_age_ms is None:
        return "no live load or sync keeps its marker"
    if heartbeat_age_ms > STALE_AFTER_SECONDS * 1000:
        return f"{describe(worker)} sent no heartbeat for {heartbeat_age_ms // 1000} s"
    try:
        recorded = json.loads(worker)
        host, boot, pid, started = recorded["host"], recorded["boot"], int(recorded["pid"]), float(recorded["started"])
    except (ValueError, KeyError, TypeError):
        return "no live load or sync keeps its marker"
    if host != socket.gethostname() or boot != round(psutil.boot_time()):
        return None  # another machine: only its heartbeat tells
    try:
        process = psutil.Process(pid)
        if abs(process.create_time() - started) < _START_TOLERANCE_S and process.status() != psutil.STATUS_ZOMBIE:
            return None
    except psutil.NoSuchProcess:
        pass
    return f"{describe(worker)} is gone"


def describe(worker: str | None) -> str:
    """`pid N on HOST` for a message, or what is missing."""
    try:
        recorded = json.loads(worker or "")
        return f"pid {recorded['pid']} on {recorded['host']}"
    except (ValueError, KeyError, TypeError):
        return "no recorded worker"


@contextmanager
def heartbeat(driver: neo4j.Driver, database: str, source: str, *,
              every: float = BEAT_SECONDS) -> Iterator[None]:
    """Refresh the heartbeat of `source` every `every` seconds while the block runs (the block's
    first query, `load.source_begin` or `sync.mark_syncing`, records the worker and the first beat).
    A beat that fails (the server went away) is left to the block, which fails on its own."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                queries.execute(driver, database, "load.heartbeat", source=source, worker=this_worker())
            except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError) as exc:
                log.debug("heartbeat of source %r failed: %s", source, exc)

    thread = threading.Thread(target=beat, name=f"mlprov-heartbeat-{source}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
