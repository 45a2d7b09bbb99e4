\echo Use "ALTER EXTENSION finml UPDATE TO '0.9.0'" to load this file. \quit
-- finml 0.8.0 -> 0.9.0: for DBAs. The view finml.progress (trainings running or waiting for a
-- slot, from shared memory: finml must be in shared_preload_libraries) and a one-line comment
-- on every object finml owns. The settings finml.max_concurrent_trainings,
-- finml.training_wait_timeout and finml.log_trainings come with the library.

CREATE FUNCTION "fin_progress"() RETURNS TABLE (
	"pid" INT,
	"database" TEXT,
	"role" TEXT,
	"model" TEXT,
	"algorithm" TEXT,
	"phase" TEXT,
	"rows_read" bigint,
	"rows_estimated" bigint,
	"epoch" INT,
	"epochs" INT,
	"loss" double precision,
	"started_at" timestamp with time zone,
	"elapsed_seconds" double precision,
	"seconds_left" double precision
)
STRICT VOLATILE
LANGUAGE c
AS 'MODULE_PATHNAME', 'fin_progress_wrapper';

CREATE VIEW finml.progress AS
SELECT pid, database, role, model, algorithm, phase, rows_read, rows_estimated, epoch, epochs,
       loss, started_at, elapsed_seconds, seconds_left
  FROM fin_progress()
 ORDER BY started_at, pid;
GRANT SELECT ON finml.progress TO PUBLIC;

COMMENT ON SCHEMA finml IS 'finml''s model catalog: versions, deployments, owners, grants, the audit log and monitoring history (tables private to the extension owner; read the views)';

COMMENT ON TABLE finml.model_versions IS 'Every trained or imported version of every model: specification, metrics, coefficients and the serialized model (private: read finml.models)';
COMMENT ON TABLE finml.deployments IS 'The deployed version of each model (private: read finml.models)';
COMMENT ON TABLE finml.deployment_history IS 'Every deployment of each model in order, with rollbacks; fin_rollback returns to the latest one not rolled back (private)';
COMMENT ON TABLE finml.model_owners IS 'The owning role of each model and its last version number (readable: fin_set_owner changes it)';
COMMENT ON TABLE finml.model_grants IS 'Roles an owner allowed to use a model with fin_grant (readable: fin_revoke removes them)';
COMMENT ON TABLE finml.event_log IS 'The audit log: who did what to which model, when and how it ended, failures included (private: read finml.events)';
COMMENT ON TABLE finml.training_epochs IS 'Per-epoch losses of MLP and self-training versions (private: read finml.training_log)';
COMMENT ON TABLE finml.retired_names IS 'Names of dropped models whose version numbers are not reused (private)';
COMMENT ON TABLE finml.monitoring_log IS 'Every period fin_monitor measured, with its alert status (private: read finml.monitoring)';
COMMENT ON TYPE finml.scored_row IS 'A row as fin_score_table writes it: prediction, score, reason codes and decision (fin_score_row returns it)';
COMMENT ON VIEW finml.models IS 'The versions of the models the current role may use: algorithm, task, deployed or not, metrics, relation, features, owner';
COMMENT ON VIEW finml.events IS 'The audit log of the models the current role manages and of the roles it has the privileges of';
COMMENT ON VIEW finml.training_log IS 'Per-epoch training and validation losses of the MLP versions the current role may use';
COMMENT ON VIEW finml.monitoring IS 'fin_monitor''s history for the models the current role may use: per period rows, event rate, AUC, KS, PSI, CSI and status';
COMMENT ON VIEW finml.progress IS 'Trainings running or waiting for a slot on this server, like pg_stat_progress_*: phase, rows read, epoch, loss, elapsed and estimated seconds left (needs finml in shared_preload_libraries)';

COMMENT ON FUNCTION finml.has_privileges_of(oid) IS 'Whether the current role has the privileges of the given role (OID 0: PUBLIC); used by the catalog views';
COMMENT ON FUNCTION finml.can_manage(text) IS 'Whether the current role owns the model (or is a superuser): may retrain, deploy, grant and drop it';
COMMENT ON FUNCTION finml.can_use(text) IS 'Whether the current role may predict with, score with and inspect the model (owner or grantee)';

