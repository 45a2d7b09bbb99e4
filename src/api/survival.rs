//! `fin_pd_curve` and `fin_pd`: a loan's PD term structure and its PD over a horizon, from
//! the deployed version of a survival model (fin_pd also from a two-class classifier, whose
//! probability is a 12-month PD). STABLE, STRICT, PARALLEL SAFE, as fin_predict.

use crate::pg::cache::with_model;
use crate::pg::row::{pd_curve_row, pd_row, RecordArg};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// Each period's hazard (the PD in that period of a loan that survived the previous ones),
/// cumulative PD and survival, for periods 1..horizon.
#[pg_extern(stable, strict, parallel_safe, cost = 100)]
fn fin_pd_curve(
    model: &str,
    row: RecordArg,
    horizon: i32,
) -> Result<
    TableIterator<
        'static,
        (
            name!(period, i32),
            name!(hazard, f64),
            name!(cumulative_pd, f64),
            name!(survival, f64),
        ),
    >,
    ErrorReport,
> {
    let points = with_model(model, |m| {
        pd_curve_row(&m.model, &m.layouts, row.0, horizon)
    })?;
    Ok(TableIterator::new(points.into_iter().map(|p| {
        (
            i32::try_from(p.period).unwrap_or(i32::MAX),
            p.hazard,
            p.cumulative_pd,
            p.survival,
        )
    })))
}

/// The probability of default within `horizon` periods: 12 for the 12-month PD, the
/// remaining term for the lifetime PD.
#[pg_extern(stable, strict, parallel_safe, cost = 100)]
fn fin_pd(model: &str, row: RecordArg, horizon: i32) -> Result<f64, ErrorReport> {
    with_model(model, |m| pd_row(&m.model, &m.layouts, row.0, horizon))
}
