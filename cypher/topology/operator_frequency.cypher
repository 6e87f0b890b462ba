// name: operator_frequency
// summary: Per operator: how many pipelines have it (and what share of all pipelines) and how many executions it had.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {operator: string, category: string, pipelines: int, pipeline_share: float, executions: int}
// browser: ":params {source: null}"
CALL () {
  MATCH (p:Pipeline)
  WHERE ($source IS NULL OR p.source = $source) AND EXISTS { (p)<-[:IN_PIPELINE]-(:Execution) }
  RETURN count(p) AS all_pipelines
}
MATCH (p:Pipeline)<-[:IN_PIPELINE]-(e:Execution)
WHERE $source IS NULL OR p.source = $source
WITH all_pipelines, e.operator AS operator, head(collect(DISTINCT e.category)) AS category,
     count(DISTINCT p) AS pipelines, count(e) AS executions
RETURN operator, category, pipelines, toFloat(pipelines) / all_pipelines AS pipeline_share, executions
ORDER BY pipelines DESC, executions DESC, operator
