// name: attribution_pairs
// summary: A source's attributions as (context, artifact) MLMD id pairs, ascending (compared with the store's when their counts differ).
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {context: int, owner: int}
// internal: true
MATCH (a:Artifact)-[:ATTRIBUTED_TO]->(c:Context)
WHERE a.source = $source
RETURN c.mlmd_id AS context, a.mlmd_id AS owner
ORDER BY context, owner
