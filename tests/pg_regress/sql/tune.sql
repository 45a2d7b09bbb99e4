-- Cross-validation (fin_cross_validate) and hyperparameter search (fin_tune) on the credit
-- example. References: models/tests/reference/credit_cv.py (scikit-learn 1.9.1, its
-- StratifiedKFold(5, shuffle=True, random_state=42) on the rows in id order, preprocessing
-- fitted per fold, LogisticRegression(C=1)): fold AUCs 0.8087, 0.8559, 0.8404, 0.8348, 0.8177
-- (mean 0.8315); on fin_train's training split, C = 100, 1, 0.01 score 0.8284, 0.8298, 0.8154
-- (rounded to 4 decimals: 1e-4). The means and standard deviations are recomputed in SQL.
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
\set VERBOSITY default

-- Five stratified folds of logistic regression: scikit-learn's folds and AUCs, each fold
-- fitted on the other four; then each metric's mean and population standard deviation.
CREATE TEMP TABLE cv AS
  SELECT * FROM fin_cross_validate('applications', 'status', 'logistic',
                                   options => '{"positive": "bad", "exclude": ["id"]}');
SELECT fold, train_rows, test_rows, round(value::numeric, 4) AS auc
  FROM cv WHERE metric = 'auc' ORDER BY fold NULLS LAST;
SELECT count(*) FILTER (WHERE fold IS NULL) = count(DISTINCT metric) AS one_summary_per_metric,
       bool_and(std IS NULL) FILTER (WHERE fold IS NOT NULL) AS folds_have_no_std,
       bool_and(std IS NOT NULL) FILTER (WHERE fold IS NULL) AS summaries_have_std
  FROM cv;
SELECT s.metric, abs(s.value - f.mean) < 1e-12 AS mean_of_folds,
       abs(s.std - f.std) < 1e-12 AS population_std
  FROM cv s JOIN (SELECT metric, avg(value) AS mean, stddev_pop(value) AS std
                    FROM cv WHERE fold IS NOT NULL GROUP BY metric) f USING (metric)
 WHERE s.fold IS NULL AND s.metric IN ('auc', 'log_loss', 'accuracy') ORDER BY s.metric;
-- Every applicant is tested exactly once, and each fold keeps the bad rate (stratified).
SELECT sum(test_rows) AS tested, count(*) AS folds FROM cv WHERE metric = 'auc' AND fold IS NOT NULL;
SELECT min(value)::numeric(6, 0) AS fewest_bad, max(value)::numeric(6, 0) AS most_bad
  FROM cv WHERE metric = 'positives' AND fold IS NOT NULL;
-- Nothing is stored.
SELECT count(*) AS models FROM finml.models;

-- A regression (the price) is cut into plain k-folds and measured by RMSE; the same seed
-- gives the same folds, another seed others.
SELECT fold, test_rows FROM fin_cross_validate('applications', 'price', 'linear',
       options => '{"exclude": ["id", "status"], "seed": 7}', folds => 3)
 WHERE metric = 'rmse' ORDER BY fold NULLS LAST;
SELECT (SELECT array_agg(round(value::numeric, 6) ORDER BY fold) FROM fin_cross_validate('applications', 'price', 'linear',
          options => '{"exclude": ["id", "status"], "seed": 7}', folds => 3) WHERE metric = 'rmse' AND fold IS NOT NULL)
     = (SELECT array_agg(round(value::numeric, 6) ORDER BY fold) FROM fin_cross_validate('applications', 'price', 'linear',
          options => '{"exclude": ["id", "status"], "seed": 7}', folds => 3) WHERE metric = 'rmse' AND fold IS NOT NULL)
       AS same_seed_same_folds,
       (SELECT array_agg(round(value::numeric, 6) ORDER BY fold) FROM fin_cross_validate('applications', 'price', 'linear',
          options => '{"exclude": ["id", "status"], "seed": 7}', folds => 3) WHERE metric = 'rmse' AND fold IS NOT NULL)
    <> (SELECT array_agg(round(value::numeric, 6) ORDER BY fold) FROM fin_cross_validate('applications', 'price', 'linear',
          options => '{"exclude": ["id", "status"], "seed": 8}', folds => 3) WHERE metric = 'rmse' AND fold IS NOT NULL)
       AS another_seed_other_folds;

-- A split by time: out-of-time folds. The applications dated one day per ten ids; fold f
-- trains on the blocks of days before its test block (expanding), never after it.
CREATE TEMP VIEW dated AS
  SELECT a.*, DATE '2020-01-01' + (id / 10) AS applied FROM applications a;
