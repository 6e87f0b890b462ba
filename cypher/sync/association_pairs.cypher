// name: association_pairs
// summary: A source's associations as (context, execution) MLMD id pairs, ascending (compared with the store's when their counts differ).
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {context: int, owner: int}
// internal: true
MATCH (e:Execution)-[:ASSOCIATED_WITH]->(c:Context)
WHERE e.source = $source
RETURN c.mlmd_id AS context, e.mlmd_id AS owner
ORDER BY context, owner
