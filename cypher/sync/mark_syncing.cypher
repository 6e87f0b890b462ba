// name: mark_syncing
// summary: Mark a loaded source as being synced: until `finish` records the new watermarks, graphlet builds and exports leave it alone, and a sync that dies is redone from the old watermarks by the next one (rules §10).
// mode: write
// params: {source: {type: string, doc: source name}}
MATCH (s:Source {name: $source})
SET s.status = 'syncing'
