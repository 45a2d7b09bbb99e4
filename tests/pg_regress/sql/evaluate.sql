-- Evaluation on labelled rows: fin_evaluate, fin_roc, fin_confusion, fin_calibration.
-- References: the metrics fin_train stored for the same rows (computed by the models crate's
-- training path, itself checked against scikit-learn), and formulas recomputed here in SQL.
-- Stands alone: it commits (a relation without a key written in the reading transaction
-- would be scanned in another order, and the models trained on it would differ in the last
-- digits), and cleans up at its end.
\i include/credit.sql
\i include/credit_card.sql
CREATE TABLE eval_loans AS
  SELECT a.*, date '2020-01-01' + (a.id % 1000) AS app_date FROM applications a;
-- An out-of-time model: its stored metrics were measured on the rows from 2022-06-01 on.
SELECT test_rows FROM fin_train('eval_oot', 'eval_loans', 'status',
       options => '{"positive": "bad", "exclude": ["id"], "split": {"column": "app_date", "test_from": "2022-06-01"}}');
CREATE VIEW eval_recent AS SELECT * FROM eval_loans WHERE app_date >= '2022-06-01';

-- fin_evaluate on exactly those rows gives every stored metric again (tolerance 1e-12).
SELECT e.metric, round(e.value::numeric, 4) AS value,
       abs(e.value - (m.metrics->>e.metric)::float8) < 1e-12 AS same_as_stored
  FROM fin_evaluate('eval_oot', 'eval_recent') e
  LEFT JOIN finml.models m ON m.name = 'eval_oot';
SELECT count(*) AS stored_metrics_not_evaluated
  FROM finml.models m, jsonb_object_keys(m.metrics) k
 WHERE m.name = 'eval_oot' AND k NOT IN ('evaluated_on', 'train_seconds', 'memory_mb')
   AND k NOT IN (SELECT metric FROM fin_evaluate('eval_oot', 'eval_recent'));

-- The threshold: at 0 every row is predicted positive, so accuracy = positives / rows.
WITH e AS (SELECT metric, value FROM fin_evaluate('eval_oot', 'eval_recent', 0))
SELECT (SELECT value FROM e WHERE metric = 'recall') AS recall,
       (SELECT value FROM e WHERE metric = 'accuracy')
     = (SELECT value FROM e WHERE metric = 'positives') / (SELECT value FROM e WHERE metric = 'rows')
       AS accuracy_is_base_rate;

-- Confusion matrix: four cells, in the classes' own names, agreeing with fin_evaluate.
SELECT actual, predicted, count FROM fin_confusion('eval_oot', 'eval_recent', 0.5);
WITH c AS (SELECT * FROM fin_confusion('eval_oot', 'eval_recent', 0.5)),
     e AS (SELECT metric, value FROM fin_evaluate('eval_oot', 'eval_recent', 0.5))
SELECT (SELECT sum(count) FROM c) = (SELECT value FROM e WHERE metric = 'rows') AS all_rows,
       (SELECT sum(count) FROM c WHERE actual = predicted)::float8 / (SELECT sum(count) FROM c)
     = (SELECT value FROM e WHERE metric = 'accuracy') AS accuracy_agrees,
       (SELECT count FROM c WHERE actual = 'bad' AND predicted = 'bad')::float8
     / (SELECT sum(count) FROM c WHERE predicted = 'bad')
     = (SELECT value FROM e WHERE metric = 'precision') AS precision_agrees;
-- ... and counted directly from fin_predict.
SELECT count(*) FILTER (WHERE status = 'bad' AND fin_predict('eval_oot', r) >= 0.5) AS bad_predicted_bad,
       count(*) FILTER (WHERE status = 'good' AND fin_predict('eval_oot', r) >= 0.5) AS good_predicted_bad
  FROM eval_recent r;

-- ROC: bounded, from (0, 0) at +Infinity to (1, 1), never going back.
SELECT count(*) AS points, min(threshold) > 0 AS positive_thresholds FROM fin_roc('eval_oot', 'eval_recent');
SELECT threshold, tpr, fpr, precision FROM fin_roc('eval_oot', 'eval_recent', 5);
WITH r AS (SELECT *, row_number() OVER () AS k FROM fin_roc('eval_oot', 'eval_recent', 100000))
SELECT bool_and(tpr >= lag_tpr AND fpr >= lag_fpr AND threshold < lag_threshold) AS monotone
  FROM (SELECT *, lag(tpr) OVER (ORDER BY k) AS lag_tpr, lag(fpr) OVER (ORDER BY k) AS lag_fpr,
               lag(threshold) OVER (ORDER BY k) AS lag_threshold FROM r) s
 WHERE k > 1;
