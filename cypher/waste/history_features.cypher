// name: history_features
// summary: Waste-pruning history features of each graphlet at its decision point, from the up to 50 earlier graphlets of its chain, counting an outcome only if its last member had finished by then: previous outcome, rolling push rate, time and graphlets since the last push (SPEC §5).
// mode: read
// params: {source: {type: string, doc: source name}, pipelines: {type: list, doc: pipeline names of this batch}}
// returns: {graphlet: string, chain_index: int, previous_outcome: string, previous_gap_s: float, closed_history: int, push_rate: float, graphlets_since_push: int, time_since_push_s: float}
// browser: ":params {source: 's', pipelines: ['pipeline_00000']}"
UNWIND $pipelines AS pipeline
MATCH (:Pipeline {uid: $source + ':p:' + pipeline})-[:HAS_GRAPHLET]->(g:Graphlet)
WITH g, g.started_at AS decided_at
// Earlier graphlets of the chain, nearest first; an outcome counts only once it was settled, i.e.
// the graphlet's last member had ended before the decision point.
CALL (g, decided_at) {
  OPTIONAL MATCH path = (h:Graphlet)-[:NEXT]->{1,50}(g)
  WITH h, length(path) AS back
  ORDER BY back
  WITH collect(CASE WHEN h IS NULL THEN null
                    ELSE {back: back, started_at: h.started_at,
                          outcome: CASE WHEN h.ended_at < decided_at AND h.outcome <> 'open' THEN h.outcome END,
                          ended_at: h.ended_at} END) AS earlier
  WITH earlier, [x IN earlier WHERE x.outcome IS NOT NULL] AS closed
  WITH earlier, closed, [x IN closed WHERE x.outcome = 'pushed'] AS pushes
  RETURN CASE WHEN size(earlier) = 0 THEN null ELSE coalesce(earlier[0].outcome, 'unsettled') END AS previous_outcome,
         CASE WHEN size(earlier) = 0 THEN null ELSE (decided_at - earlier[0].started_at) / 1000.0 END AS previous_gap_s,
         size(closed) AS closed_history,
         CASE WHEN size(closed) = 0 THEN null ELSE toFloat(size(pushes)) / size(closed) END AS push_rate,
         CASE WHEN size(pushes) = 0 THEN null ELSE pushes[0].back END AS graphlets_since_push,
         CASE WHEN size(pushes) = 0 THEN null ELSE (decided_at - pushes[0].ended_at) / 1000.0 END AS time_since_push_s
}
RETURN g.uid AS graphlet, g.chain_index AS chain_index, previous_outcome, previous_gap_s, closed_history,
       push_rate, graphlets_since_push, time_since_push_s
