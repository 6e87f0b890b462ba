"""Keep the server's planner working from the graph as it is, not as it was.

Neo4j plans a query from counts it keeps exact and from index samples that it refreshes in the
background, when it gets to them. An index created on an empty graph and then filled by a load says
"empty" until it is sampled again. A query planned meanwhile believes the graph is empty, and the
graphlet build's walks then take plans that scan a whole index at every step: `members` on S ran
for over 40 minutes instead of seconds, whenever the server had not sampled in time.
So every load and sync ends, and every graphlet build starts and follows each step that writes
indexed properties, with `refresh`: when the server counts an index as outdated (its entries
changed since its last sample by more than a twentieth, Neo4j's own measure, and by more than
`UNSAMPLED_FLOOR`), it resamples the outdated indexes, waits, and clears the plan caches
(`schema.fresh_statistics`). Otherwise it leaves the plans alone: clearing them costs every query
after it a new plan, seconds for a small store's load or build, and the samples would not change.
"""

from __future__ import annotations

import logging

import neo4j

from mlprov.core import queries

log = logging.getLogger(__name__)

# Changed index entries below which resampling is not worth the plans it throws away: a plan made on
# a sample that is off by fewer entries reads at worst those at each row where it expected none.
UNSAMPLED_FLOOR = 100


def refresh(driver: neo4j.Driver, database: str) -> bool:
    """If an index is outdated (see above): resample the outdated ones, wait for it, and clear the
    plan caches; returns whether it did. A user the server does not let call the procedures gets a
    warning, and queries are planned as the server's own sampling allows."""
    try:
        _, rows = queries.execute(driver, database, "schema.outdated_indexes", floor=UNSAMPLED_FLOOR)
        if not rows[0][0]:
            return False
        queries.execute(driver, database, "schema.fresh_statistics")
        return True
    except neo4j.exceptions.Neo4jError as exc:  # refused (a user without the right), or it timed out
        message = " ".join(str(exc.message or exc).split())[:200]
        log.warning("could not refresh the server's index statistics (%s): queries may be planned on "
                    "stale ones and run slowly", message)
        return False