-- The trapezoidal area under the full curve is the AUC (Mann–Whitney, ties one half).
WITH r AS (SELECT *, row_number() OVER () AS k FROM fin_roc('eval_oot', 'eval_recent', 100000)),
     area AS (SELECT sum((fpr - lag_fpr) * (tpr + lag_tpr) / 2) AS auc
                FROM (SELECT fpr, tpr, lag(fpr) OVER (ORDER BY k) AS lag_fpr,
                             lag(tpr) OVER (ORDER BY k) AS lag_tpr FROM r) s
               WHERE lag_fpr IS NOT NULL)
SELECT abs(area.auc - e.value) < 1e-12 AS trapezoid_is_auc
  FROM area, fin_evaluate('eval_oot', 'eval_recent') e WHERE e.metric = 'auc';

-- Calibration: ten groups of equal size; their counts, events and predictions add up.
SELECT bin, round(mean_predicted::numeric, 4) AS mean_predicted,
       round(observed_rate::numeric, 4) AS observed_rate, count
  FROM fin_calibration('eval_oot', 'eval_recent');
WITH g AS (SELECT * FROM fin_calibration('eval_oot', 'eval_recent')),
     p AS (SELECT sum(fin_predict('eval_oot', r)) AS predicted,
                  count(*) FILTER (WHERE status = 'bad') AS bad, count(*) AS rows FROM eval_recent r)
SELECT (SELECT sum(count) FROM g) = p.rows AS counts_add_up,
       abs((SELECT sum(count * observed_rate) FROM g) - p.bad) < 1e-9 AS events_add_up,
       abs((SELECT sum(count * mean_predicted) FROM g) - p.predicted) < 1e-9 AS predictions_add_up
  FROM p;
-- Hosmer–Lemeshow recomputed from the groups: Σ (O − n·p̄)² / (n·p̄·(1 − p̄)).
WITH g AS (SELECT * FROM fin_calibration('eval_oot', 'eval_recent'))
SELECT abs((SELECT sum((count * observed_rate - count * mean_predicted)^2
                       / (count * mean_predicted * (1 - mean_predicted))) FROM g)
           - (SELECT value FROM fin_evaluate('eval_oot', 'eval_recent') WHERE metric = 'hosmer_lemeshow')) < 1e-9
       AS hosmer_lemeshow_agrees,
       (SELECT value BETWEEN 0 AND 1 FROM fin_evaluate('eval_oot', 'eval_recent') WHERE metric = 'hosmer_lemeshow_p')
       AS p_value_is_probability;
SELECT count(*) AS groups FROM fin_calibration('eval_oot', 'eval_recent', 4);

-- Boolean and 0/1 targets, and a pinned version: trained on every row (test_size 0), then
-- evaluated on every row, the stored metrics come back.
CREATE TABLE eval_flags AS
  SELECT a.*, a.status = 'bad' AS defaulted, (a.status = 'bad')::int AS default_flag FROM applications a;
SELECT version FROM fin_train('eval_bool', 'eval_flags', 'defaulted',
       options => '{"exclude": ["id", "status", "default_flag"], "test_size": 0}');
SELECT version FROM fin_train('eval_flag', 'eval_flags', 'default_flag',
       options => '{"exclude": ["id", "status", "defaulted"], "test_size": 0}');
SELECT m.name, count(*) AS metrics,
       bool_and(abs(e.value - (m.metrics->>e.metric)::float8) < 1e-12) AS same_as_stored
  FROM finml.models m, fin_evaluate(m.name || '@1', 'eval_flags') e
 WHERE m.name IN ('eval_bool', 'eval_flag') GROUP BY m.name ORDER BY m.name;
SELECT actual, predicted, count FROM fin_confusion('eval_bool', 'eval_flags') WHERE actual = predicted;
-- A scorecard is a classifier too.
SELECT metric FROM fin_evaluate('credit_card', 'applications') WHERE metric IN ('auc', 'ks');
-- Rows whose outcome is not known yet are left out.
CREATE TABLE eval_pending AS SELECT * FROM eval_flags;
UPDATE eval_pending SET defaulted = NULL WHERE id % 2 = 0;
SELECT value AS rows FROM fin_evaluate('eval_bool', 'eval_pending') WHERE metric = 'rows';

-- A regression: rmse, mae, r2 and rows, as SQL computes them from fin_predict.
SELECT version, task FROM fin_train('eval_price', 'applications', 'price',
       options => '{"exclude": ["id", "status"], "test_size": 0}');
SELECT metric FROM fin_evaluate('eval_price', 'applications');
WITH p AS (SELECT price, fin_predict('eval_price', a) AS predicted FROM applications a),
     e AS (SELECT metric, value FROM fin_evaluate('eval_price', 'applications'))
