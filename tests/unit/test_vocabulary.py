"""MLMD's vocabulary: the loader's copy (loader/vocabulary.py) is the one the reader and the corpus
generator use; the graphlet oracle keeps its own on purpose, and it must say the same."""

from mlprov.corpus import schema
from mlprov.corpus.oracle import store_rows
from mlprov.loader import vocabulary


def test_the_oracles_copy_agrees_with_the_loaders():
    assert store_rows.STATE_NAMES == vocabulary.EXECUTION_STATES
    assert store_rows.LEGACY_STATES == vocabulary.LEGACY_STATES
    assert vocabulary.EVENT_TYPES[store_rows.EVENT_INPUT] == "INPUT"
    assert vocabulary.EVENT_TYPES[store_rows.EVENT_OUTPUT] == "OUTPUT"


def test_the_generator_writes_the_states_and_events_it_names():
    states = {name: getattr(schema, name) for name in ("RUNNING", "COMPLETE", "FAILED", "CACHED", "CANCELED")}
    assert {vocabulary.EXECUTION_STATES[code]: code for code in states.values()} == states
    events = {name: getattr(schema, name) for name in ("INPUT", "OUTPUT", "INTERNAL_OUTPUT")}
    assert {vocabulary.EVENT_TYPES[code]: code for code in events.values()} == events
    assert vocabulary.ARTIFACT_STATES[schema.ARTIFACT_LIVE] == "LIVE"
