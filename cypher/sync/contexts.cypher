// name: contexts
// summary: Upsert a batch of MLMD contexts (a sync): create the missing ones, replace the properties of those that differ, and mark both `Changed` (rules §10).
// mode: write
// params: {rows: {type: list, doc: context rows without null values}}
UNWIND $rows AS row
MERGE (c:Context {uid: row.uid})
WITH c, row
WHERE properties(c) <> row
SET c = row, c:Changed
