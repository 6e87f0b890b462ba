// name: source_finish
// summary: Record the finished load on the Source node (its worker and heartbeat go) and link the source to its pipelines.
// mode: write
// params: {source: {type: string, doc: source name}, facts: {type: map, doc: load-time facts}}
MATCH (s:Source {name: $source})
SET s += $facts, s.status = 'loaded'
REMOVE s.worker, s.heartbeat_at
WITH s
MATCH (p:Pipeline {source: $source})
MERGE (s)-[:HAS_PIPELINE]->(p)
