// name: source_get
// summary: The Source node of a store, if it was loaded.
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {name: string, sha256: string, status: string, path: string}
// internal: true
MATCH (s:Source {name: $source})
RETURN s.name AS name, s.sha256 AS sha256, s.status AS status, s.path AS path
