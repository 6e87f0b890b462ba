// name: outcomes
// summary: What waste pruning is judged on, per graphlet: the outcome and label (pushed or not; open graphlets are not settled yet), when it started, ended and pushed, its amortized cost and its avoidable cost (the amortized cost of its Trainer and downstream members, the work a skip saves; rules §5).
// mode: read
// params: {source: {type: string, doc: source name}, pipelines: {type: list, doc: pipeline names of this batch}}
// returns: {graphlet: string, source: string, pipeline: string, trainer_node: string, trainer_id: int, started_at: int, ended_at: int, pushed_at: int, outcome: string, pushed: bool, cost_amortized_s: float, avoidable_cost_s: float}
// browser: ":params {source: 's', pipelines: ['pipeline_00000']}"
UNWIND $pipelines AS pipeline
MATCH (:Pipeline {uid: $source + ':p:' + pipeline})-[:HAS_GRAPHLET]->(g:Graphlet)
CALL (g) {
  MATCH (g)-[c:CONTAINS]->(e:Execution)
  WHERE c.role IN ['trainer', 'downstream']
  // Summed in execution uid order (rules §12 step 2): a float sum depends on its order. How many
  // graphlets hold each execution is kept on it by the build (graphlets.costs).
  WITH e
  ORDER BY e.uid
  RETURN reduce(total = 0.0, c IN collect(e.cost_s / e.holders) | total + c) AS avoidable_cost_s,
         max(CASE WHEN e.operator = 'Pusher' AND e.state = 'COMPLETE' THEN coalesce(e.ended_at, e.created_at) END) AS pushed_at
}
RETURN g.uid AS graphlet, g.source AS source, g.pipeline AS pipeline, g.trainer_node AS trainer_node,
       g.trainer_id AS trainer_id, g.started_at AS started_at, g.ended_at AS ended_at,
       CASE WHEN g.outcome = 'pushed' THEN coalesce(pushed_at, g.ended_at) END AS pushed_at,
       g.outcome AS outcome, g.outcome = 'pushed' AS pushed,
       g.cost_amortized_s AS cost_amortized_s, avoidable_cost_s
