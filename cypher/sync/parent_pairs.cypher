// name: parent_pairs
// summary: A source's parent-context links as (child, parent) MLMD id pairs, ascending (compared with the store's when their counts differ).
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {child: int, parent: int}
// internal: true
MATCH (c:Context)-[:CHILD_OF]->(p:Context)
WHERE c.source = $source
RETURN c.mlmd_id AS child, p.mlmd_id AS parent
ORDER BY child, parent
