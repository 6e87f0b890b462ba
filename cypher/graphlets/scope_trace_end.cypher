// name: scope_trace_end
// summary: Incremental build (rules §11): the source's trace end (rules §3 step 9) now, and as the last build recorded it.
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {trace_end: int, built_trace_end: int}
// internal: true
CYPHER replan=force
MATCH (s:Source {name: $source})
CALL () {
  MATCH (e:Execution)
  WHERE e.source = $source
  RETURN max(coalesce(e.ended_at, e.created_at)) AS trace_end
}
RETURN trace_end, s.graphlets_trace_end AS built_trace_end
