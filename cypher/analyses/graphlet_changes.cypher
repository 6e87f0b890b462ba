// name: graphlet_changes
// summary: For each pair of consecutive graphlets of a chain, what changed before training: new data (new spans, or new Examples where spans are unknown), Schema, Transform code, Trainer code (module_path, else module_file), HyperParameters, upstream operator set; and the later graphlet's outcome.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {source: string, pipeline: string, trainer_node: string, trainer_id: int, previous_trainer_id: int, outcome: string, new_data: bool, schema_changed: bool, transform_code_changed: bool, trainer_code_changed: bool, hyperparameters_changed: bool, operators_changed: bool}
// browser: ":params {source: null}"
MATCH (p:Pipeline)
WHERE $source IS NULL OR p.source = $source
WITH p
ORDER BY p.source, p.name
CALL (p) {
  // One pipeline at a time, in chain order, so memory holds one pipeline's fingerprints and nothing is sorted at the end.
  MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)-[:CONTAINS {role: 'trainer'}]->(t:Execution)
  WITH g, {
    trainer_id: g.trainer_id,
    outcome: g.outcome,
    trainer_code: coalesce(t.module_path, t.module_file),
    examples: COLLECT { MATCH (t)<-[i:INPUT]-(x:Artifact) WHERE i.event_type = 'INPUT' AND x.type = 'Examples' RETURN DISTINCT x.mlmd_id },
    spans: COLLECT { MATCH (t)<-[i:INPUT]-(x:Artifact) WHERE i.event_type = 'INPUT' AND x.type = 'Examples' AND x.span IS NOT NULL RETURN DISTINCT x.span },
    schemas: COLLECT { MATCH (g)-[:CONTAINS]->(x:Artifact) WHERE x.type = 'Schema' RETURN x.mlmd_id AS id ORDER BY id },
    hyperparameters: COLLECT { MATCH (g)-[:CONTAINS]->(x:Artifact) WHERE x.type = 'HyperParameters' RETURN x.mlmd_id AS id ORDER BY id },
    transform_code: COLLECT { MATCH (g)-[:CONTAINS]->(x:Execution) WHERE x.operator = 'Transform' AND coalesce(x.module_path, x.module_file) IS NOT NULL
                              RETURN DISTINCT coalesce(x.module_path, x.module_file) AS code ORDER BY code },
    operators: COLLECT { MATCH (g)-[c:CONTAINS]->(x:Execution) WHERE c.role IN ['upstream', 'trainer'] RETURN DISTINCT x.operator AS op ORDER BY op }
  } AS fingerprint
  ORDER BY g.trainer_node, g.chain_index
  WITH g.trainer_node AS trainer_node, collect(fingerprint) AS chain
  UNWIND range(1, size(chain) - 1) AS i
  WITH trainer_node, chain[i - 1] AS before, chain[i] AS after
  RETURN trainer_node, after.trainer_id AS trainer_id, before.trainer_id AS previous_trainer_id, after.outcome AS outcome,
         CASE WHEN size(after.spans) > 0 AND size(before.spans) > 0 THEN any(s IN after.spans WHERE NOT s IN before.spans)
              ELSE any(x IN after.examples WHERE NOT x IN before.examples) END AS new_data,
         after.schemas <> before.schemas AS schema_changed,
         size(after.transform_code) > 0 AND size(before.transform_code) > 0 AND after.transform_code <> before.transform_code AS transform_code_changed,
         coalesce(after.trainer_code <> before.trainer_code, false) AS trainer_code_changed,
         size(after.hyperparameters) > 0 AND after.hyperparameters <> before.hyperparameters AS hyperparameters_changed,
         after.operators <> before.operators AS operators_changed
}
RETURN p.source AS source, p.name AS pipeline, trainer_node, trainer_id, previous_trainer_id, outcome, new_data,
       schema_changed, transform_code_changed, trainer_code_changed, hyperparameters_changed, operators_changed
