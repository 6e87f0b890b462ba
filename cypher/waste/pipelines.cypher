// name: pipelines
// summary: The pipelines of a source with their graphlet counts, to batch the waste-pruning queries by pipeline.
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {pipeline: string, graphlets: int}
// browser: ":params {source: 's'}"
MATCH (p:Pipeline)
WHERE p.source = $source
RETURN p.name AS pipeline, COUNT { (p)-[:HAS_GRAPHLET]->() } AS graphlets
ORDER BY pipeline
