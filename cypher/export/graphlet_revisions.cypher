// name: graphlet_revisions
// summary: Per pipeline of some pipelines of one source, its graphlets a graphlet build changed the rows of (in the analyses by graphlet) after a given revision, by uid, and the Trainer ids of the others (rules §13).
// mode: read
// params: {source: {type: string, doc: source name}, pipelines: {type: list, doc: names of the pipelines}, since: {type: int, doc: the revision the export last wrote the table at}, facts: {type: bool, default: false, doc: "the table reads no costs or links of a graphlet: compare the revision of the graphlet's other facts (facts_revision)"}}
// returns: {pipeline: string, changed: list, kept: list}
// browser: ":params {source: 'metadata', pipelines: [], since: 1, facts: false}"
// A graphlet without a revision has not changed since its lineage of builds started; one whose
// build changed only its costs or links has a later `graphlets_revision` than `facts_revision`.
// The export runs the changed graphlets again and keeps the rows of the others; a graphlet in
// neither list is gone. One row per pipeline with two lists: at L a day's pipelines hold 190,000
// graphlets, which as rows of their own took 4 s to send, as lists 0.4 s.
MATCH (p:Pipeline)
WHERE p.source = $source AND p.name IN $pipelines
CALL (p) {
  MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)
  WITH g, coalesce(CASE WHEN $facts THEN g.facts_revision ELSE g.graphlets_revision END, 0) > $since AS changed
  RETURN collect(CASE WHEN changed THEN g.uid END) AS changed,
         collect(CASE WHEN NOT changed THEN g.trainer_id END) AS kept
}
RETURN p.name AS pipeline, changed, kept
ORDER BY pipeline
