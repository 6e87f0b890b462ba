// name: graphlet_revisions
// summary: The graphlets of some pipelines of one source, each with whether a graphlet build changed its rows in the analyses by graphlet after a given revision (rules §13); their uids only for those.
// mode: read
// params: {source: {type: string, doc: source name}, pipelines: {type: list, doc: names of the pipelines}, since: {type: int, doc: the revision the export last wrote the table at}}
// returns: {trainer_id: int, changed: string}
// browser: ":params {source: 'metadata', pipelines: [], since: 1}"
// A graphlet without a revision has not changed since its lineage of builds started. The uid is
// given only for a changed graphlet (the export runs those again; of the others it keeps the rows).
MATCH (p:Pipeline)
WHERE p.source = $source AND p.name IN $pipelines
MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)
RETURN g.trainer_id AS trainer_id,
       CASE WHEN coalesce(g.graphlets_revision, 0) > $since THEN g.uid END AS changed
