// name: event_ids
// summary: The event ids of a source's INPUT and OUTPUT relationships, ascending, each with its execution's MLMD id (compared with the store's when their counts differ).
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {id: int, execution: int}
// internal: true
MATCH (e:Execution)-[r:INPUT|OUTPUT]-(:Artifact)
WHERE e.source = $source
RETURN r.event_id AS id, e.mlmd_id AS execution
ORDER BY id
