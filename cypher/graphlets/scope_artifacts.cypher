// name: scope_artifacts
// summary: Incremental build (rules §11): the artifacts whose creator may have changed (marked Changed, output by a Changed execution, or held by a graphlet that lost a member), each with its creator now.
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {artifact: string, creator: string, creator_changed: bool}
// internal: true
CYPHER replan=force
CALL () {
  MATCH (a:Artifact:Changed)
  WHERE a.source = $source
  RETURN a
  UNION
  MATCH (x:Execution:Changed)-[:OUTPUT]->(a:Artifact)
  WHERE x.source = $source
  RETURN a
  UNION
  MATCH (g:Graphlet:Changed)-[:CONTAINS]->(a:Artifact)
  WHERE g.source = $source
  RETURN a
}
OPTIONAL MATCH (a)-[:CREATED_BY]->(c:Execution)
RETURN a.uid AS artifact, c.uid AS creator, coalesce(c:Changed, false) AS creator_changed
ORDER BY artifact
