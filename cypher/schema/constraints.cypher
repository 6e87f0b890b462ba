// name: constraints
// summary: Uniqueness constraints and lookup indexes of the provenance graph (idempotent).
// mode: schema
CREATE CONSTRAINT source_name IF NOT EXISTS FOR (s:Source) REQUIRE s.name IS UNIQUE;
CREATE CONSTRAINT pipeline_uid IF NOT EXISTS FOR (p:Pipeline) REQUIRE p.uid IS UNIQUE;
CREATE CONSTRAINT artifact_uid IF NOT EXISTS FOR (a:Artifact) REQUIRE a.uid IS UNIQUE;
CREATE CONSTRAINT execution_uid IF NOT EXISTS FOR (e:Execution) REQUIRE e.uid IS UNIQUE;
CREATE CONSTRAINT context_uid IF NOT EXISTS FOR (c:Context) REQUIRE c.uid IS UNIQUE;
CREATE CONSTRAINT graphlet_uid IF NOT EXISTS FOR (g:Graphlet) REQUIRE g.uid IS UNIQUE;
CREATE INDEX pipeline_source IF NOT EXISTS FOR (p:Pipeline) ON (p.source);
CREATE INDEX artifact_source IF NOT EXISTS FOR (a:Artifact) ON (a.source);
CREATE INDEX artifact_type IF NOT EXISTS FOR (a:Artifact) ON (a.type);
CREATE INDEX execution_source_operator IF NOT EXISTS FOR (e:Execution) ON (e.source, e.operator);
CREATE INDEX execution_operator IF NOT EXISTS FOR (e:Execution) ON (e.operator);
CREATE INDEX execution_source IF NOT EXISTS FOR (e:Execution) ON (e.source);
CREATE INDEX context_source IF NOT EXISTS FOR (c:Context) ON (c.source);
CREATE INDEX graphlet_source IF NOT EXISTS FOR (g:Graphlet) ON (g.source);
CREATE INDEX graphlet_outcome IF NOT EXISTS FOR (g:Graphlet) ON (g.outcome);
CREATE INDEX graphlet_chain IF NOT EXISTS FOR (g:Graphlet) ON (g.source, g.pipeline, g.trainer_node);
CREATE INDEX graphlet_source_started IF NOT EXISTS FOR (g:Graphlet) ON (g.source, g.started_at);
CREATE INDEX graphlet_chain_started IF NOT EXISTS FOR (g:Graphlet) ON (g.source, g.pipeline, g.trainer_node, g.started_at);
