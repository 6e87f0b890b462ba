// name: execution_ids
// summary: The MLMD ids of a source's executions, ascending (compared with the store's when their counts differ).
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {id: int}
// internal: true
MATCH (n:Execution)
WHERE n.source = $source
RETURN n.mlmd_id AS id
ORDER BY id
