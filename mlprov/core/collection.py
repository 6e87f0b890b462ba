"""Garbage-collection pacing for work that makes millions of short-lived objects.

Reading a store (rows, tuples, dicts), decoding a query's records and simulating a corpus make
objects by the million and almost no reference cycles. Python's default thresholds start a young
collection every 700 new container objects and a full one soon after, as each chunk of rows
outlives a few young collections: at L the events' reading spent more than half its time scanning
(85.6 s against 36.8 s with collection off). Spacing the collections out keeps cycles collected,
just seldom.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SPACED = (50_000, 20, 20)

_lock = threading.Lock()
_active = 0  # blocks running under fewer_collections, in any thread
_saved: tuple[int, ...] = ()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage seldom while the block runs. The thresholds are the process's: blocks may
    nest or overlap in threads, and the ones before the first are restored when the last ends."""
    global _active, _saved
    with _lock:
        if _active == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*SPACED)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                gc.set_threshold(*_saved)
