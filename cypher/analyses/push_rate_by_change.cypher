// name: push_rate_by_change
// summary: Push rate of closed graphlets (every outcome but open) by what changed since the previous graphlet of their chain (the kinds of graphlet_changes; 'no_change' when none did, 'no_new_data' when the data did not change, 'any' for all pairs).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {change: string, graphlets: int, pushed: int, push_rate: float}
// browser: ":params {source: null}"
// Per pipeline, the build tallies its closed graphlets per kind of change, and how many of them
// pushed (graphlets.tallies, from the change flags graphlets.derive stores on every graphlet but the
// first of its chain), so this reads about 2,500 Pipeline nodes at L instead of 330,000 graphlets.
MATCH (p:Pipeline)
WHERE $source IS NULL OR p.source = $source
UNWIND range(0, coalesce(size(p.tally_changes), 0) - 1) AS i
WITH p.tally_changes[i] AS change, sum(p.tally_change_graphlets[i]) AS graphlets,
     sum(p.tally_change_pushed[i]) AS pushed
RETURN change, graphlets, pushed, toFloat(pushed) / graphlets AS push_rate
ORDER BY change
