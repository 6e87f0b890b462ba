"""Keep the server's planner working from the graph as it is, not as it was.

Neo4j plans a query from counts it keeps exact and from index samples that it refreshes in the
background, when it gets to them. An index created on an empty graph and then filled by a load says
"empty" until it is sampled again. A query planned meanwhile believes the graph is empty, and the
graphlet build's walks then take plans that scan a whole index at every step: `members` on S ran
for over 40 minutes instead of seconds, whenever the server had not sampled in time.
So every load and sync ends, and every graphlet build starts and follows each step that writes
indexed properties, by resampling what changed and clearing the plan caches
(`schema.fresh_statistics`). When nothing changed much, that is a few milliseconds.
"""

from __future__ import annotations

import logging

import neo4j

from mlprov.core import queries

log = logging.getLogger(__name__)


def refresh(driver: neo4j.Driver, database: str) -> None:
    """Resample the indexes that changed much, wait for it, and clear the plan caches. A user the
    server does not let call the procedure gets a warning, and queries are planned as the server's
    own sampling allows."""
    try:
        queries.execute(driver, database, "schema.fresh_statistics")
    except neo4j.exceptions.Neo4jError as exc:  # refused (a user without the right), or it timed out
        message = " ".join(str(exc.message or exc).split())[:200]
        log.warning("could not refresh the server's index statistics (%s): queries may be planned on "
                    "stale ones and run slowly", message)
