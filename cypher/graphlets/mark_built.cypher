// name: mark_built
// summary: Record on the Source node that its graphlets match the loaded store (its version, `sha256`) and build settings; and, for exports that refresh only what changed, which build each pipeline's rows, and each graphlet's rows in the analyses by graphlet, last changed in (`graphlets_revision`; `facts_revision` for the analyses that read no costs or links; counted within one `graphlets_lineage`: a full build starts a new one).
// mode: write
// params: {source: {type: string, doc: source name}, fingerprint: {type: string, doc: fingerprint of the build settings (and steps)}, facts: {type: map, doc: build facts}, pipelines: {type: list, default: null, doc: names of the pipelines an incremental build touched (null for a full build - every pipeline)}, graphlets: {type: list, default: null, doc: uids of the graphlets whose rows an incremental build may have changed (null for a full build - its graphlets are new and count as changed by the lineage's start)}, graphlet_facts: {type: list, default: null, doc: "of those, the uids of the graphlets whose outcome, derived facts or place in their chain may have changed (not only costs or links)"}}
MATCH (s:Source {name: $source})
WITH s, $pipelines IS NULL OR s.graphlets_lineage IS NULL OR s.graphlets_revision IS NULL AS starts
SET s.graphlets_sha256 = s.sha256, s.graphlets_settings = $fingerprint, s.graphlets_status = 'built', s += $facts,
    s.graphlets_lineage = CASE WHEN starts THEN randomUUID() ELSE s.graphlets_lineage END,
    s.graphlets_revision = CASE WHEN starts THEN 1 ELSE s.graphlets_revision + 1 END
REMOVE s.graphlets_error
WITH s, starts
// A graphlet without a revision has not changed since its lineage started (a full build makes every
// graphlet anew); an incremental build numbers the ones whose rows it may have changed.
CALL (s) {
  UNWIND coalesce($graphlets, []) AS uid
  MATCH (g:Graphlet {uid: uid})
  WHERE g.source = s.name
  SET g.graphlets_revision = s.graphlets_revision
}
CALL (s) {
  UNWIND coalesce($graphlet_facts, []) AS uid
  MATCH (g:Graphlet {uid: uid})
  WHERE g.source = s.name
  SET g.facts_revision = s.graphlets_revision
}
MATCH (s)-[:HAS_PIPELINE]->(p:Pipeline)
WHERE starts OR p.name IN $pipelines
SET p.graphlets_revision = s.graphlets_revision
