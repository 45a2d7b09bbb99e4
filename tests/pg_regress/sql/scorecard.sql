-- Credit scorecards on the credit example: WoE binning, points, reason codes, stability.
-- The same stratified 70/30 split with seed 42 as the logistic model, on which optbinning's
-- scorecard reaches test AUC 0.853 (models/tests/reference/credit_scorecard.py).
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
\i include/credit_risk.sql
SELECT model, version, algorithm, task, train_rows, test_rows,
       round((metrics->>'auc')::numeric, 4) AS auc,
       round((metrics->>'ks')::numeric, 4) AS ks,
       round((metrics->>'gini')::numeric, 4) AS gini,
       (metrics->>'auc')::float8 >= 0.84 AS auc_at_least_0_84
  FROM fin_train('credit_card', 'applications', 'status', 'scorecard',
                 options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3, "seed": 42}');

-- The printed scorecard for two characteristics (bins in order, the NULL bin last).
SELECT feature, bin, lower, upper, count, round(event_rate::numeric, 4) AS event_rate,
       round(woe::numeric, 4) AS woe, round(iv::numeric, 4) AS iv, points
  FROM fin_scorecard('credit_card') WHERE feature IN ('income', 'home');
-- Information value per characteristic, strongest first.
SELECT feature, round(sum(iv)::numeric, 4) AS iv, count(*) - 1 AS value_bins
  FROM fin_scorecard('credit_card') GROUP BY feature ORDER BY sum(iv) DESC;
-- Each characteristic's bins hold every training row once.
SELECT feature, sum(count) AS rows FROM fin_scorecard('credit_card')
 GROUP BY feature HAVING sum(count) <> 3117;
-- WoE and IV recomputed here from the counts (DESIGN.md: WoE_i = ln((good_i/G)/(bad_i/B)),
-- IV_i = (good_i/G - bad_i/B)·WoE_i), for bins with both classes; tolerance 1e-9.
WITH bins AS (
  SELECT feature, bin, woe, iv, count * event_rate AS bad, count * (1 - event_rate) AS good
    FROM fin_scorecard('credit_card') WHERE count > 0),
totals AS (SELECT feature, sum(good) AS g, sum(bad) AS b FROM bins GROUP BY feature)
SELECT count(*) AS bins_checked,
       bool_and(abs(woe - ln((good / g) / (bad / b))) < 1e-9) AS woe_ok,
       bool_and(abs(iv - (good / g - bad / b) * ln((good / g) / (bad / b))) < 1e-9) AS iv_ok
  FROM bins JOIN totals USING (feature) WHERE good > 0 AND bad > 0;
-- Numeric bins have monotonic event rates (ascending or descending per characteristic).
WITH rates AS (
  SELECT feature, event_rate - lag(event_rate) OVER (PARTITION BY feature ORDER BY lower) AS step
    FROM fin_scorecard('credit_card') WHERE lower IS NOT NULL)
SELECT feature FROM rates GROUP BY feature
HAVING NOT (bool_and(step > 0 OR step IS NULL) OR bool_and(step < 0 OR step IS NULL));
-- The regression on WoE: every coefficient negative (more WoE, less risk).
SELECT term, round(estimate::numeric, 4) AS estimate, estimate < 0 AS negative
  FROM fin_coefficients('credit_card') WHERE term <> '(intercept)';
-- The stored model is format version 2 (scorecards); logistic models stay version 1.
SELECT name, get_byte(model, 8) AS format_version
  FROM finml.model_versions WHERE version = 1 AND name IN ('credit_risk', 'credit_card') ORDER BY 1;

-- Scores are integers, one per applicant.
SELECT pg_typeof(fin_score('credit_card', a)) AS type, count(*) AS applicants,
       min(fin_score('credit_card', a)) AS lowest, max(fin_score('credit_card', a)) AS highest
  FROM applications a GROUP BY 1;
