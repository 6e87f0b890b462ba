// name: data_features
// summary: Waste-pruning data features of each graphlet at its decision point (its Trainer's created_at): input spans against the previous graphlet's, statistics drift and anomalies of the input spans, new Schema / HyperParameters / TransformGraph inputs (rules §5).
// mode: read
// params: {source: {type: string, doc: source name}, pipelines: {type: list, doc: pipeline names of this batch}}
// returns: {graphlet: string, window_spans: int, new_spans: int, span_jaccard: float, new_fingerprints: int, newest_span_age_s: float, drift_latest: float, drift_max: float, drift_mean: float, anomalies_checked: bool, anomaly_count_max: int, new_schema: bool, new_hyperparameters: bool, new_transform_graph: bool}
// browser: ":params {source: 's', pipelines: ['pipeline_00000']}"
UNWIND $pipelines AS pipeline
MATCH (p:Pipeline {uid: $source + ':p:' + pipeline})
// Statistics (and their anomalies) of the pipeline's Examples, once per pipeline: an Examples is
// read by every Trainer whose window holds it, so walking from each graphlet's inputs to their
// statistics would expand those readers again and again.
CALL (p) {
  OPTIONAL MATCH (p)<-[:IN_PIPELINE]-(x:Execution {operator: 'StatisticsGen'})-[:OUTPUT]->(s:Artifact {type: 'ExampleStatistics'}),
                 (x)<-[:INPUT]-(e:Artifact {type: 'Examples'})
  OPTIONAL MATCH (s)-[:INPUT]->(:Execution {operator: 'ExampleValidator'})-[:OUTPUT]->(a:Artifact {type: 'ExampleAnomalies'})
  WITH e, s, collect({at: a.created_at, count: toInteger(apoc.convert.fromJsonMap(coalesce(a.props, '{}')).anomaly_count)}) AS anomalies
  RETURN apoc.map.groupByMulti(collect(CASE WHEN e IS NOT NULL THEN
           {example: e.uid, at: s.created_at, drift: s.drift_score, anomalies: [x IN anomalies WHERE x.at IS NOT NULL]} END),
           'example') AS statistics
}
MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)-[:CONTAINS {role: 'trainer'}]->(t:Execution)
WITH g, t, statistics, g.started_at AS decided_at
// What the Trainer reads (never base_model): all of it existed before the Trainer started.
CALL (t) {
  OPTIONAL MATCH (t)<-[i:INPUT]-(a:Artifact)
  WHERE i.event_type = 'INPUT' AND coalesce(i.key, '') <> 'base_model'
  RETURN [x IN collect(a) WHERE x.type = 'Examples'] AS examples,
         [x IN collect(a) WHERE x.type IN ['Schema', 'HyperParameters', 'TransformGraph'] | x.type + ':' + x.uid] AS derived
}
OPTIONAL MATCH (previous:Graphlet)-[:NEXT]->(g)
OPTIONAL MATCH (previous)-[:CONTAINS {role: 'trainer'}]->(pt:Execution)
CALL (pt) {
  OPTIONAL MATCH (pt)<-[i:INPUT]-(a:Artifact)
  WHERE i.event_type = 'INPUT' AND coalesce(i.key, '') <> 'base_model'
  RETURN [x IN collect(a) WHERE x.type = 'Examples'] AS previous_examples,
         [x IN collect(a) WHERE x.type IN ['Schema', 'HyperParameters', 'TransformGraph'] | x.type + ':' + x.uid] AS previous_derived
}
WITH g, decided_at, examples, derived, pt, previous_examples, previous_derived,
     apoc.coll.toSet([e IN examples WHERE e.span IS NOT NULL | e.span]) AS spans,
     apoc.coll.toSet([e IN previous_examples WHERE e.span IS NOT NULL | e.span]) AS previous_spans,
     // Statistics and anomalies of the input spans, as far as they existed at the decision point.
     [e IN examples | {span: e.span,
                       statistics: [s IN coalesce(statistics[e.uid], []) WHERE s.at < decided_at |
                                    {drift: s.drift, anomalies: [x IN s.anomalies WHERE x.at < decided_at | x.count]}]}] AS measured
WITH g, decided_at, examples, derived, pt, previous_examples, previous_derived, spans, previous_spans,
     [m IN measured WHERE size(m.statistics) > 0] AS measured
// The newest span with statistics (a span-less Examples counts as the newest, as ORDER BY puts nulls last).
WITH g, decided_at, examples, derived, pt, previous_examples, previous_derived, spans, previous_spans,
     [s IN apoc.coll.flatten([m IN measured | m.statistics]) WHERE s.drift IS NOT NULL | s.drift] AS drifts,
     reduce(newest = null, m IN measured |
            CASE WHEN newest IS NULL OR m.span IS NULL OR (newest.span IS NOT NULL AND m.span >= newest.span)
                 THEN m ELSE newest END) AS newest,
     apoc.coll.flatten([m IN measured | apoc.coll.flatten([s IN m.statistics | s.anomalies])]) AS anomalies
WITH g, decided_at, examples, derived, pt, previous_examples, previous_derived, spans, previous_spans, drifts,
     CASE WHEN newest IS NULL THEN null ELSE [last(newest.statistics).drift] END AS latest_drift,
     size(anomalies) > 0 AS anomalies_checked,
     apoc.coll.max([x IN anomalies WHERE x IS NOT NULL]) AS anomaly_count_max
WITH g, decided_at, examples, derived, pt, previous_derived, spans, previous_spans,
     drifts, latest_drift, anomalies_checked, anomaly_count_max,
     [e IN examples | e.input_fingerprint] AS fingerprints,
     [e IN previous_examples | e.input_fingerprint] AS previous_fingerprints
RETURN g.uid AS graphlet,
       size(spans) AS window_spans,
       CASE WHEN pt IS NULL THEN null ELSE size([s IN spans WHERE NOT s IN previous_spans]) END AS new_spans,
       CASE WHEN pt IS NULL OR size(spans) + size(previous_spans) = 0 THEN null
            ELSE toFloat(size([s IN spans WHERE s IN previous_spans])) / size(apoc.coll.toSet(spans + previous_spans)) END AS span_jaccard,
       CASE WHEN pt IS NULL THEN null
            ELSE size([f IN fingerprints WHERE f IS NOT NULL AND NOT f IN previous_fingerprints]) END AS new_fingerprints,
       (decided_at - apoc.coll.max([e IN examples | e.created_at])) / 1000.0 AS newest_span_age_s,
       CASE WHEN latest_drift IS NULL THEN null ELSE latest_drift[0] END AS drift_latest,
       apoc.coll.max(drifts) AS drift_max,
       CASE WHEN size(drifts) = 0 THEN null ELSE apoc.coll.avg(drifts) END AS drift_mean,
       anomalies_checked,
       anomaly_count_max,
       CASE WHEN pt IS NULL THEN null ELSE any(d IN derived WHERE d STARTS WITH 'Schema:' AND NOT d IN previous_derived) END AS new_schema,
       CASE WHEN pt IS NULL THEN null ELSE any(d IN derived WHERE d STARTS WITH 'HyperParameters:' AND NOT d IN previous_derived) END AS new_hyperparameters,
       CASE WHEN pt IS NULL THEN null ELSE any(d IN derived WHERE d STARTS WITH 'TransformGraph:' AND NOT d IN previous_derived) END AS new_transform_graph
