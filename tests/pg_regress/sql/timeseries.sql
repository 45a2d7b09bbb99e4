-- Point-in-time features of price series: fin_ts_view and the fin_ema window aggregate.
-- Reference: pandas with the `ta` library's formulas (data/ts_reference.py writes
-- data/ts_expected.csv from the same generated series), within 1e-9.
-- Stands alone: everything it creates is rolled back at its end.
BEGIN;
\set ON_ERROR_ROLLBACK on
\i include/credit.sql
\getenv suite FINML_SUITE
\set VERBOSITY default
-- Two daily series of 300 rows (the formula of data/ts_reference.py).
CREATE TABLE prices AS
SELECT s.symbol, DATE '2024-01-01' + (t - 1) AS day, c AS close,
       c * (1 + 0.01 * (1.5 + sin(t / 2.0))) AS high, c * (1 - 0.01 * (1.5 + cos(t / 3.0))) AS low,
       1000 + 400 * sin(t / 5.0 + s.phase) + 100 * cos(t / 1.7) AS volume
  FROM (VALUES ('AAA', 0.0::float8), ('BBB', 1.3::float8)) AS s(symbol, phase),
       generate_series(1, 300) AS t,
       LATERAL (SELECT 100 * exp(0.01 * t / 30 + 0.05 * sin(t / 7.0 + s.phase)
                                 + 0.02 * sin(t::float8 * t / 97)) AS c) AS price;

-- fin_ema is pandas' ewm(span, adjust=False): e1 = x1, e = e + 2/(span+1) (x - e); NULLs are
-- skipped; as a window function it runs over the frame from the partition's start.
SELECT round(fin_ema(x, 3)::numeric, 6) AS ema
  FROM (VALUES (1.0), (NULL), (3.0), (5.0)) AS v(x);
SELECT x, round((fin_ema(x, 3) OVER (ORDER BY i))::numeric, 4) AS ema
  FROM (VALUES (1, 2.0), (2, 4.0), (3, NULL), (4, 8.0)) AS v(i, x) ORDER BY i;
SELECT fin_ema(x, 0.5) FROM (VALUES (1.0)) AS v(x);
\echo :LAST_ERROR_SQLSTATE
SELECT fin_ema(x, 3) FROM (VALUES ('Infinity'::float8)) AS v(x);
\echo :LAST_ERROR_SQLSTATE

-- The default view: returns, rolling statistics, EMA ratios, RSI, MACD, Bollinger and volume
-- z-scores, range, calendar, and the targets (next direction, 5-day return and volatility).
SELECT fin_ts_view('price_features', 'prices', 'day', '{"partition_by": "symbol"}');
SELECT count(*) AS rows, count(*) FILTER (WHERE macd_signal IS NOT NULL) AS complete
  FROM price_features;
SELECT column_name FROM information_schema.columns
 WHERE table_name = 'price_features' ORDER BY ordinal_position;
-- The view's SQL is PostgreSQL's window functions, readable (first lines).
SELECT string_agg(line, E'\n') AS definition
  FROM (SELECT line FROM regexp_split_to_table(pg_get_viewdef('price_features'), E'\n')
          WITH ORDINALITY AS l(line, n) ORDER BY n LIMIT 6) first_lines;

-- Against pandas: every feature of every row within 1e-9 (absolute, or relative to the value
-- for the larger ones), NULL exactly where pandas has NaN.
CREATE TEMP TABLE expected (symbol text, day date, ret_1 float8, ret_5 float8, ret_20 float8,
  ret_std_5 float8, ret_min_5 float8, ret_max_5 float8,
  ret_std_20 float8, ret_min_20 float8, ret_max_20 float8, ema_ratio_12 float8,
  ema_ratio_26 float8, rsi_14 float8, macd float8, macd_signal float8, bollinger_z_20 float8,
  volume_z_20 float8, range float8, day_of_week int, month int, target_direction int,
  target_return_5 float8, target_volatility_5 float8);
\set file :suite '/data/ts_expected.csv'
\set copy_cmd '\\copy expected FROM ' :'file' ' WITH (FORMAT csv, HEADER true)'
:copy_cmd
CREATE FUNCTION pg_temp.near(a float8, b float8) RETURNS boolean LANGUAGE sql IMMUTABLE AS
  $$ SELECT (a IS NULL AND b IS NULL) OR abs(a - b) <= 1e-9 * greatest(1, abs(b)) $$;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE NOT (pg_temp.near(v.ret_1, e.ret_1) AND pg_temp.near(v.ret_5, e.ret_5)
                                   AND pg_temp.near(v.ret_20, e.ret_20))) AS returns_differ,
       count(*) FILTER (WHERE NOT (pg_temp.near(v.ret_std_5, e.ret_std_5)
                                   AND pg_temp.near(v.ret_min_5, e.ret_min_5) AND pg_temp.near(v.ret_max_5, e.ret_max_5)
                                   AND pg_temp.near(v.ret_std_20, e.ret_std_20)
                                   AND pg_temp.near(v.ret_min_20, e.ret_min_20) AND pg_temp.near(v.ret_max_20, e.ret_max_20))) AS rolling_differ,
       count(*) FILTER (WHERE NOT (pg_temp.near(v.ema_ratio_12, e.ema_ratio_12) AND pg_temp.near(v.ema_ratio_26, e.ema_ratio_26))) AS ema_differ,
       count(*) FILTER (WHERE NOT pg_temp.near(v.rsi_14, e.rsi_14)) AS rsi_differ,
       count(*) FILTER (WHERE NOT (pg_temp.near(v.macd, e.macd) AND pg_temp.near(v.macd_signal, e.macd_signal))) AS macd_differ,
       count(*) FILTER (WHERE NOT (pg_temp.near(v.bollinger_z_20, e.bollinger_z_20) AND pg_temp.near(v.volume_z_20, e.volume_z_20))) AS z_differ,
       count(*) FILTER (WHERE NOT pg_temp.near(v.range, e.range) OR v.day_of_week <> e.day_of_week
                              OR v.month <> e.month) AS range_calendar_differ,
       count(*) FILTER (WHERE v.target_direction IS DISTINCT FROM e.target_direction
                              OR NOT pg_temp.near(v.target_return_5, e.target_return_5)
                              OR NOT pg_temp.near(v.target_volatility_5, e.target_volatility_5)) AS targets_differ,
       count(*) FILTER (WHERE v.rsi_14 IS NOT NULL) AS rsi_defined
  FROM price_features v JOIN expected e USING (symbol, day);

