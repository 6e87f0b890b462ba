// name: source_begin
// summary: Create or mark the Source node of a store as being loaded.
// mode: write
// params: {source: {type: string, doc: source name}, facts: {type: map, doc: load-time facts}}
MERGE (s:Source {name: $source})
SET s += $facts, s.status = 'loading'
