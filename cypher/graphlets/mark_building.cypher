// name: mark_building
// summary: Record on the Source node that its graphlets are being rebuilt, so that a build that dies half-way is done again by the next one and nothing reads the half-built graphlets as current.
// mode: write
// params: {source: {type: string, doc: source name}}
// internal: true
MATCH (s:Source {name: $source})
SET s.graphlets_status = 'building'
REMOVE s.graphlets_sha256
