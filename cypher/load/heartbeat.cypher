// name: heartbeat
// summary: Refresh the heartbeat of a source that this worker is loading or syncing (the server's clock), so exports tell it from a stuck source (rules §13).
// mode: write
// params: {source: {type: string, doc: source name}, worker: {type: string, doc: the worker that marked it (JSON)}}
// internal: true
MATCH (s:Source {name: $source})
WHERE s.worker = $worker AND s.status IN ['loading', 'syncing']
SET s.heartbeat_at = timestamp()
