// name: contexts
// summary: Write a batch of MLMD contexts.
// mode: write
// params: {rows: {type: list, doc: context rows}}
UNWIND $rows AS row
CREATE (c:Context)
SET c = row
