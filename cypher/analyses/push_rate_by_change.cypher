// name: push_rate_by_change
// summary: Push rate of closed graphlets (every outcome but open) by what changed since the previous graphlet of their chain (the kinds of graphlet_changes; 'no_change' when none did, 'no_new_data' when the data did not change, 'any' for all pairs).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {change: string, graphlets: int, pushed: int, push_rate: float}
// browser: ":params {source: null}"
// The change flags are stored on every graphlet but the first of its chain by graphlets.derive.
MATCH (g:Graphlet)
WHERE ($source IS NULL OR g.source = $source) AND g.new_data IS NOT NULL AND g.outcome <> 'open'
WITH g.outcome AS outcome,
     [kind IN [['new_data', g.new_data], ['no_new_data', NOT g.new_data], ['schema', g.schema_changed],
               ['transform_code', g.transform_code_changed], ['trainer_code', g.trainer_code_changed],
               ['hyperparameters', g.hyperparameters_changed], ['operators', g.operators_changed]]
      WHERE kind[1] | kind[0]] AS kinds
WITH outcome, kinds + ['any'] + CASE WHEN size([k IN kinds WHERE k <> 'no_new_data']) = 0 THEN ['no_change'] ELSE [] END AS kinds
UNWIND kinds AS change
RETURN change, count(*) AS graphlets, count(CASE WHEN outcome = 'pushed' THEN 1 END) AS pushed,
       toFloat(count(CASE WHEN outcome = 'pushed' THEN 1 END)) / count(*) AS push_rate
ORDER BY change
