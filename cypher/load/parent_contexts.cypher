// name: parent_contexts
// summary: Write a batch of MLMD parent-context links as (child)-[:CHILD_OF]->(parent).
// mode: write
// params: {rows: {type: list, doc: link rows}}
UNWIND $rows AS row
MATCH (c:Context {uid: row.child})
MATCH (p:Context {uid: row.parent})
CREATE (c)-[:CHILD_OF]->(p)
