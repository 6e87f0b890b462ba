// name: tallies
// summary: Per pipeline, the counts and sums that the whole-graph cost, waste and outcome analyses add up across pipelines (the `tally_*` properties of each Pipeline node); for every pipeline of the source, or for the listed ones and those of the listed executions.
// mode: write
// params: {source: {type: string, doc: source name}, pipelines: {type: list, default: null, doc: names of the pipelines to tally again (null for every pipeline of the source)}, executions: {type: list, default: null, doc: uids of executions whose holders may have changed; their pipelines are tallied again too}}
// Every execution is in one pipeline and every graphlet in one, so a table over the whole graph
// (cost_by_operator, cost_by_category, waste_by_category, waste_total, outcome_share,
// push_rate_by_change) is the sum of these per-pipeline parts: an analysis reads about 2,500
// Pipeline nodes at L instead of 2 million executions or 330,000 graphlets, and an incremental
// build tallies again only the pipelines it touched (rules §11). Floating-point sums add their terms
// in a fixed order (rules §12 step 2): here executions in uid order and graphlets in uid order, and
// the analyses add the pipelines' parts in pipeline uid order. Lists of one group are aligned
// (element i of each belongs to the same operator, category, outcome or kind of change).
// One batch at a time: concurrent batches once stored wrong facts (ARCHITECTURE.md, graphlet build).
// Each batch writes only its own pipelines.
CYPHER replan=force
CALL () {
  UNWIND CASE WHEN $pipelines IS NULL THEN [$source] ELSE [] END AS whole
  MATCH (p:Pipeline)
  WHERE p.source = whole
  RETURN p
  UNION
  MATCH (p:Pipeline)
  WHERE p.source = $source AND p.name IN coalesce($pipelines, [])
  RETURN p
  UNION
  UNWIND coalesce($executions, []) AS uid
  MATCH (e:Execution {uid: uid})-[:IN_PIPELINE]->(p:Pipeline)
  WHERE e.source = $source
  RETURN p
}
CALL (p) {
  // Executions by operator and category as cost_by_operator groups them: those no graphlet holds
  // (no `holders`, graphlets.costs) in one 'unattributed' group; each execution's cost once
  // (amortized), and once per holding graphlet (full); the cost bases seen, sorted, space-separated.
  CALL (p) {
    OPTIONAL MATCH (p)<-[:IN_PIPELINE]-(e:Execution)
    WITH e, coalesce(e.holders, 0) AS holders
    ORDER BY e.uid
    WITH CASE WHEN holders = 0 THEN 'unattributed' ELSE e.operator END AS operator,
         CASE WHEN holders = 0 THEN 'unattributed' ELSE e.category END AS category,
         count(e) AS executions, collect(e.cost_s) AS costs, collect(e.cost_s * holders) AS full_costs,
         apoc.coll.sort(collect(DISTINCT e.cost_basis)) AS bases
    WHERE executions > 0
    ORDER BY operator, category
    RETURN collect(operator) AS operators, collect(category) AS categories, collect(executions) AS counts,
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
  SET p.tally_operators = operators, p.tally_categories = categories, p.tally_executions = counts,
      p.tally_cost_s = cost_s, p.tally_cost_full_s = cost_full_s, p.tally_bases = bases,
      p.tally_closed_graphlets = closed_graphlets, p.tally_wasted_graphlets = wasted_graphlets,
      p.tally_open_graphlets = open_graphlets, p.tally_closed_cost_s = closed_cost_s,
      p.tally_waste_s = waste_s, p.tally_open_cost_s = open_cost_s,
      p.tally_waste_categories = waste_categories,
      p.tally_closed_full_s = closed_full_s, p.tally_closed_amortized_s = closed_amortized_s,
      p.tally_closed_first_use_s = closed_first_use_s, p.tally_waste_full_s = waste_full_s,
      p.tally_waste_amortized_s = waste_amortized_s, p.tally_waste_first_use_s = waste_first_use_s,
      p.tally_outcomes = outcomes, p.tally_outcome_graphlets = outcome_graphlets,
      p.tally_outcome_amortized_s = outcome_amortized_s,
      p.tally_changes = changes, p.tally_change_graphlets = change_graphlets, p.tally_change_pushed = change_pushed
} IN TRANSACTIONS OF 50 ROWS
