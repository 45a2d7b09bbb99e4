\echo Use "ALTER EXTENSION finml UPDATE TO '0.7.0'" to load this file. \quit
-- finml 0.6.1 -> 0.7.0: scale-out on Citus (README "Scale-out on Citus").
-- fin_distribute_catalog() makes the catalog tables that row functions read Citus reference
-- tables, so fin_predict and the other row functions run on the workers, shard by shard.
-- fin_psi counts with the aggregate fin_drift_counts(model, numbers, texts) (combine function
-- fin_drift_counts_add):
-- parallel workers on one node, and Citus's workers, each count a part of the rows.
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded database has exactly the schema of
-- a fresh 0.7.0 install.
CREATE  FUNCTION "fin_distribute_catalog"() RETURNS TABLE (
	"catalog_table" TEXT,  /* String */
	"made_reference" bool  /* bool */
)
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_distribute_catalog_wrapper';

CREATE FUNCTION fin_drift_counts_step(counts int8[], model text, numbers float8[], texts text[])
RETURNS int8[] STABLE STRICT PARALLEL SAFE COST 100
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_drift_counts_step';

CREATE  FUNCTION "fin_drift_counts_add"(
	"a" bigint[], /* Array < '_, i64 > */
	"b" bigint[] /* Array < '_, i64 > */
) RETURNS bigint[] /* Result < Vec < i64 > , ErrorReport > */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_drift_counts_add_wrapper';

CREATE AGGREGATE fin_drift_counts(model text, numbers float8[], texts text[]) (
    SFUNC = fin_drift_counts_step,
    STYPE = int8[],
    INITCOND = '{}',
    COMBINEFUNC = fin_drift_counts_add,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE fin_drift_counts(text, float8[], text[]) IS
    'the counts behind fin_psi of rows given as their numeric and text features (rows, then the output''s and each feature''s buckets); parallel and Citus workers count parts, added by fin_drift_counts_add';
