//! `fin_report`: the model report for validators, as one self-contained HTML document.

use crate::error::OrReport;
use crate::pg::cache::with_model;
use crate::pg::catalog::ModelRef;
use crate::pg::facts::report_facts;
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
