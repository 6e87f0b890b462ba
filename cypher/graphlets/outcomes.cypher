// name: outcomes
// summary: Decide each graphlet's outcome (or each listed one's), the first that applies: failed (Trainer FAILED or CANCELED), pushed (a COMPLETE member Pusher pushed), open (last of its chain, started within the open window of the trace end, unfinished), failed (Trainer never finished), not_blessed, blessed_not_pushed, not_pushed (rules §3 step 9).
// mode: write
// params: {source: {type: string, doc: source name}, open_window_ms: {type: int, doc: a chain's last graphlet that started this close to the trace end may still be open (ms)}, graphlets: {type: list, default: null, doc: uids of the graphlets to decide again (null for every graphlet of the source)}, trace_end: {type: int, default: null, doc: the source's trace end (ms) when the caller has it (null to compute it here)}}
// One batch at a time: concurrent batches once stored wrong facts (ARCHITECTURE.md, graphlet build).
// Each batch writes only its own graphlets' outcome.
CYPHER replan=force
CALL () {
  UNWIND CASE WHEN $trace_end IS NULL THEN [$source] ELSE [] END AS whole
  MATCH (e:Execution)
  WHERE e.source = whole
  RETURN max(coalesce(e.ended_at, e.created_at)) AS computed_end
}
WITH coalesce($trace_end, computed_end) AS trace_end
CALL () {
  UNWIND CASE WHEN $graphlets IS NULL THEN [$source] ELSE [] END AS whole
  MATCH (g:Graphlet)
  WHERE g.source = whole
  RETURN g
  UNION ALL
  UNWIND coalesce($graphlets, []) AS uid
  MATCH (g:Graphlet {uid: uid})
  WHERE g.source = $source
  RETURN g
}
MATCH (g)-[:CONTAINS {role: 'trainer'}]->(t:Execution)
CALL (g, t, trace_end) {
  WITH g, t, trace_end,
       EXISTS {
         MATCH (g)-[:CONTAINS]->(pusher:Execution)-[o:OUTPUT]->(pm:Artifact)
         WHERE pusher.operator = 'Pusher' AND pusher.state = 'COMPLETE' AND o.event_type = 'OUTPUT'
           AND pm.type = 'PushedModel' AND (pm.pushed IS NULL OR pm.pushed = 1)
       } AS pushed,
       EXISTS {
         MATCH (g)-[:CONTAINS {role: 'downstream'}]->(d:Execution)
         WHERE d.state = 'COMPLETE'
       } AS downstream_complete,
       COLLECT {
         MATCH (g)-[:CONTAINS]->(b:Artifact)
         WHERE b.type IN ['ModelBlessing', 'InfraBlessing']
         RETURN b.blessed
       } AS blessings
  SET g.outcome = CASE
    WHEN t.state IN ['FAILED', 'CANCELED'] THEN 'failed'
    WHEN pushed THEN 'pushed'
    WHEN coalesce(g.chain_last, false) AND t.created_at >= trace_end - $open_window_ms
         AND (t.state IN ['NEW', 'RUNNING'] OR NOT downstream_complete) THEN 'open'
    WHEN t.state <> 'COMPLETE' THEN 'failed'
    WHEN any(v IN blessings WHERE v = 0) THEN 'not_blessed'
    WHEN size(blessings) > 0 AND all(v IN blessings WHERE v = 1) THEN 'blessed_not_pushed'
    ELSE 'not_pushed'
  END
} IN TRANSACTIONS OF 5000 ROWS
