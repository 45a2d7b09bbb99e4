\echo Use "ALTER EXTENSION finml UPDATE TO '0.10.0'" to load this file. \quit
-- finml 0.9.1 -> 0.10.0: tree models. The library brings algorithm => 'gbdt' (gradient-boosted
-- trees), 'random_forest' and 'tree' (one decision tree), explained by TreeSHAP and written as
-- SQL by fin_model_sql (stored in format 8, which older finml refuses). In SQL: fin_tree_rules
-- (one tree's leaves as rules), reason codes for every supervised model (fin_reason_codes'
-- baseline defaults to NULL, 'best' for a scorecard, the training average for the others; the
-- function is no longer STRICT, a NULL model, row or n is 22004) and fin_score_row's reasons
-- default to NULL (4 for a scorecard, 0 for other models, as fin_score_table's).
-- Every stored model predicts as before. tests/pg_regress/sql/upgrade.sql checks that an
-- upgraded database has exactly the schema of a fresh 0.10.0 install.

CREATE  FUNCTION "fin_tree_rules"(
	"model" TEXT, /* & str */
	"tree" INT DEFAULT 1 /* i32 */
) RETURNS TABLE (
	"leaf" INT,  /* i32 */
	"rule" TEXT,  /* String */
	"rows" double precision,  /* f64 */
	"event_rate" double precision,  /* Option < f64 > */
	"output" double precision,  /* f64 */
	"prediction" double precision  /* Option < f64 > */
)
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_tree_rules_wrapper';

-- Same arguments and result; the baseline's default becomes NULL, so the function is no
-- longer STRICT (a STRICT function would return no rows for the default).
CREATE OR REPLACE FUNCTION "fin_reason_codes"(
	"model" TEXT, /* Option < & str > */
	"row" record, /* Option < RecordArg > */
	"n" INT DEFAULT 4, /* Option < i32 > */
	"baseline" TEXT DEFAULT NULL /* Option < & str > */
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

CREATE OR REPLACE FUNCTION "fin_score_row"(
	"model" TEXT, /* Option < & str > */
	"row" record, /* Option < RecordArg > */
	"reasons" INT DEFAULT NULL, /* Option < i32 > */
	"cutoff" double precision DEFAULT NULL /* Option < f64 > */
) RETURNS finml.scored_row /* Result < ScoredRow, ErrorReport > */
STABLE PARALLEL SAFE COST 100
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_score_row_wrapper';

COMMENT ON FUNCTION fin_reason_codes(text, record, integer, text) IS 'The reasons for a row''s prediction, most important first: a scorecard''s characteristics with the most points lost, or the features that raised another supervised model''s output most (adverse action reasons)';
COMMENT ON FUNCTION fin_tree_rules(text, integer) IS 'One tree of a gbdt, random_forest or tree model as rules, one row per leaf: conditions, training rows, event rate, output and prediction';
