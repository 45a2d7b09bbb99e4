//! Scorecards: `fin_score`, `fin_reason_codes` and `fin_scorecard` (pg/scorecard.rs).

use crate::pg::row::RecordArg;
use crate::pg::scorecard;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// The applicant's total points on the deployed scorecard.
#[pg_extern(stable, strict, parallel_safe, cost = 100)]
fn fin_score(model: &str, row: RecordArg) -> Result<i32, ErrorReport> {
    scorecard::score(model, row)
}

/// The characteristics on which the applicant lost the most points, most important first:
/// against the best attainable points of each (`baseline => 'best'`, the default) or against
/// the training average (`'average'`). At most `n` rows; characteristics where nothing was
/// lost are not reasons.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_safe)]
fn fin_reason_codes(
    model: &str,
    row: RecordArg,
    n: default!(i32, 4),
    baseline: default!(&str, "'best'"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(rank, i32),
            name!(feature, String),
            name!(value, Option<String>),
            name!(points, i32),
            name!(points_lost, i32),
        ),
    >,
    ErrorReport,
> {
    let rows = scorecard::reason_codes(model, row, n, baseline)?;
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
