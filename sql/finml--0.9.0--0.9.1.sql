\echo Use "ALTER EXTENSION finml UPDATE TO '0.9.1'" to load this file. \quit
-- finml 0.9.0 -> 0.9.1: a security release (no input from any role can take the server down).
-- The library bounds and identifies the training sums' passes and states, validates every
-- imported model's fields, counts text levels and monitored periods in the memory budget,
-- and brings the settings finml.max_trainings_per_role and
-- finml.max_waiting_trainings_per_role. In SQL: the check that fin_ts_view's views run when
-- read, refusing rows of one series that share a time. Views made by 0.9.0 get it when
-- fin_ts_view regenerates them.

CREATE FUNCTION "fin_ts_repeated_key"("series_column" TEXT, "series" TEXT, "time_column" TEXT, "time" TEXT, "rows" bigint)
RETURNS bool IMMUTABLE PARALLEL SAFE LANGUAGE c AS 'MODULE_PATHNAME', 'fin_ts_repeated_key_wrapper';
COMMENT ON FUNCTION fin_ts_repeated_key(text, text, text, text, bigint) IS 'Raises 22000 naming a (series, time) key that several rows share: the check fin_ts_view''s views run when read';
