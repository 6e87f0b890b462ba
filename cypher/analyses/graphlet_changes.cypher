// name: graphlet_changes
// summary: For each pair of consecutive graphlets of a chain, what changed before training: new data (new spans, or new Examples where spans are unknown), Schema, Transform code, Trainer code (module_path, else module_file), HyperParameters, upstream operator set; and the later graphlet's outcome.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, pipelines: {type: list, default: null, doc: only the pipelines of these names (null for all)}, graphlets: {type: list, default: null, doc: only the graphlets of these uids (null for all)}}
// partition: source, pipeline, trainer_node, chain_index
// graphlet: trainer_id, facts
// returns: {source: string, pipeline: string, trainer_node: string, chain_index: int, trainer_id: int, previous_trainer_id: int, outcome: string, new_data: bool, schema_changed: bool, transform_code_changed: bool, trainer_code_changed: bool, hyperparameters_changed: bool, operators_changed: bool}
// browser: ":params {source: null}"
// The flags are stored on the later graphlet of each pair by graphlets.derive.
MATCH (previous:Graphlet)-[:NEXT]->(g:Graphlet)
WHERE ($source IS NULL OR g.source = $source) AND ($pipelines IS NULL OR g.pipeline IN $pipelines)
      AND ($graphlets IS NULL OR g.uid IN $graphlets)
RETURN g.source AS source, g.pipeline AS pipeline, g.trainer_node AS trainer_node, g.chain_index AS chain_index,
       g.trainer_id AS trainer_id,
       previous.trainer_id AS previous_trainer_id, g.outcome AS outcome, g.new_data AS new_data,
       g.schema_changed AS schema_changed, g.transform_code_changed AS transform_code_changed,
       g.trainer_code_changed AS trainer_code_changed, g.hyperparameters_changed AS hyperparameters_changed,
       g.operators_changed AS operators_changed
ORDER BY source, pipeline, trainer_node, chain_index
