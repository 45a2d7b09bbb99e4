-- Market prediction done honestly (make example-market): Google's daily prices 2004-2013
-- (fetch.sh), point-in-time features (fin_ts_view), the published "predict tomorrow's move
-- with an MLP" recipe on an out-of-time split and walk-forward, next to naive forecasts, and a
-- volatility forecast, where features should beat the naive ones.
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS finml;

\echo
\echo '== fin_ts_view: features that read only the past, targets that read only the future'
SELECT fin_ts_view('goog_features', 'goog_daily', 'day') AS view;
SELECT count(*) AS days, min(day) AS first_day, max(day) AS last_day,
       round(avg(target_direction)::numeric, 3) AS share_of_up_days
  FROM goog_features;
\echo '   the view (pg_get_viewdef), first lines:'
SELECT line FROM regexp_split_to_table(pg_get_viewdef('goog_features'), E'\n') WITH ORDINALITY AS l(line, n)
 ORDER BY n LIMIT 12;

-- The rows with every feature and the target defined; raw prices and volumes (not stationary)
-- and the other targets (the future) are left out of the features.
CREATE OR REPLACE VIEW goog_direction AS
  SELECT * FROM goog_features WHERE macd_signal IS NOT NULL AND target_direction IS NOT NULL;
CREATE OR REPLACE VIEW goog_volatility AS
  SELECT * FROM goog_features WHERE macd_signal IS NOT NULL AND target_volatility_5 IS NOT NULL;
\set not_features '"exclude": ["day", "open", "high", "low", "close", "volume", "target_direction", "target_return_5", "target_volatility_5"]'

\echo '== 1. direction: the MLP recipe, trained up to 2011, tested on 2012-2013 (out of time)'
SELECT model, algorithm, train_rows, test_rows, round((metrics->>'auc')::numeric, 4) AS test_auc,
       round((metrics->>'accuracy')::numeric, 4) AS test_accuracy
  FROM fin_train('goog_direction', 'goog_direction', 'target_direction', 'mlp',
                 options => format('{%s, "split": {"column": "day", "test_from": "2012-01-01"}, "seed": 42}',
                                   :'not_features')::jsonb);
SELECT round(avg(target_direction)::numeric, 4) AS up_share_2012_2013
  FROM goog_direction WHERE day >= DATE '2012-01-01';

\echo '== walk-forward, 5 folds (expanding window): the MLP against always-up and yesterday''s move'
SELECT coalesce(fold::text, 'mean') AS fold, test_from::date, test_to::date, test_rows, metric,
       round(value::numeric, 4) AS mlp, round(majority::numeric, 4) AS majority,
       round(previous::numeric, 4) AS previous
  FROM fin_backtest('goog_direction_wf', 'goog_direction', 'target_direction', 'mlp', 'day',
                    format('{%s, "folds": 5, "seed": 42}', :'not_features')::jsonb)
 ORDER BY fold NULLS LAST, metric;

\echo '== 2. volatility: next 5 days'' realized volatility, linear regression, walk-forward'
\echo '   (previous: the last realized 5-day volatility already known, horizon 5)'
SELECT coalesce(fold::text, 'mean') AS fold, test_from::date, test_to::date, metric,
       round(value::numeric, 5) AS linear, round(majority::numeric, 5) AS mean_forecast,
       round(previous::numeric, 5) AS previous
  FROM fin_backtest('goog_vol_wf', 'goog_volatility', 'target_volatility_5', 'linear', 'day',
                    format('{%s, "folds": 5, "horizon": 5}', :'not_features')::jsonb)
 ORDER BY fold NULLS LAST, metric;

\echo '== the volatility model trained up to 2011, tested on 2012-2013; the day''s calendar comes'
\echo '   from options.dates (the day column itself) instead of the view''s calendar columns; its'
\echo '   report charts predicted against actual volatility'
SELECT model, train_rows, test_rows, round((metrics->>'rmse')::numeric, 5) AS test_rmse,
       round((metrics->>'r2')::numeric, 4) AS test_r2
  FROM fin_train('goog_volatility', 'goog_volatility', 'target_volatility_5', 'linear',
                 options => '{"exclude": ["open", "high", "low", "close", "volume", "day_of_week", "month",
                                          "target_direction", "target_return_5"],
                              "split": {"column": "day", "test_from": "2012-01-01"},
                              "dates": {"day": ["dow", "month"]}}');
SELECT term, round(estimate::numeric, 6) AS estimate FROM fin_coefficients('goog_volatility')
 WHERE term LIKE 'day:%' OR term IN ('ret_std_20', 'ret_std_5', 'range') ORDER BY term;
\echo '   the report: /tmp/finml-goog_volatility-report.html'
\pset format unaligned
\pset tuples_only on
\o /tmp/finml-goog_volatility-report.html
SELECT fin_report('goog_volatility');
\o
\pset format aligned
\pset tuples_only off
SELECT fin_report('goog_volatility') LIKE '%Predicted against actual%' AS has_chart;
