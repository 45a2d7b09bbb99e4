-- The time-series bench table: 10 daily series of :nrows / 10 rows each (psql -v nrows=N),
-- and fin_ts_view's default view over it.
SET client_min_messages = warning;
DROP TABLE IF EXISTS ts_prices CASCADE;
CREATE TABLE ts_prices AS
SELECT 'S' || s AS symbol, DATE '1800-01-01' + t AS day,
       100 * exp(0.0001 * t + 0.05 * sin(t / 7.0 + s) + 0.02 * sin(t::float8 * t / 97)) AS close,
       1000 + 400 * sin(t / 5.0 + s) AS volume
  FROM generate_series(1, 10) s, generate_series(1, :nrows / 10) t;
ALTER TABLE ts_prices ADD COLUMN high float8, ADD COLUMN low float8;
UPDATE ts_prices SET high = close * 1.01, low = close * 0.99;
VACUUM ANALYZE ts_prices;
SELECT fin_ts_view('ts_features', 'ts_prices', 'day', '{"partition_by": "symbol"}') IS NOT NULL;
