// name: attributions
// summary: Upsert a batch of MLMD attributions as (artifact)-[:ATTRIBUTED_TO]->(context) (a sync); both ends of a created one are marked `Changed` (rules §10).
// mode: write
// params: {rows: {type: list, doc: link rows}}
UNWIND $rows AS row
MATCH (a:Artifact {uid: row.owner})
MATCH (c:Context {uid: row.context})
MERGE (a)-[:ATTRIBUTED_TO]->(c)
ON CREATE SET a:Changed, c:Changed
