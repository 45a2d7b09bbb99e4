-- Survival models (issue 40): Cox proportional hazards on the Rossi recidivism data that
-- lifelines ships (models/tests/reference/rossi.csv, 432 people released from prison: week =
-- weeks to re-arrest or to the end of the year, arrest = 1 when re-arrested, entry = an added
-- left-truncation column). Reference: lifelines 0.30.3's CoxPHFitter() on the same rows
-- (models/tests/reference/cox_rossi.json, written by cox_rossi.py): coefficients fin -0.3794,
-- age -0.0574, race 0.3139, wexp -0.1498, mar -0.4337, paro -0.0849, prio 0.0915, standard
-- errors 0.1914 0.0220 0.3080 0.2122 0.3819 0.1958 0.0286 (4 decimals), concordance 0.6403;
-- the first row's survival at week 12 is 0.9545 and at week 52 0.7157.
-- Also: fin_pd and fin_pd_curve, fin_model_sql, the stored form through export and import,
-- and every error of the survival target and horizons.
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\getenv suite FINML_SUITE
\set VERBOSITY default
\set ECHO none
SET client_min_messages = warning;
CREATE EXTENSION finml;
\set ECHO all
CREATE TEMP TABLE rossi (week int, arrest int, fin int, age int, race int, wexp int, mar int,
                         paro int, prio int, entry int);
\set file :suite '/data/rossi.csv'
\set copy_cmd '\\copy rossi FROM ' :'file' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
ALTER TABLE rossi ADD COLUMN id serial PRIMARY KEY;
SELECT count(*) AS people, sum(arrest) AS arrests FROM rossi;

-- Every row trains (test_size 0), as lifelines fits them; fin_predict is the PD by week 52.
SELECT model, algorithm, task, train_rows,
       round((metrics->>'train_concordance')::numeric, 4) AS concordance
  FROM fin_train('recidivism', 'rossi', 'arrest', 'cox',
                 options => '{"duration": "week", "exclude": ["id", "entry"], "test_size": 0,
                              "horizon": 52}');
SELECT term, round(estimate::numeric, 4) AS estimate, round(std_error::numeric, 4) AS std_error,
       round(odds_ratio::numeric, 4) AS hazard_ratio
  FROM fin_coefficients('recidivism');
SELECT round(s.survival::numeric, 4) AS survival, s.period
  FROM rossi r, fin_pd_curve('recidivism', r, 52) s
 WHERE r.id = 1 AND s.period IN (12, 52) ORDER BY s.period;
-- The curve's hazards chain into its survival, and fin_pd and fin_predict read the same curve.
SELECT abs(exp(sum(ln(1 - hazard))) - min(survival)) < 1e-12 AS chained,
       bool_and(cumulative_pd BETWEEN 0 AND 1) AS probabilities
  FROM rossi r, fin_pd_curve('recidivism', r, 52) WHERE r.id = 2;
SELECT count(*) FILTER (WHERE abs(fin_pd('recidivism', r, 52) - fin_predict('recidivism', r)) < 1e-12) AS pd_is_predict,
       count(*) FILTER (WHERE fin_pd('recidivism', r, 12) <= fin_pd('recidivism', r, 52)) AS pd_grows
  FROM rossi r;
-- Past the last week seen in training the curve is flat.
SELECT count(DISTINCT round(cumulative_pd::numeric, 12)) AS distinct_pd_after_52
  FROM rossi r, fin_pd_curve('recidivism', r, 60) WHERE r.id = 1 AND period >= 52;
-- fin_model_sql is the PD by the horizon, equal to fin_predict.
SELECT fin_model_sql('recidivism') AS cox_sql \gset
SELECT count(*) FILTER (WHERE abs(fin_predict('recidivism', r) - (:cox_sql)) > 1e-9) AS sql_differs
  FROM rossi r;

-- Monitoring: the PSI of the PD at the horizon ('(score)') and of each feature, on the
-- training rows (stable) and on a population with more prior convictions (the PD shifts).
SELECT feature, psi < 0.01 AS stable FROM fin_psi('recidivism', 'rossi')
 WHERE feature IN ('(score)', 'prio') ORDER BY feature;
CREATE TEMP TABLE reoffenders AS SELECT * FROM rossi WHERE prio >= 3;
SELECT feature, psi > 0.1 AS shifted FROM fin_psi('recidivism', 'reoffenders')
 WHERE feature IN ('(score)', 'prio') ORDER BY feature;

