// name: source_finish
// summary: Record the finished load on the Source node and link the source to its pipelines.
// mode: write
// params: {source: {type: string, doc: source name}, facts: {type: map, doc: load-time facts}}
MATCH (s:Source {name: $source})
SET s += $facts, s.status = 'loaded'
WITH s
MATCH (p:Pipeline {source: $source})
MERGE (s)-[:HAS_PIPELINE]->(p)
