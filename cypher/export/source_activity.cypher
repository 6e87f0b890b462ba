// name: source_activity
// summary: The sources that are not `loaded`, with the worker that marked each and the age of its heartbeat on the server's clock, so exports tell work in progress from a stuck source (rules §13).
// mode: read
// returns: {source: string, status: string, worker: string, heartbeat_age_ms: int, location: string}
// internal: true
MATCH (s:Source)
WHERE s.status <> 'loaded'
RETURN s.name AS source, s.status AS status, s.worker AS worker, timestamp() - s.heartbeat_at AS heartbeat_age_ms,
       coalesce(s.location, s.path) AS location
ORDER BY source
