-- The credit example (make demo): train a credit-risk model on "applications" and use it.
\pset footer off
CREATE EXTENSION IF NOT EXISTS finml;

\echo
\echo '== fin_train: logistic regression, stratified 70/30 split, seed 42'
SELECT model, version, algorithm, task, train_rows, test_rows
  FROM fin_train('credit_risk', 'applications', 'status',
                 options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3, "seed": 42}');

\echo '== test metrics (stored with the model)'
SELECT key AS metric, round(value::text::numeric, 4) AS value
  FROM finml.models, jsonb_each(metrics)
 WHERE name = 'credit_risk' AND deployed AND jsonb_typeof(value) = 'number'
 ORDER BY key;

\echo '== fin_predict: probability of "bad" for the first applications (row form)'
SELECT id, status, round(fin_predict('credit_risk', a)::numeric, 3) AS p_bad
  FROM applications a ORDER BY id LIMIT 8;

\echo '== the riskiest current applicants'
SELECT id, age, income, amount, records, job, round(fin_predict('credit_risk', a)::numeric, 3) AS p_bad
  FROM applications a ORDER BY fin_predict('credit_risk', a) DESC LIMIT 5;

\echo '== coefficients (original units), standard errors and odds ratios'
SELECT term, round(estimate::numeric, 5) AS estimate, round(std_error::numeric, 5) AS std_error,
       round(z::numeric, 2) AS z, round(p_value::numeric, 4) AS p_value,
       round(odds_ratio::numeric, 4) AS odds_ratio
  FROM fin_coefficients('credit_risk') ORDER BY abs(z) DESC NULLS LAST LIMIT 10;

\echo '== the catalog: finml.models'
SELECT name, version, algorithm, task, deployed, trained_by, train_rows, test_rows
  FROM finml.models;
