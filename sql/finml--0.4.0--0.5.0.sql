\echo Use "ALTER EXTENSION finml UPDATE TO '0.5.0'" to load this file. \quit
-- finml 0.4.0 -> 0.5.0: for reporting jobs. Batch scoring with provenance (fin_score_table,
-- fin_score_row, fin_version), scoring code (fin_model_sql), gains tables (fin_gains), feature
-- screening (fin_profile), drift for every algorithm (fin_psi) and monitoring by period with a
-- stored history (fin_monitor, finml.monitoring); average precision and precision/recall at
-- the top k% in fin_evaluate, fin_threshold (the cutoff of least expected cost), and
-- self-training on unlabelled rows (finml.training_log.rows_added).
-- Existing tables do not change and every stored model predicts as before; versions trained
-- before 0.5.0 that are not scorecards have no training distributions, so fin_psi and
-- fin_monitor ask for a retrained version. tests/pg_regress/sql/upgrade.sql checks
-- that an upgraded database has exactly the schema of a fresh 0.5.0 install.

-- fin_monitor's stored history (fin_monitor(..., options => '{"store": true}')): one row per
-- model version, monitored relation and period; a later run over the same period replaces it.
-- Read through the view finml.monitoring.
CREATE TABLE finml.monitoring_log (
    model        text        NOT NULL,
    version      int         NOT NULL,
    relation     text        NOT NULL,
    period       text        NOT NULL,
    rows         bigint      NOT NULL,
    labelled_rows bigint     NOT NULL,
    event_rate   float8,
    mean_predicted float8    NOT NULL,
    auc          float8,
    ks           float8,
    gini         float8,
    brier        float8,
    hosmer_lemeshow_p float8,
    psi          float8      NOT NULL,
    max_csi_feature text,
    max_csi      float8,
    status       text        NOT NULL CHECK (status IN ('stable', 'watch', 'shifted')),
    run_at       timestamptz NOT NULL,
    run_by       name        NOT NULL,
    PRIMARY KEY (model, version, relation, period)
);
SELECT pg_catalog.pg_extension_config_dump('finml.monitoring_log', '');

-- The monitoring history of the models the current role may use.
CREATE VIEW finml.monitoring WITH (security_barrier) AS
SELECT m.model, m.version, m.relation, m.period, m.rows, m.labelled_rows, m.event_rate,
       m.mean_predicted, m.auc, m.ks, m.gini, m.brier, m.hosmer_lemeshow_p, m.psi,
       m.max_csi_feature, m.max_csi, m.status, m.run_at, m.run_by
  FROM finml.monitoring_log m
 WHERE finml.can_use(m.model)
 ORDER BY m.model, m.version, m.relation, m.period;

-- What fin_score_row returns for one row (and fin_score_table writes).
CREATE TYPE finml.scored_row AS (
    prediction  float8,     -- the probability of the positive class, or the regression value
    score       int,        -- a scorecard's points
    reasons     text[],     -- a scorecard's principal reason codes, most points lost first
    decision    text        -- the class decided at the cutoff
);

-- Self-training keeps its rounds in the training log: the rows each round labelled.
ALTER TABLE finml.training_epochs ADD COLUMN rows_added bigint;
CREATE OR REPLACE VIEW finml.training_log WITH (security_barrier) AS
SELECT t.model, t.version, t.epoch, t.train_loss, t.valid_loss, t.seconds, t.rows_added
  FROM finml.training_epochs t
 WHERE finml.can_use(t.model)
 ORDER BY t.model, t.version, t.epoch;

REVOKE ALL ON finml.monitoring_log FROM PUBLIC;
GRANT SELECT ON finml.monitoring TO PUBLIC;

CREATE  FUNCTION "fin_version"(
	"model" TEXT /* & str */
) RETURNS INT /* Result < i32, ErrorReport > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_version_wrapper';

CREATE  FUNCTION "fin_score_row"(
	"model" TEXT, /* Option < & str > */
	"row" record, /* Option < RecordArg > */
	"reasons" INT DEFAULT 4, /* Option < i32 > */
	"cutoff" double precision DEFAULT NULL /* Option < f64 > */
) RETURNS finml.scored_row /* Result < ScoredRow, ErrorReport > */
STABLE PARALLEL SAFE COST 100
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_score_row_wrapper';

CREATE  FUNCTION "fin_score_table"(
	"model" TEXT, /* Option < & str > */
	"source" regclass, /* Option < PgRelation > */
	"target" TEXT, /* Option < & str > */
	"options" jsonb DEFAULT '{}' /* Option < JsonB > */
) RETURNS bigint /* Result < i64, ErrorReport > */
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_score_table_wrapper';

