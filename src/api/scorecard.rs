//! Scorecards: `fin_score`, `fin_reason_codes` (for every supervised model) and
//! `fin_scorecard` (pg/scorecard.rs).

use crate::error::required;
use crate::pg::row::RecordArg;
use crate::pg::scorecard;
use crate::pg::srf::MaterializedRows;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// The applicant's total points on the deployed scorecard.
#[pg_extern(stable, strict, parallel_safe, cost = 100)]
fn fin_score(model: &str, row: RecordArg) -> Result<i32, ErrorReport> {
    scorecard::score(model, row)
}

/// The reasons for `row`'s prediction, most important first, at most `n`. A scorecard's are
/// the characteristics on which the applicant lost the most points: against the best
/// attainable points of each (`baseline` NULL or 'best') or against the training average
/// ('average'); characteristics where nothing was lost are not reasons. Any other supervised
/// model's are the features whose contributions (fin_explain's, against the training
/// average: `baseline` NULL or 'average') raised the output the most, `points` NULL and
/// `points_lost` the contribution in points at 20 points to double the odds (NULL for a
/// regression). A multi-class model's are of its most probable class's score, or of
/// `class`'s when named (fin_explain's). Not STRICT, so that the baseline and class can
/// default to NULL: a NULL model, row or n is 22004.
///
/// Its rows go straight into the executor's tuplestore (pg/srf.rs), hence the SQL written
/// out here: pgrx would declare the same function.
#[pg_extern(sql = r#"
CREATE FUNCTION "fin_reason_codes"(
	"model" TEXT,
	"row" record,
	"n" INT DEFAULT 4,
	"baseline" TEXT DEFAULT NULL,
	"class" TEXT DEFAULT NULL
) RETURNS TABLE (
	"rank" INT,
	"feature" TEXT,
	"value" TEXT,
	"points" INT,
	"points_lost" INT
)
STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'fin_reason_codes_wrapper';
"#)]
fn fin_reason_codes(
    model: Option<&str>,
    row: Option<RecordArg>,
    n: Option<i32>,
    baseline: Option<&str>,
    class: Option<&str>,
    fcinfo: pg_sys::FunctionCallInfo,
) -> Result<(), ErrorReport> {
    let (model, row, n) = (
        required(model, "model")?,
        required(row, "row")?,
        required(n, "n")?,
    );
    // SAFETY: pgrx passes this call's fcinfo; the function returns a set of rows.
    let mut out = unsafe { MaterializedRows::begin(fcinfo)? };
    scorecard::reason_codes(model, row, (n, baseline, class), &mut out)
}

/// The printed scorecard: every bin of every characteristic (the NULL bin included) with its
/// training counts, event rate, WoE, IV contribution and points. `lower`/`upper` bound
/// numeric bins as `lower <= x < upper`.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_safe)]
fn fin_scorecard(
    model: &str,
) -> Result<
    TableIterator<
        'static,
        (
            name!(feature, String),
            name!(bin, String),
            name!(lower, Option<f64>),
            name!(upper, Option<f64>),
            name!(count, i64),
            name!(event_rate, Option<f64>),
            name!(woe, f64),
            name!(iv, f64),
            name!(points, i32),
        ),
    >,
    ErrorReport,
> {
    Ok(TableIterator::new(scorecard::bins(model)?))
}
