// name: graphlet_size
// summary: Per graphlet, its size (member executions, upstream and downstream executions, member artifacts) and its amortized and full cost.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, pipelines: {type: list, default: null, doc: only the pipelines of these names (null for all)}, graphlets: {type: list, default: null, doc: only the graphlets of these uids (null for all)}}
// partition: source, pipeline, trainer_id
// graphlet: trainer_id
// returns: {source: string, pipeline: string, trainer_id: int, outcome: string, n_executions: int, upstream_executions: int, downstream_executions: int, n_artifacts: int, cost_amortized_s: float, cost_full_s: float}
// browser: ":params {source: null}"
MATCH (g:Graphlet)
WHERE ($source IS NULL OR g.source = $source) AND ($pipelines IS NULL OR g.pipeline IN $pipelines)
      AND ($graphlets IS NULL OR g.uid IN $graphlets)
RETURN g.source AS source, g.pipeline AS pipeline, g.trainer_id AS trainer_id, g.outcome AS outcome,
       g.n_executions AS n_executions, g.upstream_executions AS upstream_executions,
       g.downstream_executions AS downstream_executions,
       g.n_artifacts AS n_artifacts, g.cost_amortized_s AS cost_amortized_s, g.cost_full_s AS cost_full_s
ORDER BY source, pipeline, trainer_id
