"""Which moment a snapshot of the corpus stands at: day numbers and timestamps on its window.

One convention for the whole corpus: day N is the end of the window's N-th day, N x 24 h after
the window start (2024-01-01T00:00:00Z), days counted from 1. Day 0 is the window start, a store
holding only its types (what an orchestrator registers before its first run); day 7 is the store
after the first week; any day at or past the window's length is the full store. An ISO 8601
timestamp names any instant instead (UTC when it carries no offset).

A snapshot at instant T holds every row written at or before T (times are MLMD's milliseconds
since the epoch), so consecutive days never share a row: day N's changes are those after the end
of day N-1 up to and including the end of day N.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from mlprov.core.errors import BadInputError
from mlprov.corpus.simulate import DAY_MS, WINDOW_START_MS

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def day_end_ms(day: int) -> int:
    """The instant day `day` ends: `day` x 24 h after the window start."""
    if day < 0:
        raise BadInputError(f"day {day} is before the corpus window: days count from 0 (the window start)")
    return WINDOW_START_MS + day * DAY_MS


def as_of_ms(text: str) -> int:
    """A day number (see the module docstring) or an ISO 8601 timestamp, as milliseconds since the epoch."""
    text = text.strip()
    if text.lstrip("-").isdigit():
        return day_end_ms(int(text))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadInputError(f"--as-of {text!r} is neither a day number nor an ISO 8601 timestamp "
                            "(e.g. 14 or 2024-01-15T12:00:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def iso(ms: int) -> str:
    """An instant for messages, to the second."""
    return (_EPOCH + timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%SZ")


def days_after_start(ms: int) -> float:
    return (ms - WINDOW_START_MS) / DAY_MS
