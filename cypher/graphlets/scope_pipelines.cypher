// name: scope_pipelines
// summary: Incremental build (rules §11): the pipelines whose operator-level DAG edges may have changed: those a sync marked Changed and those of its Changed executions.
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {pipeline: string}
// internal: true
CYPHER replan=force
CALL () {
  MATCH (p:Pipeline:Changed)
  WHERE p.source = $source
  RETURN p
  UNION
  MATCH (:Execution:Changed)-[:IN_PIPELINE]->(p:Pipeline)
  WHERE p.source = $source
  RETURN p
}
RETURN p.uid AS pipeline
ORDER BY pipeline
