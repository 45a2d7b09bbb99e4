//! Scorecards: `fin_score`, `fin_reason_codes` and `fin_scorecard`.

use crate::error::{check_argument, fail, ErrorKind, OrReport};
use crate::pg::cache::with_model;
use crate::pg::row::{value_text, with_row_values, RecordArg};
use finml_models::scorecard::Baseline;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// The applicant's total points on the deployed scorecard.
#[pg_extern(stable, strict, parallel_safe, cost = 100)]
fn fin_score(model: &str, row: RecordArg) -> Result<i32, ErrorReport> {
    with_model(model, |m| {
        with_row_values(&m.model, &m.layouts, row.0, |values| {
            integer_score(m.model.score(values).or_report()?)
        })
    })
}

/// A scorecard's total points rounded to an integer; never a silently clamped one.
pub(crate) fn integer_score(points: f64) -> Result<i32, ErrorReport> {
    let score = points.round();
    if !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&score) {
        return Err(fail(
            ErrorKind::OutOfRange,
            format!("score {score} is out of range for integer"),
            "retrain the scorecard with a smaller pdo or base_score",
        ));
    }
    Ok(score as i32)
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
    check_argument(
        "n",
        n,
        1,
        None,
        "regulations ask for up to four principal reasons: the default is 4",
    )?;
    let baseline = Baseline::parse(baseline).or_report()?;
    let rows = with_model(model, |m| {
        with_row_values(&m.model, &m.layouts, row.0, |values| {
            let reasons = m.model.reasons(values, baseline, n as usize).or_report()?;
            let names: Vec<&str> = m.model.feature_names().collect();
            Ok(reasons
                .iter()
                .enumerate()
                .map(|(k, r)| {
                    (
                        k as i32 + 1,
                        names[r.feature].to_owned(),
                        value_text(values[r.feature]),
                        r.points.round() as i32,
                        r.points_lost.round() as i32,
                    )
                })
                .collect::<Vec<_>>())
        })
    })?;
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
    let rows = with_model(model, |m| {
        let (card, binnings) = m.model.scorecard().or_report()?;
        let mut rows = Vec::new();
        for ((name, binning), points) in binnings.iter().zip(&card.points) {
            for (k, bin) in binning.bins.iter().enumerate() {
                let (lower, upper) = binning.bounds(k);
                rows.push((
                    (*name).to_owned(),
                    binning.label(k),
                    (!lower.is_nan()).then_some(lower),
                    (!upper.is_nan()).then_some(upper),
                    bin.rows as i64,
                    bin.event_rate(),
                    bin.woe,
                    bin.iv,
                    points[k].round() as i32,
                ));
            }
        }
        Ok(rows)
    })?;
    Ok(TableIterator::new(rows))
}