CREATE  FUNCTION "fin_model_sql"(
	"model" TEXT, /* & str */
	"output" TEXT DEFAULT 'prediction' /* & str */
) RETURNS TEXT /* Result < String, ErrorReport > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_model_sql_wrapper';

CREATE  FUNCTION "fin_gains"(
	"model" TEXT, /* Option < & str > */
	"relation" regclass, /* Option < PgRelation > */
	"bands" INT DEFAULT 10, /* Option < i32 > */
	"cutoffs" double precision[] DEFAULT NULL /* :: std :: option :: Option < Vec < f64 > > */
) RETURNS TABLE (
	"band" INT,  /* i32 */
	"min_probability" double precision,  /* Option < f64 > */
	"max_probability" double precision,  /* Option < f64 > */
	"rows" bigint,  /* i64 */
	"events" bigint,  /* i64 */
	"event_rate" double precision,  /* Option < f64 > */
	"cum_events_share" double precision,  /* f64 */
	"cum_non_events_share" double precision,  /* f64 */
	"ks" double precision,  /* f64 */
	"lift" double precision,  /* Option < f64 > */
	"cum_lift" double precision  /* f64 */
)
STABLE PARALLEL RESTRICTED
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_gains_wrapper';

CREATE  FUNCTION "fin_monitor"(
	"model" TEXT, /* Option < & str > */
	"relation" regclass, /* Option < PgRelation > */
	"period" TEXT, /* Option < & str > */
	"options" jsonb DEFAULT '{}' /* Option < JsonB > */
) RETURNS TABLE (
	"period" TEXT,  /* Option < String > */
	"rows" bigint,  /* i64 */
	"labelled_rows" bigint,  /* i64 */
	"event_rate" double precision,  /* Option < f64 > */
	"mean_predicted" double precision,  /* f64 */
	"auc" double precision,  /* Option < f64 > */
	"ks" double precision,  /* Option < f64 > */
	"gini" double precision,  /* Option < f64 > */
	"brier" double precision,  /* Option < f64 > */
	"hosmer_lemeshow_p" double precision,  /* Option < f64 > */
	"psi" double precision,  /* f64 */
	"max_csi_feature" TEXT,  /* Option < String > */
	"max_csi" double precision,  /* Option < f64 > */
	"status" TEXT  /* String */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_monitor_wrapper';

CREATE  FUNCTION "fin_profile"(
	"relation" regclass, /* Option < PgRelation > */
	"target" TEXT, /* Option < & str > */
	"options" jsonb DEFAULT '{}' /* Option < JsonB > */
) RETURNS TABLE (
	"column_name" TEXT,  /* String */
	"type_name" TEXT,  /* String */
	"null_share" double precision,  /* Option < f64 > */
	"distinct_values" bigint,  /* Option < i64 > */
	"min" double precision,  /* Option < f64 > */
	"median" double precision,  /* Option < f64 > */
	"max" double precision,  /* Option < f64 > */
	"top_levels" TEXT,  /* Option < String > */
	"iv" double precision,  /* Option < f64 > */
	"auc" double precision,  /* Option < f64 > */
	"correlated_with" TEXT,  /* Option < String > */
	"action" TEXT  /* String */
)
STABLE PARALLEL RESTRICTED
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_profile_wrapper';

-- fin_evaluate with options (precision and recall at the top k%), and the cost-minimizing
-- cutoff for fraud decisions.
CREATE  FUNCTION "fin_evaluate"(
	"model" TEXT, /* & str */
	"relation" regclass, /* PgRelation */
	"threshold" double precision, /* f64 */
	"options" jsonb /* JsonB */
) RETURNS TABLE (
	"metric" TEXT,  /* String */
	"value" double precision  /* f64 */
)
STRICT STABLE PARALLEL RESTRICTED 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_evaluate_with_options_wrapper';

CREATE  FUNCTION "fin_threshold"(
	"model" TEXT, /* & str */
	"relation" regclass, /* PgRelation */
	"cost_fp" double precision, /* f64 */
	"cost_fn" double precision /* f64 */
) RETURNS TABLE (
	"threshold" double precision,  /* Option < f64 > */
	"expected_cost" double precision,  /* f64 */
	"total_cost" double precision,  /* f64 */
	"true_positives" bigint,  /* i64 */
	"false_positives" bigint,  /* i64 */
	"true_negatives" bigint,  /* i64 */
	"false_negatives" bigint  /* i64 */
)
STRICT STABLE PARALLEL RESTRICTED
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_threshold_wrapper';
