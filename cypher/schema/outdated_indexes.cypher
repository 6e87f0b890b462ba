// name: outdated_indexes
// summary: The indexes whose entries changed since the server last sampled them by more than a twentieth of what that sample counted (Neo4j's own measure of an outdated index, `db.index_sampling.update_percentage`) and by more than `floor`: only then does a statistics refresh (`schema.fresh_statistics`) resample anything.
// mode: schema
// params: {floor: {type: int, default: 100, doc: changed entries below which an index is not worth resampling}}
// returns: {outdated: int}
CALL db.stats.retrieve('GRAPH COUNTS') YIELD data
UNWIND data.indexes AS index
WITH index
WHERE index.updatesSinceEstimation > 0.05 * index.totalSize AND index.updatesSinceEstimation > $floor
RETURN count(index) AS outdated
