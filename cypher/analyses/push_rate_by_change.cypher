// name: push_rate_by_change
// summary: Push rate of closed graphlets (every outcome but open) by what changed since the previous graphlet of their chain (the kinds of graphlet_changes; 'no_change' when none did, 'no_new_data' when the data did not change, 'any' for all pairs).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {change: string, graphlets: int, pushed: int, push_rate: float}
// browser: ":params {source: null}"
MATCH (p:Pipeline)
WHERE $source IS NULL OR p.source = $source
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
WITH outcome, [kind IN [['new_data', new_data], ['no_new_data', NOT new_data], ['schema', schema_changed],
                         ['transform_code', transform_code_changed], ['trainer_code', trainer_code_changed],
                         ['hyperparameters', hyperparameters_changed], ['operators', operators_changed]]
                 WHERE kind[1] | kind[0]] AS kinds
WHERE outcome <> 'open'
WITH outcome, kinds + ['any'] + CASE WHEN size([k IN kinds WHERE k <> 'no_new_data']) = 0 THEN ['no_change'] ELSE [] END AS kinds
UNWIND kinds AS change
RETURN change, count(*) AS graphlets, count(CASE WHEN outcome = 'pushed' THEN 1 END) AS pushed,
       toFloat(count(CASE WHEN outcome = 'pushed' THEN 1 END)) / count(*) AS push_rate
ORDER BY change