SELECT abs(sqrt(avg((predicted - price)^2)) - (SELECT value FROM e WHERE metric = 'rmse')) < 1e-6 AS rmse_agrees,
       abs(avg(abs(predicted - price)) - (SELECT value FROM e WHERE metric = 'mae')) < 1e-6 AS mae_agrees,
       abs(1 - sum((predicted - price)^2) / sum((price - (SELECT avg(price) FROM applications))^2)
           - (SELECT value FROM e WHERE metric = 'r2')) < 1e-9 AS r2_agrees
  FROM p;

-- Errors, each followed by its SQLSTATE.
\set VERBOSITY default
-- The outcome column is missing (42703).
CREATE VIEW eval_unlabelled AS SELECT id, seniority, home, time, age, marital, records, job,
       expenses, income, assets, debt, amount, price, app_date FROM eval_loans;
SELECT * FROM fin_evaluate('eval_oot', 'eval_unlabelled');
\echo :LAST_ERROR_SQLSTATE
-- A feature column is missing (42703).
CREATE VIEW eval_no_income AS SELECT id, status, seniority, home, time, age, marital, records,
       job, expenses, assets, debt, amount, price FROM applications;
SELECT * FROM fin_evaluate('eval_oot', 'eval_no_income');
\echo :LAST_ERROR_SQLSTATE
-- A threshold that is not a probability, bad bins and points (22023).
SELECT * FROM fin_evaluate('eval_oot', 'eval_recent', 1.5);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_confusion('eval_oot', 'eval_recent', 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_calibration('eval_oot', 'eval_recent', 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_roc('eval_oot', 'eval_recent', 1);
\echo :LAST_ERROR_SQLSTATE
-- Curves of a regression (42809).
SELECT * FROM fin_roc('eval_price', 'applications');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_calibration('eval_price', 'applications');
\echo :LAST_ERROR_SQLSTATE
-- No labelled rows (22000), one class only (22000).
CREATE TABLE eval_none AS SELECT * FROM eval_flags WHERE false;
SELECT * FROM fin_evaluate('eval_bool', 'eval_none');
\echo :LAST_ERROR_SQLSTATE
UPDATE eval_pending SET defaulted = NULL;
SELECT * FROM fin_evaluate('eval_bool', 'eval_pending');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE eval_good AS SELECT * FROM eval_flags WHERE NOT defaulted;
SELECT * FROM fin_roc('eval_bool', 'eval_good');
\echo :LAST_ERROR_SQLSTATE
SELECT metric FROM fin_evaluate('eval_bool', 'eval_good') WHERE metric IN ('auc', 'accuracy');
-- Fraud metrics and decisions. Average precision (PR-AUC, scikit-learn's definition, checked
-- against it in the models crate) is Σ over distinct probabilities p, highest first, of
-- (events at p / all events) × precision at p; precision and recall at the top k% flag the
-- ⌈k% · n⌉ highest rows and every row tied with the last; fin_threshold's cutoff is the one
-- of least cost over every distinct probability. All recomputed here in SQL (1e-12).
CREATE TEMP TABLE eval_scored AS
SELECT fin_predict('eval_oot', e) AS p, status = 'bad' AS event FROM eval_recent e;
WITH at_p AS (
  SELECT p, count(*) FILTER (WHERE event) AS events, count(*) AS n FROM eval_scored GROUP BY p
), running AS (
  SELECT p, events, sum(events) OVER w AS tp, sum(n) OVER w AS flagged
    FROM at_p WINDOW w AS (ORDER BY p DESC)
)
SELECT abs(sum(events::float8 / (SELECT count(*) FILTER (WHERE event) FROM eval_scored) * tp / flagged)
           - (SELECT value FROM fin_evaluate('eval_oot', 'eval_recent') WHERE metric = 'average_precision')) < 1e-12
       AS average_precision_formula
  FROM running;
WITH ranked AS (SELECT p, event, row_number() OVER (ORDER BY p DESC) AS r FROM eval_scored),
     cut AS (SELECT p FROM ranked WHERE r = ceil(0.01 * (SELECT count(*) FROM eval_scored))),
     flagged AS (SELECT * FROM eval_scored WHERE p >= (SELECT p FROM cut))
SELECT count(*) AS flagged,
       abs(avg(event::int) - (SELECT value FROM fin_evaluate('eval_oot', 'eval_recent', 0.5, '{"top_percent": [1, 5]}')
                              WHERE metric = 'precision_at_top_1pct')) < 1e-12 AS precision_top_1pct,
       abs(count(*) FILTER (WHERE event)::float8 / (SELECT count(*) FILTER (WHERE event) FROM eval_scored)
           - (SELECT value FROM fin_evaluate('eval_oot', 'eval_recent', 0.5, '{"top_percent": [1, 5]}')
               WHERE metric = 'recall_at_top_1pct')) < 1e-12 AS recall_top_1pct
  FROM flagged;
SELECT metric FROM fin_evaluate('eval_oot', 'eval_recent', 0.5, '{"top_percent": [1, 2.5]}') WHERE metric LIKE '%top%';
SELECT metric FROM fin_evaluate('eval_oot', 'eval_recent') WHERE metric LIKE '%top%';
-- A missed fraud costs 20, a false alarm 1.
WITH candidates AS (
  SELECT DISTINCT p AS cutoff FROM eval_scored UNION ALL SELECT 'infinity'::float8
), costs AS (
  SELECT cutoff, sum(CASE WHEN p >= cutoff AND NOT event THEN 1 WHEN p < cutoff AND event THEN 20 ELSE 0 END) AS cost
    FROM candidates, eval_scored GROUP BY cutoff
)
SELECT t.threshold = (SELECT cutoff FROM costs ORDER BY cost, cutoff DESC LIMIT 1) AS same_cutoff,
       abs(t.total_cost - (SELECT min(cost) FROM costs)) < 1e-9 AS same_cost,
       t.true_positives + t.false_negatives = (SELECT count(*) FILTER (WHERE event) FROM eval_scored) AS counts_add_up,
       abs(t.expected_cost - t.total_cost / (SELECT count(*) FROM eval_scored)) < 1e-12 AS per_row
  FROM fin_threshold('eval_oot', 'eval_recent', 1, 20) t;
-- When a missed event costs nothing, flagging nothing is cheapest (ties go to the higher
-- cutoff): the threshold is NULL.
SELECT threshold, true_positives, false_positives FROM fin_threshold('eval_oot', 'eval_recent', 1, 0);
SELECT * FROM fin_threshold('eval_oot', 'eval_recent', -1, 5);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_threshold('eval_price', 'applications', 1, 5);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_evaluate('eval_oot', 'eval_recent', 0.5, '{"top_percent": 0}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_evaluate('eval_oot', 'eval_recent', 0.5, '{"top": 5}');
\echo :LAST_ERROR_SQLSTATE
-- Semi-supervised training: outcomes known for one training row in five (and every test
-- row); self-training labels the unlabelled rows predicted beyond 0.9 round by round (its
-- agreement with scikit-learn's SelfTrainingClassifier is in models/tests/credit.rs). The
-- rounds and the rows each labelled are in the training log; metrics are on labelled test
-- rows only.
CREATE TABLE eval_semi AS
SELECT id, CASE WHEN app_date >= '2022-06-01' OR id % 5 = 0 THEN status END AS status,
       seniority, home, time, age, marital, records, job, expenses, income, assets, debt,
       amount, price, app_date
  FROM eval_loans;
ALTER TABLE eval_semi ADD PRIMARY KEY (id);
SELECT test_rows, metrics->>'evaluated_on' AS evaluated_on
  FROM fin_train('eval_semi', 'eval_semi', 'status',
       options => '{"positive": "bad", "exclude": ["id"], "split": {"column": "app_date", "test_from": "2022-06-01"},
                    "semi_supervised": {"method": "self_training", "threshold": 0.9}}');
SELECT count(*) AS rounds, sum(rows_added) > 1000 AS most_rows_labelled,
       (array_agg(rows_added ORDER BY epoch))[1] > 0 AS first_round_labels,
       bool_and(train_loss > 0) AS losses
  FROM finml.training_log WHERE model = 'eval_semi';
SELECT count(*) AS labelled_test_rows FROM eval_semi WHERE app_date >= '2022-06-01' AND status IS NOT NULL;
SELECT * FROM fin_train('bad', 'eval_semi', 'status', 'scorecard',
       options => '{"positive": "bad", "semi_supervised": {"method": "self_training"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'eval_semi', 'status',
       options => '{"positive": "bad", "semi_supervised": {"method": "self_training", "threshold": 0.3}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'eval_semi', 'status',
       options => '{"positive": "bad", "semi_supervised": {"method": "label_spreading"}}');
\echo :LAST_ERROR_SQLSTATE
-- A regression target of the wrong type (42804).
CREATE VIEW eval_price_as_text AS
  SELECT id, status, seniority, home, time, age, marital, records, job, expenses, income, assets,
         debt, amount, price::text AS price FROM applications;
SELECT * FROM fin_evaluate('eval_price', 'eval_price_as_text');
\echo :LAST_ERROR_SQLSTATE
-- No such model (42704); no such relation (42P01).
SELECT * FROM fin_evaluate('nope', 'applications');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_evaluate('eval_oot', 'no_such_table');
\echo :LAST_ERROR_SQLSTATE
-- More rows than finml.max_training_memory allows (54000).
SET finml.max_training_memory = '1MB';
CREATE TABLE eval_big AS SELECT e.* FROM eval_flags e, generate_series(1, 20);
SELECT * FROM fin_evaluate('eval_bool', 'eval_big');
\echo :LAST_ERROR_SQLSTATE
RESET finml.max_training_memory;
\i include/cleanup.sql
