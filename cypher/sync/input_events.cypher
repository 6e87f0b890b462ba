// name: input_events
// summary: Upsert a batch of input-like MLMD events as (artifact)-[:INPUT]->(execution), keyed by event id (a sync); both ends of a created or changed one are marked `Changed` (rules §10).
// mode: write
// params: {rows: {type: list, doc: event rows with their relationship properties (no null values) in props}}
UNWIND $rows AS row
MATCH (a:Artifact {uid: row.artifact})
MATCH (e:Execution {uid: row.execution})
MERGE (a)-[r:INPUT {event_id: row.event_id}]->(e)
WITH a, e, r, row
WHERE properties(r) <> row.props
SET r = row.props, a:Changed, e:Changed
