// name: clear
// summary: Remove one source's graphlets and derived creator links, before a rebuild.
// mode: write
// params: {source: {type: string, doc: source name}}
// A graphlet holds tens of CONTAINS links: 500 per transaction keeps a rebuild of an L corpus
// (440,000 graphlets) within the server's transaction memory.
MATCH (g:Graphlet)
WHERE g.source = $source
CALL (g) { DETACH DELETE g } IN TRANSACTIONS OF 500 ROWS
WITH count(*) AS removed
MATCH (a:Artifact)-[c:CREATED_BY]->()
WHERE a.source = $source
CALL (c) { DELETE c } IN TRANSACTIONS OF 20000 ROWS
