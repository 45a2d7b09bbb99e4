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
-- The view's SQL is PostgreSQL's window functions, readable (first lines; PostgreSQL 16 stopped
-- qualifying the columns of a one-table query, l2., which 15 still prints).
SELECT string_agg(line, E'\n') AS definition
  FROM (SELECT line FROM regexp_split_to_table(regexp_replace(pg_get_viewdef('price_features'), '\ml2\.', '', 'g'), E'\n')
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

-- Chosen features, a price column of another name, one series without partition_by (rows of
-- several series at one time are refused, below); the view is replaced.
ALTER TABLE prices RENAME COLUMN close TO last;
CREATE VIEW prices_aaa AS SELECT * FROM prices WHERE symbol = 'AAA';
SELECT fin_ts_view('price_features', 'prices_aaa', 'day',
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
SELECT fin_ts_view('prices', 'prices_aaa', 'day', '{"price": "last"}');
\echo :LAST_ERROR_SQLSTATE
-- The caller's operators do not change the view: a shadowing "/" on the search_path is not
-- used (the view is built with pg_catalog's).
CREATE SCHEMA shadow;
CREATE FUNCTION shadow.div(float8, float8) RETURNS float8 LANGUAGE sql AS 'SELECT 42::float8';
CREATE OPERATOR shadow./ (LEFTARG = float8, RIGHTARG = float8, FUNCTION = shadow.div);
SET search_path = shadow, pg_catalog, public;
SELECT fin_ts_view('shadowed', 'prices_aaa', 'day', '{"price": "last", "returns": [1], "windows": [], "ema": [], "rsi": null, "macd": null, "bollinger": null, "volume_z": null, "calendar": false, "targets": {}}');
RESET search_path;
SELECT count(*) FILTER (WHERE ret_1 = ln(42)) AS shadowed_rows, count(ret_1) AS returns FROM shadow.shadowed;

-- Bounds (22023, with a hint): the options cannot ask for unbounded SQL. Periods are at most
-- 10,000 rows and lists at most 64 entries (1,000 volatility horizons of 100,000 rows once
-- exhausted the server's memory while the view's SQL was parsed); a period listed twice is
-- refused too.
SELECT fin_ts_view('v', 'prices', 'day', jsonb_build_object('price', 'last', 'targets',
         jsonb_build_object('volatility', (SELECT jsonb_agg(100000 - i) FROM generate_series(0, 999) AS i))));
\echo :LAST_ERROR_SQLSTATE
SELECT fin_ts_view('v', 'prices', 'day', '{"price": "last", "targets": {"volatility": [100000]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_ts_view('v', 'prices', 'day', '{"price": "last", "rsi": 100000}');
\echo :LAST_ERROR_SQLSTATE
SELECT fin_ts_view('v', 'prices', 'day', '{"price": "last", "windows": [5, 20, 5]}');
\echo :LAST_ERROR_SQLSTATE

-- Intraday series: two symbols every 17 minutes over 56 hours (a DST change of the session's
-- time zone among them), one with a zero and a negative price.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
CREATE TABLE ticks AS
SELECT s.symbol, TIMESTAMPTZ '2024-03-08 14:30:00+00' + (t - 1) * interval '17 minutes' AS ts,
       CASE WHEN s.symbol = 'BBB' AND t = 40 THEN 0
            WHEN s.symbol = 'BBB' AND t = 41 THEN -1.5
            ELSE 50 + 5 * sin(t / 9.0) END::float8 AS close
  FROM (VALUES ('AAA'), ('BBB')) AS s(symbol), generate_series(1, 200) AS t;
RESET TimeZone;
SELECT fin_ts_view('tick_features', 'ticks', 'ts',
                   '{"partition_by": "symbol", "returns": [1, 3], "windows": [5], "ema": [3],
                     "rsi": 3, "macd": null, "bollinger": 5,
                     "calendar": ["day_of_week", "hour", "minute"],
                     "targets": {"return": [2], "volatility": [2]}}');
-- hour and minute (and the day of week) of a timestamptz are those of UTC, in any session's
-- time zone (Asia/Kolkata is 5:30 ahead: its minutes differ too).
SET TimeZone = 'Asia/Kolkata';
SELECT count(*) AS rows, count(DISTINCT hour) AS hours, count(DISTINCT minute) AS minutes,
       count(*) FILTER (WHERE hour <> extract(hour FROM ts AT TIME ZONE 'UTC')
                           OR minute <> extract(minute FROM ts AT TIME ZONE 'UTC')
                           OR day_of_week <> extract(isodow FROM ts AT TIME ZONE 'UTC')) AS not_utc
  FROM tick_features;
RESET TimeZone;
-- A date has no hour (22023).
SELECT fin_ts_view('v', 'prices', 'day', '{"price": "last", "calendar": ["hour"]}');
\echo :LAST_ERROR_SQLSTATE
-- A zero or negative price makes the returns that read it NULL (and the windows and targets
-- that read those), instead of failing every query on the view (2201E): BBB's prices 40 and
-- 41 are 0 and -1.5.
SELECT symbol, count(*) AS rows, count(ret_1) AS returns, count(ret_3) AS returns_3,
       count(ret_std_5) AS windows_defined, count(target_return_2) AS forward_returns,
       count(target_volatility_2) AS forward_volatility, count(ema_ratio_3) AS ema_ratios
  FROM tick_features GROUP BY symbol ORDER BY symbol;

-- One row per series and time: rows that share a time would order the series by their
-- physical order. The view refuses them whenever it is read (22000, naming the first such
-- key), rows inserted after fin_ts_view included; a series without repeats still reads.
SET TimeZone = 'UTC';
INSERT INTO ticks VALUES ('BBB', TIMESTAMPTZ '2024-03-08 17:20:00+00', 999);
SELECT count(*) FROM tick_features;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS aaa_rows FROM tick_features WHERE symbol = 'AAA';
-- fin_ts_view refuses them before it creates anything.
SELECT fin_ts_view('tick_features', 'ticks', 'ts', '{"partition_by": "symbol"}');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM ticks WHERE close = 999;
RESET TimeZone;
SELECT count(*) AS rows FROM tick_features;

-- Regenerating a view keeps what was given to it. Columns added after the old ones: the view
-- is replaced in place (grants, comments, options and the views over it stay).
CREATE ROLE finml_ts_reader;
GRANT SELECT ON tick_features TO finml_ts_reader;
COMMENT ON VIEW tick_features IS 'intraday features';
COMMENT ON COLUMN tick_features.hour IS 'hour in UTC';
ALTER VIEW tick_features SET (security_barrier = true);
CREATE VIEW tick_summary AS SELECT symbol, count(*) AS n FROM tick_features GROUP BY symbol;
SELECT fin_ts_view('tick_features', 'ticks', 'ts',
                   '{"partition_by": "symbol", "returns": [1, 3], "windows": [5], "ema": [3],
                     "rsi": 3, "macd": null, "bollinger": 5,
                     "calendar": ["day_of_week", "hour", "minute"],
                     "targets": {"return": [2], "volatility": [2, 4]}}');
SELECT has_table_privilege('finml_ts_reader', 'tick_features', 'SELECT') AS reader_may_select,
       obj_description('tick_features'::regclass, 'pg_class') AS comment,
       col_description('tick_features'::regclass,
                       (SELECT attnum FROM pg_attribute
                         WHERE attrelid = 'tick_features'::regclass AND attname = 'hour')) AS hour_comment,
       (SELECT reloptions FROM pg_class WHERE oid = 'tick_features'::regclass) AS options,
       (SELECT count(*) FROM tick_summary) AS summary_rows,
       (SELECT count(target_volatility_4) FROM tick_features) AS new_column_values;
-- Columns that change while another view reads this one: refused (55006), naming it.
SELECT fin_ts_view('tick_features', 'ticks', 'ts', '{"partition_by": "symbol", "returns": [1]}');
\echo :LAST_ERROR_SQLSTATE
-- Without it, the view is created again with its owner, grants, comment and options (the
-- comment of a column that is gone goes with it).
DROP VIEW tick_summary;
SELECT fin_ts_view('tick_features', 'ticks', 'ts', '{"partition_by": "symbol", "returns": [1]}');
SELECT has_table_privilege('finml_ts_reader', 'tick_features', 'SELECT') AS reader_may_select,
       obj_description('tick_features'::regclass, 'pg_class') AS comment,
       (SELECT reloptions FROM pg_class WHERE oid = 'tick_features'::regclass) AS options,
       (SELECT count(*) FROM pg_description WHERE objoid = 'tick_features'::regclass AND objsubid > 0) AS column_comments,
       (SELECT pg_get_userbyid(relowner) = current_user FROM pg_class WHERE oid = 'tick_features'::regclass) AS same_owner;
ROLLBACK;
