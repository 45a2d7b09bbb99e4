-- Training from sums (DESIGN.md "Training from sums"): fin_train of a logistic or linear
-- regression with "aggregate": true runs
-- every pass over the rows as the aggregate fin_training_sums, which PostgreSQL's parallel
-- workers (and Citus's workers, tests/citus.sh) sum in parts. Reference: the same training
-- in memory ("aggregate": false) on the same rows, itself equal to scikit-learn (train.sql):
-- coefficients and standard errors within 1e-9 relative, predictions within 1e-9, metrics
-- within 1e-9, medians and categorical encodings identical.
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
\set VERBOSITY default
-- A continuous feature with NULLs: its median is the mean of two distinct middle values.
ALTER TABLE applications ADD COLUMN ratio float8;
UPDATE applications SET ratio = amount::float8 / price + id * 1e-7 WHERE id % 9 <> 0 AND id <> 2;
CREATE FUNCTION relative_gap(a float8, b float8) RETURNS float8 LANGUAGE sql IMMUTABLE
    AS $$ SELECT abs(a - b) / greatest(abs(a), abs(b), 1e-300) $$;
CREATE FUNCTION same_model(summed text, memory text) RETURNS TABLE (check_name text, ok bool)
LANGUAGE sql AS $$
    WITH s AS (SELECT * FROM fin_coefficients(summed)), m AS (SELECT * FROM fin_coefficients(memory))
    SELECT 'coefficients within 1e-9', bool_and(relative_gap(s.estimate, m.estimate) <= 1e-9
                                            AND relative_gap(s.std_error, m.std_error) <= 1e-9)
                                       AND count(*) = (SELECT count(*) FROM m)
      FROM s JOIN m USING (term)
    UNION ALL
    SELECT 'predictions within 1e-9', bool_and(abs(fin_predict(summed, a) - fin_predict(memory, a)) <= 1e-9)
      FROM applications a
    UNION ALL
    SELECT 'metrics within 1e-9', bool_and(relative_gap((s.metrics ->> k)::float8, (m.metrics ->> k)::float8) <= 1e-9)
      FROM finml.models s, finml.models m, jsonb_object_keys(m.metrics) AS k
     WHERE s.name = summed AND m.name = memory AND k NOT IN ('evaluated_on', 'train_seconds')
    UNION ALL
    SELECT 'same rows and preprocessing', s.train_rows = m.train_rows AND s.test_rows = m.test_rows
           AND s.metrics ->> 'evaluated_on' = m.metrics ->> 'evaluated_on'
      FROM finml.models s, finml.models m WHERE s.name = summed AND m.name = memory
$$;

SET client_min_messages = warning;
SELECT train_rows, test_rows FROM fin_train('summed', 'applications', 'status',
    options => '{"positive": "bad", "exclude": ["id"], "test_size": 0, "aggregate": true}');
SELECT train_rows, test_rows FROM fin_train('in_memory', 'applications', 'status',
    options => '{"positive": "bad", "exclude": ["id"], "test_size": 0, "aggregate": false}');
RESET client_min_messages;
SELECT * FROM same_model('summed', 'in_memory');
-- (Rows with a NULL ratio, 1 in 9, are scored with its median: the predictions above.)
-- On PostgreSQL's parallel workers: the plan of a pass, and the same model.
CREATE TABLE parallel_rows AS SELECT * FROM applications;
ALTER TABLE parallel_rows ADD PRIMARY KEY (id);
ANALYZE parallel_rows;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT fin_training_sums('{"pass": "moments", "numbers": 1}', ARRAY[amount::float8], ARRAY[]::text[], (status = 'bad')::int)
  FROM parallel_rows;
SET client_min_messages = warning;
SELECT train_rows FROM fin_train('summed_parallel', 'parallel_rows', 'status',
    options => '{"positive": "bad", "exclude": ["id"], "test_size": 0, "aggregate": true}');
RESET client_min_messages;
SELECT * FROM same_model('summed_parallel', 'in_memory');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- An out-of-time split: the passes sum the rows before test_from, the metrics are measured on
-- the rows from it on; mean imputation, a penalty and fewer levels change nothing.
SET client_min_messages = warning;
SELECT train_rows, test_rows FROM fin_train('summed_oot', 'applications', 'status',
    options => '{"positive": "bad", "exclude": ["ratio"], "split": {"column": "id", "test_from": 3000},
                 "impute": "mean", "l2": 0.1, "max_categories": 3, "aggregate": true}');
SELECT train_rows, test_rows FROM fin_train('in_memory_oot', 'applications', 'status',
    options => '{"positive": "bad", "exclude": ["ratio"], "split": {"column": "id", "test_from": 3000},
                 "impute": "mean", "l2": 0.1, "max_categories": 3, "aggregate": false}');
RESET client_min_messages;
SELECT * FROM same_model('summed_oot', 'in_memory_oot');

-- Linear regression (a numeric target with many values): the normal equations and the
-- residuals summed, against the normal equations in memory; ridge and zero imputation too.
SET client_min_messages = warning;
SELECT train_rows FROM fin_train('summed_price', 'applications', 'price',
    options => '{"exclude": ["id"], "test_size": 0, "aggregate": true}');
SELECT train_rows FROM fin_train('in_memory_price', 'applications', 'price',
    options => '{"exclude": ["id"], "test_size": 0, "aggregate": false}');
SELECT train_rows FROM fin_train('summed_ridge', 'applications', 'price', 'linear',
    options => '{"exclude": ["id"], "test_size": 0, "l2": 2.5, "impute": "zero", "aggregate": true}');
SELECT train_rows FROM fin_train('in_memory_ridge', 'applications', 'price', 'linear',
    options => '{"exclude": ["id"], "test_size": 0, "l2": 2.5, "impute": "zero", "aggregate": false}');
RESET client_min_messages;
SELECT * FROM same_model('summed_price', 'in_memory_price');
SELECT * FROM same_model('summed_ridge', 'in_memory_ridge');
SELECT algorithm, task FROM finml.models WHERE name = 'summed_price';

-- A scorecard: each feature's distinct values with their row and event counts (a GROUP BY)
-- binned as in memory, the regression on WoE values by Newton passes, the score bands from
-- each training row's score. Same bins and points; a modeller's trend, special code and cut
-- points, and features left out by IV and by sign, too.
SET client_min_messages = warning;
SELECT train_rows FROM fin_train('summed_card', 'applications', 'status', 'scorecard',
    options => '{"positive": "bad", "exclude": ["id", "ratio"], "test_size": 0, "aggregate": true}');
SELECT train_rows FROM fin_train('in_memory_card', 'applications', 'status', 'scorecard',
    options => '{"positive": "bad", "exclude": ["id", "ratio"], "test_size": 0, "aggregate": false}');
SELECT train_rows FROM fin_train('summed_card2', 'applications', 'status', 'scorecard',
    options => '{"positive": "bad", "exclude": ["id", "ratio"], "test_size": 0, "max_bins": 4, "min_iv": 0.05,
                 "monotonic": {"age": "descending"}, "special_codes": {"assets": [0]},
                 "user_splits": {"seniority": [2, 5, 10]}, "aggregate": true}');
SELECT train_rows FROM fin_train('in_memory_card2', 'applications', 'status', 'scorecard',
    options => '{"positive": "bad", "exclude": ["id", "ratio"], "test_size": 0, "max_bins": 4, "min_iv": 0.05,
                 "monotonic": {"age": "descending"}, "special_codes": {"assets": [0]},
                 "user_splits": {"seniority": [2, 5, 10]}, "aggregate": false}');
RESET client_min_messages;
SELECT * FROM same_model('summed_card', 'in_memory_card');
SELECT * FROM same_model('summed_card2', 'in_memory_card2');
SELECT s.name, count(*) AS bins,
       count(*) FILTER (WHERE (s.feature, s.bin, s.count, s.event_rate, s.points)
                        IS DISTINCT FROM (m.feature, m.bin, m.count, m.event_rate, m.points)) AS different
  FROM (SELECT 'summed_card' AS name, * FROM fin_scorecard('summed_card')
        UNION ALL SELECT 'summed_card2', * FROM fin_scorecard('summed_card2')) s
  FULL JOIN (SELECT 'summed_card' AS name, * FROM fin_scorecard('in_memory_card')
             UNION ALL SELECT 'summed_card2', * FROM fin_scorecard('in_memory_card2')) m
    USING (name, feature, bin)
 GROUP BY s.name ORDER BY s.name;
SELECT count(*) FILTER (WHERE fin_score('summed_card2', a) <> fin_score('in_memory_card2', a)) AS different_scores
  FROM applications a;
-- The score bands (the training scores' deciles) are the same: so is the PSI of '(score)'.
SELECT s.feature, s.psi = m.psi AS same_psi
  FROM fin_psi('summed_card2', 'applications') s JOIN fin_psi('in_memory_card2', 'applications') m USING (feature)
 WHERE feature = '(score)';
-- Every number's distinct values are one scan (fin_training_atoms), which PostgreSQL's
-- parallel workers share, each sending its part as bytes to the leader: on workers, the
-- scorecard is the same.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT fin_training_atoms(1, age::float8, seniority::float8) FROM applications;
SELECT length(fin_training_atoms(1, age::float8, seniority::float8)) AS parallel_bytes FROM applications \gset
-- Workers without rows send no part: no row, no atoms.
SELECT fin_training_atoms(1, age::float8) IS NULL AS no_rows_no_atoms FROM applications WHERE age > 1000;
SET client_min_messages = warning;
SELECT train_rows FROM fin_train('parallel_card2', 'applications', 'status', 'scorecard',
    options => '{"positive": "bad", "exclude": ["id", "ratio"], "test_size": 0, "max_bins": 4, "min_iv": 0.05,
                 "monotonic": {"age": "descending"}, "special_codes": {"assets": [0]},
                 "user_splits": {"seniority": [2, 5, 10]}, "aggregate": true}');
RESET client_min_messages;
SELECT * FROM same_model('parallel_card2', 'in_memory_card2');
SELECT count(*) FILTER (WHERE (s.count, s.event_rate, s.points) IS DISTINCT FROM (m.count, m.event_rate, m.points)) AS different_bins
  FROM fin_scorecard('parallel_card2') s FULL JOIN fin_scorecard('in_memory_card2') m USING (feature, bin);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT length(fin_training_atoms(1, age::float8, seniority::float8)) = :parallel_bytes AS same_bytes_in_one_process
  FROM applications;

-- What cannot be summed says why (0A000) when "aggregate": true asks; nothing is stored.
SELECT * FROM fin_train('refused', 'applications', 'status', options => '{"positive": "bad", "aggregate": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('refused', 'applications', NULL, 'kmeans',
                        options => '{"k": 3, "aggregate": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('refused', 'applications', 'status',
                        options => '{"positive": "bad", "test_size": 0, "weight_column": "seniority", "aggregate": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_backtest('refused', 'applications', 'status', 'logistic', 'id', options => '{"positive": "bad", "aggregate": true}');
\echo :LAST_ERROR_SQLSTATE
-- A scorecard's distinct values are held within finml.max_training_memory (54000): 40,000
-- of them here, in a hash table of 28 bytes a slot whose capacity doubles, the old table
-- held beside the new while it grows: refused after 14,336 (401 kB), before it grows to
-- 28,672 slots (803 kB, 1.2 MB with the old) with a 1 MB budget.
CREATE TABLE many_values AS
SELECT g AS id, g * 1.5::float8 AS x, (g % 3 = 0) AS y FROM generate_series(1, 40000) g;
SET finml.max_training_memory = '1MB';
SELECT * FROM fin_train('refused', 'many_values', 'y', 'scorecard',
                        options => '{"exclude": ["id"], "test_size": 0, "aggregate": true}');
\echo :LAST_ERROR_SQLSTATE
RESET finml.max_training_memory;
SELECT count(*) AS refused_versions FROM finml.models WHERE name = 'refused';
-- A feature with a NaN is refused as training in memory refuses it (22000).
UPDATE applications SET ratio = 'NaN' WHERE id = 5;
SELECT * FROM fin_train('refused', 'applications', 'status',
                        options => '{"positive": "bad", "test_size": 0, "aggregate": true}');
\echo :LAST_ERROR_SQLSTATE
-- A cancelled summed training (statement_timeout) stops with 57014 and stores nothing.
UPDATE applications SET ratio = NULL WHERE id = 5;
SET statement_timeout = '10ms';
SELECT * FROM fin_train('cancelled', 'applications', 'status',
                        options => '{"positive": "bad", "test_size": 0, "aggregate": true}');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT count(*) AS cancelled_versions FROM finml.models WHERE name = 'cancelled';

-- The aggregate's passes and states are checked, not believed (22023, 54000).
SELECT fin_training_sums('{"pass": "sideways"}', ARRAY[1.0], ARRAY[]::text[], 1);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_sums('{"pass": "moments", "numbers": 2}', ARRAY[1.0], ARRAY[]::text[], 1);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_sums('{"pass": "spread", "means": [0]}', ARRAY[v], ARRAY[]::text[], 1)
  FROM (VALUES (1.0::float8), (3.0)) AS t(v);
-- Each group's pass is its own, even when one query sums several passes.
SELECT p, fin_training_sums(p, ARRAY[v], ARRAY[]::text[], 1)
  FROM (VALUES ('{"pass": "spread", "means": [0]}', 1.0::float8),
               ('{"pass": "spread", "means": [1]}', 3.0)) AS t(p, v)
 GROUP BY p ORDER BY p;
SELECT fin_training_sums(format('{"pass": "spread", "means": [%s]}', repeat('0,', 8388608) || '0'), ARRAY[1.0], ARRAY[]::text[], 1);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_sums_add('{1,2}', '{1,2,3}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_sums_add('{1,NULL}', '{1,2}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_sums_add('{2,0,1,-1}', '{1,0,1,-1}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_sums_step('{1,2}', '{"pass": "spread", "means": [0]}', '{1}', '{}', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_training_output('{"pass": "spread", "means": [0]}', '{1}', '{}');
\echo :LAST_ERROR_SQLSTATE
-- On one node the passes give a row's features as arguments of their own
-- (fin_training_column_sums: float8 numbers, then texts), no array built per row: the same
-- cells as fin_training_sums's arrays, to the bit, over every row (a NULL ratio among them),
-- for the moments riding along the first ranks pass.
SELECT fin_training_column_sums(p, (status = 'bad')::int, amount::float8, ratio)
       = fin_training_sums(p, ARRAY[amount::float8, ratio], ARRAY[]::text[], (status = 'bad')::int) AS same_cells,
       count(*) AS rows
  FROM applications,
       (VALUES ('{"pass": "ranks", "shift": 64, "targets": [{"number": 0, "prefix": 0}, {"number": 1, "prefix": 0}],
                  "with": {"pass": "moments", "numbers": 2}}')) AS t(p)
 GROUP BY p;
ROLLBACK;
