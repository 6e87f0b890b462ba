// name: executions
// summary: Write a batch of MLMD executions with their pipelines.
// mode: write
// params: {rows: {type: list, doc: execution rows}}
UNWIND $rows AS row
CREATE (e:Execution)
SET e = row.node
MERGE (p:Pipeline {uid: row.pipeline_uid})
ON CREATE SET p.source = row.node.source, p.name = row.node.pipeline
CREATE (e)-[:IN_PIPELINE]->(p)