-- The model report's survival section: Kaplan-Meier against the predicted cumulative PD.
SELECT strpos(fin_report('recidivism'), 'Survival on the train rows') > 0 AS survival_section,
       strpos(fin_report('recidivism'), 'Kaplan-Meier PD') > 0 AS survival_table;

-- Held out (a stratified 80/20 split): concordance, the AUC by week 26, the arrests, and the PD by
-- week 26 against Kaplan-Meier.
SELECT (metrics->>'concordance')::float8 BETWEEN 0.55 AND 0.8 AS concordance_ok,
       (metrics->>'auc_at_horizon')::float8 BETWEEN 0.55 AND 0.85 AS auc_at_26_ok,
       (metrics->>'events')::float8 AS held_out_arrests,
       abs((metrics->>'predicted_pd')::float8 - (metrics->>'observed_pd')::float8) < 0.05 AS calibrated,
       metrics->>'evaluated_on' AS evaluated_on
  FROM fin_train('recidivism_split', 'rossi', 'arrest', 'cox',
                 options => '{"duration": "week", "exclude": ["id", "entry"], "horizon": 26}');
-- Loans already on the book: left truncation at each row's entry week (lifelines' CoxPHFitter
-- with entry_col: fin -0.3747, prio 0.0902).
SELECT term, round(estimate::numeric, 4) AS estimate
  FROM fin_coefficients((SELECT 'recidivism_entry' FROM fin_train('recidivism_entry', 'rossi',
       'arrest', 'cox', options => '{"duration": "week", "entry": "entry", "exclude": ["id"],
       "test_size": 0}'))) WHERE term IN ('fin', 'prio');

-- Expected credit loss on a small book of six of these people as loans (weekly periods, so
-- 52 a year): the hand computation below takes each loan's curve from fin_pd_curve and sums
-- marginal PD × LGD × EAD × (1 + EIR)^(−t/52) in SQL, over 52 weeks and over the remaining term.
CREATE TEMP TABLE book AS
  SELECT id AS loan_id, fin, age, race, wexp, mar, paro, prio,
         1000.0 * id AS ead, 0.45 AS lgd, 0.05 AS eir, 20 * id AS remaining_weeks,
         (ARRAY[0.9, 0.5, 0.5, 0.01, 0.5, 0.9])[id] AS pd_at_origination,
         (ARRAY[0, 45, 0, 0, 95, 10])[id] AS dpd,
         id = 3 AS defaulted
    FROM rossi WHERE id <= 6;
ALTER TABLE book ADD PRIMARY KEY (loan_id);
\set ecl_options '{"ead": "ead", "lgd": "lgd", "eir": "eir", "remaining_term": "remaining_weeks", "origination_pd": "pd_at_origination", "days_past_due": "dpd", "in_default": "defaulted", "periods_per_year": 52}'
CREATE TEMP TABLE hand AS
  WITH curve AS (
    SELECT b.loan_id, c.period, c.survival,
           lag(c.survival, 1, 1.0) OVER (PARTITION BY b.loan_id ORDER BY c.period) AS before
      FROM book b, fin_pd_curve('recidivism', b, b.remaining_weeks) c)
  SELECT loan_id,
         sum((before - survival) * lgd * ead * (1 + eir) ^ (-period / 52.0))
           FILTER (WHERE period <= 52) AS ecl_12m,
         sum((before - survival) * lgd * ead * (1 + eir) ^ (-period / 52.0)) AS ecl_lifetime,
         1 - min(survival) AS pd_lifetime, lgd * ead AS defaulted_loss
    FROM curve JOIN book USING (loan_id) GROUP BY loan_id, lgd, ead;
SELECT e.loan, e.stage, round(e.pd_12m::numeric, 4) AS pd_12m,
       round(e.pd_lifetime::numeric, 4) AS pd_lifetime, e.ead, round(e.ecl::numeric, 2) AS ecl,
       abs(e.ecl_12m - h.ecl_12m) < 1e-9 AND abs(e.ecl_lifetime - h.ecl_lifetime) < 1e-9
         AND abs(e.pd_lifetime - h.pd_lifetime) < 1e-12 AS equals_hand,
       abs(e.ecl - CASE e.stage WHEN 1 THEN h.ecl_12m WHEN 2 THEN h.ecl_lifetime
                                ELSE h.defaulted_loss END) < 1e-9 AS stage_ecl, e.version
  FROM fin_ecl('recidivism', 'book', :'ecl_options') e JOIN hand h ON h.loan_id = e.loan::int
 ORDER BY e.loan::int;
SELECT stage, loans, exposure, round(ecl::numeric, 6) AS ecl, round(coverage::numeric, 6) AS coverage,
       version
  FROM fin_ecl_summary('recidivism', 'book', :'ecl_options');
-- Weighted scenarios: the ECL is the weighted sum of each scenario's alone.
\set adverse '{"ead": "ead", "lgd": 0.45, "remaining_term": "remaining_weeks", "periods_per_year": 52, "scenarios": [{"name": "adverse", "weight": 1, "shift": {"prio": 3}}]}'
\set weighted '{"ead": "ead", "lgd": 0.45, "remaining_term": "remaining_weeks", "periods_per_year": 52, "scenarios": [{"name": "base", "weight": 0.7}, {"name": "adverse", "weight": 0.3, "shift": {"prio": 3}}]}'
SELECT count(*) FILTER (WHERE abs(w.ecl_lifetime - (0.7 * b.ecl_lifetime + 0.3 * a.ecl_lifetime)) < 1e-9
                          AND a.ecl_lifetime > b.ecl_lifetime) AS weighted_loans
  FROM fin_ecl('recidivism', 'book', :'weighted') w
  JOIN fin_ecl('recidivism', 'book', :'adverse') a USING (loan)
  JOIN fin_ecl('recidivism', 'book', '{"ead": "ead", "lgd": 0.45, "remaining_term": "remaining_weeks", "periods_per_year": 52}') b USING (loan);
-- A loan's key is its own text: account numbers past 2^53 stay exact.
CREATE TEMP TABLE big_keys AS
  SELECT 9007199254740990::numeric(20) + loan_id AS account, fin, age, race, wexp, mar, paro, prio,
         ead, lgd, remaining_weeks FROM book;
ALTER TABLE big_keys ADD PRIMARY KEY (account);
SELECT loan FROM fin_ecl('recidivism', 'big_keys', '{"ead": "ead", "lgd": "lgd", "remaining_term": "remaining_weeks"}')
 ORDER BY loan LIMIT 2;
-- ECL errors: bad loan values name the loan and column (22000); bad options are 22023.
UPDATE book SET lgd = 1.5 WHERE loan_id = 2;
SELECT count(*) FROM fin_ecl('recidivism', 'book', :'ecl_options');
UPDATE book SET lgd = 0.45, ead = -1 WHERE loan_id = 2;
SELECT count(*) FROM fin_ecl('recidivism', 'book', :'ecl_options');
UPDATE book SET ead = 100, remaining_weeks = 0 WHERE loan_id = 2;
SELECT count(*) FROM fin_ecl('recidivism', 'book', :'ecl_options');
UPDATE book SET remaining_weeks = 10 WHERE loan_id = 2;
SELECT count(*) FROM fin_ecl('recidivism', 'book', '{"ead": "ead", "lgd": 2, "remaining_term": "remaining_weeks"}');
SELECT count(*) FROM fin_ecl('recidivism', 'book', '{"ead": "ead", "lgd": 0.4, "remaining_term": "remaining_weeks", "scenarios": [{"weight": 0.5}, {"weight": 0.4}]}');
SELECT count(*) FROM fin_ecl('recidivism', 'book', '{"ead": "ead", "lgd": 0.4, "remaining_term": "remaining_weeks", "scenarios": [{"weight": 1, "shift": {"income": 1}}]}');
SELECT count(*) FROM fin_ecl('recidivism', 'book', '{"ead": "balance", "lgd": 0.4, "remaining_term": "remaining_weeks"}');
SELECT count(*) FROM fin_ecl('recidivism', 'book', '{"lgd": 0.4, "remaining_term": "remaining_weeks"}');

-- The stored form survives export and import, predictions unchanged.
SELECT fin_import('recidivism_copy', fin_export('recidivism')) IS NOT NULL AS imported;
SELECT count(*) FILTER (WHERE fin_predict('recidivism_copy', r) = fin_predict('recidivism', r)) AS same
  FROM rossi r;

-- A classifier's 12-month PD is its probability; it has no curve and no other horizon.
SELECT model FROM fin_train('arrest_logit', 'rossi', 'arrest', 'logistic',
                            options => '{"exclude": ["id", "entry", "week"]}');
SELECT abs(fin_pd('arrest_logit', r, 12) - fin_predict('arrest_logit', r)) < 1e-15 AS pd_is_probability
  FROM rossi r WHERE id = 1;
SELECT * FROM rossi r, fin_pd_curve('arrest_logit', r, 12) WHERE r.id = 1;
SELECT fin_pd('arrest_logit', r, 24) FROM rossi r WHERE id = 1;
SELECT count(*) FROM fin_ecl('arrest_logit', 'book', '{"ead": "ead", "lgd": 0.4, "remaining_term": "remaining_weeks"}');

-- Errors: horizons, the survival target's values, the options.
SELECT * FROM rossi r, fin_pd_curve('recidivism', r, 0) WHERE r.id = 1;
SELECT fin_pd('recidivism', r, 5000) FROM rossi r WHERE id = 1;
UPDATE rossi SET week = -3 WHERE id = 7;
SELECT model FROM fin_train('bad', 'rossi', 'arrest', 'cox',
                            options => '{"duration": "week", "exclude": ["id", "entry"]}');
UPDATE rossi SET week = 20, arrest = 2 WHERE id = 7;
SELECT model FROM fin_train('bad', 'rossi', 'arrest', 'cox',
                            options => '{"duration": "week", "exclude": ["id", "entry"]}');
UPDATE rossi SET arrest = 1, entry = 25 WHERE id = 7;
SELECT model FROM fin_train('bad', 'rossi', 'arrest', 'cox',
                            options => '{"duration": "week", "entry": "entry", "exclude": ["id"]}');
SELECT model FROM fin_train('bad', 'rossi', 'arrest', 'cox', options => '{"exclude": ["id"]}');
SELECT model FROM fin_train('bad', 'rossi', 'arrest', 'logistic',
                            options => '{"duration": "week"}');
SELECT model FROM fin_train('bad', 'rossi', 'arrest', 'cox',
                            options => '{"duration": "week", "horizon": 0}');
SELECT model FROM fin_train('bad', 'rossi', 'arrest', 'cox',
                            options => '{"duration": "week", "positive": 1}');
SELECT model FROM fin_train('bad', 'rossi', 'arrest', 'cox',
                            options => '{"duration": "week", "deploy": "if_better"}');
-- The survival target's other errors, each with its SQLSTATE.
SELECT model FROM fin_train('bad', 'rossi', 'arrest', 'cox', options => '{"entry": "entry"}');
\echo :LAST_ERROR_SQLSTATE
SELECT model FROM fin_train('bad', 'rossi', 'arrest', 'cox', options => '{"duration": "week", "entry": "week"}');
\echo :LAST_ERROR_SQLSTATE
CREATE TEMP VIEW rossi_text AS
  SELECT *, CASE WHEN arrest = 1 THEN 'yes' ELSE 'no' END AS arrested FROM rossi;
SELECT model FROM fin_train('bad', 'rossi_text', 'arrested', 'cox',
                            options => '{"duration": "week", "exclude": ["id", "entry", "arrest"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT model FROM fin_train('bad', 'rossi_text', 'arrest', 'cox',
                            options => '{"duration": "arrested", "exclude": ["id", "entry", "week"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT model FROM fin_train('bad', 'rossi', 'arrest', 'cox', features => ARRAY['fin', 'week'],
                            options => '{"duration": "week"}');
\echo :LAST_ERROR_SQLSTATE
CREATE TEMP VIEW no_arrests AS SELECT * FROM rossi WHERE arrest = 0;
SELECT model FROM fin_train('bad', 'no_arrests', 'arrest', 'cox', features => ARRAY['fin', 'age'],
                            options => '{"duration": "week"}');
\echo :LAST_ERROR_SQLSTATE
CREATE TEMP VIEW doubled AS SELECT *, 2 * age AS age_twice FROM rossi;
SELECT model FROM fin_train('bad', 'doubled', 'arrest', 'cox', features => ARRAY['age', 'age_twice'],
                            options => '{"duration": "week"}');
\echo :LAST_ERROR_SQLSTATE
-- fin_ecl's other errors: a relation without a key, a column of another type, a scenario's
-- unknown key.
CREATE TEMP TABLE book_without_key AS SELECT * FROM book;
SELECT count(*) FROM fin_ecl('recidivism', 'book_without_key', '{"ead": "ead", "lgd": 0.4, "remaining_term": "remaining_weeks"}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fin_ecl('recidivism', 'book', '{"ead": "ead", "lgd": 0.4, "remaining_term": "remaining_weeks", "in_default": "dpd"}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fin_ecl('recidivism', 'book', '{"ead": "ead", "lgd": 0.4, "remaining_term": "remaining_weeks", "scenarios": [{"weight": 1, "shock": {"prio": 1}}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fin_ecl('recidivism', 'book', '{"ead": "ead", "lgd": 0.4, "remaining_term": "remaining_weeks", "sicr_ratio": 0.5}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_evaluate('recidivism', 'rossi');
SELECT * FROM fin_cross_validate('rossi', 'arrest', 'cox', options => '{"duration": "week", "exclude": ["id", "entry"]}');
ROLLBACK;
