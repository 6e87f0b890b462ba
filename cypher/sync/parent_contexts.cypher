// name: parent_contexts
// summary: Upsert a batch of MLMD parent-context links as (child)-[:CHILD_OF]->(parent) (a sync); both ends of a created one are marked `Changed` (rules §10).
// mode: write
// params: {rows: {type: list, doc: link rows}}
UNWIND $rows AS row
MATCH (c:Context {uid: row.child})
MATCH (p:Context {uid: row.parent})
MERGE (c)-[:CHILD_OF]->(p)
ON CREATE SET c:Changed, p:Changed
