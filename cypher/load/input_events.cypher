// name: input_events
// summary: Write a batch of input-like MLMD events as (artifact)-[:INPUT]->(execution).
// mode: write
// params: {rows: {type: list, doc: event rows}}
UNWIND $rows AS row
MATCH (a:Artifact {uid: row.artifact})
MATCH (e:Execution {uid: row.execution})
CREATE (a)-[r:INPUT {event_id: row.event_id}]->(e)
SET r.event_type = row.event_type, r.key = row.key, r.index = row.index, r.at = row.at
