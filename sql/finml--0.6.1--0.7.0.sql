\echo Use "ALTER EXTENSION finml UPDATE TO '0.7.0'" to load this file. \quit
-- finml 0.6.1 -> 0.7.0: scale-out on Citus (README "Scale-out on Citus").
-- fin_distribute_catalog() makes the catalog tables that row functions read Citus reference
-- tables, so fin_predict and the other row functions run on the workers, shard by shard.
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded database has exactly the schema of
-- a fresh 0.7.0 install.
CREATE  FUNCTION "fin_distribute_catalog"() RETURNS TABLE (
	"catalog_table" TEXT,  /* String */
	"made_reference" bool  /* bool */
)
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_distribute_catalog_wrapper';