-- No leakage: after changing every row after 2024-06-01 (and adding later ones), no feature of
-- an earlier row changes; the targets of the rows just before it do (the test can fail).
CREATE TEMP TABLE before AS SELECT * FROM price_features WHERE day <= DATE '2024-06-01';
UPDATE prices SET close = close * 1.5, high = high * 1.6, low = low * 1.4, volume = volume * 3
 WHERE day > DATE '2024-06-01';
INSERT INTO prices SELECT symbol, day + 300, close * 2, high * 2, low * 2, volume FROM prices;
SELECT count(*) AS earlier_rows,
       count(*) FILTER (WHERE (b.ret_1, b.ret_5, b.ret_20, b.ret_std_5, b.ret_min_5, b.ret_max_5,
                               b.ret_std_20, b.ret_min_20, b.ret_max_20, b.ema_ratio_12,
                               b.ema_ratio_26, b.rsi_14, b.macd, b.macd_signal, b.bollinger_z_20,
                               b.volume_z_20, b.range, b.day_of_week, b.month)
                       IS DISTINCT FROM
                              (v.ret_1, v.ret_5, v.ret_20, v.ret_std_5, v.ret_min_5, v.ret_max_5,
                               v.ret_std_20, v.ret_min_20, v.ret_max_20, v.ema_ratio_12,
                               v.ema_ratio_26, v.rsi_14, v.macd, v.macd_signal, v.bollinger_z_20,
                               v.volume_z_20, v.range, v.day_of_week, v.month)) AS features_changed,
       count(*) FILTER (WHERE (b.target_direction, b.target_return_5, b.target_volatility_5)
                       IS DISTINCT FROM (v.target_direction, v.target_return_5, v.target_volatility_5)) AS targets_changed
  FROM before b JOIN price_features v USING (symbol, day);

-- Chosen features, a price column of another name, no partition; the view is replaced.
ALTER TABLE prices RENAME COLUMN close TO last;
SELECT fin_ts_view('price_features', 'prices', 'day',
                   '{"price": "last", "returns": [1], "windows": [10], "ema": [], "rsi": null,
                     "macd": null, "bollinger": null, "volume_z": null, "calendar": false,
                     "targets": {"direction": true}}');
SELECT column_name FROM information_schema.columns
 WHERE table_name = 'price_features' ORDER BY ordinal_position;

-- Errors: a time column that is not a date (42804) or does not exist (42703), a window longer
-- than the data (22023), a price column that is not a number (42804), bad options (22023), a
-- target that is not a view (42809).
SELECT fin_ts_view('v', 'prices', 'volume', '{"price": "last"}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_ts_view('v', 'prices', 'no_such', '{"price": "last"}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_ts_view('v', 'prices', 'day', '{"price": "last", "partition_by": "symbol", "windows": [700]}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_ts_view('v', 'prices', 'day', '{"price": "symbol"}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_ts_view('v', 'prices', 'day', '{"price": "last", "windowz": [5]}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_ts_view('v', 'prices', 'day', '{"price": "last", "macd": [26, 12, 9]}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_ts_view('v', 'prices', 'day', '{"price": "last", "partition_by": "sector"}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_ts_view('prices', 'prices', 'day', '{"price": "last"}');
\echo :LAST_ERROR_SQLSTATE
-- The caller's operators do not change the view: a shadowing "/" on the search_path is not
-- used (the view is built with pg_catalog's).
CREATE SCHEMA shadow;
CREATE FUNCTION shadow.div(float8, float8) RETURNS float8 LANGUAGE sql AS 'SELECT 42::float8';
CREATE OPERATOR shadow./ (LEFTARG = float8, RIGHTARG = float8, FUNCTION = shadow.div);
SET search_path = shadow, pg_catalog, public;
SELECT fin_ts_view('shadowed', 'prices', 'day', '{"price": "last", "returns": [1], "windows": [], "ema": [], "rsi": null, "macd": null, "bollinger": null, "volume_z": null, "calendar": false, "targets": {}}');
RESET search_path;
SELECT count(*) FILTER (WHERE ret_1 = ln(42)) AS shadowed_rows, count(ret_1) AS returns FROM shadow.shadowed;
ROLLBACK;
