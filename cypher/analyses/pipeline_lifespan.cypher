// name: pipeline_lifespan
// summary: Per pipeline, its first execution time (start, else end) and last (end, else start) and the lifespan between them in days (rules §4).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, pipelines: {type: list, default: null, doc: only the pipelines of these names (null for all)}}
// partition: source, pipeline
// returns: {source: string, pipeline: string, first_execution_at: int, last_execution_at: int, lifespan_days: float, executions: int}
// browser: ":params {source: null}"
MATCH (p:Pipeline)
WHERE ($source IS NULL OR p.source = $source) AND ($pipelines IS NULL OR p.name IN $pipelines)
CALL (p) {
  MATCH (e:Execution)-[:IN_PIPELINE]->(p)
  RETURN min(coalesce(e.created_at, e.ended_at)) AS first_at,
         max(coalesce(e.ended_at, e.created_at)) AS last_at,
         count(e) AS executions
}
RETURN p.source AS source, p.name AS pipeline, first_at AS first_execution_at, last_at AS last_execution_at,
       coalesce((last_at - first_at) / 86400000.0, 0.0) AS lifespan_days, executions
ORDER BY source, pipeline
