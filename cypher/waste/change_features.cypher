// name: change_features
// summary: Waste-pruning structure and code features of each graphlet at its decision point: the operator set of the pipeline's latest finished pre-training run against the run before it, the operator set of the Trainer's upstream against the previous graphlet's, Trainer and Transform code or configuration changed since the previous graphlet, and the model type of the previous graphlet's Model if it existed by then (rules §5).
// mode: read
// params: {source: {type: string, doc: source name}, pipelines: {type: list, doc: pipeline names of this batch}, structure_categories: {type: list, doc: "operator categories that run before training (ingestion, analysis, transformation)"}, structure_operators: {type: list, default: ["Tuner"], doc: "further operators that run before training although their category is another (Tuner)"}}
// returns: {graphlet: string, run_operators_changed: bool, upstream_operators_changed: bool, trainer_code_changed: bool, trainer_config_changed: bool, transform_code_changed: bool, previous_model_type: string}
// browser: ":params {source: 's', pipelines: ['pipeline_00000'], structure_categories: ['ingestion', 'analysis', 'transformation'], structure_operators: ['Tuner']}"
UNWIND $pipelines AS pipeline
MATCH (p:Pipeline {uid: $source + ':p:' + pipeline})
// The pre-training steps of each of the pipeline's runs (pipeline_run contexts), once per
// pipeline: few (a run a day), so each graphlet filters this list instead of scanning again.
CALL (p) {
  OPTIONAL MATCH (p)<-[:IN_PIPELINE]-(e:Execution)-[:ASSOCIATED_WITH]->(r:Context {type: 'pipeline_run'})
  WHERE e.category IN $structure_categories OR e.operator IN $structure_operators
  WITH r, collect({at: e.created_at, ended: coalesce(e.ended_at, e.created_at), operator: e.operator,
                   ok: e.state IN ['COMPLETE', 'CACHED']}) AS steps
  WITH r, steps, apoc.coll.min([s IN steps | s.at]) AS started
  ORDER BY started
  RETURN collect(CASE WHEN r IS NOT NULL THEN {started: started, steps: steps} END) AS runs
}
MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)-[:CONTAINS {role: 'trainer'}]->(t:Execution)
WITH g, t, g.started_at AS decided_at, runs
// The last few runs begun by the decision point, each cut to the steps begun by then. A run has
// finished when every step it had begun has ended; a failed step cuts its operator set short.
WITH g, t, decided_at,
     [r IN [r IN runs WHERE r.started < decided_at][-4..] | [s IN r.steps WHERE s.at < decided_at]] AS recent
WITH g, t, decided_at,
     [steps IN recent WHERE all(s IN steps WHERE s.ended < decided_at) |
      {ok: all(s IN steps WHERE s.ok), operators: apoc.coll.sort(apoc.coll.toSet([s IN steps | s.operator]))}] AS finished
WITH g, t, decided_at, last(finished) AS latest, [f IN finished[..-1] WHERE f.ok] AS earlier
WITH g, t, decided_at,
     CASE WHEN latest IS NULL OR NOT latest.ok OR size(earlier) = 0 THEN null
          ELSE latest.operators <> last(earlier).operators END AS run_operators_changed
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
       run_operators_changed,
       CASE WHEN pt IS NULL THEN null ELSE upstream_operators <> previous_upstream_operators END AS upstream_operators_changed,
       CASE WHEN pt IS NULL THEN null
            ELSE coalesce(t.module_file, '') <> coalesce(pt.module_file, '') OR coalesce(t.module_path, '') <> coalesce(pt.module_path, '') END AS trainer_code_changed,
       CASE WHEN pt IS NULL THEN null
            ELSE coalesce(t.train_args, '') <> coalesce(pt.train_args, '') OR coalesce(t.eval_args, '') <> coalesce(pt.eval_args, '')
                 OR coalesce(t.custom_config, '') <> coalesce(pt.custom_config, '') END AS trainer_config_changed,
       CASE WHEN pt IS NULL OR size(transform_modules) = 0 OR size(previous_transform_modules) = 0 THEN null
            ELSE transform_modules <> previous_transform_modules END AS transform_code_changed,
       previous_model_type
