\echo Use "ALTER EXTENSION finml UPDATE TO '0.6.0'" to load this file. \quit
-- finml 0.5.0 -> 0.6.0: segmentation and anomaly detection. fin_train(..., target => NULL,
-- algorithm => 'kmeans' | 'isolation_forest') trains without a target; fin_cluster,
-- fin_clusters and fin_anomaly_score read those models. The catalog admits their tasks and
-- a NULL target. Every stored model predicts as before. tests/pg_regress/sql/upgrade.sql
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

