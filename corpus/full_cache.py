"""The full corpus, generated once and kept, from which snapshots and day-by-day growth are read.

A snapshot or a day of replay is a handful of range queries on the full store (`delta.py`), so
the simulation runs once per corpus instead of once per day. Entries are keyed by pipelines,
days, seed and a fingerprint of the generator's source, so a changed generator never serves a
stale store; an entry is built under a temporary name and renamed when complete, so a reader
never sees half of one, and older entries of the same corpus are removed when a new one is made.

The cache lives in `$MLPROV_HOME/corpus-cache` (default `./.mlprov/corpus-cache`) unless a
folder is given.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mlprov.corpus.generate import generate
from mlprov.corpus.timeline import build_timeline

STORE_NAME = "corpus.sqlite"
TIMELINE_NAME = "timeline.sqlite"


@dataclass(frozen=True)
class CachedCorpus:
    folder: Path

    @property
    def store(self) -> Path:
        return self.folder / STORE_NAME

    @property
    def timeline(self) -> Path:
        return self.folder / TIMELINE_NAME

    @property
    def graphlets(self) -> Path:
        return self.folder / "graphlets.parquet"

    @property
    def pipelines(self) -> Path:
        return self.folder / "pipelines.parquet"


def default_cache_dir() -> Path:
    return Path(os.environ.get("MLPROV_HOME") or ".mlprov") / "corpus-cache"


# Modules that only read a cached corpus: changing them does not change what the cache holds.
_READERS = {"__init__.py", "as_of.py", "delta.py", "delta_writer.py", "describe.py", "full_cache.py", "replay.py",
            "snapshot.py", "snapshot_truth.py", "sqlite_target.py"}


def generator_fingerprint() -> str:
    """A digest of the source that makes a cached corpus (the generator, the oracle, the timeline):
    any change to it makes new entries."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        if path.parent == package and path.name in _READERS:
            continue
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def cached_corpus(pipelines: int, days: int, seed: int, cache_dir: Path | None = None,
                  report: Callable[[str], None] = lambda message: None) -> CachedCorpus:
    """The cached full corpus for these settings, generated first if it is not there."""
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    corpus_key = f"p{pipelines}-d{days}-seed{seed}"
    entry = CachedCorpus(cache_dir / f"{corpus_key}-{generator_fingerprint()}")
    if entry.timeline.is_file():
        return entry
    cache_dir.mkdir(parents=True, exist_ok=True)
    report(f"full corpus ({pipelines} pipelines, {days} days, seed {seed}) is not cached: generating it into {entry.folder}")
    building = CachedCorpus(Path(tempfile.mkdtemp(prefix=f".{corpus_key}-", dir=cache_dir)))
    try:
        generate(building.store, pipelines=pipelines, days=days, seed=seed, force=True, progress=report)
        report("indexing the full corpus by time")
        build_timeline(building.store, building.timeline)
        try:
            building.folder.rename(entry.folder)
        except OSError:
            if not entry.timeline.is_file():  # not another process that finished first
                raise
    finally:
        shutil.rmtree(building.folder, ignore_errors=True)
    for stale in cache_dir.glob(f"{corpus_key}-*"):
        if stale != entry.folder:
            shutil.rmtree(stale, ignore_errors=True)
    return entry
