// name: pipeline_context_names
// summary: The names of a source's `pipeline` contexts in the graph, in MLMD id order (they decide the pipeline of an execution without one, rules §2).
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {name: string}
// internal: true
MATCH (c:Context)
WHERE c.source = $source AND c.type = 'pipeline'
RETURN c.name AS name
ORDER BY c.mlmd_id
