\echo Use "ALTER EXTENSION finml UPDATE TO '0.8.0'" to load this file. \quit
-- finml 0.7.0 -> 0.8.0: training from sums where the rows are stored (DESIGN.md "Training
-- from sums"). fin_train of a logistic or linear regression on a Citus distributed table (or with
-- options "aggregate": true) runs each pass over the rows as the aggregate
-- fin_training_sums(pass, numbers, texts, label) (combine function fin_training_sums_add):
-- parallel workers on one node, and Citus's workers, each sum a part of the rows;
-- fin_training_output gives the rows' outputs for the metrics.
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded database has exactly the schema of
-- a fresh 0.8.0 install.
CREATE FUNCTION fin_training_sums_step(cells float8[], pass text, numbers float8[], texts text[], label float8)
RETURNS float8[] IMMUTABLE STRICT PARALLEL SAFE COST 100
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_sums_step';

CREATE  FUNCTION "fin_training_sums_add"(
	"a" double precision[], /* Array < '_, f64 > */
	"b" double precision[] /* Array < '_, f64 > */
) RETURNS double precision[] /* Result < Vec < f64 > , ErrorReport > */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_training_sums_add_wrapper';

CREATE AGGREGATE fin_training_sums(pass text, numbers float8[], texts text[], label float8) (
    SFUNC = fin_training_sums_step,
    STYPE = float8[],
    INITCOND = '{}',
    COMBINEFUNC = fin_training_sums_add,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE fin_training_sums(text, float8[], text[], float8) IS
    'one pass of a training from sums (moments, median ranks, spread, Newton, normal equations, residuals) over rows given as their numeric and text features and label (a class as 1 or 0, or a regression''s target); parallel and Citus workers sum parts, added by fin_training_sums_add; fin_train makes the passes';

CREATE FUNCTION fin_training_output(pass text, numbers float8[], texts text[])
RETURNS float8 IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_training_output';
