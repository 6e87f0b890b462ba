// name: pipelines
// summary: Write a batch of pipelines, merged on uid (the loader's graph stream decides which pipelines a store has).
// mode: write
// params: {rows: {type: list, doc: pipeline rows}}
UNWIND $rows AS row
MERGE (p:Pipeline {uid: row.uid})
ON CREATE SET p.source = row.source, p.name = row.name
