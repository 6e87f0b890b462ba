"""Garbage-collection pacing: spaced while any block runs, the thresholds before restored after."""

from __future__ import annotations

import gc
import threading

from mlprov.core.collection import SPACED, fewer_collections


def test_a_block_spaces_collections_and_restores_the_thresholds_before():
    before = gc.get_threshold()
    assert before != SPACED
    with fewer_collections():
        assert gc.get_threshold() == SPACED
    assert gc.get_threshold() == before


def test_overlapping_blocks_in_threads_restore_the_first_ones_thresholds_when_the_last_ends():
    before = gc.get_threshold()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with fewer_collections():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with fewer_collections():
            second_in.set()
            first_out.wait(5)
            # The first block ended while this one runs: collections stay spaced.
            seen["during"] = gc.get_threshold()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen["during"] == SPACED
    assert gc.get_threshold() == before


def test_a_failing_block_restores_the_thresholds_too():
    before = gc.get_threshold()
    try:
        with fewer_collections():
            raise ValueError("the work failed")
    except ValueError:
        pass
    assert gc.get_threshold() == before
