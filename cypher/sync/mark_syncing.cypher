// name: mark_syncing
// summary: Mark a loaded source as being synced, with this worker and its first heartbeat: until `finish` records the new watermarks, graphlet builds and exports leave it alone, and a sync that dies is redone from the old watermarks by the next one (rules §10 and rules §13).
// mode: write
// params: {source: {type: string, doc: source name}, worker: {type: string, doc: the syncing process (JSON)}}
MATCH (s:Source {name: $source})
SET s.status = 'syncing', s.worker = $worker, s.heartbeat_at = timestamp()
