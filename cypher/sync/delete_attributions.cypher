// name: delete_attributions
// summary: Remove a batch of attributions that left the store (a sync); both ends are marked `Changed` (rules §10).
// mode: write
// params: {rows: {type: list, doc: link rows}}
UNWIND $rows AS row
MATCH (a:Artifact {uid: row.owner})-[r:ATTRIBUTED_TO]->(c:Context {uid: row.context})
SET a:Changed, c:Changed
DELETE r
