// name: fresh_statistics
// summary: Resample the indexes whose contents changed much since their last sample, wait until that is done, and clear the plan caches, so that the next queries are planned on the graph as it is now (a build step after a load, for one).
// mode: schema
// params: {timeout_s: {type: int, default: 600, doc: seconds to wait at most}}
CALL db.prepareForReplanning($timeout_s)
