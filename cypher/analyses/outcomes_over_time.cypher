// name: outcomes_over_time
// summary: Graphlets per outcome per period (day or week, UTC) of their Trainer's start, with each outcome's share of the period.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, period: {type: string, default: week, doc: "bucket: 'day' or 'week' (weeks start on Monday)"}}
// returns: {period_start: string, outcome: string, graphlets: int, share: float}
// browser: ":params {source: null, period: 'week'}"
MATCH (g:Graphlet)
WHERE ($source IS NULL OR g.source = $source) AND g.started_at IS NOT NULL
WITH date.truncate($period, datetime({epochMillis: g.started_at})) AS period_start, g.outcome AS outcome,
     count(*) AS graphlets
WITH period_start, collect({outcome: outcome, graphlets: graphlets}) AS rows, sum(graphlets) AS total
UNWIND rows AS row
RETURN toString(period_start) AS period_start, row.outcome AS outcome, row.graphlets AS graphlets,
       toFloat(row.graphlets) / total AS share
ORDER BY period_start, outcome
