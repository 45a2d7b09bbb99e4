-- finml 0.2.0 -> 0.3.0: evaluation on labelled rows (fin_evaluate, fin_roc, fin_confusion,
-- fin_calibration), explanations (fin_explain, fin_importance) and the model report
-- (fin_report); MLP models and their training log (finml.training_log). Existing tables do
-- not change; versions trained before 0.3.0 keep
-- predicting as they did, and fin_explain, fin_importance and the report's charts ask for a
-- retrained version (they need what training now keeps). tests/pg_regress/sql/upgrade.sql
-- checks that an upgraded database has exactly the schema of a fresh 0.3.0 install.

-- One row per epoch of each MLP training (read through the view finml.training_log).
CREATE TABLE finml.training_epochs (
    model       text        NOT NULL,
    version     int         NOT NULL,
    epoch       int         NOT NULL CHECK (epoch > 0),
    train_loss  float8      NOT NULL,
    valid_loss  float8,                 -- with early_stopping only
    seconds     float8      NOT NULL,
    PRIMARY KEY (model, version, epoch)
);
SELECT pg_catalog.pg_extension_config_dump('finml.training_epochs', '');

-- The training log of the MLP versions the current role may use.
CREATE VIEW finml.training_log WITH (security_barrier) AS
SELECT t.model, t.version, t.epoch, t.train_loss, t.valid_loss, t.seconds
  FROM finml.training_epochs t
 WHERE finml.can_use(t.model)
 ORDER BY t.model, t.version, t.epoch;

REVOKE ALL ON finml.training_epochs FROM PUBLIC;
GRANT SELECT ON finml.training_log TO PUBLIC;

CREATE  FUNCTION "fin_evaluate"(
	"model" TEXT,
	"relation" regclass,
	"threshold" double precision DEFAULT 0.5
) RETURNS TABLE (
	"metric" TEXT,
	"value" double precision
)
STRICT STABLE PARALLEL RESTRICTED
LANGUAGE c
AS 'MODULE_PATHNAME', 'fin_evaluate_wrapper';

CREATE  FUNCTION "fin_roc"(
	"model" TEXT,
	"relation" regclass,
	"points" INT DEFAULT 100
) RETURNS TABLE (
	"threshold" double precision,
	"tpr" double precision,
	"fpr" double precision,
	"precision" double precision
)
STRICT STABLE PARALLEL RESTRICTED
LANGUAGE c
AS 'MODULE_PATHNAME', 'fin_roc_wrapper';

CREATE  FUNCTION "fin_confusion"(
	"model" TEXT,
	"relation" regclass,
	"threshold" double precision DEFAULT 0.5
) RETURNS TABLE (
	"actual" TEXT,
	"predicted" TEXT,
	"count" bigint
)
STRICT STABLE PARALLEL RESTRICTED
LANGUAGE c
AS 'MODULE_PATHNAME', 'fin_confusion_wrapper';

CREATE  FUNCTION "fin_calibration"(
	"model" TEXT,
	"relation" regclass,
	"bins" INT DEFAULT 10
) RETURNS TABLE (
	"bin" INT,
	"mean_predicted" double precision,
	"observed_rate" double precision,
	"count" bigint
)
STRICT STABLE PARALLEL RESTRICTED
LANGUAGE c
AS 'MODULE_PATHNAME', 'fin_calibration_wrapper';

CREATE  FUNCTION "fin_explain"(
	"model" TEXT,
	"row" record,
	"top_k" INT DEFAULT 5
) RETURNS TABLE (
	"feature" TEXT,
	"value" TEXT,
	"contribution" double precision
)
STRICT STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'fin_explain_wrapper';

CREATE  FUNCTION "fin_importance"(
	"model" TEXT
) RETURNS TABLE (
	"feature" TEXT,
	"importance" double precision
)
STRICT STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'fin_importance_wrapper';

CREATE  FUNCTION "fin_report"(
	"model" TEXT
) RETURNS TEXT
STRICT STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'fin_report_wrapper';
