// name: source_begin
// summary: Mark a source as being loaded, before anything of it is deleted or written: its facts are the new store's only (an older load's facts and its graphlets' go), with this worker and its first heartbeat (rules §13).
// mode: write
// params: {source: {type: string, doc: source name}, facts: {type: map, doc: load-time facts}, worker: {type: string, doc: the loading process (JSON)}}
MERGE (s:Source {name: $source})
SET s = $facts, s.name = $source, s.status = 'loading', s.worker = $worker, s.heartbeat_at = timestamp()
