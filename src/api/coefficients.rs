//! `fin_coefficients`: the coefficient table of a linear model, on the original feature
//! scale, with the statistics validators ask for.

use crate::pg::cache::with_model;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// Intercept and one row per design term (`feature` or `feature=level`) of the deployed
/// version: estimate, standard error, Wald z, two-sided p-value, and the odds ratio
/// (logistic models).
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_safe)]
fn fin_coefficients(
    model: &str,
) -> Result<
    TableIterator<
        'static,
        (
            name!(term, String),
            name!(estimate, f64),
            name!(std_error, Option<f64>),
            name!(z, Option<f64>),
            name!(p_value, Option<f64>),
            name!(odds_ratio, Option<f64>),
        ),
    >,
    ErrorReport,
> {
    let rows: Vec<_> = with_model(model, |m| {
        Ok(m.model
            .estimator
            .coefficients()
            .iter()
            .map(|c| {
                (
                    c.term.clone(),
                    c.estimate,
                    c.std_error,
                    c.z,
                    c.p_value,
                    c.odds_ratio,
                )
            })
            .collect())
    })?;
    Ok(TableIterator::new(rows))
}
