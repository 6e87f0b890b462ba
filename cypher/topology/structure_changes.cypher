// name: structure_changes
// summary: When a pipeline's structure changed: each run whose operator set differs from the previous run's, with the operators added and removed.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, run_context_type: {type: string, default: pipeline_run, doc: context type that groups one pipeline run}}
// returns: {source: string, pipeline: string, unit: string, run_number: int, previous_run: string, run: string, changed_at: int, added: string, removed: string, operators: string}
// browser: ":params {source: null, run_context_type: 'pipeline_run'}"
// A run is a run context's executions; a pipeline without run contexts falls back to its
// graphlets (each one's member executions). Runs are numbered from 1 in the order of their first
// execution; the first run is the baseline and never a change.
MATCH (p:Pipeline)
WHERE $source IS NULL OR p.source = $source
CALL (p) {
  MATCH (p)<-[:IN_PIPELINE]-(x:Execution)-[:ASSOCIATED_WITH]->(c:Context {type: $run_context_type})
  WITH c, min(x.created_at) AS started_at, collect(DISTINCT x.operator) AS operators
  RETURN c.name AS run, 'run' AS unit, started_at, operators
  UNION
  MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)-[:CONTAINS]->(x:Execution)
  WHERE NOT EXISTS { (p)<-[:IN_PIPELINE]-(:Execution)-[:ASSOCIATED_WITH]->(:Context {type: $run_context_type}) }
  WITH g, collect(DISTINCT x.operator) AS operators
  RETURN g.uid AS run, 'graphlet' AS unit, g.started_at AS started_at, operators
}
WITH p, run, unit, started_at, apoc.coll.sort(operators) AS operators
ORDER BY started_at, run
WITH p, collect({run: run, unit: unit, at: started_at, operators: operators}) AS runs
UNWIND range(1, size(runs) - 1) AS k
WITH p, k, runs[k - 1] AS before, runs[k] AS after
WHERE before.operators <> after.operators
RETURN p.source AS source, p.name AS pipeline, after.unit AS unit, k + 1 AS run_number,
       before.run AS previous_run, after.run AS run, after.at AS changed_at,
       apoc.text.join([o IN after.operators WHERE NOT o IN before.operators], ' ') AS added,
       apoc.text.join([o IN before.operators WHERE NOT o IN after.operators], ' ') AS removed,
       apoc.text.join(after.operators, ' ') AS operators
ORDER BY source, pipeline, run_number
