-- Date and text columns as model features. options.dates: calendar parts of a date or
-- timestamp, checked here against PostgreSQL's own EXTRACT. options.text: hashed TF-IDF, equal
-- to scikit-learn's HashingVectorizer + TfidfTransformer (models/tests/text_features.rs checks
-- the numbers on the same memos: equal within 1e-9); here the SQL surface: training, fin_predict,
-- fin_explain's n-grams, fin_model_sql, monitoring, export, and every error.
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
\getenv suite FINML_SUITE
\set VERBOSITY default

-- Dates from 1890 to 2110 every 19 days, leap days and century turns among them, one NULL;
-- the target is an exact linear function of six EXTRACT parts.
CREATE TABLE openings AS
SELECT row_number() OVER (ORDER BY opened) AS id, opened,
       -- 03:30 UTC is the evening before in the session's time zone (PST8PDT): the parts of a
       -- timestamptz are taken in UTC.
       (opened + time '03:30') AT TIME ZONE 'UTC' AS opened_at,
       3 * EXTRACT(MONTH FROM opened) - 2 * EXTRACT(DOW FROM opened) + EXTRACT(DOY FROM opened) / 10
         + EXTRACT(QUARTER FROM opened) + EXTRACT(YEAR FROM opened) / 100
         + EXTRACT(DAY FROM opened) / 2 AS y,
       (opened - DATE '1890-01-01') / 7.0 AS weeks
  FROM (SELECT d::date AS opened
          FROM generate_series(DATE '1890-01-01', DATE '2110-12-31', interval '19 days') AS d
        UNION ALL VALUES (DATE '2000-02-29'), (DATE '1900-03-01'), (DATE '2100-12-31')) AS dates;
SHOW TimeZone;
SELECT count(*) AS dates, count(*) FILTER (WHERE EXTRACT(DAY FROM opened_at) <> EXTRACT(DAY FROM opened)) AS other_day_here
  FROM openings;
INSERT INTO openings VALUES (0, NULL, NULL, NULL, NULL);

SELECT model, train_rows, (metrics->>'rmse')::float8 < 1e-9 AS exact
  FROM fin_train('date_parts', 'openings', 'y', 'linear', features => ARRAY['opened'],
                 options => '{"test_size": 0.2, "dates": {"opened": ["month", "dow", "doy", "quarter", "year", "day"]}}');
SELECT model, (metrics->>'rmse')::float8 < 1e-9 AS exact
  FROM fin_train('timestamp_parts', 'openings', 'y', 'linear', features => ARRAY['opened_at'],
                 options => '{"test_size": 0.2, "dates": {"opened_at": ["month", "dow", "doy", "quarter", "year", "day"]}}');
SELECT model, (metrics->>'rmse')::float8 < 1e-9 AS exact
  FROM fin_train('date_weeks', 'openings', 'weeks', 'linear', features => ARRAY['opened'],
                 options => '{"dates": {"opened": ["days_since"]}}');
