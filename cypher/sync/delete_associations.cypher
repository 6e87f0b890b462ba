// name: delete_associations
// summary: Remove a batch of associations that left the store (a sync); both ends are marked `Changed` (rules §10).
// mode: write
// params: {rows: {type: list, doc: link rows}}
UNWIND $rows AS row
MATCH (e:Execution {uid: row.owner})-[r:ASSOCIATED_WITH]->(c:Context {uid: row.context})
SET e:Changed, c:Changed
DELETE r
