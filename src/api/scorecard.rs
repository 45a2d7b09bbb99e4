//! Scorecards: `fin_score`, `fin_reason_codes` (for every supervised model) and
//! `fin_scorecard` (pg/scorecard.rs).

use crate::error::required;
use crate::pg::row::RecordArg;
use crate::pg::scorecard;
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
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, parallel_safe)]
fn fin_reason_codes(
    model: Option<&str>,
    row: Option<RecordArg>,
    n: default!(Option<i32>, 4),
    baseline: default!(Option<&str>, "NULL"),
    class: default!(Option<&str>, "NULL"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(rank, i32),
            name!(feature, String),
            name!(value, Option<String>),
            name!(points, Option<i32>),
            name!(points_lost, Option<i32>),
        ),
    >,
    ErrorReport,
> {
    let rows = scorecard::reason_codes(
        required(model, "model")?,
        required(row, "row")?,
        required(n, "n")?,
        (baseline, class),
    )?;
    Ok(TableIterator::new(rows))
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
