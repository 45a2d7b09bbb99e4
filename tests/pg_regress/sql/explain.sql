-- Explanations: fin_explain and fin_importance. Reference: the exact additive decomposition
-- of the linear predictor, baseline + Σ contributions = ln(p / (1 − p)) (tolerance 1e-9), and
-- for a numeric feature contribution = coefficient × (value − training mean) (fin_coefficients
-- and avg() over the training rows).
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
\i include/credit_card.sql
SELECT version FROM fin_train('explain_risk', 'applications', 'status',
       options => '{"positive": "bad", "exclude": ["id"], "test_size": 0}');

-- One applicant: the baseline, the five largest contributions, the rest summed.
SELECT feature, value, round(contribution::numeric, 4) AS contribution
  FROM fin_explain('explain_risk', (SELECT a FROM applications a WHERE id = 7));
-- Called in the select list, the same rows for every applicant (they are written in one
-- piece, materialize mode, wherever the executor calls it).
SELECT count(*) AS rows,
       count(*) - (SELECT count(*) FROM applications a, fin_explain('explain_risk', a) e) AS differ
  FROM (SELECT a.id, (fin_explain('explain_risk', a)).* FROM applications a
        INTERSECT ALL
        SELECT a.id, e.* FROM applications a, fin_explain('explain_risk', a) e) same;
-- The rows sum to the log-odds, for every applicant, whatever top_k.
SELECT count(*) AS applicants,
       max(abs(e3.total - ln(p / (1 - p)))) < 1e-9 AS top3_sums_to_log_odds,
       max(abs(e_all.total - ln(p / (1 - p)))) < 1e-9 AS all_sum_to_log_odds
  FROM applications a,
       LATERAL (SELECT fin_predict('explain_risk', a) AS p) q,
       LATERAL (SELECT sum(contribution) AS total FROM fin_explain('explain_risk', a, 3)) e3,
       LATERAL (SELECT sum(contribution) AS total FROM fin_explain('explain_risk', a, 100)) e_all;
-- With top_k at least the number of features, every feature appears once and nothing is
-- summed; features come by decreasing |contribution|.
SELECT count(*) AS rows, count(*) FILTER (WHERE feature = '(other features)') AS others
  FROM fin_explain('explain_risk', (SELECT a FROM applications a WHERE id = 7), 100);
SELECT bool_and(abs(contribution) <= previous) AS ranked
  FROM (SELECT contribution, lag(abs(contribution)) OVER (ORDER BY k) AS previous
          FROM fin_explain('explain_risk', (SELECT a FROM applications a WHERE id = 7), 100)
               WITH ORDINALITY AS e(feature, value, contribution, k)
         WHERE feature NOT LIKE '(%') s
 WHERE previous IS NOT NULL;
-- The baseline is the same for everyone: the linear predictor at the training mean.
SELECT count(DISTINCT round(contribution::numeric, 12)) AS baselines
  FROM applications a, fin_explain('explain_risk', a) e WHERE e.feature = '(baseline)';
-- A numeric feature without NULLs: coefficient × (value − training mean).
SELECT max(abs(e.contribution - c.estimate * (a.seniority - m.mean))) < 1e-9 AS seniority_exact
  FROM applications a,
       (SELECT avg(seniority) AS mean FROM applications) m,
       (SELECT estimate FROM fin_coefficients('explain_risk') WHERE term = 'seniority') c,
       fin_explain('explain_risk', a, 100) e
 WHERE e.feature = 'seniority';
-- Contributions average zero over the training rows; their spread is the importance.
WITH c AS (SELECT e.feature, e.contribution
             FROM applications a, fin_explain('explain_risk', a, 100) e
            WHERE e.feature NOT LIKE '(%')
SELECT count(*) AS features,
       bool_and(abs(c.mean) < 1e-9) AS centred,
       bool_and(abs(c.sd - i.importance) < 1e-9) AS importance_is_sd
  FROM (SELECT feature, avg(contribution) AS mean, stddev_pop(contribution) AS sd
          FROM c GROUP BY feature) c
  JOIN fin_importance('explain_risk') i USING (feature);
SELECT feature, round(importance::numeric, 4) AS importance FROM fin_importance('explain_risk');
-- A row with NULLs and a level never seen in training explains too.
SELECT feature, value FROM fin_explain('explain_risk',
       (SELECT t FROM (SELECT a.id, a.status, NULL::int AS seniority, 'castle'::text AS home,
               a.time, a.age, a.marital, a.records, a.job, a.expenses, NULL::numeric AS income,
               a.assets, a.debt, a.amount, a.price FROM applications a WHERE id = 7) t), 100)
 WHERE feature IN ('seniority', 'home', 'income') ORDER BY feature;

-- A scorecard explains on the log-odds of its probability as well.
SELECT count(*) AS applicants,
       max(abs(e.total - ln(p / (1 - p)))) < 1e-9 AS card_sums_to_log_odds
  FROM applications a,
       LATERAL (SELECT fin_predict('credit_card', a) AS p) q,
       LATERAL (SELECT sum(contribution) AS total FROM fin_explain('credit_card', a)) e;
-- A regression explains its predicted value (prices are in the thousands: tolerance 1e-6).
SELECT version FROM fin_train('explain_price', 'applications', 'price',
       options => '{"exclude": ["id", "status"], "test_size": 0}');
SELECT max(abs(e.total - fin_predict('explain_price', a))) < 1e-6 AS sums_to_prediction
  FROM applications a,
       LATERAL (SELECT sum(contribution) AS total FROM fin_explain('explain_price', a, 2)) e;

-- Errors, each followed by its SQLSTATE.
\set VERBOSITY default
SELECT * FROM fin_explain('explain_risk', (SELECT a FROM applications a WHERE id = 7), 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_explain('explain_risk', (SELECT t FROM (SELECT 1 AS seniority) t));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_importance('nope');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