-- fin_predict reads the row's date as training read it: every prediction is the target to
-- within 1e-9; a NULL date is imputed (each part's median), not an error.
SELECT count(*) AS rows,
       count(*) FILTER (WHERE abs(fin_predict('date_parts', o) - y) > 1e-9) AS date_differ,
       count(*) FILTER (WHERE abs(fin_predict('timestamp_parts', o) - y) > 1e-9) AS timestamptz_differ,
       count(*) FILTER (WHERE abs(fin_predict('date_weeks', o) - weeks) > 1e-9) AS weeks_differ
  FROM openings o WHERE opened IS NOT NULL;
SELECT fin_predict('date_parts', o) IS NOT NULL AS imputed FROM openings o WHERE opened IS NULL;
-- The parts are stored in the preprocessing, one term each.
SELECT term FROM fin_coefficients('date_parts') ORDER BY term;
-- fin_model_sql writes each part from the instant in UTC: it equals fin_predict.
SELECT fin_model_sql('date_parts') AS date_sql, fin_model_sql('timestamp_parts') AS ts_sql,
       fin_model_sql('date_weeks') AS weeks_sql \gset
SELECT count(*) FILTER (WHERE abs(fin_predict('date_parts', o) - (:date_sql)) > 1e-9) AS date_sql_differ,
       count(*) FILTER (WHERE abs(fin_predict('timestamp_parts', o) - (:ts_sql)) > 1e-9) AS ts_sql_differ,
       count(*) FILTER (WHERE abs(fin_predict('date_weeks', o) - (:weeks_sql)) > 1e-9) AS weeks_sql_differ
  FROM openings o;
-- A row whose date is of another type, or infinite, is refused.
SELECT fin_predict('date_parts', r) FROM (SELECT '2024-01-01'::text AS opened) r;
\echo :LAST_ERROR_SQLSTATE
SELECT fin_predict('date_parts', r) FROM (SELECT 'infinity'::date AS opened) r;
\echo :LAST_ERROR_SQLSTATE
-- 2024-02-29: 3·2 − 2·4 (a Thursday) + 60/10 + 1 + 2024/100 + 29/2 = 39.74.
SELECT round(fin_predict('date_parts', r)::numeric, 6) AS leap_day FROM (SELECT DATE '2024-02-29' AS opened) r;

-- With features => NULL, a date column without date parts is skipped with a NOTICE that says
-- how to use it.
SELECT model, train_rows FROM fin_train('skips_dates', 'openings', 'y', 'linear',
                                        options => '{"exclude": ["weeks"]}');
SELECT string_agg(term, ', ' ORDER BY term) AS terms FROM fin_coefficients('skips_dates');

-- Errors: date parts of a number or text options on a number (42804), a date feature without
-- its parts (42804), an unknown part or a repeated one (22023), options for a column left out
-- of the features (22023), an excluded column (22023), unknown text settings (22023), a date
-- target (42804), a scorecard (22023), options of the wrong shape (22023).
SELECT * FROM fin_train('bad', 'openings', 'y', 'linear', options => '{"dates": {"weeks": ["month"]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'openings', 'y', 'linear', options => '{"text": {"weeks": {}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'openings', 'y', 'linear', features => ARRAY['opened']);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'openings', 'y', 'linear', options => '{"dates": {"opened": ["weekday"]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'openings', 'y', 'linear', options => '{"dates": {"opened": ["month", "month"]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'openings', 'y', 'linear', features => ARRAY['weeks'],
                        options => '{"dates": {"opened": ["month"]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'openings', 'y', 'linear', options => '{"exclude": ["opened"], "dates": {"opened": ["month"]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'openings', 'opened', 'linear');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'openings', 'y', 'scorecard', options => '{"dates": {"opened": ["month"]}}');
\echo :LAST_ERROR_SQLSTATE
-- Options of the wrong shape (22023): not an object of columns, no parts.
SELECT * FROM fin_train('bad', 'openings', 'y', 'linear', options => '{"dates": ["opened"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'openings', 'y', 'linear', options => '{"dates": {"opened": []}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'openings', 'y', 'linear', options => '{"text": "opened"}');
\echo :LAST_ERROR_SQLSTATE

-- Text: 1,500 generated card-transaction memos with a fraud flag (models/tests/reference/memos.py).
CREATE TABLE transactions (id int PRIMARY KEY, memo text, fraud boolean);
\set file :suite '/data/memos.csv'
\set copy_cmd '\\copy transactions FROM ' :'file' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
SELECT count(*) AS rows, count(*) FILTER (WHERE memo IS NULL) AS null_memos,
       round(avg(fraud::int), 3) AS fraud_rate FROM transactions;
SELECT model, algorithm, train_rows, test_rows, round((metrics->>'auc')::numeric, 2) > 0.7 AS auc_above_07
  FROM fin_train('memo_fraud', 'transactions', 'fraud', 'logistic',
                 options => '{"exclude": ["id"], "text": {"memo": {"max_features": 1024, "ngram": [1, 2]}}}');
SELECT count(*) AS hashed_columns, count(std_error) AS with_std_errors
  FROM fin_coefficients('memo_fraud') WHERE term LIKE 'memo#%';
-- 1,024 columns go to truncated Newton, which reached its tolerance: nothing stored about it.
SELECT metrics ? 'solver' AS solver_stored FROM finml.models WHERE name = 'memo_fraud';
-- Stopped after one step, the fit says so (NOTICE) and stores it (metrics.solver).
SELECT model FROM fin_train('memo_one_step', 'transactions', 'fraud', 'logistic',
       options => '{"exclude": ["id"], "max_iter": 1, "text": {"memo": {"max_features": 1024, "ngram": [1, 2]}}}');
SELECT metrics->'solver'->>'name' AS solver, metrics->'solver'->>'steps' AS steps,
       metrics->'solver'->>'converged' AS converged,
       (metrics->'solver'->>'largest_gradient_per_row')::float8 > 1e-8 AS above_tolerance
  FROM finml.models WHERE name = 'memo_one_step';
-- Standard errors of hashed columns when asked for.
SELECT model FROM fin_train('memo_se', 'transactions', 'fraud', 'logistic',
       options => '{"exclude": ["id"], "std_errors": true, "text": {"memo": {"max_features": 512}}}');
SELECT count(std_error) = count(*) AS all_have_std_errors FROM fin_coefficients('memo_se');
SELECT * FROM fin_train('bad', 'transactions', 'fraud', options => '{"std_errors": "yes"}');
\echo :LAST_ERROR_SQLSTATE
-- fin_explain names the n-grams of the memo that weigh most, with their share of the
-- log-odds; the rows still add up to the log-odds.
SELECT feature, value, round(contribution::numeric, 3) AS contribution
  FROM fin_explain('memo_fraud', (SELECT t FROM transactions t WHERE id = 3));
SELECT abs(sum(contribution) - ln(p / (1 - p))) < 1e-9 AS adds_up
  FROM fin_explain('memo_fraud', (SELECT t FROM transactions t WHERE id = 3)),
       (SELECT fin_predict('memo_fraud', t) AS p FROM transactions t WHERE id = 3) prediction
 GROUP BY p;
-- A NULL memo is an empty document; a new memo needs no vocabulary.
SELECT fin_predict('memo_fraud', r) = fin_predict('memo_fraud', s) AS null_is_empty
  FROM (SELECT NULL::text AS memo) r, (SELECT ''::text AS memo) s;
SELECT fin_predict('memo_fraud', r) > fin_predict('memo_fraud', s) AS crypto_riskier
  FROM (SELECT 'CRYPTO exchange, urgent!' AS memo) r, (SELECT 'grocery mart' AS memo) s;
-- An MLP takes text features too; hashed text has no SQL form (0A000).
SELECT model, algorithm FROM fin_train('memo_mlp', 'transactions', 'fraud', 'mlp',
       options => '{"exclude": ["id"], "text": {"memo": {"max_features": 256}}, "epochs": 5, "hidden": [8]}');
SELECT feature, value LIKE '%(%)%' AS names_ngrams
  FROM fin_explain('memo_mlp', (SELECT t FROM transactions t WHERE id = 3)) WHERE feature = 'memo';
SELECT fin_model_sql('memo_fraud');
\echo :LAST_ERROR_SQLSTATE
-- Monitoring: a text or date feature's drift is its NULL share (its values always move on):
-- two centuries of later dates are no drift of the date feature, by year.
CREATE VIEW batches AS SELECT t.*, id % 3 AS batch FROM transactions t;
SELECT period, rows, max_csi_feature, round(max_csi::numeric, 4) AS max_csi
  FROM fin_monitor('memo_fraud', 'batches', 'batch') ORDER BY period;
SELECT count(*) AS years, max(max_csi) < 0.01 AS date_csi_small, min(max_csi_feature) AS feature
  FROM fin_monitor('date_weeks', 'openings', 'opened', '{"truncate": "year"}') WHERE period IS NOT NULL;
SELECT feature, round(psi::numeric, 3) AS psi FROM fin_psi('memo_fraud', 'transactions') ORDER BY feature;
-- The report says how each feature was treated.
SELECT fin_report('memo_fraud') LIKE '%text, hashed TF-IDF: 1024 columns, 1-2 word n-grams, L2-normalized%' AS text_described,
       fin_report('date_parts') LIKE '%date, month, dow, doy, quarter, year, day (each standardized; days since 1890-01-01)%' AS date_described,
       fin_report('date_parts') LIKE '%Predicted against actual%' AS regression_chart;
-- Export and import: a model with text features is model format 6, read back exactly.
SELECT fin_import('memo_copy', fin_export('memo_fraud')) AS version;
SELECT count(*) FILTER (WHERE fin_predict('memo_copy', t) <> fin_predict('memo_fraud', t)) AS differ
  FROM transactions t;
-- Errors: text options on a non-text column (42804), bad settings (22023), text for k-means
-- (22023), a design too wide for the memory budget (54000).
SELECT * FROM fin_train('bad', 'transactions', 'fraud', options => '{"text": {"id": {}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'transactions', 'fraud', options => '{"text": {"memo": {"max_features": 100000}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'transactions', 'fraud', options => '{"text": {"memo": {"ngram": [2, 1]}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_train('bad', 'transactions', NULL, 'kmeans', options => '{"text": {"memo": {}}}');
\echo :LAST_ERROR_SQLSTATE
-- 65,536 hashed columns train (as sparse rows, without standard errors); asking for their
-- standard errors is refused before anything is allocated: their square matrices would not
-- fit the memory budget (54000).
SELECT model, train_rows FROM fin_train('memo_widest', 'transactions', 'fraud',
       options => '{"exclude": ["id"], "text": {"memo": {"max_features": 65536, "ngram": [1, 2]}}}');
SELECT count(*) AS weights FROM fin_coefficients('memo_widest');
SELECT * FROM fin_train('bad', 'transactions', 'fraud', options => '{"std_errors": true, "text": {"memo": {"max_features": 65536}}}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_predict('memo_fraud', r) FROM (SELECT 42 AS memo) r;
\echo :LAST_ERROR_SQLSTATE

-- The golden model of format 6 (models/tests/golden/dated_notes.json, exported by finml
-- 0.6.1) imports and predicts exactly what it predicted when exported, reading the view's
-- date and text columns as fin_predict reads any row.
\getenv work FINML_WORK
\set file :work '/golden/dated_notes.json'
\set doc `cat :file`
SELECT fin_import('golden_dated', :'doc') AS version;
CREATE VIEW dated AS
  SELECT a.*, DATE '2020-01-01' + (id * 7 % 1461) AS applied, job || ' ' || home || ' ' || marital AS notes
    FROM applications a;
CREATE TABLE golden_format6 (id int, dated_notes float8);
\set file :work '/golden/expected_format6.csv'
\set copy_cmd '\\copy golden_format6 FROM ' :'file' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
SELECT count(*) AS rows, count(*) FILTER (WHERE fin_predict('golden_dated', d) <> g.dated_notes) AS differ
  FROM dated d JOIN golden_format6 g USING (id);
-- Dates past timestamp's range (from year 294277; a date reaches 5874897) and the first
-- date: fin_model_sql computes the parts from the date itself (no conversion through
-- timestamp), and equals fin_predict to the bit; so does a timestamptz at the last
-- microsecond there is.
SELECT EXTRACT(YEAR FROM opened) AS year, fin_predict('date_parts', r) = (:date_sql) AS sql_equal
  FROM (VALUES (DATE '294276-12-31'), (DATE '294277-01-01'), (DATE '1000000-06-15'),
               (DATE '5874897-12-31'), (DATE '4714-11-24 BC')) AS r(opened);
SELECT fin_predict('timestamp_parts', r) = (:ts_sql) AS sql_equal
  FROM (VALUES (TIMESTAMPTZ '294276-12-31 23:59:59.999999+00'),
               (TIMESTAMPTZ '4713-01-01 00:00:00+00 BC')) AS r(opened_at);

-- Intraday: the hour and minute parts of a timestamptz are EXTRACT's in UTC (the session is in
-- America/Los_Angeles, whose clocks change on 2024-03-10), for fin_predict and fin_model_sql.
CREATE TABLE ticks AS
SELECT i AS id, ts,
       2 * EXTRACT(HOUR FROM ts AT TIME ZONE 'UTC') - EXTRACT(MINUTE FROM ts AT TIME ZONE 'UTC') / 10 AS y
  FROM (SELECT i, TIMESTAMPTZ '2024-03-09 00:00:00+00' + i * interval '7 minutes 13 seconds' AS ts
          FROM generate_series(1, 1500) AS i) s;
SELECT model, (metrics->>'rmse')::float8 < 1e-9 AS exact
  FROM fin_train('intraday', 'ticks', 'y', 'linear', features => ARRAY['ts'],
                 options => '{"test_size": 0.2, "dates": {"ts": ["hour", "minute"]}}');
SELECT term FROM fin_coefficients('intraday') ORDER BY term;
SELECT fin_model_sql('intraday') AS intraday_sql \gset
SELECT count(*) AS rows,
       count(*) FILTER (WHERE abs(fin_predict('intraday', t) - y) > 1e-9) AS predict_differ,
       count(*) FILTER (WHERE fin_predict('intraday', t) <> (:intraday_sql)) AS sql_differ
  FROM ticks t;

-- fin_model_sql's text literals read the same whatever standard_conforming_strings is: a
-- level with a backslash is written E'...' with the backslash doubled, so the level
-- x\'); DROP TABLE t; -- stays a level and the SQL gives fin_predict's and fin_score's
-- numbers with the setting off and on (t is still there).
CREATE TABLE t (kept int);
INSERT INTO t VALUES (1);
CREATE TABLE crafted AS
SELECT a.id, a.status, a.seniority, a.income,
       CASE a.home WHEN 'rent' THEN E'x\\''); DROP TABLE t; --'
                   WHEN 'parents' THEN E'back\\slash''s' ELSE a.home END AS home
  FROM applications a;
SELECT model FROM fin_train('crafted_lr', 'crafted', 'status', 'logistic',
                            features => ARRAY['seniority', 'income', 'home'],
                            options => '{"positive": "bad", "test_size": 0}');
SELECT model FROM fin_train('crafted_card', 'crafted', 'status', 'scorecard',
                            features => ARRAY['seniority', 'income', 'home'],
                            options => '{"positive": "bad", "test_size": 0, "min_iv": 0}');
SELECT fin_model_sql('crafted_lr') AS crafted_lr_sql,
       fin_model_sql('crafted_card', 'score') AS crafted_card_sql \gset
SELECT :'crafted_lr_sql' LIKE '%E''x%' AS escaped_in_lr, :'crafted_card_sql' LIKE '%E''x%' AS escaped_in_card;
SET standard_conforming_strings = off;
SELECT count(*) AS rows, count(*) FILTER (WHERE home LIKE 'x%') AS crafted_rows,
       count(*) FILTER (WHERE abs(fin_predict('crafted_lr', c) - (:crafted_lr_sql)) > 1e-15) AS lr_differ,
       count(*) FILTER (WHERE fin_score('crafted_card', c) <> (:crafted_card_sql)) AS card_differ
  FROM crafted c;
SET standard_conforming_strings = on;
SELECT count(*) AS rows, count(*) FILTER (WHERE home LIKE 'x%') AS crafted_rows,
       count(*) FILTER (WHERE abs(fin_predict('crafted_lr', c) - (:crafted_lr_sql)) > 1e-15) AS lr_differ,
       count(*) FILTER (WHERE fin_score('crafted_card', c) <> (:crafted_card_sql)) AS card_differ
  FROM crafted c;
SELECT count(*) AS t_rows FROM t;
ROLLBACK;
