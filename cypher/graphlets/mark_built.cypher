// name: mark_built
// summary: Record on the Source node that its graphlets match the loaded store (its version, `sha256`) and build settings.
// mode: write
// params: {source: {type: string, doc: source name}, fingerprint: {type: string, doc: fingerprint of the build settings (and steps)}, facts: {type: map, doc: build facts}}
MATCH (s:Source {name: $source})
SET s.graphlets_sha256 = s.sha256, s.graphlets_settings = $fingerprint, s.graphlets_status = 'built', s += $facts
REMOVE s.graphlets_error
