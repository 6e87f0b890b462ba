// name: graphlets_per_pipeline
// summary: Per pipeline, its graphlets (one per live Trainer run), how many pushed, its Trainer nodes and its cache hits (CACHED Trainers, which train nothing).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, trainer_operator: {type: string, doc: operator whose CACHED executions are cache hits}, pipelines: {type: list, default: null, doc: only the pipelines of these names (null for all)}}
// partition: source, pipeline
// returns: {source: string, pipeline: string, graphlets: int, pushed: int, trainer_nodes: int, cache_hits: int}
// browser: ":params {source: null}"
// The cache hits are counted from the Trainer executions (the operator index) for all the pipelines
// at once, not by walking each pipeline's executions: the busy pipelines a day's refresh asks for
// hold half of all executions, and a tenth of the executions are Trainers.
CALL () {
  MATCH (t:Execution {operator: $trainer_operator})-[:IN_PIPELINE]->(p:Pipeline)
  USING INDEX t:Execution(operator)
  WHERE t.state = 'CACHED' AND ($source IS NULL OR p.source = $source)
        AND ($pipelines IS NULL OR p.name IN $pipelines)
  WITH p, count(t) AS hits
  RETURN apoc.map.fromPairs(collect([p.uid, hits])) AS cache_hits
}
MATCH (p:Pipeline)
WHERE ($source IS NULL OR p.source = $source) AND ($pipelines IS NULL OR p.name IN $pipelines)
CALL (p) {
  OPTIONAL MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)
  RETURN count(g) AS graphlets, count(CASE WHEN g.outcome = 'pushed' THEN 1 END) AS pushed,
         count(DISTINCT g.trainer_node) AS trainer_nodes
}
RETURN p.source AS source, p.name AS pipeline, graphlets, pushed, trainer_nodes,
       coalesce(cache_hits[p.uid], 0) AS cache_hits
ORDER BY source, pipeline
