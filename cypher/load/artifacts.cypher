// name: artifacts
// summary: Write a batch of MLMD artifacts.
// mode: write
// params: {rows: {type: list, doc: artifact rows}}
UNWIND $rows AS row
CREATE (a:Artifact)
SET a = row
