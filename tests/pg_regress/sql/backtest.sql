-- Walk-forward backtests (fin_backtest): folds move forward in time, never train on their test
-- block, and are measured against naive forecasts recomputed here in SQL.
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
\set VERBOSITY default
SET client_min_messages = warning;
-- One generated daily series (the formula of data/ts_reference.py) and its features.
CREATE TABLE prices AS
SELECT DATE '2024-01-01' + (t - 1) AS day, c AS close, c * 1.01 AS high, c * 0.99 AS low,
       1000 + 400 * sin(t / 5.0) AS volume
  FROM generate_series(1, 600) AS t,
       LATERAL (SELECT 100 * exp(0.01 * t / 30 + 0.05 * sin(t / 7.0) + 0.02 * sin(t::float8 * t / 97)) AS c) AS price;
SELECT fin_ts_view('features', 'prices', 'day', '{"returns": [1, 5], "windows": [5], "ema": [12], "macd": null, "bollinger": null, "volume_z": null, "calendar": false}') IS NOT NULL AS created;
CREATE VIEW direction AS
  SELECT day, ret_1, ret_5, ret_std_5, ema_ratio_12, rsi_14, target_direction
    FROM features WHERE ret_std_5 IS NOT NULL AND rsi_14 IS NOT NULL AND target_direction IS NOT NULL;
CREATE VIEW volatility AS
  SELECT day, ret_1, ret_5, ret_std_5, ema_ratio_12, rsi_14, target_volatility_5
    FROM features WHERE ret_std_5 IS NOT NULL AND rsi_14 IS NOT NULL AND target_volatility_5 IS NOT NULL;
RESET client_min_messages;

-- Direction, logistic regression, 4 folds, expanding window.
CREATE TEMP TABLE d AS
  SELECT * FROM fin_backtest('direction_wf', 'direction', 'target_direction', 'logistic', 'day', '{"folds": 4}');
SELECT fold, train_from::date, train_to::date, test_from::date, test_to::date, train_rows, test_rows, metric
  FROM d ORDER BY fold NULLS LAST, metric;
-- Each fold trains strictly before it tests, on everything before (expanding), and the folds'
-- test blocks follow each other.
SELECT bool_and(train_to < test_from) AS past_only,
       count(DISTINCT train_from) AS train_starts,
       bool_and(test_from > coalesce(prev_test_to, '-infinity')) AS blocks_in_order
  FROM (SELECT *, lag(test_to) OVER (ORDER BY fold) AS prev_test_to FROM d
         WHERE fold IS NOT NULL AND metric = 'accuracy') f;
-- The baselines, recomputed: "previous" predicts yesterday's direction, "majority" the
-- training rows' majority; the mean row is the mean of the folds.
WITH labelled AS (
  SELECT day, target_direction AS y, lag(target_direction) OVER (ORDER BY day) AS y_prev
    FROM direction),
folds AS (SELECT * FROM d WHERE fold IS NOT NULL AND metric = 'accuracy'),
recomputed AS (
  SELECT f.fold, f.previous, f.majority,
         avg((l.y = coalesce(l.y_prev, m.majority))::int) AS previous_sql,
         avg((l.y = m.majority)::int) AS majority_sql
    FROM folds f
    JOIN labelled l ON l.day BETWEEN f.test_from::date AND f.test_to::date
    CROSS JOIN LATERAL (SELECT (avg(y) >= 0.5)::int AS majority FROM labelled
                         WHERE day <= f.train_to::date) m
   GROUP BY f.fold, f.previous, f.majority)
SELECT count(*) AS folds,
       count(*) FILTER (WHERE abs(previous - previous_sql) < 1e-12) AS previous_equal,
       count(*) FILTER (WHERE abs(majority - majority_sql) < 1e-12) AS majority_equal
  FROM recomputed;
SELECT metric, abs(m.value - (SELECT avg(value) FROM d f WHERE f.fold IS NOT NULL AND f.metric = m.metric)) < 1e-12 AS mean_of_folds
  FROM d m WHERE fold IS NULL ORDER BY metric;

-- Volatility, linear regression, rolling window of 2 blocks, previous = the value 5 rows back
-- (the newest 5-day volatility fully known).
CREATE TEMP TABLE v AS
  SELECT * FROM fin_backtest('vol_wf', 'volatility', 'target_volatility_5', 'linear', 'day',
                             '{"folds": 3, "window": 2, "horizon": 5}');
SELECT fold, train_rows, test_rows, metric FROM v ORDER BY fold NULLS LAST, metric;
WITH labelled AS (
  SELECT day, target_volatility_5 AS y, lag(target_volatility_5, 5) OVER (ORDER BY day) AS y_prev
    FROM volatility),
folds AS (SELECT * FROM v WHERE fold IS NOT NULL AND metric = 'mae')
SELECT count(*) AS folds,
       count(*) FILTER (WHERE abs(f.previous - (SELECT avg(abs(y - y_prev)) FROM labelled l
                                                WHERE l.day BETWEEN f.test_from::date AND f.test_to::date)) < 1e-12) AS previous_mae_equal
  FROM folds f;
-- Nothing was stored.
SELECT count(*) AS versions FROM finml.models WHERE name IN ('direction_wf', 'vol_wf');

-- Errors: a time column that is not a date (42804), folds that leave no training window
-- (22000), an algorithm without forecasts (22023), bad options (22023), a NULL target (22004).
SELECT * FROM fin_backtest('bad', 'direction', 'target_direction', 'logistic', 'ret_1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_backtest('bad', 'direction', 'target_direction', 'logistic', 'day', '{"folds": 400}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_backtest('bad', 'direction', 'target_direction', 'kmeans', 'day');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_backtest('bad', 'direction', 'target_direction', 'logistic', 'day', '{"window": "sliding"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_backtest('bad', 'direction', 'target_direction', 'logistic', 'day', '{"folds": 0}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_backtest('bad', 'direction', 'target_direction', 'logistic', 'day', '{"store": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM fin_backtest('bad', 'direction', NULL, 'logistic', 'day');
\echo :LAST_ERROR_SQLSTATE
-- A row that cannot be placed in time (22000).
CREATE VIEW undated AS
  SELECT CASE WHEN day = DATE '2024-03-01' THEN NULL ELSE day END AS day, ret_1, ret_5, target_direction
    FROM direction;
SELECT * FROM fin_backtest('bad', 'undated', 'target_direction', 'logistic', 'day');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
