// name: delete_events
// summary: Remove a batch of events that left the store (a sync), by event id; both ends are marked `Changed` (rules §10).
// mode: write
// params: {rows: {type: list, doc: rows with the event id and the uid of its execution}}
UNWIND $rows AS row
MATCH (e:Execution {uid: row.execution})-[r:INPUT|OUTPUT]-(a:Artifact)
WHERE r.event_id = row.event_id
SET e:Changed, a:Changed
DELETE r
