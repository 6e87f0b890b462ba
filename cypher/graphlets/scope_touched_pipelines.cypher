// name: scope_touched_pipelines
// summary: Incremental build (rules §11): the pipelines whose rows an analysis partitioned by pipeline may give differently now because of the sync's marks: each pipeline holding a node a sync marked Changed (an execution, or one associated with a changed context or linked to a changed artifact). The pipelines of the graphlets the build touched are graphlets.scope_graphlet_pipelines.
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {pipeline: string}
// internal: true
// An execution's `pipeline` names the one Pipeline it is IN_PIPELINE of (a load and a sync write
// both from one row, see graphlets.derive), so the pipelines are read from the executions reached
// instead of expanding to Pipeline nodes: at L a day's Changed contexts reach about a million
// executions, and the query took 0.6 of the time (4.4-6.1 s against 7.6-9.4 s, the same rows).
CYPHER replan=force
CALL () {
  MATCH (p:Pipeline:Changed)
  WHERE p.source = $source
  RETURN p.name AS pipeline
  UNION
  MATCH (e:Execution:Changed)
  WHERE e.source = $source
  RETURN e.pipeline AS pipeline
  UNION
  MATCH (c:Context:Changed)<-[:ASSOCIATED_WITH]-(e:Execution)
  WHERE c.source = $source
  RETURN DISTINCT e.pipeline AS pipeline
  UNION
  MATCH (a:Artifact:Changed)-[:INPUT|OUTPUT]-(e:Execution)
  WHERE a.source = $source
  RETURN DISTINCT e.pipeline AS pipeline
}
RETURN pipeline
ORDER BY pipeline