-- fin_predict on a scorecard is the probability of default; the score is
-- Offset + Factor·ln((1-p)/p) with Factor = 20/ln 2, Offset = 600 - Factor·ln 50, up to the
-- rounding of each characteristic's points (at most 0.5 each).
WITH s AS (
  SELECT fin_score('credit_card', a) AS score, fin_predict('credit_card', a) AS p
    FROM applications a),
k AS (SELECT 20 / ln(2) AS factor,
             (SELECT count(DISTINCT feature) FROM fin_scorecard('credit_card')) AS n)
SELECT bool_and(p > 0 AND p < 1) AS probabilities,
       bool_and(abs(score - (600 - factor * ln(50) + factor * ln((1 - p) / p))) <= 0.5 * n)
         AS score_matches_probability,
       corr(score, p) < -0.9 AS higher_score_lower_risk
  FROM s, k;

-- Reason codes for the applicant with the lowest score (a rejected one).
SELECT id, status, fin_score('credit_card', a) AS score,
       round(fin_predict('credit_card', a)::numeric, 4) AS p_default
  FROM applications a ORDER BY fin_score('credit_card', a), id LIMIT 1;
SELECT r.* FROM applications a, fin_reason_codes('credit_card', a) r
 WHERE a.id = (SELECT id FROM applications a ORDER BY fin_score('credit_card', a), id LIMIT 1);
-- Called in the select list, the same reasons for every applicant (the rows are written in
-- one piece, materialize mode, wherever the executor calls it).
SELECT count(*) AS reasons,
       count(*) - (SELECT count(*) FROM applications a, fin_reason_codes('credit_card', a) r) AS differ
  FROM (SELECT a.id, (fin_reason_codes('credit_card', a)).* FROM applications a
        INTERSECT ALL
        SELECT a.id, r.* FROM applications a, fin_reason_codes('credit_card', a) r) same;
-- Against the training average instead of the best bin.
SELECT r.* FROM applications a, fin_reason_codes('credit_card', a, 3, 'average') r
 WHERE a.id = (SELECT id FROM applications a ORDER BY fin_score('credit_card', a), id LIMIT 1);
-- For every applicant: at most 4 reasons, ranked 1..k by points lost (ties in a fixed
-- order), and all points lost add up to the best attainable score minus the score.
WITH best AS (
  SELECT sum(top) AS best_score
    FROM (SELECT max(points) AS top FROM fin_scorecard('credit_card') WHERE count > 0
          GROUP BY feature) t),
per AS (
  SELECT a.id, fin_score('credit_card', a) AS score,
         (SELECT coalesce(sum(points_lost), 0) FROM fin_reason_codes('credit_card', a, 100)) AS lost,
         (SELECT count(*) FROM fin_reason_codes('credit_card', a)) AS reasons,
         (SELECT bool_and(rank = ord AND points_lost >= coalesce(next_lost, 0))
            FROM (SELECT rank, points_lost, row_number() OVER () AS ord,
                         lead(points_lost) OVER () AS next_lost
                    FROM fin_reason_codes('credit_card', a, 100)) r) AS ordered
    FROM applications a)
SELECT count(*) AS applicants,
       count(*) FILTER (WHERE score + lost = best_score) AS lost_adds_up,
       max(reasons) AS most_reasons,
       bool_and(coalesce(ordered, true)) AS ranked
  FROM per, best;
-- Stable: the same applicant gets the same reasons, call after call.
SELECT count(*) AS differing FROM applications a
 WHERE ARRAY(SELECT r FROM fin_reason_codes('credit_card', a) r)
    IS DISTINCT FROM ARRAY(SELECT r FROM fin_reason_codes('credit_card', a) r);

-- Scores and reason codes in parallel workers equal the leader's.
CREATE TABLE leader_scores AS
  SELECT id, fin_score('credit_card', a) AS score,
         ARRAY(SELECT r FROM fin_reason_codes('credit_card', a) r)::text AS reasons
    FROM applications a;
