\echo Use "ALTER EXTENSION finml UPDATE TO '0.16.0'" to load this file. \quit
-- finml 0.15.0 -> 0.16.0: fin_privacy_report, what training-data values a stored model keeps
-- and the fewest training rows behind one of them, and fin_export's options (a redacted
-- export) (issue 39). Training options
-- min_level_rows (default 10) and store_reference "coarse" for trees and k-means need no
-- catalog change.
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded database has exactly the schema of a
-- fresh 0.16.0 install.

CREATE  FUNCTION "fin_privacy_report"(
	"model" TEXT /* &str */
) RETURNS TABLE (
	"kind" TEXT,  /* String */
	"feature" TEXT,  /* Option < String > */
	"stored" bigint,  /* Option < i64 > */
	"exact" bool,  /* Option < bool > */
	"min_rows" bigint,  /* Option < i64 > */
	"detail" TEXT  /* String */
)
STABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_privacy_report_wrapper';
COMMENT ON FUNCTION fin_privacy_report(text) IS 'The training-data values a model version stores (levels with their rows, quantile edges, thresholds, leaves, centres, single rows'' values), the fewest training rows behind one of them, the DP budget and the model''s k-anonymity';

DROP FUNCTION fin_export(text, integer);
CREATE  FUNCTION "fin_export"(
	"model" TEXT, /* Option < & str > */
	"version" INT DEFAULT NULL, /* Option < i32 > */
	"options" jsonb DEFAULT NULL /* Option < JsonB > */
) RETURNS jsonb /* Result < JsonB, ErrorReport > */
STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'fin_export_wrapper';
COMMENT ON FUNCTION fin_export(text, integer, jsonb) IS 'One model version as a self-contained, checksummed JSON document for fin_import in another database; options {"redact": true} leave out the drift reference, single rows'' values and levels of fewer than min_level_rows training rows';
