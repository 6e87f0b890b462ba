"""`write_snapshot`: the corpus store as it stood at one instant, with its ground truth beside it.

The full corpus is generated once into the cache (`full_cache.py`); the snapshot is an empty
MLMD v10 file into which every row there at that instant (`delta.py` says which, and in which
state) is copied with its full-store id. Written under a temporary name and renamed when complete.
A snapshot at or after the window's end holds the full store's rows, row for row (its bytes may
differ: a generated store is written in another order).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from mlprov.core.errors import BadInputError
from mlprov.corpus.as_of import days_after_start, iso
from mlprov.corpus.delta import read_delta
from mlprov.corpus.delta_writer import apply_delta
from mlprov.corpus.full_cache import CachedCorpus, cached_corpus
from mlprov.corpus.generate import DEFAULT_DAYS, CorpusFiles, pipeline_count, write_truth
from mlprov.corpus.snapshot_truth import snapshot_extents
from mlprov.corpus.sqlite_target import PARAMSTYLE, create_store
from mlprov.corpus.timeline import open_source


def _stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write_snapshot(output: str | Path, as_of_ms: int, pipelines: int | None = None, scale: str | None = None,
                   days: int = DEFAULT_DAYS, seed: int = 0, force: bool = False, cache_dir: Path | None = None,
                   progress: Callable[[str], None] | None = _stderr_progress) -> CorpusFiles:
    """Write the store of corpus (scale or pipelines, days, seed) as it stood at `as_of_ms` (see
    `as_of.py` for day numbers), and `graphlets.*`, `pipelines.*` computed from it, beside it."""
    output = Path(output)
    pipelines = pipeline_count(pipelines, scale, days)
    if output.exists() and not force:
        raise BadInputError(f"{output} exists: pass --force to overwrite it")
    report = progress or (lambda message: None)
    corpus = cached_corpus(pipelines, days, seed, cache_dir, report)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    report(f"writing the store as of {iso(as_of_ms)} (day {days_after_start(as_of_ms):g} of {days})")
    applied = copy_as_of(corpus, partial, as_of_ms, report)
    partial.replace(output)
    report(f"store written: {output} ({applied} rows, {output.stat().st_size / 1e6:.1f} MB); computing ground truth")
    return write_truth(output, snapshot_extents(output, corpus.graphlets, corpus.pipelines), report)


def copy_as_of(corpus: CachedCorpus, path: Path, as_of_ms: int,
               report: Callable[[str], None] = lambda message: None) -> int:
    """Create the store file `path` holding the cached corpus's rows as of `as_of_ms`; the rows written."""
    source = open_source(corpus.store, corpus.timeline)
    target = create_store(path)
    try:
        delta = read_delta(source, None, as_of_ms, with_types=True)
        return apply_delta(target, delta, PARAMSTYLE,
                           on_table=lambda table, _, rows: report(f"  {table}: {rows} rows")).inserted
    finally:
        target.close()
        source.close()
