// name: pipeline_activity
// summary: Per pipeline, executions and Trainer runs per active day, where active days = max(1, ceil(days from first to last execution)) (rules §4).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, trainer_operator: {type: string, doc: operator whose executions are counted as Trainer runs}, pipelines: {type: list, default: null, doc: only the pipelines of these names (null for all)}}
// partition: source, pipeline
// returns: {source: string, pipeline: string, active_days: int, executions: int, trainings: int, executions_per_day: float, trainings_per_day: float}
// browser: ":params {source: null}"
MATCH (p:Pipeline)
WHERE ($source IS NULL OR p.source = $source) AND ($pipelines IS NULL OR p.name IN $pipelines)
CALL (p) {
  MATCH (e:Execution)-[:IN_PIPELINE]->(p)
  RETURN min(coalesce(e.created_at, e.ended_at)) AS first_at,
         max(coalesce(e.ended_at, e.created_at)) AS last_at,
         count(e) AS executions,
         count(CASE WHEN e.operator = $trainer_operator THEN 1 END) AS trainings
}
WITH p, executions, trainings,
     toInteger(coalesce(ceil((last_at - first_at) / 86400000.0), 0)) AS days
WITH p, executions, trainings, CASE WHEN days < 1 THEN 1 ELSE days END AS active_days
RETURN p.source AS source, p.name AS pipeline, active_days, executions, trainings,
       toFloat(executions) / active_days AS executions_per_day,
       toFloat(trainings) / active_days AS trainings_per_day
ORDER BY source, pipeline
