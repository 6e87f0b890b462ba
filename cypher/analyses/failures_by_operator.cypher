// name: failures_by_operator
// summary: Per operator, executions, how many FAILED or were CANCELED, the failure rate and the cost those failed runs spent.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {operator: string, category: string, executions: int, failed: int, canceled: int, failure_rate: float, failed_cost_s: float}
// browser: ":params {source: null}"
// Per pipeline, the graphlet build tallies the executions by operator, category, state and whether
// a graphlet holds them (graphlets.tallies), so this reads about 2,500 Pipeline nodes at L instead
// of 2 million executions; a pipeline without them (its graphlets never built, or built by a
// version whose tallies had no states) has its executions counted here. Float sums add their
// terms in a fixed order (rules §12 step 2): each part in execution uid order, the parts in
// pipeline uid order and a pipeline's in the order of its list.
MATCH (p:Pipeline)
WHERE $source IS NULL OR p.source = $source
WITH p
ORDER BY p.uid
CALL (p) {
  OPTIONAL MATCH (p)<-[:IN_PIPELINE]-(e:Execution)
  WHERE p.tally_states IS NULL
  WITH e
  ORDER BY e.uid
  WITH e.operator AS operator, e.category AS category, e.state AS state, count(e) AS executions,
       collect(e.cost_s) AS costs
  WHERE executions > 0
  ORDER BY operator, category, state
  RETURN collect({operator: operator, category: category, state: state, executions: executions,
                  cost_s: reduce(total = 0.0, c IN costs | total + c)}) AS counted
}
UNWIND CASE WHEN p.tally_states IS NULL THEN counted
            ELSE [i IN range(0, size(p.tally_operators) - 1) |
                  {operator: p.tally_operators[i], category: p.tally_categories[i], state: p.tally_states[i],
                   executions: p.tally_executions[i], cost_s: p.tally_cost_s[i]}] END AS part
WITH part.operator AS operator, part.category AS category, sum(part.executions) AS executions,
     sum(CASE WHEN part.state = 'FAILED' THEN part.executions ELSE 0 END) AS failed,
     sum(CASE WHEN part.state = 'CANCELED' THEN part.executions ELSE 0 END) AS canceled,
     collect(CASE WHEN part.state IN ['FAILED', 'CANCELED'] THEN part.cost_s ELSE 0.0 END) AS failed_costs
RETURN operator, category, executions, failed, canceled,
       toFloat(failed + canceled) / executions AS failure_rate,
       reduce(total = 0.0, c IN failed_costs | total + c) AS failed_cost_s
ORDER BY failure_rate DESC, operator
