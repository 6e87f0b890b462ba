// name: source_get
// summary: The Source node of a store, if it was loaded: its status, what it recorded of its store (rules §10) and, while it is loading or syncing, the worker and the age of its heartbeat (rules §13).
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {name: string, status: string, kind: string, location: string, path: string, sha256: string, version: string, schema_version: int, watermarks: string, identity: string, n_nodes: int, n_relationships: int, skipped_reasons: list, worker: string, heartbeat_age_ms: int}
// internal: true
MATCH (s:Source {name: $source})
RETURN s.name AS name, s.status AS status, s.kind AS kind, coalesce(s.location, s.path) AS location, s.path AS path,
       s.sha256 AS sha256, coalesce(s.version, s.sha256) AS version, s.schema_version AS schema_version,
       s.watermarks AS watermarks, s.identity AS identity, s.n_nodes AS n_nodes,
       s.n_relationships AS n_relationships, s.skipped_reasons AS skipped_reasons,
       s.worker AS worker, timestamp() - s.heartbeat_at AS heartbeat_age_ms
