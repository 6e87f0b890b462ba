// name: history_features
// summary: Waste-pruning history features of each graphlet at its decision point, from the up to 50 earlier graphlets of its chain (by chain_index), counting an outcome only if its last member had finished by then: previous outcome, rolling push rate, time and graphlets since the last push (rules §5).
// mode: read
// params: {source: {type: string, doc: source name}, pipelines: {type: list, doc: pipeline names of this batch}}
// returns: {graphlet: string, chain_index: int, previous_outcome: string, previous_gap_s: float, closed_history: int, push_rate: float, graphlets_since_push: int, time_since_push_s: float}
// browser: ":params {source: 's', pipelines: ['pipeline_00000']}"
UNWIND $pipelines AS pipeline
MATCH (:Pipeline {uid: $source + ':p:' + pipeline})-[:HAS_GRAPHLET]->(g:Graphlet)
// Each chain (pipeline, Trainer node) once, in its NEXT order (chain_index), so a graphlet finds
// its earlier graphlets by position instead of walking NEXT paths back.
WITH pipeline, g ORDER BY g.chain_index
WITH pipeline, g.trainer_node AS node, collect(g) AS chain
UNWIND range(0, size(chain) - 1) AS i
WITH chain[i] AS g, chain[i].started_at AS decided_at,
     [j IN range(i - 1, i - 50, -1) WHERE j >= 0 | {back: i - j, graphlet: chain[j]}] AS window
// Earlier graphlets of the chain, nearest first; an outcome counts only once it was settled, i.e.
// the graphlet's last member had ended before the decision point.
WITH g, decided_at,
     [x IN window | {back: x.back, started_at: x.graphlet.started_at, ended_at: x.graphlet.ended_at,
                     outcome: CASE WHEN x.graphlet.ended_at < decided_at AND x.graphlet.outcome <> 'open'
                                   THEN x.graphlet.outcome END}] AS earlier
WITH g, decided_at, earlier, [x IN earlier WHERE x.outcome IS NOT NULL] AS closed
WITH g, decided_at, earlier, closed, [x IN closed WHERE x.outcome = 'pushed'] AS pushes
RETURN g.uid AS graphlet, g.chain_index AS chain_index,
       CASE WHEN size(earlier) = 0 THEN null ELSE coalesce(earlier[0].outcome, 'unsettled') END AS previous_outcome,
       CASE WHEN size(earlier) = 0 THEN null ELSE (decided_at - earlier[0].started_at) / 1000.0 END AS previous_gap_s,
       size(closed) AS closed_history,
       CASE WHEN size(closed) = 0 THEN null ELSE toFloat(size(pushes)) / size(closed) END AS push_rate,
       CASE WHEN size(pushes) = 0 THEN null ELSE pushes[0].back END AS graphlets_since_push,
       CASE WHEN size(pushes) = 0 THEN null ELSE (decided_at - pushes[0].ended_at) / 1000.0 END AS time_since_push_s
