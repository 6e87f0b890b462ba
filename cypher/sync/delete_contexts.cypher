// name: delete_contexts
// summary: Remove a batch of contexts that left the store (a sync); every neighbour (graphlets holding one included) is marked `Changed` first (rules §10).
// mode: write
// params: {rows: {type: list, doc: rows with the uid of each node to remove}}
UNWIND $rows AS row
MATCH (n:Context {uid: row.uid})
OPTIONAL MATCH (n)--(neighbour)
WHERE NOT neighbour:Source
SET neighbour:Changed
WITH DISTINCT n
DETACH DELETE n
