// name: scope_graphlet_pipelines
// summary: Incremental build (rules §11): the pipelines of the listed graphlets (those the build touched), whose rows an analysis partitioned by pipeline may give differently now.
// mode: read
// params: {source: {type: string, doc: source name}, graphlets: {type: list, doc: uids of the graphlets the build touched}}
// returns: {pipeline: string}
// internal: true
CYPHER replan=force
UNWIND $graphlets AS uid
MATCH (g:Graphlet {uid: uid})
WHERE g.source = $source
RETURN DISTINCT g.pipeline AS pipeline
ORDER BY pipeline
