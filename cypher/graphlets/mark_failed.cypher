// name: mark_failed
// summary: Record on the Source node that building its graphlets failed, and why, once its half-built graphlets are gone: the next build rebuilds it whole, and exports wait for that (rules §12).
// mode: write
// params: {source: {type: string, doc: source name}, error: {type: string, doc: the failed step and the server's message on one line}}
// internal: true
MATCH (s:Source {name: $source})
SET s.graphlets_status = 'failed', s.graphlets_error = $error
REMOVE s.graphlets_sha256
