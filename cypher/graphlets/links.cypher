// name: links
// summary: Link each graphlet (or each listed one) to the graphlet of the model its Trainer warm-starts from (its base_model input, rules §3 step 4) and to the graphlets of the models its members evaluate against (baseline_model inputs, rules §3 step 6); a graphlet's old links go first.
// mode: write
// params: {source: {type: string, doc: source name}, trainer_operator: {type: string, doc: operator that anchors graphlets}, graphlets: {type: list, default: null, doc: uids of the graphlets to link again (null for every graphlet of the source)}}
CYPHER replan=force
CALL () {
  UNWIND CASE WHEN $graphlets IS NULL THEN [$source] ELSE [] END AS whole
  MATCH (g:Graphlet)
  WHERE g.source = whole
  RETURN g
  UNION ALL
  UNWIND coalesce($graphlets, []) AS uid
  MATCH (g:Graphlet {uid: uid})
  WHERE g.source = $source
  RETURN g
}
MATCH (g)-[:CONTAINS {role: 'trainer'}]->(t:Execution)
CALL (g, t) {
  OPTIONAL MATCH (g)-[old:WARM_STARTS_FROM|BASELINE]->()
  DELETE old
  WITH DISTINCT g, t
  OPTIONAL MATCH (t)<-[i:INPUT]-(:Artifact)-[:CREATED_BY]->(t0:Execution)<-[:CONTAINS {role: 'trainer'}]-(g0:Graphlet)
  WHERE i.key = 'base_model' AND t0.operator = $trainer_operator
  FOREACH (x IN CASE WHEN g0 IS NULL THEN [] ELSE [g0] END | MERGE (g)-[:WARM_STARTS_FROM]->(x))
  WITH DISTINCT g
  OPTIONAL MATCH (g)-[:CONTAINS {role: 'downstream'}]->(:Execution)<-[b:INPUT]-(:Artifact)-[:CREATED_BY]->(t1:Execution)<-[:CONTAINS {role: 'trainer'}]-(g1:Graphlet)
  WHERE b.key = 'baseline_model' AND t1.operator = $trainer_operator
  FOREACH (x IN CASE WHEN g1 IS NULL THEN [] ELSE [g1] END | MERGE (g)-[:BASELINE]->(x))
} IN TRANSACTIONS OF 2000 ROWS
