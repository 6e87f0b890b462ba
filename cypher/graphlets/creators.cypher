// name: creators
// summary: Link each artifact of a source to its creator: the live execution with the earliest OUTPUT event to it (rules §3 step 2).
// mode: write
// params: {source: {type: string, doc: source name}}
MATCH (a:Artifact)
WHERE a.source = $source
CALL (a) {
  MATCH (x:Execution)-[o:OUTPUT]->(a)
  WHERE o.event_type = 'OUTPUT' AND x.state <> 'CACHED'
  WITH a, x
  ORDER BY x.created_at IS NULL, x.created_at, x.mlmd_id
  LIMIT 1
  CREATE (a)-[:CREATED_BY]->(x)
} IN TRANSACTIONS OF 10000 ROWS
