// name: source_versions
// summary: What the analysis tables depend on, per source: load status (or `building graphlets` while a graphlet build runs or after one died, `graphlets failed` after one failed, rules §12), store sha256, and the store sha256 and settings its graphlets were built from (the export's change detector).
// mode: read
// returns: {source: string, status: string, sha256: string, graphlets_sha256: string, graphlets_settings: string}
// browser: ":params {}"
MATCH (s:Source)
RETURN s.name AS source,
       CASE s.graphlets_status WHEN 'building' THEN 'building graphlets' WHEN 'failed' THEN 'graphlets failed' ELSE s.status END AS status, s.sha256 AS sha256, s.graphlets_sha256 AS graphlets_sha256,
       s.graphlets_settings AS graphlets_settings
ORDER BY source
