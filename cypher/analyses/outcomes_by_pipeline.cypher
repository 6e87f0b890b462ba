// name: outcomes_by_pipeline
// summary: Per pipeline, its graphlets by outcome and its pushed share (of all its graphlets, and of its closed ones: every outcome but open).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, pipelines: {type: list, default: null, doc: only the pipelines of these names (null for all)}}
// partition: source, pipeline
// returns: {source: string, pipeline: string, graphlets: int, pushed: int, not_blessed: int, blessed_not_pushed: int, not_pushed: int, failed: int, open: int, pushed_share: float, pushed_share_closed: float}
// browser: ":params {source: null}"
MATCH (p:Pipeline)-[:HAS_GRAPHLET]->(g:Graphlet)
WHERE ($source IS NULL OR p.source = $source) AND ($pipelines IS NULL OR p.name IN $pipelines)
WITH p, count(g) AS graphlets,
     count(CASE WHEN g.outcome = 'pushed' THEN 1 END) AS pushed,
     count(CASE WHEN g.outcome = 'not_blessed' THEN 1 END) AS not_blessed,
     count(CASE WHEN g.outcome = 'blessed_not_pushed' THEN 1 END) AS blessed_not_pushed,
     count(CASE WHEN g.outcome = 'not_pushed' THEN 1 END) AS not_pushed,
     count(CASE WHEN g.outcome = 'failed' THEN 1 END) AS failed,
     count(CASE WHEN g.outcome = 'open' THEN 1 END) AS open
RETURN p.source AS source, p.name AS pipeline, graphlets, pushed, not_blessed, blessed_not_pushed, not_pushed,
       failed, open, toFloat(pushed) / graphlets AS pushed_share,
       CASE WHEN graphlets > open THEN toFloat(pushed) / (graphlets - open) END AS pushed_share_closed
ORDER BY source, pipeline
