// name: unfinished_only
// summary: Whether every node of the database belongs to a source whose load never finished (`loading`), and which those sources are with their workers and heartbeat ages: a bulk import treats such a database, a killed import's leftovers, as empty when no live worker holds them (rules §13).
// mode: read
// returns: {source: string, worker: string, heartbeat_age_ms: int, others: int}
// internal: true
OPTIONAL MATCH (s:Source)
WITH collect(s) AS sources
WITH [s IN sources WHERE s.status = 'loading'] AS loading, size(sources) AS all_sources
WITH loading, all_sources, [s IN loading | s.name] AS names
CALL (names) {
  MATCH (n) WHERE NOT n:Source AND NOT n.source IN names
  RETURN count(n) AS outside
}
UNWIND (CASE WHEN size(loading) = 0 THEN [null] ELSE loading END) AS s
RETURN s.name AS source, s.worker AS worker, timestamp() - s.heartbeat_at AS heartbeat_age_ms,
       outside + all_sources - size(loading) AS others
