// name: graphlets
// summary: The graphlet table: one row per model graphlet with outcome, size, member MLMD ids and cost under the three attribution modes.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, pipelines: {type: list, default: null, doc: only the pipelines of these names (null for all)}, graphlets: {type: list, default: null, doc: only the graphlets of these uids (null for all)}}
// partition: source, pipeline, trainer_id
// graphlet: trainer_id
// returns: {source: string, pipeline: string, trainer_id: int, model_id: int, outcome: string, started_at: int, n_executions: int, n_artifacts: int, member_execution_ids: string, member_artifact_ids: string, cost_full_s: float, cost_amortized_s: float, cost_first_use_s: float}
// browser: ":params {source: null}"
MATCH (g:Graphlet)
WHERE ($source IS NULL OR g.source = $source) AND ($pipelines IS NULL OR g.pipeline IN $pipelines)
      AND ($graphlets IS NULL OR g.uid IN $graphlets)
RETURN g.source AS source, g.pipeline AS pipeline, g.trainer_id AS trainer_id, g.model_id AS model_id,
       g.outcome AS outcome, g.started_at AS started_at, g.n_executions AS n_executions,
       g.n_artifacts AS n_artifacts, g.member_execution_ids AS member_execution_ids,
       g.member_artifact_ids AS member_artifact_ids, g.cost_full_s AS cost_full_s,
       g.cost_amortized_s AS cost_amortized_s, g.cost_first_use_s AS cost_first_use_s
ORDER BY source, pipeline, trainer_id
