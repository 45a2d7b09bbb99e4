\echo Use "ALTER EXTENSION finml UPDATE TO '0.17.0'" to load this file. \quit
-- finml 0.16.0 -> 0.17.0: survival models for IFRS 9 / CECL (issue 40, first part):
-- algorithm 'cox' (its training options duration and entry need no catalog change), a loan's
-- PD term structure (fin_pd_curve) and its PD over a horizon (fin_pd), expected credit loss
-- per loan and by stage (fin_ecl, fin_ecl_summary).
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded database has exactly the schema of a
-- fresh 0.17.0 install.

ALTER TABLE finml.model_versions DROP CONSTRAINT model_versions_task_check;
ALTER TABLE finml.model_versions ADD CONSTRAINT model_versions_task_check
    CHECK (task IN ('classification', 'regression', 'clustering', 'anomaly_detection', 'survival'));

CREATE  FUNCTION "fin_pd_curve"(
	"model" TEXT, /* &str */
	"row" record, /* RecordArg */
	"horizon" INT /* i32 */
) RETURNS TABLE (
	"period" INT,  /* i32 */
	"hazard" double precision,  /* f64 */
	"cumulative_pd" double precision,  /* f64 */
	"survival" double precision  /* f64 */
)
STABLE STRICT PARALLEL SAFE COST 100
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_pd_curve_wrapper';
COMMENT ON FUNCTION fin_pd_curve(text, record, integer) IS 'A loan''s PD term structure from a survival model: each period''s hazard, cumulative PD and survival up to the horizon';

CREATE  FUNCTION "fin_pd"(
	"model" TEXT, /* &str */
	"row" record, /* RecordArg */
	"horizon" INT /* i32 */
) RETURNS double precision /* f64 */
STABLE STRICT PARALLEL SAFE COST 100
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_pd_wrapper';
COMMENT ON FUNCTION fin_pd(text, record, integer) IS 'The probability of default within the horizon (12 for the 12-month PD, the remaining term for the lifetime PD): a survival model''s cumulative PD, a two-class classifier''s probability at 12';

CREATE FUNCTION "fin_ecl"(
	"model" TEXT,
	"relation" regclass,
	"options" jsonb
) RETURNS TABLE (
	"loan" TEXT,
	"stage" INT,
	"pd_12m" double precision,
	"pd_lifetime" double precision,
	"ead" double precision,
	"ecl_12m" double precision,
	"ecl_lifetime" double precision,
	"ecl" double precision,
	"version" INT
)
STABLE PARALLEL RESTRICTED
LANGUAGE c
AS 'MODULE_PATHNAME', 'fin_ecl_wrapper';
COMMENT ON FUNCTION fin_ecl(text, regclass, jsonb) IS 'Expected credit loss per loan (IFRS 9 / CECL): stage, 12-month and lifetime PD, EAD, 12-month and lifetime ECL discounted at the effective interest rate over weighted macro scenarios, and the version used';

CREATE  FUNCTION "fin_ecl_summary"(
	"model" TEXT, /* &str */
	"relation" regclass, /* PgRelation */
	"options" jsonb /* JsonB */
) RETURNS TABLE (
	"stage" INT,  /* Option < i32 > */
	"loans" bigint,  /* i64 */
	"exposure" double precision,  /* f64 */
	"ecl" double precision,  /* f64 */
	"coverage" double precision,  /* Option < f64 > */
	"version" INT  /* i32 */
)
STABLE STRICT PARALLEL RESTRICTED
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_ecl_summary_wrapper';
COMMENT ON FUNCTION fin_ecl_summary(text, regclass, jsonb) IS 'fin_ecl''s loans summed by stage, then all of them: loans, exposure, ECL and coverage';
