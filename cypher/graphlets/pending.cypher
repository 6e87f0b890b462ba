// name: pending
// summary: Sources whose graphlets are missing or older than their store's content or their build settings, and why (what a build must do: rules §10).
// mode: read
// params: {fingerprint: {type: string, doc: fingerprint of the build settings (and steps)}, force: {type: bool, default: false, doc: rebuild every loaded source}}
// returns: {source: string, status: string, reason: string}
// internal: true
// Only 'store synced' is built incrementally, from what the sync marked Changed; every other
// reason rebuilds the source whole. A sync changes the content version (`version`, else the
// file's sha256) and marks what it changed; a reload replaces the Source node, so it is never built.
MATCH (s:Source)
WITH s,
     CASE
       WHEN s.status <> 'loaded' THEN 'load not finished: run the load again'
       WHEN $force THEN 'forced'
       WHEN s.graphlets_status = 'building' THEN 'the last build did not finish'
       WHEN s.graphlets_status IS NULL THEN 'never built'
       WHEN s.graphlets_settings <> $fingerprint THEN 'settings changed'
       WHEN s.graphlets_version IS NULL OR s.graphlets_version <> coalesce(s.version, s.sha256)
            OR EXISTS { MATCH (n:Changed) WHERE n.source = s.name } THEN 'store synced'
       ELSE null
     END AS reason
WHERE reason IS NOT NULL
RETURN s.name AS source, s.status AS status, reason
ORDER BY source
