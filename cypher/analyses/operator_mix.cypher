// name: operator_mix
// summary: Per operator, how many pipelines run it (and their share of all pipelines) and how many executions it has.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {operator: string, category: string, pipelines: int, pipeline_share: float, executions: int}
// browser: ":params {source: null}"
CALL () {
  MATCH (p:Pipeline)
  WHERE $source IS NULL OR p.source = $source
  RETURN count(p) AS all_pipelines
}
MATCH (e:Execution)
WHERE $source IS NULL OR e.source = $source
WITH all_pipelines, e.operator AS operator, e.category AS category,
     count(*) AS executions, count(DISTINCT [e.source, e.pipeline]) AS pipelines
RETURN operator, category, pipelines, toFloat(pipelines) / all_pipelines AS pipeline_share, executions
ORDER BY pipelines DESC, operator
