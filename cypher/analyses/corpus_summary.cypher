// name: corpus_summary
// summary: Per loaded source: schema version, load status, pipelines, executions, artifacts, contexts, Trainer runs, skipped rows.
// mode: read
// params: {trainer_operator: {type: string, doc: operator whose executions are counted as Trainer runs}}
// returns: {source: string, schema_version: int, status: string, pipelines: int, executions: int, artifacts: int, contexts: int, trainer_executions: int, skipped: int}
// browser: ":params {}"
MATCH (s:Source)
RETURN s.name AS source,
       s.schema_version AS schema_version,
       s.status AS status,
       COUNT { MATCH (p:Pipeline) WHERE p.source = s.name } AS pipelines,
       COUNT { MATCH (e:Execution) WHERE e.source = s.name } AS executions,
       COUNT { MATCH (a:Artifact) WHERE a.source = s.name } AS artifacts,
       COUNT { MATCH (c:Context) WHERE c.source = s.name } AS contexts,
       COUNT { MATCH (t:Execution) WHERE t.source = s.name AND t.operator = $trainer_operator } AS trainer_executions,
       coalesce(s.skipped, 0) AS skipped
ORDER BY source
