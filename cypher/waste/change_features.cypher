// name: change_features
// summary: Waste-pruning structure and code features of each graphlet at its decision point: operator-set change of the pipeline's pre-training runs and of the Trainer's upstream, Trainer and Transform code or configuration changed since the previous graphlet, and the model type of the previous graphlet's Model if it existed by then (SPEC §5).
// mode: read
// params: {source: {type: string, doc: source name}, pipelines: {type: list, doc: pipeline names of this batch}, structure_categories: {type: list, doc: "operator categories that run before training every run (ingestion, analysis, transformation)"}, structure_window_ms: {type: int, default: 86400000, doc: "compare the operators run in this long a window before the decision point with the window before it (ms)"}}
// returns: {graphlet: string, pipeline_operators_changed: bool, upstream_operators_changed: bool, trainer_code_changed: bool, trainer_config_changed: bool, transform_code_changed: bool, previous_model_type: string}
// browser: ":params {source: 's', pipelines: ['pipeline_00000'], structure_categories: ['ingestion', 'analysis', 'transformation'], structure_window_ms: 86400000}"
UNWIND $pipelines AS pipeline
MATCH (p:Pipeline {uid: $source + ':p:' + pipeline})
// The pipeline's pre-training executions, once per pipeline: few (one run a day), so each
// graphlet filters this list instead of scanning the pipeline's executions again.
CALL (p) {
  OPTIONAL MATCH (e:Execution)-[:IN_PIPELINE]->(p)
  WHERE e.category IN $structure_categories
  RETURN collect([e.created_at, e.operator, e.state = 'FAILED']) AS runs
}
MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)-[:CONTAINS {role: 'trainer'}]->(t:Execution)
WITH g, t, runs, g.started_at AS decided_at
WITH g, t, decided_at,
     [r IN runs WHERE decided_at - $structure_window_ms <= r[0] < decided_at] AS recent,
     [r IN runs WHERE decided_at - 2 * $structure_window_ms <= r[0] < decided_at - $structure_window_ms] AS earlier
// A failed step cuts a run short, which is not a change of structure: such windows tell nothing.
WITH g, t, decided_at,
     CASE WHEN any(r IN recent WHERE r[2]) THEN [] ELSE apoc.coll.toSet([r IN recent | r[1]]) END AS recent_operators,
     CASE WHEN any(r IN earlier WHERE r[2]) THEN [] ELSE apoc.coll.toSet([r IN earlier | r[1]]) END AS earlier_operators
CALL (g) {
  OPTIONAL MATCH (g)-[:CONTAINS {role: 'upstream'}]->(u:Execution)
  RETURN apoc.coll.sort(apoc.coll.toSet(collect(u.operator))) AS upstream_operators
}
CALL (t) {
  OPTIONAL MATCH (t)<-[i:INPUT]-(:Artifact {type: 'TransformGraph'})-[:CREATED_BY]->(x:Execution)
  WHERE i.event_type = 'INPUT'
  RETURN apoc.coll.sort(apoc.coll.toSet(collect(coalesce(x.module_file, x.module_path)))) AS transform_modules
}
OPTIONAL MATCH (previous:Graphlet)-[:NEXT]->(g)
OPTIONAL MATCH (previous)-[:CONTAINS {role: 'trainer'}]->(pt:Execution)
CALL (previous, pt) {
  OPTIONAL MATCH (previous)-[:CONTAINS {role: 'upstream'}]->(u:Execution)
  WITH collect(u.operator) AS operators
  OPTIONAL MATCH (pt)<-[i:INPUT]-(:Artifact {type: 'TransformGraph'})-[:CREATED_BY]->(x:Execution)
  WHERE i.event_type = 'INPUT'
  RETURN apoc.coll.sort(apoc.coll.toSet(operators)) AS previous_upstream_operators,
         apoc.coll.sort(apoc.coll.toSet(collect(coalesce(x.module_file, x.module_path)))) AS previous_transform_modules
}
// The Model is the Trainer's output, so this graphlet's own model type lies in the future; the
// previous graphlet's Model counts only if it had been written before this decision point.
CALL (pt, decided_at) {
  OPTIONAL MATCH (pt)-[o:OUTPUT]->(m:Artifact)
  WHERE o.event_type = 'OUTPUT' AND m.model_type IS NOT NULL AND m.created_at < decided_at
  RETURN min(m.model_type) AS previous_model_type
}
RETURN g.uid AS graphlet,
       CASE WHEN size(earlier_operators) = 0 OR size(recent_operators) = 0 THEN null
            ELSE apoc.coll.sort(recent_operators) <> apoc.coll.sort(earlier_operators) END AS pipeline_operators_changed,
       CASE WHEN pt IS NULL THEN null ELSE upstream_operators <> previous_upstream_operators END AS upstream_operators_changed,
       CASE WHEN pt IS NULL THEN null
            ELSE coalesce(t.module_file, '') <> coalesce(pt.module_file, '') OR coalesce(t.module_path, '') <> coalesce(pt.module_path, '') END AS trainer_code_changed,
       CASE WHEN pt IS NULL THEN null
            ELSE coalesce(t.train_args, '') <> coalesce(pt.train_args, '') OR coalesce(t.eval_args, '') <> coalesce(pt.eval_args, '')
                 OR coalesce(t.custom_config, '') <> coalesce(pt.custom_config, '') END AS trainer_config_changed,
       CASE WHEN pt IS NULL OR size(transform_modules) = 0 OR size(previous_transform_modules) = 0 THEN null
            ELSE transform_modules <> previous_transform_modules END AS transform_code_changed,
       previous_model_type
