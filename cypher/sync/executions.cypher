// name: executions
// summary: Upsert a batch of MLMD executions (a sync) and move each to its pipeline; what is created or differs is marked `Changed`, and so is a pipeline that gains or loses an execution (rules §10).
// mode: write
// params: {rows: {type: list, doc: execution rows whose node holds no null values}}
UNWIND $rows AS row
MERGE (e:Execution {uid: row.uid})
// The graphlet build keeps `holders` and `first_holder` on an execution (graphlets.costs): they are
// not the store's, so they are left out of the comparison. A row that differs replaces them too, and
// the build then computes them again (its graphlets are rebuilt: rules §11).
WITH e, row, apoc.map.removeKeys(properties(e), ['holders', 'first_holder']) <> row.node AS differs
FOREACH (_ IN CASE WHEN differs THEN [1] ELSE [] END | SET e = row.node, e:Changed)
WITH e, row
MATCH (p:Pipeline {uid: row.pipeline_uid})
OPTIONAL MATCH (e)-[moved:IN_PIPELINE]->(left:Pipeline)
WHERE left <> p
SET left:Changed
DELETE moved
MERGE (e)-[:IN_PIPELINE]->(p)
ON CREATE SET e:Changed, p:Changed
