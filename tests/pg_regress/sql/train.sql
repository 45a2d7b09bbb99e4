-- fin_train on the credit example: the issue's call, a stratified 70/30 split with seed 42
-- (the same rows as scikit-learn's train_test_split(stratify=y, random_state=42)).
-- Stands alone: it commits (a relation without a key written in the reading transaction
-- would be scanned in another order, and the models trained on it would differ in the last
-- digits), and cleans up at its end.
\i include/credit.sql
SELECT model, version, algorithm, task, train_rows, test_rows,
       round((metrics->>'auc')::numeric, 4) AS auc,
       round((metrics->>'ks')::numeric, 4) AS ks,
       round((metrics->>'gini')::numeric, 4) AS gini,
       (metrics->>'auc')::float8 >= 0.83 AS auc_at_least_0_83,
       metrics->>'evaluated_on' AS evaluated_on,
       (metrics->>'train_seconds')::float8 > 0 AS timed
  FROM fin_train('credit_risk', 'applications', 'status',
                 options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3, "seed": 42}');
-- Every metric the issue asks for is there.
SELECT array_agg(k ORDER BY k) AS metric_keys
  FROM finml.models m, jsonb_object_keys(m.metrics) k WHERE name = 'credit_risk';
SELECT name, version, algorithm, task, deployed, trained_by = current_user AS by_me,
       train_rows, test_rows, relation, target, features
  FROM finml.models;
-- Coefficients on the original scale with standard errors, z, p-values and odds ratios.
SELECT term, round(estimate::numeric, 4) AS estimate, round(std_error::numeric, 4) AS se,
       round(z::numeric, 2) AS z, p_value < 0.05 AS significant,
       round(odds_ratio::numeric, 4) AS odds_ratio
  FROM fin_coefficients('credit_risk') WHERE term IN ('(intercept)', 'seniority', 'records=yes', 'income');
-- odds_ratio = exp(estimate); p = erfc(|z|/sqrt 2) (two-sided Wald test)
SELECT bool_and(abs(odds_ratio - exp(estimate)) < 1e-9) AS odds_ok FROM fin_coefficients('credit_risk');

-- Training again creates version 2 and deploys it; "deploy": false keeps the current one.
SELECT version FROM fin_train('credit_risk', 'applications', 'status',
                              options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3}');
SELECT version FROM fin_train('credit_risk', 'applications', 'status',
                              options => '{"positive": "bad", "exclude": ["id"], "deploy": false}');
SELECT version, deployed FROM finml.models WHERE name = 'credit_risk';

-- An explicit feature list; every split kind; every imputation.
SELECT version, train_rows, test_rows FROM fin_train('small', 'applications', 'status',
       features => ARRAY['seniority', 'income', 'records'],
       options => '{"positive": "bad", "split": "random", "impute": "mean", "seed": 7}');
SELECT version, train_rows, test_rows FROM fin_train('small', 'applications', 'status',
       features => ARRAY['seniority', 'income', 'records'],
       options => '{"positive": "bad", "test_size": 0, "impute": "zero"}');
SELECT metrics->>'evaluated_on' AS evaluated_on FROM finml.models WHERE name = 'small' AND version = 2;

-- Out-of-time split: the rows at or after test_from are the test set.
CREATE TABLE loans AS
  SELECT a.*, date '2020-01-01' + (a.id % 1000) AS app_date FROM applications a;
SELECT train_rows, test_rows FROM fin_train('oot', 'loans', 'status',
       options => '{"positive": "bad", "exclude": ["id"], "split": {"column": "app_date", "test_from": "2022-06-01"}}');
SELECT count(*) FILTER (WHERE app_date >= '2022-06-01') AS expected_test_rows FROM loans;
-- The split column is not a feature.
SELECT 'app_date' = ANY (features) AS app_date_is_feature FROM finml.models WHERE name = 'oot';

-- Boolean and 0/1 integer targets; a numeric target with many values is a regression.
CREATE TABLE targets AS
  SELECT id, seniority, income, status = 'bad' AS bad_flag, (status = 'bad')::int AS bad01,
         amount::float8 AS amount
    FROM applications;
SELECT task, round((metrics->>'auc')::numeric, 4) AS auc
  FROM fin_train('flag', 'targets', 'bad_flag', features => ARRAY['seniority', 'income']);
SELECT task, round((metrics->>'auc')::numeric, 4) AS auc
  FROM fin_train('flag01', 'targets', 'bad01', features => ARRAY['seniority', 'income']);
SELECT algorithm, task, metrics ? 'rmse' AND metrics ? 'mae' AND metrics ? 'r2' AS regression_metrics
  FROM fin_train('amount', 'targets', 'amount', features => ARRAY['seniority', 'income']);
-- The same data through 'linear' explicitly gives the same model.
SELECT algorithm, round((metrics->>'r2')::numeric, 6) =
       (SELECT round((metrics->>'r2')::numeric, 6) FROM finml.models WHERE name = 'amount') AS same_r2
  FROM fin_train('amount_linear', 'targets', 'amount', 'linear', ARRAY['seniority', 'income']);
-- task override: a 0/1 column trained as a regression.
SELECT task FROM fin_train('bad_as_number', 'targets', 'bad01', features => ARRAY['income'],
                           options => '{"task": "regression"}');
\i include/cleanup.sql
