// name: source_revisions
// summary: Per source, the graphlet build its analysis rows were last changed by (rules §13: an export refreshes only the pipelines changed since it last ran): the lineage of builds (a full build starts one), the build's revision within it, and whether the graphlets are built from the store as it is loaded now.
// mode: read
// returns: {source: string, lineage: string, revision: int, current: bool}
// browser: ":params {}"
MATCH (s:Source)
RETURN s.name AS source, s.graphlets_lineage AS lineage, s.graphlets_revision AS revision,
       coalesce(s.status = 'loaded' AND s.graphlets_status = 'built' AND s.graphlets_sha256 = s.sha256, false) AS current
ORDER BY source
