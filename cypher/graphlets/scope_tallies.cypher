// name: scope_tallies
// summary: The pipelines whose tallies (graphlets.tallies) a build counts again: every pipeline of the source, or the listed ones and those of the listed executions; their uids, in order.
// mode: read
// params: {source: {type: string, doc: source name}, pipelines: {type: list, default: null, doc: names of the pipelines to tally again (null for every pipeline of the source)}, executions: {type: list, default: null, doc: uids of executions whose holders may have changed; their pipelines are tallied again too}}
// returns: {pipeline: string}
// internal: true
// An incremental build gives it the pipelines whose exported rows may change and the executions
// whose holders it recomputed: a graphlet may hold an execution of another pipeline, whose tallies
// then change too (rules §11).
CYPHER replan=force
CALL () {
  UNWIND CASE WHEN $pipelines IS NULL THEN [$source] ELSE [] END AS whole
  MATCH (p:Pipeline)
  WHERE p.source = whole
  RETURN p
  UNION
  MATCH (p:Pipeline)
  WHERE p.source = $source AND p.name IN coalesce($pipelines, [])
  RETURN p
  UNION
  UNWIND coalesce($executions, []) AS uid
  MATCH (e:Execution {uid: uid})-[:IN_PIPELINE]->(p:Pipeline)
  WHERE e.source = $source
  RETURN p
}
RETURN p.uid AS pipeline
ORDER BY pipeline
