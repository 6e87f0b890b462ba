// name: associations
// summary: Write a batch of MLMD associations as (execution)-[:ASSOCIATED_WITH]->(context).
// mode: write
// params: {rows: {type: list, doc: link rows}}
UNWIND $rows AS row
MATCH (e:Execution {uid: row.owner})
MATCH (c:Context {uid: row.context})
CREATE (e)-[:ASSOCIATED_WITH]->(c)
