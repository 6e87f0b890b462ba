// name: pending
// summary: Sources whose graphlets are missing or older than their last load or build settings (what an incremental build must do).
// mode: read
// params: {fingerprint: {type: string, doc: fingerprint of the build settings (and steps)}, force: {type: bool, default: false, doc: rebuild every loaded source}}
// returns: {source: string, status: string, reason: string}
// internal: true
MATCH (s:Source)
WITH s,
     CASE
       WHEN s.status <> 'loaded' THEN 'load not finished: run the load again'
       WHEN $force THEN 'forced'
       WHEN s.graphlets_status = 'building' THEN 'the last build did not finish'
       WHEN s.graphlets_sha256 IS NULL THEN 'never built'
       WHEN s.graphlets_sha256 <> s.sha256 THEN 'store reloaded'
       WHEN s.graphlets_settings <> $fingerprint THEN 'settings changed'
       ELSE null
     END AS reason
WHERE reason IS NOT NULL
RETURN s.name AS source, s.status AS status, reason
ORDER BY source
