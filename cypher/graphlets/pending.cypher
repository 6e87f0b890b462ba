// name: pending
// summary: Sources whose graphlets are missing or older than their store's content (a load, reload or sync since the last build) or their build settings, and why (what a build must do: rules §11).
// mode: read
// params: {fingerprint: {type: string, doc: fingerprint of the build settings (and steps)}, force: {type: bool, default: false, doc: rebuild every loaded source}}
// returns: {source: string, status: string, reason: string}
// internal: true
// `sha256` is the store's version (for a database without a file, the digest of its watermarks):
// a sync changes it and leaves `synced_at`, which a load never sets (rules §10). Only 'store
// synced' is built incrementally, from what the sync marked Changed (its marks are reason enough);
// every other reason rebuilds the source whole, settings changed included.
MATCH (s:Source)
WITH s,
     CASE
       WHEN s.status = 'syncing' THEN 'sync not finished: run the sync again'
       WHEN s.status <> 'loaded' THEN 'load not finished: run the load again'
       WHEN $force THEN 'forced'
       WHEN s.graphlets_status = 'building' THEN 'the last build did not finish'
       WHEN s.graphlets_status = 'failed' THEN 'the last build failed'
       WHEN s.graphlets_sha256 IS NULL THEN 'never built'
       WHEN s.graphlets_settings <> $fingerprint THEN 'settings changed'
       WHEN s.graphlets_sha256 <> s.sha256 AND s.synced_at IS NULL THEN 'store reloaded'
       WHEN s.graphlets_sha256 <> s.sha256 OR EXISTS { MATCH (n:Changed) WHERE n.source = s.name } THEN 'store synced'
       ELSE null
     END AS reason
WHERE reason IS NOT NULL
RETURN s.name AS source, s.status AS status, reason
ORDER BY source
