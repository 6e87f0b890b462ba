// name: output_events
// summary: Write a batch of output-like MLMD events as (execution)-[:OUTPUT]->(artifact).
// mode: write
// params: {rows: {type: list, doc: event rows}}
UNWIND $rows AS row
MATCH (a:Artifact {uid: row.artifact})
MATCH (e:Execution {uid: row.execution})
CREATE (e)-[r:OUTPUT {event_id: row.event_id}]->(a)
SET r.event_type = row.event_type, r.key = row.key, r.index = row.index, r.at = row.at
