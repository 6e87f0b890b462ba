// name: built_settings
// summary: The settings fingerprints the graphlets of the loaded sources (or of one source) were built with, each once.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {fingerprint: string}
// internal: true
MATCH (s:Source)
WHERE ($source IS NULL OR s.name = $source) AND s.graphlets_settings IS NOT NULL
RETURN DISTINCT s.graphlets_settings AS fingerprint
ORDER BY fingerprint
