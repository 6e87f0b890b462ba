// name: pipeline_revisions
// summary: The pipelines of one source, each with the revision of the graphlet build that last changed its rows in the analyses partitioned by pipeline (null: none recorded).
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {pipeline: string, revision: int}
// browser: ":params {source: 'metadata'}"
MATCH (p:Pipeline)
WHERE p.source = $source
RETURN p.name AS pipeline, p.graphlets_revision AS revision
ORDER BY pipeline
