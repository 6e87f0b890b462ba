// name: associations
// summary: Upsert a batch of MLMD associations as (execution)-[:ASSOCIATED_WITH]->(context) (a sync); both ends of a created one are marked `Changed` (rules §10).
// mode: write
// params: {rows: {type: list, doc: link rows}}
UNWIND $rows AS row
MATCH (e:Execution {uid: row.owner})
MATCH (c:Context {uid: row.context})
MERGE (e)-[:ASSOCIATED_WITH]->(c)
ON CREATE SET e:Changed, c:Changed
