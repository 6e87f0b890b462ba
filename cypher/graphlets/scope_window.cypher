// name: scope_window
// summary: Incremental build (rules §11): the last graphlets of their chains that may enter or leave `open` because the trace end moved (rules §3 step 9): started within the open window of one trace end but not of the other.
// mode: read
// params: {source: {type: string, doc: source name}, open_window_ms: {type: int, doc: a chain's last graphlet that started this close to the trace end may still be open (ms)}, trace_end: {type: int, doc: the trace end now (ms)}, built_trace_end: {type: int, doc: the trace end at the last build (ms)}}
// returns: {graphlet: string}
// internal: true
CYPHER replan=force
WITH CASE WHEN $trace_end < $built_trace_end THEN $trace_end ELSE $built_trace_end END AS earlier,
     CASE WHEN $trace_end < $built_trace_end THEN $built_trace_end ELSE $trace_end END AS later
MATCH (g:Graphlet)
WHERE g.source = $source AND g.started_at >= earlier - $open_window_ms AND g.started_at < later - $open_window_ms
  AND g.chain_last
RETURN g.uid AS graphlet
ORDER BY graphlet
