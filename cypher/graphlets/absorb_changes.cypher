// name: absorb_changes
// summary: Remove the Changed marks a sync left on one source's nodes, once a build has taken every change into account (rules §11).
// mode: write
// params: {source: {type: string, doc: source name}}
// internal: true
CYPHER replan=force
MATCH (n:Changed)
WHERE n.source = $source
CALL (n) { REMOVE n:Changed } IN TRANSACTIONS OF 10000 ROWS
