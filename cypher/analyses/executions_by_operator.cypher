// name: executions_by_operator
// summary: Executions and their cost per operator, category and state (optionally for one source).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {operator: string, category: string, state: string, executions: int, cost_s: float}
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
WITH part.operator AS operator, part.category AS category, part.state AS state,
     sum(part.executions) AS executions, collect(part.cost_s) AS costs
RETURN operator, category, state, executions, reduce(total = 0.0, c IN costs | total + c) AS cost_s
ORDER BY operator, state