-- PostgreSQL 16 renamed force_parallel_mode to debug_parallel_query.
SELECT CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 'debug_parallel_query'
            ELSE 'force_parallel_mode' END AS parallel_setting \gset
SET :parallel_setting = on;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE fin_score('credit_card', a) IS DISTINCT FROM l.score) AS different,
       count(*) FILTER (WHERE ARRAY(SELECT r FROM fin_reason_codes('credit_card', a) r)::text
                              IS DISTINCT FROM l.reasons) AS different_reasons
  FROM applications a JOIN leader_scores l USING (id);
RESET :parallel_setting;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
-- Volatility and parallel safety of the scorecard functions.
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args, p.provolatile, p.proisstrict, p.proparallel
  FROM pg_proc p WHERE p.proname IN ('fin_score', 'fin_reason_codes', 'fin_scorecard', 'fin_psi') ORDER BY 1;

-- Population stability. Trained on every row, the scorecard sees the training data itself:
-- PSI 0 for the score and every characteristic.
SELECT version, train_rows, test_rows FROM fin_train('credit_card_all', 'applications', 'status',
  'scorecard', options => '{"positive": "bad", "exclude": ["id"], "test_size": 0}');
SELECT feature, psi, status FROM fin_psi('credit_card_all', 'applications');
-- The 70/30 scorecard against all applications: close to its training split.
SELECT feature, round(psi::numeric, 4) AS psi, status
  FROM fin_psi('credit_card', 'applications') WHERE feature IN ('(score)', 'income', 'age');
-- A shifted population: young applicants only.
CREATE VIEW young_applicants AS SELECT * FROM applications WHERE age < 30;
SELECT feature, round(psi::numeric, 4) AS psi, status
  FROM fin_psi('credit_card', 'young_applicants') WHERE feature IN ('(score)', 'age', 'home');

-- Options shape the card. A trend per characteristic (amount: riskier as it grows), at most
-- 4 bins, a stricter min_iv, and another scaling: 500 points at odds 20:1, 40 points to double
-- the odds, unrounded points. The score is then exactly Offset + Factor·ln((1-p)/p) with
-- Factor = 40/ln 2 and Offset = 500 - Factor·ln 20, up to fin_score's final rounding (0.5).
SELECT version FROM fin_train('card_pdo40', 'applications', 'status', 'scorecard',
  options => '{"positive": "bad", "exclude": ["id"], "pdo": 40, "base_score": 500, "base_odds": 20,
               "round": false, "max_bins": 4, "min_iv": 0.1,
               "monotonic": {"amount": "ascending", "seniority": "descending"}}');
SELECT feature, count(*) - 1 AS value_bins, round(sum(iv)::numeric, 4) AS iv,
       min(points) AS min_points, max(points) AS max_points
  FROM fin_scorecard('card_pdo40') GROUP BY feature ORDER BY 1;
SELECT bin, round(event_rate::numeric, 4) AS event_rate FROM fin_scorecard('card_pdo40')
 WHERE feature = 'amount';
SELECT bool_and(abs(fin_score('card_pdo40', a)
                    - (500 - 40 / ln(2) * ln(20) + 40 / ln(2) * ln((1 - p) / p))) <= 0.5) AS exact
  FROM applications a, LATERAL (SELECT fin_predict('card_pdo40', a) AS p) q;

-- Controls modellers require: special codes with bins of their own (a missing income coded
-- -9999), fixed cut points (checked against the trend), and a least number of events per
-- optimized bin. The special bin holds exactly the coded rows of the training split; the
-- fixed cuts are the bins; the scorecard as SQL still reproduces every score.
CREATE TABLE coded AS
SELECT id, status, seniority, home, time, age, marital, records, job, expenses,
       coalesce(income, -9999) AS income, assets, debt, amount, price
  FROM applications;
