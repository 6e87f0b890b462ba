// name: source_delete
// summary: Remove one source's nodes (provenance and graphlets) and nothing else, in batches.
// mode: write
// params: {source: {type: string, doc: source name}}
MATCH (n)
WHERE (n:Artifact OR n:Execution OR n:Context OR n:Pipeline OR n:Graphlet) AND n.source = $source
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
WITH count(*) AS removed
MATCH (s:Source {name: $source})
DETACH DELETE s
