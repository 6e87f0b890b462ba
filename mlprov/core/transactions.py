"""Find and end server transactions that no client can finish any more (rules §12).

Neo4j 5.26 leaks the inner transaction of `CALL { ... } IN TRANSACTIONS` when that transaction fails
on commit with a database error (a property value too large for an index is one): the statement
reports the error, but the inner transaction stays `Running` on the server with its locks, and the
next write to the same nodes waits for ever. Its Bolt connection either closed (the client went) or
is back in the client's pool, idle. Both kinds are found here and terminated:

- a Bolt transaction whose connection is gone: nobody can commit or roll it back;
- a transaction on the connection this client is using right now, other than the one asking: a
  Bolt connection carries one transaction at a time, so any other is an orphan.

Transactions of other live connections (another user's open transaction in the Browser) are never
touched. Terminating rolls a transaction back and releases its locks.
"""

from __future__ import annotations

import uuid

import neo4j

# The SHOW asks on the very connection the client will go on using (the pool hands a sequential
# client the same one), and tags itself so that it can tell its own connection from the others.
_SHOW = ("SHOW TRANSACTIONS YIELD transactionId, connectionId, status, metaData, database "
         "RETURN transactionId, connectionId, status, metaData.probe AS probe, database")
_CONNECTIONS = "CALL dbms.listConnections() YIELD connectionId RETURN collect(connectionId) AS ids"
_TERMINATE = "TERMINATE TRANSACTIONS $ids"


def orphaned(driver: neo4j.Driver, database: str) -> list[str]:
    """Ids of the transactions on `database` that no client can finish (see the module doc)."""
    probe = uuid.uuid4().hex
    with driver.session(database=database) as session:
        rows = session.run(neo4j.Query(_SHOW, metadata={"app": "mlprov", "probe": probe})).data()
        open_connections = set(session.run(_CONNECTIONS).single()["ids"])
    mine = {row["connectionId"] for row in rows if row["probe"] == probe}
    return sorted(
        row["transactionId"] for row in rows
        if row["database"] == database and row["probe"] != probe and row["status"].startswith(("Running", "Blocked"))
        and str(row["connectionId"] or "").startswith("bolt-")
        and (row["connectionId"] not in open_connections or row["connectionId"] in mine)
    )


def release_orphans(driver: neo4j.Driver, database: str) -> list[str]:
    """Terminate the orphaned transactions on `database` (rolling them back, releasing their locks);
    returns their ids."""
    ids = orphaned(driver, database)
    if ids:
        with driver.session(database=database) as session:
            session.run(_TERMINATE, ids=ids).consume()
    return ids
