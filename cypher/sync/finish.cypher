// name: finish
// summary: Record a finished sync on the Source node (the store's state, its watermarks, counts and skipped rows; its worker and heartbeat go) and link the source to its pipelines.
// mode: write
// params: {source: {type: string, doc: source name}, facts: {type: map, doc: the store state and the sync's facts}}
MATCH (s:Source {name: $source})
SET s += $facts, s.status = 'loaded'
REMOVE s.worker, s.heartbeat_at
WITH s
MATCH (p:Pipeline {source: $source})
MERGE (s)-[:HAS_PIPELINE]->(p)
