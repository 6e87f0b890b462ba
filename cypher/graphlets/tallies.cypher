// name: tallies
// summary: Per pipeline, the counts and sums that the whole-graph cost, waste and outcome analyses add up across pipelines (a build keeps them as the `tally_*` properties of each Pipeline node, graphlets.write_tallies); for every pipeline of the source, or for the listed ones.
// mode: read
// params: {source: {type: string, doc: source name}, pipelines: {type: list, default: null, doc: uids of the pipelines to tally (null for every pipeline of the source)}}
// returns: {pipeline: string, operators: list, categories: list, states: list, attributed: list, executions: list, cost_s: list, cost_full_s: list, bases: list, closed_graphlets: int, wasted_graphlets: int, open_graphlets: int, closed_cost_s: list, waste_s: list, open_cost_s: list, waste_categories: list, closed_full_s: list, closed_amortized_s: list, closed_first_use_s: list, waste_full_s: list, waste_amortized_s: list, waste_first_use_s: list, outcomes: list, outcome_graphlets: list, outcome_amortized_s: list, changes: list, change_graphlets: list, change_pushed: list}
// Every execution is in one pipeline and every graphlet in one, so a table over the whole graph
// (cost_by_operator, cost_by_category, executions_by_operator, failures_by_operator,
// operator_frequency, waste_by_category, waste_total, outcome_share, push_rate_by_change) is the
// sum of these per-pipeline parts: an analysis reads about 2,500 Pipeline nodes at L instead of 2
// million executions or 330,000 graphlets, and an incremental build tallies again only the
// pipelines it touched (rules §11). Floating-point sums add their terms in a fixed order (rules §12 step 2):
// here executions in uid order and graphlets in uid order, and the analyses add the pipelines'
// parts in pipeline uid order (and a pipeline's groups in the order of its lists). Lists of one
// group are aligned (element i of each belongs to the same group: operator, category, state and
// holding; category; outcome; or kind of change).
// A read: the build reads the pipelines in two halves at once, on two connections (the server then
// uses both cores; each half takes about half the time at L), and writes what they return with
// graphlets.write_tallies, one batch at a time, as every write (ARCHITECTURE.md, graphlet build).
// Which pipelines a build tallies: graphlets.scope_tallies.
CYPHER replan=force
CALL () {
  UNWIND CASE WHEN $pipelines IS NULL THEN [$source] ELSE [] END AS whole
  MATCH (p:Pipeline)
  WHERE p.source = whole
  RETURN p
  UNION ALL
  UNWIND coalesce($pipelines, []) AS uid
  MATCH (p:Pipeline {uid: uid})
  WHERE p.source = $source
  RETURN p
}
// Executions by operator, category, state and whether a graphlet holds them (`holders`,
// graphlets.costs): cost_by_operator puts those no graphlet holds in one 'unattributed' group,
// executions_by_operator, failures_by_operator and operator_frequency count every execution by its
// own operator; one pass serves all of them. Each execution's cost once (amortized), and once per holding graphlet
// (full); the cost bases seen, sorted, space-separated.
CALL (p) {
  OPTIONAL MATCH (p)<-[:IN_PIPELINE]-(e:Execution)
  WITH e, coalesce(e.holders, 0) AS holders
  ORDER BY e.uid
  WITH e.operator AS operator, e.category AS category, e.state AS state, holders > 0 AS attributed,
       count(e) AS executions, collect(e.cost_s) AS costs, collect(e.cost_s * holders) AS full_costs,
       apoc.coll.sort(collect(DISTINCT e.cost_basis)) AS bases
  WHERE executions > 0
  ORDER BY operator, category, state, attributed
  RETURN collect(operator) AS operators, collect(category) AS categories, collect(state) AS states,
         collect(attributed) AS attributed, collect(executions) AS counts,
         collect(reduce(total = 0.0, c IN costs | total + c)) AS cost_s,
         collect(reduce(total = 0.0, c IN full_costs | total + c)) AS cost_full_s,
         collect(apoc.text.join(bases, ' ')) AS bases
}
// Graphlets in uid order: closed (every outcome but open), wasted (closed, not pushed) and open,
// with their costs under the three attribution modes (a missing cost adds nothing).
CALL (p) {
  OPTIONAL MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)
  WITH g
  ORDER BY g.uid
  WITH collect(g) AS graphlets
  WITH [g IN graphlets WHERE g.outcome <> 'open'] AS closed, [g IN graphlets WHERE g.outcome = 'open'] AS open
  WITH closed, open, [g IN closed WHERE g.outcome <> 'pushed'] AS wasted,
       ['cost_full_s', 'cost_amortized_s', 'cost_first_use_s'] AS modes
  RETURN size(closed) AS closed_graphlets, size(wasted) AS wasted_graphlets, size(open) AS open_graphlets,
         [m IN modes | reduce(total = 0.0, g IN closed | total + coalesce(g[m], 0.0))] AS closed_cost_s,
         [m IN modes | reduce(total = 0.0, g IN wasted | total + coalesce(g[m], 0.0))] AS waste_s,
         [m IN modes | reduce(total = 0.0, g IN open | total + coalesce(g[m], 0.0))] AS open_cost_s
}
// Closed graphlets' cost per operator category (graphlets.costs keeps it on each graphlet), all
// of it and the part that did not push, under the three modes.
CALL (p) {
  OPTIONAL MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)
  WHERE g.outcome <> 'open'
  WITH g
  ORDER BY g.uid
  UNWIND range(0, coalesce(size(g.category_names), 0) - 1) AS i
  WITH g.category_names[i] AS category,
       collect([coalesce(g.category_full_s[i], 0.0), coalesce(g.category_amortized_s[i], 0.0),
                coalesce(g.category_first_use_s[i], 0.0), g.outcome = 'pushed']) AS rows
  ORDER BY category
  WITH collect(category) AS categories,
       collect([j IN range(0, 2) | reduce(total = 0.0, r IN rows | total + r[j])]) AS closed,
       collect([j IN range(0, 2) | reduce(total = 0.0, r IN rows | total + CASE WHEN r[3] THEN 0.0 ELSE r[j] END)]) AS waste
  RETURN categories AS waste_categories,
         [c IN closed | c[0]] AS closed_full_s, [c IN closed | c[1]] AS closed_amortized_s,
         [c IN closed | c[2]] AS closed_first_use_s,
         [w IN waste | w[0]] AS waste_full_s, [w IN waste | w[1]] AS waste_amortized_s,
         [w IN waste | w[2]] AS waste_first_use_s
}
// Graphlets per outcome, with their amortized cost.
CALL (p) {
  OPTIONAL MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)
  WITH g
  ORDER BY g.uid
  WITH g.outcome AS outcome, count(g) AS graphlets, collect(g.cost_amortized_s) AS costs
  WHERE outcome IS NOT NULL
  ORDER BY outcome
  RETURN collect(outcome) AS outcomes, collect(graphlets) AS outcome_graphlets,
         collect(reduce(total = 0.0, c IN costs | total + c)) AS outcome_amortized_s
}
// Closed graphlets with a graphlet before them in their chain (graphlets.derive stores the change
// flags on those), per kind of change since that one: the kinds of graphlet_changes,
// 'no_new_data' when the data did not change, 'no_change' when nothing but maybe the data
// changed, 'any' for every such graphlet; and how many of them pushed.
CALL (p) {
  OPTIONAL MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)
  WHERE g.new_data IS NOT NULL AND g.outcome <> 'open'
  WITH g.outcome AS outcome,
       [kind IN [['new_data', g.new_data], ['no_new_data', NOT g.new_data], ['schema', g.schema_changed],
                 ['transform_code', g.transform_code_changed], ['trainer_code', g.trainer_code_changed],
                 ['hyperparameters', g.hyperparameters_changed], ['operators', g.operators_changed]]
        WHERE kind[1] | kind[0]] AS kinds, g IS NOT NULL AS found
  WITH outcome, CASE WHEN found
                  THEN kinds + ['any'] + CASE WHEN size([k IN kinds WHERE k <> 'no_new_data']) = 0 THEN ['no_change'] ELSE [] END
                  ELSE [] END AS kinds
  UNWIND kinds AS change
  WITH change, count(*) AS graphlets, count(CASE WHEN outcome = 'pushed' THEN 1 END) AS pushed
  ORDER BY change
  RETURN collect(change) AS changes, collect(graphlets) AS change_graphlets, collect(pushed) AS change_pushed
}
RETURN p.uid AS pipeline, operators, categories, states, attributed, counts AS executions, cost_s, cost_full_s,
       bases, closed_graphlets, wasted_graphlets, open_graphlets, closed_cost_s,
       waste_s, open_cost_s, waste_categories, closed_full_s, closed_amortized_s,
       closed_first_use_s, waste_full_s, waste_amortized_s, waste_first_use_s, outcomes,
       outcome_graphlets, outcome_amortized_s, changes, change_graphlets, change_pushed
ORDER BY pipeline