ALTER TABLE coded ADD PRIMARY KEY (id);
SELECT version FROM fin_train('card_controls', 'coded', 'status', 'scorecard',
  options => '{"positive": "bad", "exclude": ["id"], "test_size": 0, "min_iv": 0,
               "special_codes": {"income": [-9999]}, "user_splits": {"amount": [1000, 2000]},
               "min_bin_events": 30}');
SELECT bin, lower, upper, count, round(event_rate::numeric, 4) AS event_rate
  FROM fin_scorecard('card_controls') WHERE feature IN ('amount', 'income') AND (feature = 'amount' OR bin NOT LIKE '[%');
SELECT count(*) AS coded_rows, avg((status = 'bad')::int)::numeric(6, 4) AS event_rate
  FROM coded WHERE income = -9999;
SELECT bool_and(round(count * event_rate) >= 30) AS every_optimized_bin_30_events
  FROM fin_scorecard('card_controls')
 WHERE feature NOT IN ('amount') AND bin NOT LIKE 'special%' AND bin <> '(missing)' AND count > 0;
SELECT fin_model_sql('card_controls', 'score') AS controls_sql \gset
SELECT count(*) AS rows, count(*) FILTER (WHERE fin_score('card_controls', c) <> (:controls_sql)) AS differ
  FROM coded c;
SELECT (fin_export('card_controls')->>'model_format_version')::int AS model_format_version,
       (fin_export('credit_card')->>'model_format_version')::int AS without_codes;
SELECT * FROM fin_train('bad', 'coded', 'status', 'scorecard',
  options => '{"positive": "bad", "user_splits": {"amount": [1000, 2000]}, "monotonic": {"amount": "descending"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'coded', 'status', 'scorecard',
  options => '{"positive": "bad", "user_splits": {"amount": [2000, 1000]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'coded', 'status', 'scorecard',
  options => '{"positive": "bad", "special_codes": {"home": [1]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'coded', 'status', 'scorecard',
  options => '{"positive": "bad", "special_codes": {"salary": [-1]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'coded', 'status', 'scorecard',
  options => '{"positive": "bad", "min_bin_events": 0}');
\echo :LAST_ERROR_SQLSTATE

-- Weighted fits (rare-event portfolios): class_weight and a weight_column, for logistic
-- regression and scorecards (the weighted logistic regression matches scikit-learn's
-- LogisticRegression(class_weight=..., sample_weight=...) in models/tests/credit.rs).
-- Class weights cancel in a bin's WoE, so a class-weighted scorecard has the same bins and
-- WoE and another intercept; a weight column changes the WoE itself.
CREATE TABLE weighted AS SELECT a.*, CASE WHEN amount > 1500 THEN 2.0 ELSE 1.0 END AS w FROM applications a;
ALTER TABLE weighted ADD PRIMARY KEY (id);
SET client_min_messages = warning;
SELECT version FROM fin_train('card_plain', 'weighted', 'status', 'scorecard',
  options => '{"positive": "bad", "exclude": ["id", "w"], "test_size": 0.3, "seed": 42}');
SELECT version FROM fin_train('card_balanced', 'weighted', 'status', 'scorecard',
  options => '{"positive": "bad", "exclude": ["id", "w"], "test_size": 0.3, "seed": 42, "class_weight": "balanced"}');
SELECT version FROM fin_train('card_w', 'weighted', 'status', 'scorecard',
  options => '{"positive": "bad", "exclude": ["id"], "test_size": 0.3, "seed": 42, "weight_column": "w"}');
SELECT version FROM fin_train('risk_w', 'weighted', 'status',
  options => '{"positive": "bad", "exclude": ["id"], "weight_column": "w", "class_weight": {"1": 3}}');
RESET client_min_messages;
SELECT count(*) AS bins,
       bool_and(p.bin = b.bin AND abs(p.woe - b.woe) < 1e-12) AS same_bins_and_woe
  FROM fin_scorecard('card_plain') p JOIN fin_scorecard('card_balanced') b USING (feature, bin);
