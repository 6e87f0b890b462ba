// name: links
// summary: Link each graphlet to the graphlet of the model its Trainer warm-starts from (its base_model input, rules §3 step 4) and to the graphlets of the models its members evaluate against (baseline_model inputs, rules §3 step 6).
// mode: write
// params: {source: {type: string, doc: source name}, trainer_operator: {type: string, doc: operator that anchors graphlets}}
MATCH (g:Graphlet)-[:CONTAINS {role: 'trainer'}]->(t:Execution)
WHERE g.source = $source
CALL (g, t) {
  OPTIONAL MATCH (t)<-[i:INPUT]-(:Artifact)-[:CREATED_BY]->(t0:Execution)<-[:CONTAINS {role: 'trainer'}]-(g0:Graphlet)
  WHERE i.key = 'base_model' AND t0.operator = $trainer_operator
  FOREACH (x IN CASE WHEN g0 IS NULL THEN [] ELSE [g0] END | MERGE (g)-[:WARM_STARTS_FROM]->(x))
  WITH DISTINCT g
  OPTIONAL MATCH (g)-[:CONTAINS {role: 'downstream'}]->(:Execution)<-[b:INPUT]-(:Artifact)-[:CREATED_BY]->(t1:Execution)<-[:CONTAINS {role: 'trainer'}]-(g1:Graphlet)
  WHERE b.key = 'baseline_model' AND t1.operator = $trainer_operator
  FOREACH (x IN CASE WHEN g1 IS NULL THEN [] ELSE [g1] END | MERGE (g)-[:BASELINE]->(x))
} IN TRANSACTIONS OF 2000 ROWS
