// name: artifacts
// summary: Upsert a batch of MLMD artifacts (a sync): create the missing ones, replace the properties of those that differ (a property gone from the store goes from the node), and mark both `Changed` (rules §10).
// mode: write
// params: {rows: {type: list, doc: artifact rows without null values}}
UNWIND $rows AS row
MERGE (a:Artifact {uid: row.uid})
WITH a, row
WHERE properties(a) <> row
SET a = row, a:Changed
