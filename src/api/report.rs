//! `fin_report`: the model report for validators, as one self-contained HTML document.

use crate::error::OrReport;
use crate::pg::cache::with_model;
use crate::pg::catalog::ModelRef;
use crate::pg::facts::{privacy_facts, report_facts};
use finml_models::disclosure::Storing;
use finml_models::report::render;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// An HTML page on the model version (the deployed one, or 'name@version'): facts, metrics,
/// charts (ROC, probability by class, calibration, importance), coefficients with p-values,
/// the scorecard, and every version. Save it with psql's \o or a client, open it in a browser.
#[pg_extern(stable, strict, parallel_safe)]
fn fin_report(model: &str) -> Result<String, ErrorReport> {
    with_model(model, |m| {
        let facts = report_facts(ModelRef::parse(model).or_report()?)?;
        Ok(render(&m.model, &facts))
    })
}

/// The training-data values the model version stores beyond statistics of all training rows,
/// kind by kind (levels with their rows, quantile edges, thresholds, leaves, centres, single
/// rows' values), each with the fewest training rows behind one of its values; then the DP
/// budget, if the training was private, and the model's k-anonymity.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_safe)]
fn fin_privacy_report(
    model: &str,
) -> Result<
    TableIterator<
        'static,
        (
            name!(kind, String),
            name!(feature, Option<String>),
            name!(stored, Option<i64>),
            name!(exact, Option<bool>),
            name!(min_rows, Option<i64>),
            name!(detail, String),
        ),
    >,
    ErrorReport,
> {
    let rows: Vec<_> = with_model(model, |m| {
        let name = ModelRef::parse(model).or_report()?.name;
        let (train_rows, privacy) = privacy_facts(name, m.version)?;
        let storing = Storing::of_version(train_rows, privacy.as_ref());
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        Ok(m.model
            .privacy_report(storing)
            .into_iter()
            .map(|d| {
                (
                    d.kind.to_owned(),
                    d.feature,
                    d.stored.map(count),
                    d.exact,
                    d.min_rows.map(count),
                    d.detail,
                )
            })
            .collect())
    })?;
    Ok(TableIterator::new(rows))
}