SELECT fold, train_rows, test_rows
  FROM fin_cross_validate('dated', 'status', 'logistic', folds => 4,
         options => '{"positive": "bad", "exclude": ["id"],
                      "split": {"column": "applied", "test_from": "2021-01-01"}}')
 WHERE metric = 'auc' ORDER BY fold NULLS LAST;

-- Errors: folds out of range or beyond the smallest class, a target of one class, an
-- unsupervised algorithm, summing where the rows are stored, NULL arguments.
SELECT * FROM fin_cross_validate('applications', 'status', options => '{"positive": "bad"}', folds => 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_cross_validate('applications', 'status', options => '{"positive": "bad"}', folds => 101);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_cross_validate('applications', 'status', options => '{"positive": "bad"}', folds => -3);
\echo :LAST_ERROR_SQLSTATE
CREATE TEMP VIEW few_bad AS
  SELECT * FROM applications WHERE status = 'good' OR id IN (SELECT id FROM applications WHERE status = 'bad' ORDER BY id LIMIT 3);
SELECT * FROM fin_cross_validate('few_bad', 'status', options => '{"positive": "bad", "exclude": ["id"]}', folds => 4);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS three_folds_fit FROM fin_cross_validate('few_bad', 'status', options => '{"positive": "bad", "exclude": ["id"]}', folds => 3);
CREATE TEMP VIEW all_good AS SELECT a.*, 0 AS bad FROM applications a WHERE status = 'good';
SELECT * FROM fin_cross_validate('all_good', 'bad', options => '{"exclude": ["id", "status"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_cross_validate('applications', 'status', 'kmeans');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_cross_validate('applications', 'status', options => '{"positive": "bad", "aggregate": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_cross_validate('applications', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_cross_validate('applications', 'status', folds => NULL);
\echo :LAST_ERROR_SQLSTATE

-- fin_tune: a grid over l2, five folds of the training split; scikit-learn's GridSearchCV
-- scores and choice (l2 = 1); the best refitted as version 1 and deployed. A NOTICE per trial.
SELECT model, version, trial, options, metric, round(mean::numeric, 4) AS mean, chosen, deployed
  FROM fin_tune('credit_tuned', 'applications', 'status', 'logistic', '{"l2": [0.01, 1, 100]}',
                options => '{"positive": "bad", "exclude": ["id"]}');
SET client_min_messages = warning;
-- The version stores the options it was trained with (fin_retrain repeats the best), and is
-- the plain training with them: the same test metrics.
SELECT name, version, deployed, options FROM finml.models WHERE name = 'credit_tuned';
SELECT version AS plain FROM fin_train('credit_plain', 'applications', 'status',
       options => '{"positive": "bad", "exclude": ["id"], "l2": 1}');
SELECT (t.metrics - 'train_seconds') = (p.metrics - 'train_seconds') AS same_test_metrics
  FROM finml.models t, finml.models p WHERE t.name = 'credit_tuned' AND p.name = 'credit_plain';
SELECT trial, options, metric, folds, round(mean::numeric, 4) AS mean, std > 0 AS spread, seconds >= 0 AS timed, chosen
  FROM finml.trials WHERE model = 'credit_tuned' ORDER BY trial;
-- The report shows the search.
SELECT fin_report('credit_tuned') LIKE '%<h2>Hyperparameter search</h2>%fin_tune chose trial 2 of 3 by auc over 5 cross-validation folds%' AS report_shows_search;

-- A random search: 4 draws of a log-uniform l2 and an integer max_iter, seeded by the
-- options' seed (the same draws again), ranked by log loss (lower is better); a second search
-- stores version 2 with its own trials.
SELECT trial, (options->>'l2')::float8 BETWEEN 0.01 AND 100 AS l2_in_range,
       (options->>'max_iter')::int BETWEEN 50 AND 200 AS max_iter_in_range, metric
  FROM fin_tune('credit_tuned', 'applications', 'status', 'logistic',
                '{"l2": {"log_uniform": [0.01, 100]}, "max_iter": {"int": [50, 200]}, "trials": 4, "metric": "log_loss", "folds": 3}',
                options => '{"positive": "bad", "exclude": ["id"], "seed": 11}')
 ORDER BY trial;
SELECT (SELECT array_agg(options ORDER BY trial) FROM finml.trials WHERE model = 'credit_tuned' AND version = 2)
     = (SELECT array_agg(options ORDER BY trial) FROM fin_tune('credit_again', 'applications', 'status', 'logistic',
                '{"l2": {"log_uniform": [0.01, 100]}, "max_iter": {"int": [50, 200]}, "trials": 4, "metric": "log_loss", "folds": 3}',
                options => '{"positive": "bad", "exclude": ["id"], "seed": 11}')) AS same_draws;
SELECT count(*) AS trials, count(*) FILTER (WHERE chosen) AS chosen,
       min(mean) = min(mean) FILTER (WHERE chosen) AS lowest_log_loss_chosen
  FROM finml.trials WHERE model = 'credit_tuned' AND version = 2;
-- max_seconds: no trial starts after it (the first always runs).
SELECT count(*) AS trials_run FROM fin_tune('credit_hurried', 'applications', 'status', 'logistic',
       '{"l2": [0.1, 1, 10, 100], "max_seconds": 0.000001}', options => '{"positive": "bad", "exclude": ["id"]}');
-- A regression is ranked by RMSE by default; a tree model's options are searched the same way.
SELECT metric, count(*) AS trials, count(*) FILTER (WHERE chosen) AS chosen
  FROM fin_tune('price_tuned', 'applications', 'price', 'gbdt', '{"num_leaves": [4, 8], "n_trees": [5]}',
                options => '{"exclude": ["id", "status"]}')
 GROUP BY metric;
RESET client_min_messages;

-- Errors (22023 unless said): an option the algorithm does not have, a training option, a
-- distribution on an option that takes no number, a distribution without trials, a grid too
-- large, a metric of the other task, folds beyond the smallest class; NULL search (22004); an
-- unsupervised algorithm. Nothing is stored by a refused search.
SELECT * FROM fin_tune('bad', 'applications', 'status', 'logistic', '{"pdo": [20, 40]}', options => '{"positive": "bad"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_tune('bad', 'applications', 'status', 'logistic', '{"test_size": [0.2, 0.3]}', options => '{"positive": "bad"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_tune('bad', 'applications', 'status', 'logistic', '{"class_weight": {"uniform": [0, 1]}, "trials": 2}', options => '{"positive": "bad"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_tune('bad', 'applications', 'status', 'logistic', '{"l2": {"uniform": [0.1, 1]}}', options => '{"positive": "bad"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_tune('bad', 'applications', 'status', 'logistic',
       (SELECT jsonb_build_object('l2', jsonb_agg(g), 'max_iter', jsonb_agg(g + 100)) FROM generate_series(1, 40) g),
       options => '{"positive": "bad"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_tune('bad', 'applications', 'status', 'logistic', '{"l2": [1], "metric": "rmse"}', options => '{"positive": "bad"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_tune('bad', 'few_bad', 'status', 'logistic', '{"l2": [1], "folds": 4}', options => '{"positive": "bad", "test_size": 0.5}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_tune('bad', 'applications', 'status', 'logistic', NULL, options => '{"positive": "bad"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_tune('bad', 'applications', 'status', 'kmeans', '{"k": [2, 3]}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS refused_stored_nothing FROM finml.models WHERE name = 'bad';

-- A cancel stops a search between and inside folds (57014), and nothing is stored.
SET statement_timeout = '300ms';
SELECT * FROM fin_tune('cancelled', 'applications', 'status', 'gbdt',
       '{"n_trees": [200, 300, 400], "num_leaves": [31, 63]}', options => '{"positive": "bad", "exclude": ["id"]}');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT count(*) AS cancelled_stored_nothing FROM finml.models WHERE name = 'cancelled';

-- Trials are visible to the roles that may use the model, and go with the model: a version
-- dropped takes its trials, the model dropped takes them all.
CREATE ROLE tune_clerk NOLOGIN;
SET ROLE tune_clerk;
SELECT count(*) AS trials_seen_without_a_grant FROM finml.trials;
RESET ROLE;
SELECT fin_grant('credit_tuned', 'tune_clerk');
SET ROLE tune_clerk;
SELECT count(*) AS trials_seen_with_a_grant FROM finml.trials;
SELECT count(*) FROM finml.tuning_trials;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT fin_drop_model('credit_tuned', 1);
SELECT version, count(*) AS trials FROM finml.trials WHERE model = 'credit_tuned' GROUP BY version;
SELECT fin_drop_model('credit_tuned');
SELECT count(*) AS trials_left FROM finml.tuning_trials WHERE model = 'credit_tuned';
ROLLBACK;
