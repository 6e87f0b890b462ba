// name: scope_touched_pipelines
// summary: Incremental build (rules §11): the pipelines whose rows an analysis partitioned by pipeline may give differently now: each pipeline holding a node a sync marked Changed (an execution, or one associated with a changed context or linked to a changed artifact), and the pipeline of each graphlet the build touched.
// mode: read
// params: {source: {type: string, doc: source name}, graphlets: {type: list, doc: uids of the graphlets the build touched}}
// returns: {pipeline: string}
// internal: true
CYPHER replan=force
CALL () {
  MATCH (p:Pipeline:Changed)
  WHERE p.source = $source
  RETURN p.name AS pipeline
  UNION
  MATCH (:Execution:Changed)-[:IN_PIPELINE]->(p:Pipeline)
  WHERE p.source = $source
  RETURN p.name AS pipeline
  UNION
  MATCH (c:Context:Changed)<-[:ASSOCIATED_WITH]-(:Execution)-[:IN_PIPELINE]->(p:Pipeline)
  WHERE c.source = $source
  RETURN DISTINCT p.name AS pipeline
  UNION
  MATCH (a:Artifact:Changed)-[:INPUT|OUTPUT]-(:Execution)-[:IN_PIPELINE]->(p:Pipeline)
  WHERE a.source = $source
  RETURN DISTINCT p.name AS pipeline
  UNION
  UNWIND $graphlets AS uid
  MATCH (g:Graphlet {uid: uid})
  RETURN g.pipeline AS pipeline
}
RETURN pipeline
ORDER BY pipeline
