// name: unmark
// summary: Remove the Changed labels a sync left on one source's nodes, once a build has absorbed them (rules §10).
// mode: write
// params: {source: {type: string, doc: source name}}
MATCH (n:Changed)
WHERE n.source = $source
CALL (n) { REMOVE n:Changed } IN TRANSACTIONS OF 10000 ROWS
