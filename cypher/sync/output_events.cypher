// name: output_events
// summary: Upsert a batch of output-like MLMD events as (execution)-[:OUTPUT]->(artifact), keyed by event id (a sync); both ends of a created or changed one are marked `Changed` (rules §10).
// mode: write
// params: {rows: {type: list, doc: event rows with their relationship properties (no null values) in props}}
UNWIND $rows AS row
MATCH (a:Artifact {uid: row.artifact})
MATCH (e:Execution {uid: row.execution})
MERGE (e)-[r:OUTPUT {event_id: row.event_id}]->(a)
WITH a, e, r, row
WHERE properties(r) <> row.props
SET r = row.props, a:Changed, e:Changed
