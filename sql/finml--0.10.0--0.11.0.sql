\echo Use "ALTER EXTENSION finml UPDATE TO '0.11.0'" to load this file. \quit
-- finml 0.10.0 -> 0.11.0: multi-class targets, cross-validation and hyperparameter search.
-- Multi-class models (multinomial logistic regression; stored in format 9, which older finml
-- refuses) predict with fin_predict_class and fin_predict_proba, whose probabilities follow
-- finml.models.classes (a new column of finml.model_versions, kept for every classifier trained
-- from 0.11.0 on). fin_cross_validate
-- measures a training specification over k folds (stored nothing); fin_tune searches an
-- algorithm's options by cross-validation on the training split and stores the best trial,
-- refitted, as the model's next version, keeping every trial in finml.tuning_trials (read
-- through the view finml.trials, kept by pg_dump, dropped with the model). Every stored model
-- predicts as before. tests/pg_regress/sql/upgrade.sql checks that an upgraded database has
-- exactly the schema of a fresh 0.11.0 install.

ALTER TABLE finml.model_versions ADD COLUMN classes text[];
CREATE OR REPLACE VIEW finml.models WITH (security_barrier) AS
SELECT v.name, v.version, v.algorithm, v.task,
       coalesce(d.version = v.version, false) AS deployed,
       v.trained_at, v.trained_by, v.train_rows, v.test_rows, v.relation, v.target,
       v.features, v.metrics, o.owner, v.options, v.requested_features, v.imported,
       v.classes
  FROM finml.model_versions v
  JOIN finml.model_owners o ON o.name = v.name
  LEFT JOIN finml.deployments d ON d.name = v.name
 WHERE finml.can_use(v.name)
 ORDER BY v.name, v.version;

-- Every trial of each fin_tune search, for the version it chose (read through the view
-- finml.trials).
CREATE TABLE finml.tuning_trials (
    model       text        NOT NULL,
    version     int         NOT NULL,
    trial       int         NOT NULL CHECK (trial > 0),
    options     jsonb       NOT NULL,   -- the searched options' values
    metric      text        NOT NULL,
    folds       int         NOT NULL,
    mean        float8      NOT NULL,
    std         float8      NOT NULL,
    seconds     float8      NOT NULL,
    chosen      boolean     NOT NULL,
    PRIMARY KEY (model, version, trial)
);
SELECT pg_catalog.pg_extension_config_dump('finml.tuning_trials', '');
REVOKE ALL ON finml.tuning_trials FROM PUBLIC;

-- The search trials of the model versions the current role may use.
CREATE VIEW finml.trials WITH (security_barrier) AS
SELECT t.model, t.version, t.trial, t.options, t.metric, t.folds, t.mean, t.std, t.seconds,
       t.chosen
  FROM finml.tuning_trials t
 WHERE finml.can_use(t.model)
 ORDER BY t.model, t.version, t.trial;
GRANT SELECT ON finml.trials TO PUBLIC;

CREATE  FUNCTION "fin_predict_proba"(
	"model" TEXT, /* & str */
	"row" record /* RecordArg */
) RETURNS double precision[] /* Result < Vec < f64 > , ErrorReport > */
STRICT STABLE PARALLEL SAFE  COST 100
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_predict_proba_row_wrapper';

CREATE  FUNCTION "fin_predict_proba"(
	"model" TEXT, /* & str */
	"features" double precision[] /* Array < '_, f64 > */
) RETURNS double precision[] /* Result < Vec < f64 > , ErrorReport > */
STRICT STABLE PARALLEL SAFE  COST 100
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_predict_proba_array_wrapper';

CREATE  FUNCTION "fin_predict_class"(
	"model" TEXT, /* & str */
	"row" record /* RecordArg */
) RETURNS TEXT /* Result < String, ErrorReport > */
STRICT STABLE PARALLEL SAFE  COST 100
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_predict_class_row_wrapper';

CREATE  FUNCTION "fin_predict_class"(
	"model" TEXT, /* & str */
	"features" double precision[] /* Array < '_, f64 > */
) RETURNS TEXT /* Result < String, ErrorReport > */
STRICT STABLE PARALLEL SAFE  COST 100
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_predict_class_array_wrapper';

CREATE  FUNCTION "fin_cross_validate"(
	"relation" regclass, /* Option < PgRelation > */
	"target" TEXT, /* Option < & str > */
	"algorithm" TEXT DEFAULT 'logistic', /* Option < & str > */
	"features" TEXT[] DEFAULT NULL, /* :: std :: option :: Option < Vec < Option < String > > > */
	"options" jsonb DEFAULT '{}', /* Option < JsonB > */
	"folds" INT DEFAULT 5 /* Option < i32 > */
) RETURNS TABLE (
	"fold" INT,  /* Option < i32 > */
	"train_rows" bigint,  /* Option < i64 > */
	"test_rows" bigint,  /* Option < i64 > */
	"metric" TEXT,  /* String */
	"value" double precision,  /* f64 */
	"std" double precision  /* Option < f64 > */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_cross_validate_wrapper';

CREATE  FUNCTION "fin_tune"(
	"model" TEXT, /* Option < & str > */
	"relation" regclass, /* Option < PgRelation > */
	"target" TEXT, /* Option < & str > */
	"algorithm" TEXT, /* Option < & str > */
	"search" jsonb, /* Option < JsonB > */
	"features" TEXT[] DEFAULT NULL, /* :: std :: option :: Option < Vec < Option < String > > > */
	"options" jsonb DEFAULT '{}' /* Option < JsonB > */
) RETURNS TABLE (
	"model" TEXT,  /* String */
	"version" INT,  /* i32 */
	"trial" INT,  /* i32 */
	"options" jsonb,  /* JsonB */
	"metric" TEXT,  /* String */
	"mean" double precision,  /* f64 */
	"std" double precision,  /* f64 */
	"seconds" double precision,  /* f64 */
	"chosen" bool,  /* bool */
	"deployed" bool  /* bool */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_tune_wrapper';

COMMENT ON TABLE finml.tuning_trials IS 'Every trial of each fin_tune search: options, metric mean and std over the folds, seconds, the one chosen (private: read finml.trials)';
COMMENT ON VIEW finml.trials IS 'fin_tune''s trials of the model versions the current role may use: options, cross-validated metric (mean, std), seconds, chosen';
COMMENT ON FUNCTION fin_cross_validate(regclass, text, text, text[], jsonb, integer) IS 'k-fold cross-validation of a training specification: per fold and overall (mean, std) the metrics fin_train reports; stratified for classifiers, out-of-time for a split by time; stores nothing';
COMMENT ON FUNCTION fin_tune(text, regclass, text, text, jsonb, text[], jsonb) IS 'Searches an algorithm''s options (grid or seeded random) by k-fold cross-validation on the training split; stores the best refitted as the model''s next version and every trial in finml.trials';
COMMENT ON FUNCTION fin_predict_proba(text, record) IS 'Each class''s probability of one row, in the order of finml.models.classes (a two-class model: negative, positive)';
COMMENT ON FUNCTION fin_predict_proba(text, double precision[]) IS 'fin_predict_proba of a model whose features are all numeric, given in the model''s feature order';
COMMENT ON FUNCTION fin_predict_class(text, record) IS 'The most probable class of one row (a two-class model: the positive class from probability 0.5)';
COMMENT ON FUNCTION fin_predict_class(text, double precision[]) IS 'fin_predict_class of a model whose features are all numeric, given in the model''s feature order';
COMMENT ON VIEW finml.models IS 'The versions of the models the current role may use: algorithm, task, deployed or not, metrics, relation, features, owner, classes';