SELECT round(p.estimate::numeric, 3) AS plain_intercept, round(b.estimate::numeric, 3) AS balanced_intercept
  FROM fin_coefficients('card_plain') p JOIN fin_coefficients('card_balanced') b USING (term)
 WHERE term = '(intercept)';
SELECT count(*) FILTER (WHERE abs(p.woe - w.woe) > 1e-9) > 0 AS weight_column_moves_woe,
       bool_and(p.count = w.count) FILTER (WHERE p.bin = w.bin) AS bins_count_rows
  FROM fin_scorecard('card_plain') p JOIN fin_scorecard('card_w') w USING (feature, bin);
SELECT features @> ARRAY['amount'] AND NOT features @> ARRAY['w'] AS w_is_not_a_feature,
       options->>'weight_column' AS weight_column
  FROM finml.models WHERE name = 'risk_w';
-- Bad weights and misplaced options: 22000, 42804, 22023.
UPDATE weighted SET w = -1 WHERE id = 7;
SELECT * FROM fin_train('bad', 'weighted', 'status', options => '{"positive": "bad", "weight_column": "w"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'weighted', 'status', options => '{"positive": "bad", "weight_column": "home"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'weighted', 'price', options => '{"exclude": ["status"], "weight_column": "id"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'weighted', 'price', options => '{"exclude": ["status"], "class_weight": "balanced"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'weighted', 'status', 'mlp', options => '{"positive": "bad", "weight_column": "id"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'weighted', 'status', options => '{"positive": "bad", "class_weight": {"1": -2}}');
\echo :LAST_ERROR_SQLSTATE

-- Mistakes get clear errors.
SELECT fin_score('credit_risk', a) FROM applications a LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_scorecard('credit_risk');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_reason_codes('credit_card', (SELECT a FROM applications a LIMIT 1), 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_reason_codes('credit_card', (SELECT a FROM applications a LIMIT 1), 4, 'worst');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_score('no_such_card', a) FROM applications a LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
SELECT fin_score('credit_card', ROW(1, 2));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_score('credit_card', t) FROM (SELECT 'x'::text AS seniority, a.home, a.time, a.age,
  a.marital, a.records, a.job, a.expenses, a.income, a.assets, a.debt, a.amount, a.price
  FROM applications a LIMIT 1) t;
\echo :LAST_ERROR_SQLSTATE
SELECT fin_predict('credit_card', ARRAY[1.0, 2.0]);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE no_income AS SELECT id, seniority, home FROM applications;
SELECT * FROM fin_psi('credit_card', 'no_income');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE text_income AS SELECT seniority, home, time, age, marital, records, job, expenses,
  income::text AS income, assets, debt, amount, price FROM applications;
SELECT * FROM fin_psi('credit_card', 'text_income');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE no_applications AS SELECT * FROM applications WHERE false;
SELECT * FROM fin_psi('credit_card', 'no_applications');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'applications', 'status', 'scorecard',
  options => '{"positive": "bad", "impute": "mean"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'applications', 'status', 'logistic',
  options => '{"positive": "bad", "pdo": 20}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'applications', 'amount', 'scorecard', options => '{"exclude": ["id"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'applications', 'status', 'scorecard',
  options => '{"positive": "bad", "exclude": ["id"], "min_iv": 5}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'applications', 'status', 'scorecard',
  options => '{"positive": "bad", "max_bins": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'applications', 'status', 'scorecard',
  options => '{"positive": "bad", "monotonic": "sideways"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'applications', 'status', 'scorecard',
  options => '{"positive": "bad", "min_bin_size": 0.9}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'applications', 'status', 'scorecard',
  options => '{"positive": "bad", "monotonic": {"salary": "ascending"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'applications', 'status', 'scorecard',
  options => '{"positive": "bad", "monotonic": {"home": "ascending"}}');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
