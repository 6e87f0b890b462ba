// name: attributions
// summary: Write a batch of MLMD attributions as (artifact)-[:ATTRIBUTED_TO]->(context).
// mode: write
// params: {rows: {type: list, doc: link rows}}
UNWIND $rows AS row
MATCH (a:Artifact {uid: row.owner})
MATCH (c:Context {uid: row.context})
CREATE (a)-[:ATTRIBUTED_TO]->(c)
