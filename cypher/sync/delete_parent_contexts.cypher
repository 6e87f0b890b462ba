// name: delete_parent_contexts
// summary: Remove a batch of parent-context links that left the store (a sync); both ends are marked `Changed` (rules §10).
// mode: write
// params: {rows: {type: list, doc: link rows}}
UNWIND $rows AS row
MATCH (c:Context {uid: row.child})-[r:CHILD_OF]->(p:Context {uid: row.parent})
SET c:Changed, p:Changed
DELETE r
