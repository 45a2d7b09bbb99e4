-- For reporting jobs: fin_version, fin_score_table / fin_score_row, fin_model_sql, fin_gains,
-- fin_psi on every algorithm, fin_monitor and its stored history (finml.monitoring).
-- References: fin_predict, fin_score, fin_reason_codes and fin_evaluate (each tested against
-- scikit-learn / optbinning / formulas elsewhere), and formulas recomputed here in SQL.
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
\i include/credit_risk.sql
\i include/credit_card.sql
\set VERBOSITY default
SET client_min_messages = warning;
SELECT version FROM fin_train('credit_mlp', 'applications', 'status', 'mlp',
                              options => '{"positive": "bad", "exclude": ["id"], "epochs": 2}');
SELECT version FROM fin_train('credit_price', 'applications', 'price',
                              options => '{"exclude": ["id", "status"], "test_size": 0}');
RESET client_min_messages;

-- fin_version: the deployed version, or the pinned one; unknown model 42704.
SELECT fin_version('credit_risk') AS deployed,
       fin_version('credit_risk') = (SELECT version FROM finml.models
                                      WHERE name = 'credit_risk' AND deployed) AS as_catalog,
       fin_version('credit_risk@1') AS pinned;
SELECT fin_version('no_such_model');
\echo :LAST_ERROR_SQLSTATE

-- fin_model_sql reproduces fin_predict and fin_score over the whole credit example: the
-- probability to within 1e-15 (the linear predictor is computed operation for operation as
-- fin_predict computes it; PostgreSQL's exp and finml's logistic differ in the last bit for
-- negative log-odds), the score exactly.
SELECT fin_model_sql('credit_risk') AS lr, fin_model_sql('credit_card') AS card_p,
       fin_model_sql('credit_card', 'score') AS card_score,
       fin_model_sql('credit_price') AS price \gset
SELECT count(*) AS rows,
       count(*) FILTER (WHERE abs(fin_predict('credit_risk', a) - (:lr)) > 1e-15) AS logistic_differ,
       count(*) FILTER (WHERE abs(fin_predict('credit_card', a) - (:card_p)) > 1e-15) AS scorecard_p_differ,
       count(*) FILTER (WHERE fin_score('credit_card', a) <> (:card_score)) AS scores_differ,
       count(*) FILTER (WHERE fin_predict('credit_price', a) <> (:price)) AS regression_differ
  FROM applications a;
-- NULLs and levels unseen in training take the NULL bin (scorecard) or the reference level.
CREATE TEMP TABLE odd_rows AS
SELECT id, status, NULL::int AS seniority, 'castle'::text AS home, time, age, NULL::text AS marital,
       records, 'astronaut'::text AS job, expenses, NULL::numeric AS income, assets, debt,
       amount, price
  FROM applications WHERE id <= 50;
SELECT count(*) FILTER (WHERE abs(fin_predict('credit_risk', a) - (:lr)) > 1e-15) AS logistic_differ,
       count(*) FILTER (WHERE fin_score('credit_card', a) <> (:card_score)) AS scores_differ
  FROM odd_rows a;
-- The expression is plain SQL: its first term and shape.
SELECT left(:'card_score', 40) AS starts, :'lr' LIKE '1.0::float8 / (1.0::float8 + exp(%' AS logistic_link;
-- An MLP has no SQL form: 0A000. 'score' of a model that is not a scorecard: 42809.
SELECT fin_model_sql('credit_mlp');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_model_sql('credit_risk', 'score');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_model_sql('credit_risk', 'points');
\echo :LAST_ERROR_SQLSTATE

-- fin_score_table: one row per source row, the key, the numbers fin_predict, fin_score and
-- fin_reason_codes give, the decision at the cutoff, the version and the time.
SELECT fin_score_table('credit_card', 'applications', 'book_scores',
                       '{"cutoff": 0.3, "reasons": 3}') AS written;
