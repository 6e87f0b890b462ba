// name: executions
// summary: Write a batch of MLMD executions, each linked to its pipeline (written before it).
// mode: write
// params: {rows: {type: list, doc: execution rows}}
UNWIND $rows AS row
CREATE (e:Execution)
SET e = row.node
WITH e, row
MATCH (p:Pipeline {uid: row.pipeline_uid})
CREATE (e)-[:IN_PIPELINE]->(p)
