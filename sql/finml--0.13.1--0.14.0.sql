\echo Use "ALTER EXTENSION finml UPDATE TO '0.14.0'" to load this file. \quit
-- finml 0.13.1 -> 0.14.0: training from sums on one node reads a row's features as arguments
-- of their own (fin_training_column_sums, fin_training_column_output) instead of building two
-- arrays per row; a distributed table's passes still use fin_training_sums, which Citus pushes
-- down. The medians' first ranks pass carries the moments, the second the spread.
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded database has exactly the schema of a
-- fresh 0.14.0 install.

CREATE FUNCTION fin_training_column_sums_step(cells float8[], pass text, label float8, VARIADIC features "any")
RETURNS float8[] IMMUTABLE PARALLEL SAFE COST 100
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_column_sums_step';
CREATE AGGREGATE fin_training_column_sums(pass text, label float8, VARIADIC features "any") (
    SFUNC = fin_training_column_sums_step,
    STYPE = float8[],
    INITCOND = '{}',
    COMBINEFUNC = fin_training_sums_add,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE fin_training_column_sums(text, float8, VARIADIC "any") IS
    'one pass of a training from sums, as fin_training_sums, over rows given as their label and their features as arguments (float8 numbers, then texts); fin_train makes the passes';
CREATE FUNCTION fin_training_column_output(pass text, VARIADIC features "any")
RETURNS float8 IMMUTABLE PARALLEL SAFE
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_column_output';
COMMENT ON FUNCTION fin_training_column_sums_step(double precision[], text, double precision, VARIADIC "any") IS 'Transition function of fin_training_column_sums';
COMMENT ON FUNCTION fin_training_column_output(text, VARIADIC "any") IS 'One training row''s output under a training pass in progress, the row given as its features (float8 numbers, then texts)';