SELECT column_name, data_type FROM information_schema.columns
 WHERE table_name = 'book_scores' ORDER BY ordinal_position;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE s.probability <> fin_predict('credit_card', a)) AS probability_differs,
       count(*) FILTER (WHERE s.score <> fin_score('credit_card', a)) AS score_differs,
       count(*) FILTER (WHERE s.reasons IS DISTINCT FROM
                        (SELECT coalesce(array_agg(r.feature ORDER BY r.rank), '{}')
                           FROM fin_reason_codes('credit_card', a, 3) r)) AS reasons_differ,
       count(*) FILTER (WHERE s.decision <> CASE WHEN s.probability >= 0.3 THEN 'bad' ELSE 'good' END) AS decision_differs,
       bool_and(s.model = 'credit_card' AND s.version = fin_version('credit_card')) AS provenance,
       bool_and(s.scored_at = now()) AS scored_now
  FROM book_scores s JOIN applications a USING (id);
-- Appending: a second run adds its rows; a pinned version is recorded as that version.
SELECT fin_score_table('credit_card@1', 'applications', 'book_scores', '{"cutoff": 0.3, "reasons": 3}');
SELECT version, count(*) FROM book_scores GROUP BY version;
-- A logistic model into a schema-qualified table, with a named key and no decision.
CREATE SCHEMA reporting;
SELECT fin_score_table('credit_risk', 'applications', 'reporting.risk_scores', '{"key": "id"}');
SELECT column_name FROM information_schema.columns
 WHERE table_schema = 'reporting' AND table_name = 'risk_scores' ORDER BY ordinal_position;
SELECT count(*) FILTER (WHERE s.probability <> fin_predict('credit_risk', a)) AS differs
  FROM reporting.risk_scores s JOIN applications a USING (id);
-- A regression writes its prediction; a cutoff is refused (22023).
SELECT fin_score_table('credit_price', 'applications', 'price_scores');
SELECT count(*) FILTER (WHERE s.prediction <> fin_predict('credit_price', a)) AS differs
  FROM price_scores s JOIN applications a USING (id);
