// name: source_clear_batch
// summary: Remove up to `limit` of one source's nodes (graphlets first, then provenance) with their relationships, in one small transaction; run again until it removes none. The Source node stays, marked `loading`, so a clear that is cut off is resumed by the next load (rules §13).
// mode: write
// params: {source: {type: string, doc: source name}, limit: {type: int, doc: nodes per transaction}}
// returns: {removed: int}
CALL () {
  MATCH (n:Graphlet {source: $source}) RETURN n LIMIT $limit
  UNION ALL
  MATCH (n:Execution {source: $source}) RETURN n LIMIT $limit
  UNION ALL
  MATCH (n:Artifact {source: $source}) RETURN n LIMIT $limit
  UNION ALL
  MATCH (n:Context {source: $source}) RETURN n LIMIT $limit
  UNION ALL
  MATCH (n:Pipeline {source: $source}) RETURN n LIMIT $limit
}
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS removed
