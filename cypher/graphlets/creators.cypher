// name: creators
// summary: Link each artifact of a source (or each listed one) to its creator: the live execution with the earliest OUTPUT event to it (rules §3 step 2); an artifact's old creator link goes first.
// mode: write
// params: {source: {type: string, doc: source name}, artifacts: {type: list, default: null, doc: uids of the artifacts whose creator to decide again (null for every artifact of the source)}}
CYPHER replan=force
CALL () {
  UNWIND CASE WHEN $artifacts IS NULL THEN [$source] ELSE [] END AS whole
  MATCH (a:Artifact)
  WHERE a.source = whole
  RETURN a
  UNION ALL
  UNWIND coalesce($artifacts, []) AS uid
  MATCH (a:Artifact {uid: uid})
  WHERE a.source = $source
  RETURN a
}
CALL (a) {
  OPTIONAL MATCH (a)-[old:CREATED_BY]->()
  DELETE old
  WITH DISTINCT a
  MATCH (x:Execution)-[o:OUTPUT]->(a)
  WHERE o.event_type = 'OUTPUT' AND x.state <> 'CACHED'
  WITH a, x
  ORDER BY x.created_at IS NULL, x.created_at, x.mlmd_id
  LIMIT 1
  CREATE (a)-[:CREATED_BY]->(x)
} IN TRANSACTIONS OF 10000 ROWS