COMMENT ON FUNCTION fin_train(text, regclass, text, text, text[], jsonb) IS 'Trains a model on a relation, stores it as the model''s next version and deploys it as options.deploy says';
COMMENT ON FUNCTION fin_retrain(text, jsonb) IS 'Trains a model again with its deployed version''s specification on the relation''s current rows; deploys it if better by default';
COMMENT ON FUNCTION fin_backtest(text, regclass, text, text, text, jsonb) IS 'Walk-forward backtest: trains and measures a model fold by fold in time order against naive forecasts; stores nothing';
COMMENT ON FUNCTION fin_predict(text, record) IS 'Probability of the positive class (or the predicted value) of one row under the model''s deployed (or named) version';
COMMENT ON FUNCTION fin_predict(text, double precision[]) IS 'fin_predict of a model whose features are all numeric, given in the model''s feature order';
COMMENT ON FUNCTION fin_version(text) IS 'The version a model reference names now: the deployed one, or the pinned one of ''name@3''';
COMMENT ON FUNCTION fin_score(text, record) IS 'An applicant''s total points on the deployed scorecard';
COMMENT ON FUNCTION fin_reason_codes(text, record, integer, text) IS 'The characteristics on which an applicant lost the most scorecard points, most important first (adverse action reasons)';
COMMENT ON FUNCTION fin_scorecard(text) IS 'The printed scorecard: every bin of every characteristic with counts, event rate, WoE, IV and points';
COMMENT ON FUNCTION fin_score_row(text, record, integer, double precision) IS 'One row as fin_score_table writes it: probability, score, reason codes and decision at a cutoff';
COMMENT ON FUNCTION fin_score_table(text, regclass, text, jsonb) IS 'Scores every row of a relation into a table (key, probability, score, reason codes, decision) in one statement';
COMMENT ON FUNCTION fin_cluster(text, record) IS 'The cluster (1 to k) of one row under the deployed k-means model';
COMMENT ON FUNCTION fin_clusters(text) IS 'The deployed k-means model''s clusters: per cluster and feature the mean and its z-score against all rows';
COMMENT ON FUNCTION fin_anomaly_score(text, record) IS 'The anomaly score (0 to 1, above 0.5 anomalous) of one row under the deployed isolation forest';
COMMENT ON FUNCTION fin_evaluate(text, regclass, double precision) IS 'A model''s metrics on the labelled rows of a relation (AUC, Gini, KS, log loss, Brier, Hosmer-Lemeshow; RMSE, R² for regressions)';
COMMENT ON FUNCTION fin_evaluate(text, regclass, double precision, jsonb) IS 'fin_evaluate with options, e.g. {"top_percent": [1, 5]} for precision and recall at the riskiest 1 and 5 percent';
COMMENT ON FUNCTION fin_confusion(text, regclass, double precision) IS 'The confusion matrix of a classifier on a relation at a threshold';
COMMENT ON FUNCTION fin_roc(text, regclass, integer) IS 'The ROC curve of a classifier on a relation: threshold, true and false positive rates, precision';
COMMENT ON FUNCTION fin_calibration(text, regclass, integer) IS 'Reliability of a classifier''s probabilities: mean prediction against observed rate per quantile bin';
COMMENT ON FUNCTION fin_gains(text, regclass, integer, double precision[]) IS 'The gains table of a classifier: per risk band rows, events, event rate, cumulative capture and lift';
COMMENT ON FUNCTION fin_threshold(text, regclass, double precision, double precision) IS 'The cutoff that minimizes the expected cost of a classifier''s decisions given the costs of a false positive and a false negative';
COMMENT ON FUNCTION fin_explain(text, record, integer) IS 'Why the model predicted what it did for one row: each feature''s contribution against the training baseline';
COMMENT ON FUNCTION fin_importance(text) IS 'Global importance of each feature: the spread of its contribution over the training rows';
COMMENT ON FUNCTION fin_coefficients(text) IS 'A linear model''s coefficients on the original scale with standard errors, z, p-values and odds ratios';
COMMENT ON FUNCTION fin_report(text) IS 'An HTML validation report of a model version: facts, metrics, charts, coefficients, scorecard and every version';
COMMENT ON FUNCTION fin_model_sql(text, text) IS 'One SQL expression that computes what fin_predict (or fin_score) returns, for scoring without finml';
COMMENT ON FUNCTION fin_deploy(text, integer) IS 'Deploys a version of a model: every session''s next statement predicts with it';
COMMENT ON FUNCTION fin_rollback(text) IS 'Deploys again the version that was deployed before the current one';
COMMENT ON FUNCTION fin_drop_model(text, integer) IS 'Drops one version of a model (not the deployed one), or with version NULL the whole model';
COMMENT ON FUNCTION fin_grant(text, text) IS 'Allows a role (or public) to predict with, score with and inspect a model';
COMMENT ON FUNCTION fin_revoke(text, text) IS 'Withdraws what fin_grant allowed; the role''s next statement is refused';
COMMENT ON FUNCTION fin_set_owner(text, text) IS 'Gives a model to another role, as ALTER ... OWNER TO does';
COMMENT ON FUNCTION fin_export(text, integer) IS 'One model version as a self-contained, checksummed JSON document for fin_import in another database';
COMMENT ON FUNCTION fin_import(text, jsonb, boolean) IS 'Stores a version exported by fin_export as the next version of a model, and deploys it unless told not to';
COMMENT ON FUNCTION fin_psi(text, regclass) IS 'Population stability of a relation against the training rows: PSI of the output and CSI of each feature';
COMMENT ON FUNCTION fin_monitor(text, regclass, text, jsonb) IS 'Monitors a model per period of a relation: rows, event rate, AUC, KS, PSI, CSI and an alert status, logged to finml.monitoring';
COMMENT ON FUNCTION fin_profile(regclass, text, jsonb) IS 'One row per candidate feature of a relation against a two-class target: type, NULL share, distinct values, IV and Gini';
COMMENT ON FUNCTION fin_ts_view(text, regclass, text, jsonb) IS 'Creates a view of leak-free time-series features (lags, returns, rolling statistics) and forward targets per series';
COMMENT ON FUNCTION fin_ema_step(double precision, double precision, double precision) IS 'Transition function of fin_ema';
COMMENT ON FUNCTION fin_drift_counts_step(bigint[], text, double precision[], text[]) IS 'Transition function of fin_drift_counts';
COMMENT ON FUNCTION fin_drift_counts_add(bigint[], bigint[]) IS 'Combine function of fin_drift_counts: adds two partial counts';
COMMENT ON FUNCTION fin_training_sums_step(double precision[], text, double precision[], text[], double precision) IS 'Transition function of fin_training_sums';
COMMENT ON FUNCTION fin_training_sums_add(double precision[], double precision[]) IS 'Combine function of fin_training_sums: adds two partial states';
COMMENT ON FUNCTION fin_training_output(text, double precision[], text[]) IS 'One training row''s output under a training pass in progress (a summed scorecard''s points)';
COMMENT ON FUNCTION fin_distribute_catalog() IS 'Makes finml''s catalog reach every node of a Citus cluster, so row functions run on the workers (once, by a superuser, on the coordinator)';
COMMENT ON FUNCTION fin_progress() IS 'The trainings running or waiting for a slot on this server, as finml.progress shows them';
