\echo Use "ALTER EXTENSION finml UPDATE TO '0.11.1'" to load this file. \quit
-- finml 0.11.0 -> 0.11.1: one class against the rest. fin_roc, fin_gains, fin_calibration and
-- fin_threshold take a class (per-class curves, gains and calibration of a multi-class model, or
-- a two-class model's negative class), fin_explain and fin_reason_codes explain the class they
-- name. Each gains a last argument `class text DEFAULT NULL`; they are no longer STRICT (a NULL
-- argument other than class is 22004). The MLP and fin_monitor take multi-class models, and
-- multinomial logistic regression is fitted by Newton's method: no catalog change for those.
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded database has exactly the schema of a
-- fresh 0.11.1 install.

DROP FUNCTION fin_roc(text, regclass, integer);
DROP FUNCTION fin_calibration(text, regclass, integer);
DROP FUNCTION fin_gains(text, regclass, integer, double precision[]);
DROP FUNCTION fin_threshold(text, regclass, double precision, double precision);
DROP FUNCTION fin_explain(text, record, integer);
DROP FUNCTION fin_reason_codes(text, record, integer, text);

CREATE  FUNCTION "fin_roc"(
	"model" TEXT, /* Option < & str > */
	"relation" regclass, /* Option < PgRelation > */
	"points" INT DEFAULT 100, /* Option < i32 > */
	"class" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TABLE (
	"threshold" double precision,  /* f64 */
	"tpr" double precision,  /* f64 */
	"fpr" double precision,  /* f64 */
	"precision" double precision  /* Option < f64 > */
)
STABLE PARALLEL RESTRICTED
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_roc_wrapper';

CREATE  FUNCTION "fin_calibration"(
	"model" TEXT, /* Option < & str > */
	"relation" regclass, /* Option < PgRelation > */
	"bins" INT DEFAULT 10, /* Option < i32 > */
	"class" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TABLE (
	"bin" INT,  /* i32 */
	"mean_predicted" double precision,  /* f64 */
	"observed_rate" double precision,  /* f64 */
	"count" bigint  /* i64 */
)
STABLE PARALLEL RESTRICTED
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_calibration_wrapper';

CREATE  FUNCTION "fin_gains"(
	"model" TEXT, /* Option < & str > */
	"relation" regclass, /* Option < PgRelation > */
	"bands" INT DEFAULT 10, /* Option < i32 > */
	"cutoffs" double precision[] DEFAULT NULL, /* :: std :: option :: Option < Vec < f64 > > */
	"class" TEXT DEFAULT NULL /* Option < & str > */
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

CREATE  FUNCTION "fin_threshold"(
	"model" TEXT, /* Option < & str > */
	"relation" regclass, /* Option < PgRelation > */
	"cost_fp" double precision, /* Option < f64 > */
	"cost_fn" double precision, /* Option < f64 > */
	"class" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TABLE (
	"threshold" double precision,  /* Option < f64 > */
	"expected_cost" double precision,  /* f64 */
	"total_cost" double precision,  /* f64 */
	"true_positives" bigint,  /* i64 */
	"false_positives" bigint,  /* i64 */
	"true_negatives" bigint,  /* i64 */
	"false_negatives" bigint  /* i64 */
)
STABLE PARALLEL RESTRICTED
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_threshold_wrapper';

CREATE  FUNCTION "fin_explain"(
	"model" TEXT, /* Option < & str > */
	"row" record, /* Option < RecordArg > */
	"top_k" INT DEFAULT 5, /* Option < i32 > */
	"class" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TABLE (
	"feature" TEXT,  /* String */
	"value" TEXT,  /* Option < String > */
	"contribution" double precision  /* f64 */
)
STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_explain_wrapper';

CREATE  FUNCTION "fin_reason_codes"(
	"model" TEXT, /* Option < & str > */
	"row" record, /* Option < RecordArg > */
	"n" INT DEFAULT 4, /* Option < i32 > */
	"baseline" TEXT DEFAULT NULL, /* Option < & str > */
	"class" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TABLE (
	"rank" INT,  /* i32 */
	"feature" TEXT,  /* String */
	"value" TEXT,  /* Option < String > */
	"points" INT,  /* Option < i32 > */
	"points_lost" INT  /* Option < i32 > */
)
STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_reason_codes_wrapper';


COMMENT ON FUNCTION fin_reason_codes(text, record, integer, text, text) IS 'The reasons for a row''s prediction, most important first: a scorecard''s characteristics with the most points lost, or the features that raised another supervised model''s output most (adverse action reasons); of one class''s score when named';
COMMENT ON FUNCTION fin_roc(text, regclass, integer, text) IS 'The ROC curve of a classifier on a relation (of one class against the rest when named): threshold, true and false positive rates, precision';
COMMENT ON FUNCTION fin_calibration(text, regclass, integer, text) IS 'Reliability of a classifier''s probabilities (of one class when named): mean prediction against observed rate per quantile bin';
COMMENT ON FUNCTION fin_gains(text, regclass, integer, double precision[], text) IS 'The gains table of a classifier (of one class against the rest when named): per risk band rows, events, event rate, cumulative capture and lift';
COMMENT ON FUNCTION fin_threshold(text, regclass, double precision, double precision, text) IS 'The cutoff that minimizes the expected cost of a classifier''s decisions given the costs of a false positive and a false negative (of one class against the rest when named)';
COMMENT ON FUNCTION fin_explain(text, record, integer, text) IS 'Why the model predicted what it did for one row: each feature''s contribution against the training baseline (to one class''s score when named)';
