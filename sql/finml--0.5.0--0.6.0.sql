\echo Use "ALTER EXTENSION finml UPDATE TO '0.6.0'" to load this file. \quit
-- finml 0.5.0 -> 0.6.0: segmentation and anomaly detection. fin_train(..., target => NULL,
-- algorithm => 'kmeans' | 'isolation_forest') trains without a target; fin_cluster,
-- fin_clusters and fin_anomaly_score read those models. The catalog admits their tasks and
-- a NULL target. Time series: fin_ts_view (point-in-time features as a view), the fin_ema
-- window aggregate, fin_backtest (walk-forward). Every stored model predicts as before. tests/pg_regress/sql/upgrade.sql
-- checks that an upgraded database has exactly the schema of a fresh 0.6.0 install.

ALTER TABLE finml.model_versions ALTER COLUMN target DROP NOT NULL;
ALTER TABLE finml.model_versions DROP CONSTRAINT model_versions_task_check;
ALTER TABLE finml.model_versions ADD CONSTRAINT model_versions_task_check
    CHECK (task IN ('classification', 'regression', 'clustering', 'anomaly_detection'));

CREATE  FUNCTION "fin_cluster"(
	"model" TEXT, /* & str */
	"row" record /* RecordArg */
) RETURNS INT /* Result < i32, ErrorReport > */
STRICT STABLE PARALLEL SAFE COST 100
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_cluster_wrapper';

CREATE  FUNCTION "fin_anomaly_score"(
	"model" TEXT, /* & str */
	"row" record /* RecordArg */
) RETURNS double precision /* Result < f64, ErrorReport > */
STRICT STABLE PARALLEL SAFE COST 100
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_anomaly_score_wrapper';

CREATE  FUNCTION "fin_clusters"(
	"model" TEXT /* & str */
) RETURNS TABLE (
	"cluster" INT,  /* i32 */
	"rows" bigint,  /* i64 */
	"share" double precision,  /* f64 */
	"rank" INT,  /* i32 */
	"term" TEXT,  /* String */
	"mean" double precision,  /* f64 */
	"z_score" double precision  /* f64 */
)
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_clusters_wrapper';

CREATE  FUNCTION "fin_ema_step"(
	"state" double precision, /* Option < f64 > */
	"x" double precision, /* Option < f64 > */
	"span" double precision /* Option < f64 > */
) RETURNS double precision /* Result < Option < f64 > , ErrorReport > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_ema_step_wrapper';

CREATE  FUNCTION "fin_ts_view"(
	"view" TEXT, /* & str */
	"relation" regclass, /* PgRelation */
	"time_column" TEXT, /* & str */
	"options" jsonb DEFAULT '{}' /* JsonB */
) RETURNS TEXT /* Result < String, ErrorReport > */
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_ts_view_wrapper';

CREATE  FUNCTION "fin_backtest"(
	"model" TEXT, /* Option < & str > */
	"relation" regclass, /* Option < PgRelation > */
	"target" TEXT, /* Option < & str > */
	"algorithm" TEXT, /* Option < & str > */
	"time_column" TEXT, /* Option < & str > */
	"options" jsonb DEFAULT '{}' /* Option < JsonB > */
) RETURNS TABLE (
	"fold" INT,  /* Option < i32 > */
	"train_from" timestamp,  /* Option < Timestamp > */
	"train_to" timestamp,  /* Option < Timestamp > */
	"test_from" timestamp,  /* Option < Timestamp > */
	"test_to" timestamp,  /* Option < Timestamp > */
	"train_rows" bigint,  /* Option < i64 > */
	"test_rows" bigint,  /* Option < i64 > */
	"metric" TEXT,  /* String */
	"value" double precision,  /* f64 */
	"majority" double precision,  /* Option < f64 > */
	"previous" double precision  /* Option < f64 > */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_backtest_wrapper';

CREATE AGGREGATE fin_ema(x float8, span float8) (
    SFUNC = fin_ema_step,
    STYPE = float8,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE fin_ema(float8, float8) IS
    'exponential moving average (pandas ewm(span, adjust=False)); as a window function, O(1) per row';
