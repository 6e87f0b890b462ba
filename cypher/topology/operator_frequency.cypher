// name: operator_frequency
// summary: Per operator: how many pipelines have it (and what share of all pipelines) and how many executions it had.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {operator: string, category: string, pipelines: int, pipeline_share: float, executions: int}
// browser: ":params {source: null}"
// Per pipeline, the graphlet build tallies the executions by operator (graphlets.tallies), so this
// reads about 2,500 Pipeline nodes at L instead of 2 million executions; a pipeline without them
// (its graphlets never built, or built by a version whose tallies had no states) has its
// executions counted here. Only pipelines with an execution count. An operator's category is the first by name, should its executions have several.
MATCH (p:Pipeline)
WHERE $source IS NULL OR p.source = $source
CALL (p) {
  OPTIONAL MATCH (p)<-[:IN_PIPELINE]-(e:Execution)
  WHERE p.tally_states IS NULL
  WITH e.operator AS operator, min(e.category) AS category, count(e) AS executions
  WHERE executions > 0
  RETURN collect({operator: operator, category: category, executions: executions}) AS counted
}
WITH p, CASE WHEN p.tally_states IS NULL THEN counted
             ELSE [i IN range(0, size(p.tally_operators) - 1) |
                   {operator: p.tally_operators[i], category: p.tally_categories[i],
                    executions: p.tally_executions[i]}] END AS parts
WHERE size(parts) > 0
WITH collect({pipeline: p, parts: parts}) AS having
UNWIND having AS pipeline
UNWIND pipeline.parts AS part
WITH size(having) AS all_pipelines, part.operator AS operator, min(part.category) AS category,
     count(DISTINCT pipeline.pipeline) AS pipelines, sum(part.executions) AS executions
RETURN operator, category, pipelines, toFloat(pipelines) / all_pipelines AS pipeline_share, executions
ORDER BY pipelines DESC, executions DESC, operator