SELECT fin_score_table('credit_price', 'applications', 'price_scores', '{"cutoff": 0.5}');
\echo :LAST_ERROR_SQLSTATE
-- Errors: no key and no primary key (22023), an unknown key column (42703), unknown options
-- (22023), a target that is not a table (42809), an unknown model (42704, nothing created).
CREATE VIEW apps_view AS SELECT * FROM applications;
SELECT fin_score_table('credit_risk', 'apps_view', 'view_scores');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_score_table('credit_risk', 'applications', 'x_scores', '{"key": "no_such"}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_score_table('credit_risk', 'applications', 'x_scores', '{"keys": "id"}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_score_table('credit_risk', 'applications', 'apps_view', '{"key": "id"}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_score_table('no_such_model', 'applications', 'x_scores');
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('x_scores') IS NULL AS nothing_created;
-- In the caller's transaction: a rolled-back run leaves no table.
SAVEPOINT before_run;
SELECT fin_score_table('credit_risk', 'applications', 'undone_scores') > 0 AS wrote;
ROLLBACK TO SAVEPOINT before_run;
SELECT to_regclass('undone_scores') IS NULL AS rolled_back;
-- A role that may not use the model gets 42501 before anything is created.
CREATE ROLE reporting_clerk NOLOGIN;
GRANT CREATE, USAGE ON SCHEMA public TO reporting_clerk;
GRANT SELECT ON applications TO reporting_clerk;
SET ROLE reporting_clerk;
SELECT fin_score_table('credit_risk', 'applications', 'clerk_scores');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT to_regclass('clerk_scores') IS NULL AS nothing_created;

-- fin_score_row on its own: one call per row gives fin_score_table's fields; bad arguments.
SELECT count(*) AS rows,
       count(*) FILTER (WHERE (r).score <> fin_score('credit_card', a)) AS score_differs,
       count(*) FILTER (WHERE (r).decision <> CASE WHEN (r).prediction >= 0.3 THEN 'bad' ELSE 'good' END) AS decision_differs
  FROM (SELECT a, fin_score_row('credit_card', a, 2, 0.3) AS r FROM applications a OFFSET 0) s;
SELECT (fin_score_row('credit_card', a, 21)).score FROM applications a WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT (fin_score_row('credit_card', a, 4, 1.5)).score FROM applications a WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT (fin_score_row(NULL, a)).score FROM applications a WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE

-- fin_profile: each column's shape is SQL's aggregates over it; its IV is the IV of the
-- scorecard that bins the same rows with the same options (fin_scorecard, tolerance 1e-12);
-- correlated pairs are corr()'s beyond 0.8; every column gets an action.
CREATE TEMP VIEW candidates AS
SELECT a.*, a.amount * 0.92 AS amount_eur, 1 AS one, NULL::int AS empty, '{}'::jsonb AS doc
  FROM applications a;
CREATE TEMP TABLE profiled AS
SELECT * FROM fin_profile('candidates', 'status', '{"positive": "bad", "exclude": ["id"]}');
SELECT column_name, type_name, round(null_share::numeric, 4) AS null_share, distinct_values,
       min, median, max, round(iv::numeric, 4) AS iv, round(auc::numeric, 4) AS auc,
       correlated_with, action
  FROM profiled;
SELECT top_levels FROM profiled WHERE column_name = 'home';
SELECT bool_and(p.null_share = s.null_share AND p.distinct_values = s.distinct_values
                AND p.min = s.min AND p.median = s.median AND p.max = s.max) AS numeric_shapes_match,
       count(*) AS columns
  FROM profiled p
  JOIN (SELECT 'income' AS column_name, avg((income IS NULL)::int)::float8 AS null_share,
               count(DISTINCT income) AS distinct_values, min(income)::float8 AS min,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY income) AS median, max(income)::float8 AS max
          FROM candidates
        UNION ALL
        SELECT 'seniority', avg((seniority IS NULL)::int)::float8, count(DISTINCT seniority),
               min(seniority), percentile_cont(0.5) WITHIN GROUP (ORDER BY seniority), max(seniority)
          FROM candidates) s USING (column_name);
SELECT abs(p.null_share - (SELECT avg((home IS NULL)::int) FROM candidates)) < 1e-15 AS text_null_share,
       p.distinct_values = (SELECT count(DISTINCT home) FROM candidates) AS text_distinct
  FROM profiled p WHERE column_name = 'home';
SET client_min_messages = warning;
SELECT version FROM fin_train('profile_card', 'applications', 'status', 'scorecard',
                              options => '{"positive": "bad", "exclude": ["id"], "test_size": 0, "min_iv": 0}');
RESET client_min_messages;
SELECT count(*) AS features, bool_and(abs(p.iv - s.iv) < 1e-12) AS iv_as_scorecard
  FROM profiled p
  JOIN (SELECT feature AS column_name, sum(iv) AS iv FROM fin_scorecard('profile_card') GROUP BY feature) s
 USING (column_name);
SELECT abs(split_part(correlated_with, ' ', 2)::float8
           - (SELECT corr(amount, amount_eur) FROM candidates)) < 1e-4 AS r_as_corr
  FROM profiled WHERE column_name = 'amount';
SELECT * FROM fin_profile('candidates', 'price', '{"exclude": ["id", "status"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_profile('candidates', 'no_such', '{"positive": "bad"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_profile('candidates', 'status', '{"positive": "bad", "hidden": [8]}');
\echo :LAST_ERROR_SQLSTATE

-- fin_gains: bands cover every labelled row; the event counts, rates and lifts are the
-- formulas over fin_predict; the largest KS over bands fine enough to reach every distinct
-- probability is fin_evaluate's KS, exactly.
CREATE TEMP TABLE predicted AS
SELECT id, fin_predict('credit_risk', a) AS p, status = 'bad' AS event FROM applications a;
SELECT count(*) AS bands, sum(rows) AS rows, sum(events) AS events,
       sum(rows) = (SELECT count(*) FROM predicted) AS every_row,
       sum(events) = (SELECT count(*) FILTER (WHERE event) FROM predicted) AS every_event,
       bool_and(abs(lift - event_rate / (SELECT avg(event::int) FROM predicted)) < 1e-12) AS lift_formula,
       bool_and(min_probability <= max_probability) AS ranges
  FROM fin_gains('credit_risk', 'applications');
-- Each band's rows and events are the rows whose probability lies in its range.
SELECT bool_and(g.rows = (SELECT count(*) FROM predicted WHERE p BETWEEN g.min_probability AND g.max_probability)
            AND g.events = (SELECT count(*) FILTER (WHERE event) FROM predicted
                             WHERE p BETWEEN g.min_probability AND g.max_probability)) AS bands_match
  FROM fin_gains('credit_risk', 'applications') g;
SELECT (SELECT max(ks) FROM fin_gains('credit_risk', 'applications', 100000))
     = (SELECT value FROM fin_evaluate('credit_risk', 'applications') WHERE metric = 'ks') AS max_ks_is_ks,
       (SELECT max(ks) FROM fin_gains('credit_risk', 'applications'))
    <= (SELECT value FROM fin_evaluate('credit_risk', 'applications') WHERE metric = 'ks') AS deciles_at_most;
-- Given cutoffs: the bands p >= 0.5, 0.2 <= p < 0.5, p < 0.2.
SELECT band, rows, rows = (SELECT count(*) FROM predicted
                            WHERE CASE g.band WHEN 1 THEN p >= 0.5 WHEN 2 THEN p >= 0.2 AND p < 0.5
                                              ELSE p < 0.2 END) AS as_sql
  FROM fin_gains('credit_risk', 'applications', cutoffs => ARRAY[0.2, 0.5]) g;
SELECT * FROM fin_gains('credit_risk', 'applications', 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_gains('credit_risk', 'applications', cutoffs => ARRAY[1.5]);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_gains('credit_price', 'applications');
\echo :LAST_ERROR_SQLSTATE

-- Drift for every algorithm. Against the data it was trained on, every PSI is small.
SELECT 'credit_risk' AS model, count(*) AS rows, max(psi) < 0.01 AS all_small FROM fin_psi('credit_risk', 'applications')
UNION ALL SELECT 'credit_mlp', count(*), max(psi) < 0.01 FROM fin_psi('credit_mlp', 'applications')
UNION ALL SELECT 'credit_price', count(*), max(psi) < 0.01 FROM fin_psi('credit_price', 'applications')
UNION ALL SELECT 'credit_card', count(*), max(psi) < 0.01 FROM fin_psi('credit_card', 'applications');
-- A scorecard's CSI is the PSI formula over its bins, recomputed here from fin_scorecard's
-- training counts and the bins each row falls in (lower <= x < upper; NULL in the NULL bin),
-- shares floored at 1e-4 (tolerance 1e-12).
CREATE TEMP TABLE later AS SELECT * FROM applications WHERE id % 3 = 0 AND amount > 800;
WITH bins AS (
  SELECT bin, lower, upper, count::float8 / sum(count) OVER () AS expected
    FROM fin_scorecard('credit_card') WHERE feature = 'amount'
), observed AS (
  SELECT b.bin, b.expected,
         (SELECT count(*) FROM later l
           WHERE CASE WHEN b.bin = '(missing)' THEN l.amount IS NULL
                      ELSE l.amount >= coalesce(b.lower, '-infinity') AND l.amount < coalesce(b.upper, 'infinity') END
         )::float8 / (SELECT count(*) FROM later) AS actual
    FROM bins b
)
SELECT abs(sum((greatest(actual, 1e-4) - greatest(expected, 1e-4)) * ln(greatest(actual, 1e-4) / greatest(expected, 1e-4)))
           - (SELECT psi FROM fin_psi('credit_card', 'later') WHERE feature = 'amount')) < 1e-12 AS csi_formula
  FROM observed;
SELECT feature, status FROM fin_psi('credit_risk', 'later') WHERE feature IN ('(score)', 'amount');

-- fin_psi is one aggregate with a combine function (fin_drift_counts): PostgreSQL's parallel
-- workers each count a part of the rows (Citus's workers do the same per shard), and the PSI
-- equals the serial one exactly, feature for feature.
CREATE TEMP TABLE psi_serial AS SELECT * FROM fin_psi('credit_card', 'applications');
CREATE TABLE psi_rows AS SELECT * FROM applications;
ANALYZE psi_rows;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
-- (fin_psi passes every feature; two show the plan's shape.)
EXPLAIN (COSTS OFF) SELECT fin_drift_counts('credit_card', ARRAY[amount::float8], ARRAY[home]) FROM psi_rows;
SELECT count(*) AS features, count(*) FILTER (WHERE p.psi = s.psi) AS equal
  FROM fin_psi('credit_card', 'psi_rows') p JOIN psi_serial s USING (feature);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE psi_rows;
-- The aggregate's state is checked, not believed (22023).
SELECT fin_drift_counts_add('{1,2}', '{1,2,3}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_drift_counts_add('{1,NULL}', '{1,2}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_drift_counts_step('{1,2}', 'credit_card', '{}', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_drift_counts('credit_card', ARRAY[amount::float8], ARRAY[home]) FROM applications;
\echo :LAST_ERROR_SQLSTATE

-- fin_monitor over twelve monthly cohorts of the credit example: the rows in id order cut into
-- twelve months of 2026, with drift made in the last three (amount doubled, income cut by
-- 30%) while the outcomes are kept.
CREATE TEMP VIEW cohorts AS
SELECT a.id, a.status, a.seniority, a.home, a.time, a.age, a.marital, a.records, a.job, a.expenses,
       CASE WHEN m.month >= date '2026-10-01' THEN a.income * 0.7 ELSE a.income END AS income,
       a.assets, a.debt,
       CASE WHEN m.month >= date '2026-10-01' THEN a.amount * 2 ELSE a.amount END AS amount,
       a.price, m.month + (a.id % 28) AS applied_on, (a.id - 1) * 12 / 4454 + 1 AS cohort
  FROM applications a,
       LATERAL (SELECT (date '2026-01-01' + ((a.id - 1) * 12 / 4454) * interval '1 month')::date AS month) m;
CREATE TEMP TABLE monitored AS SELECT * FROM fin_monitor('credit_card', 'cohorts', 'applied_on');
SELECT period, rows, labelled_rows, round(auc::numeric, 3) AS auc, round(psi::numeric, 3) AS psi,
       max_csi_feature, status
  FROM monitored ORDER BY period;
-- Each period's counts, event rate and mean prediction are SQL aggregates over fin_predict;
-- its AUC, KS, Gini, Brier and Hosmer-Lemeshow p are fin_evaluate's on that month's rows.
CREATE TEMP TABLE cohort_sql AS
SELECT to_char(applied_on, 'YYYY-MM') AS period, count(*) AS rows,
       avg((status = 'bad')::int) AS event_rate, avg(fin_predict('credit_card', c)) AS mean_predicted
  FROM cohorts c GROUP BY 1;
SELECT bool_and(m.rows = s.rows AND m.labelled_rows = s.rows
                AND abs(m.event_rate - s.event_rate) < 1e-12
                AND abs(m.mean_predicted - s.mean_predicted) < 1e-12) AS aggregates_match
  FROM monitored m JOIN cohort_sql s USING (period);
CREATE TEMP VIEW cohort_7 AS SELECT * FROM cohorts WHERE to_char(applied_on, 'YYYY-MM') = '2026-07';
SELECT bool_and(abs(m.value - e.value) < 1e-12) AS metrics_match, count(*) AS metrics
  FROM (SELECT 'auc' AS metric, auc AS value FROM monitored WHERE period = '2026-07'
        UNION ALL SELECT 'ks', ks FROM monitored WHERE period = '2026-07'
        UNION ALL SELECT 'gini', gini FROM monitored WHERE period = '2026-07'
        UNION ALL SELECT 'brier', brier FROM monitored WHERE period = '2026-07'
        UNION ALL SELECT 'hosmer_lemeshow_p', hosmer_lemeshow_p FROM monitored WHERE period = '2026-07') m
  JOIN fin_evaluate('credit_card', 'cohort_7') e USING (metric);
-- Its PSI and CSI are fin_psi's on that month's rows.
CREATE TEMP VIEW cohort_11 AS SELECT * FROM cohorts WHERE to_char(applied_on, 'YYYY-MM') = '2026-11';
SELECT abs(m.psi - p.psi) < 1e-12 AS psi_matches,
       m.max_csi = (SELECT max(psi) FROM fin_psi('credit_card', 'cohort_11') WHERE feature <> '(score)') AS csi_matches
  FROM monitored m, fin_psi('credit_card', 'cohort_11') p
 WHERE m.period = '2026-11' AND p.feature = '(score)';
-- Other periods: quarters, a numeric cohort column, unlabelled rows (no target column).
SELECT period, rows, status FROM fin_monitor('credit_risk', 'cohorts', 'applied_on', '{"truncate": "quarter"}');
SELECT count(*) AS periods, string_agg(period, ' ') AS in_order
  FROM fin_monitor('credit_risk', 'cohorts', 'cohort');
CREATE TEMP VIEW unlabelled AS SELECT id, seniority, home, time, age, marital, records, job, expenses,
       income, assets, debt, amount, price, applied_on FROM cohorts;
SELECT period, rows, labelled_rows, auc IS NULL AS no_auc, round(mean_predicted::numeric, 4) AS mean_predicted
  FROM fin_monitor('credit_mlp', 'unlabelled', 'applied_on', '{"truncate": "year"}');
-- Errors: unknown period column 42703, truncating a number 42804, a period type finml cannot
-- group 42804, unknown option 22023, unknown model 42704.
SELECT * FROM fin_monitor('credit_risk', 'cohorts', 'no_such');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_monitor('credit_risk', 'cohorts', 'cohort', '{"truncate": "month"}');
\echo :LAST_ERROR_SQLSTATE
CREATE TEMP VIEW odd_period AS SELECT c.*, ('{"m": ' || cohort || '}')::jsonb AS doc FROM cohorts c;
SELECT * FROM fin_monitor('credit_risk', 'odd_period', 'doc');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_monitor('credit_risk', 'cohorts', 'applied_on', '{"stored": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_monitor('no_such_model', 'cohorts', 'applied_on');
\echo :LAST_ERROR_SQLSTATE

-- The stored history: two monthly runs (the first half year, then the second) build twelve
-- rows; running a period again replaces its row.
CREATE TEMP VIEW first_half AS SELECT * FROM cohorts WHERE applied_on < '2026-07-01';
CREATE TEMP VIEW second_half AS SELECT * FROM cohorts WHERE applied_on >= '2026-07-01';
SELECT count(*) FROM fin_monitor('credit_card', 'first_half', 'applied_on', '{"store": true}');
SELECT count(*) FROM fin_monitor('credit_card', 'second_half', 'applied_on', '{"store": true}');
SELECT count(*) FROM fin_monitor('credit_card', 'second_half', 'applied_on', '{"store": true}');
SELECT relation, count(*) AS periods, min(period), max(period), bool_and(run_by = current_user) AS by_me
  FROM finml.monitoring WHERE model = 'credit_card' GROUP BY relation ORDER BY relation;
SELECT period, status FROM finml.monitoring WHERE model = 'credit_card' AND period >= '2026-09' ORDER BY period;
SELECT action, outcome, detail FROM finml.events WHERE action = 'monitor' ORDER BY at;
-- A granted role sees the history and may monitor, but only the owner stores (42501).
GRANT SELECT ON cohorts, first_half, applications TO reporting_clerk;
SELECT fin_grant('credit_card', 'reporting_clerk');
SET ROLE reporting_clerk;
SELECT count(*) AS visible FROM finml.monitoring;
SELECT count(*) FROM fin_monitor('credit_card', 'first_half', 'applied_on');
SELECT count(*) FROM fin_monitor('credit_card', 'first_half', 'applied_on', '{"store": true}');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT fin_revoke('credit_card', 'reporting_clerk');
SET ROLE reporting_clerk;
SELECT count(*) AS visible FROM finml.monitoring;
RESET ROLE;
-- Dropping the model drops its history.
SELECT fin_drop_model('credit_card');
SELECT count(*) AS kept FROM finml.monitoring_log WHERE model = 'credit_card';
ROLLBACK;
