// name: remove_empty_pipelines
// summary: Remove the pipelines of a source that no execution belongs to any more (a fresh load would not make them); their neighbours (graphlets) are marked `Changed` first (rules §10).
// mode: write
// params: {source: {type: string, doc: source name}}
MATCH (p:Pipeline)
WHERE p.source = $source AND NOT EXISTS { (p)<-[:IN_PIPELINE]-() }
OPTIONAL MATCH (p)--(neighbour)
WHERE NOT neighbour:Source
SET neighbour:Changed
WITH DISTINCT p
DETACH DELETE p
