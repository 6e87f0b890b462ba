// name: structure_changes
// summary: When a pipeline's structure changed: each complete run (nothing failed; it trained, when the pipeline ever trains) whose operator set differs from the previous complete run's, with the operators added and removed.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, run_context_type: {type: string, default: pipeline_run, doc: context type that groups one pipeline run}, trainer_operator: {type: string, doc: operator a complete run of a training pipeline reaches}, pipelines: {type: list, default: null, doc: only the pipelines of these names (null for all)}}
// partition: source, pipeline
// returns: {source: string, pipeline: string, unit: string, run_number: int, previous_run: string, run: string, changed_at: int, added: string, removed: string, operators: string}
// browser: ":params {source: null, run_context_type: 'pipeline_run'}"
// A run is a run context's executions; a pipeline without run contexts falls back to its
// graphlets (each one's member executions). Runs are numbered from 1 in the order of their first
// execution. Only complete runs are compared: a run with a failed execution, or a run that
// stopped before training (a day that only ingested data), says nothing about the structure.
// The first complete run is the baseline and never a change. Whether a pipeline has run contexts
// is asked once per pipeline, before its graphlets' member links are walked.
MATCH (p:Pipeline)
WHERE ($source IS NULL OR p.source = $source) AND ($pipelines IS NULL OR p.name IN $pipelines)
CALL (p) {
  MATCH (p)<-[:IN_PIPELINE]-(x:Execution)-[:ASSOCIATED_WITH]->(c:Context {type: $run_context_type})
  WITH c, min(x.created_at) AS started_at, collect(DISTINCT x.operator) AS operators,
       all(state IN collect(x.state) WHERE state IN ['COMPLETE', 'CACHED']) AS succeeded
  RETURN c.name AS run, 'run' AS unit, started_at, operators, succeeded
  UNION
  WITH p
  WHERE NOT EXISTS { (p)<-[:IN_PIPELINE]-(:Execution)-[:ASSOCIATED_WITH]->(:Context {type: $run_context_type}) }
  MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)-[:CONTAINS]->(x:Execution)
  WITH g, collect(DISTINCT x.operator) AS operators
  RETURN g.uid AS run, 'graphlet' AS unit, g.started_at AS started_at, operators, true AS succeeded
}
WITH p, run, unit, started_at, apoc.coll.sort(operators) AS operators, succeeded
ORDER BY started_at, run
WITH p, collect({run: run, unit: unit, at: started_at, operators: operators, succeeded: succeeded}) AS all_runs
WITH p, [k IN range(0, size(all_runs) - 1) | apoc.map.setKey(all_runs[k], 'number', k + 1)] AS all_runs,
     any(r IN all_runs WHERE $trainer_operator IN r.operators) AS trains
WITH p, [r IN all_runs WHERE r.succeeded AND (NOT trains OR $trainer_operator IN r.operators)] AS runs
UNWIND range(1, size(runs) - 1) AS k
WITH p, runs[k - 1] AS before, runs[k] AS after
WHERE before.operators <> after.operators
RETURN p.source AS source, p.name AS pipeline, after.unit AS unit, after.number AS run_number,
       before.run AS previous_run, after.run AS run, after.at AS changed_at,
       apoc.text.join([o IN after.operators WHERE NOT o IN before.operators], ' ') AS added,
       apoc.text.join([o IN before.operators WHERE NOT o IN after.operators], ' ') AS removed,
       apoc.text.join(after.operators, ' ') AS operators
ORDER BY source, pipeline, run_number
