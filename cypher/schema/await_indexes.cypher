// name: await_indexes
// summary: Wait until every index is online (populated), or fail after a timeout.
// mode: schema
// params: {timeout_s: {type: int, default: 3600, doc: seconds to wait at most}}
CALL db.awaitIndexes($timeout_s)
