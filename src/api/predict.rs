//! `fin_predict`, `fin_predict_proba` and `fin_predict_class`: apply the deployed version of a
//! model to a row or to a float8[].
//! STABLE (it reads the catalog), STRICT (a NULL row predicts NULL), PARALLEL SAFE, and
//! COST 100: a call costs what about a hundred operators do, and with PostgreSQL's default
//! of 1 the planner never finds a parallel scan worth its workers.

use crate::error::OrReport;
use crate::pg::cache::with_model;
use crate::pg::row::{predict_row, predict_row_class, predict_row_proba, RecordArg};
use crate::pg::types::Float8Array;
use pgrx::datum::Array;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// Probability of the positive class (classification) or the predicted value (regression) for
/// one row; the row's columns are matched to the model's features by name.
#[pg_extern(stable, strict, parallel_safe, cost = 100, name = "fin_predict")]
fn fin_predict_row(model: &str, row: RecordArg) -> Result<f64, ErrorReport> {
    with_model(model, |m| predict_row(&m.model, &m.layouts, row.0))
}

/// The same for a model whose features are all numeric, given in the model's feature order;
/// NULL elements are imputed as in training.
#[pg_extern(stable, strict, parallel_safe, cost = 100, name = "fin_predict")]
fn fin_predict_array(model: &str, features: Array<'_, f64>) -> Result<f64, ErrorReport> {
    // The elements are read in place and copied into one buffer of the backend: a call per
    // table row allocates nothing.
    with_array_values(&features, |values| {
        with_model(model, |m| m.model.predict_numeric(values).or_report())
    })
}

/// Each class's probability for one row, in the order of `finml.models.classes` (a
/// two-class model's: the negative, then the positive class).
#[pg_extern(stable, strict, parallel_safe, cost = 100, name = "fin_predict_proba")]
fn fin_predict_proba_row(model: &str, row: RecordArg) -> Result<Float8Array, ErrorReport> {
    with_model(model, |m| predict_row_proba(&m.model, &m.layouts, row.0)).map(Float8Array)
}

/// The same for a model whose features are all numeric, in the model's feature order.
#[pg_extern(stable, strict, parallel_safe, cost = 100, name = "fin_predict_proba")]
fn fin_predict_proba_array(
    model: &str,
    features: Array<'_, f64>,
) -> Result<Float8Array, ErrorReport> {
    with_array_values(&features, |values| {
        with_model(model, |m| m.model.predict_proba_numeric(values).or_report())
    })
    .map(Float8Array)
}

/// The most probable class of one row (a two-class model's positive class from
/// probability 0.5).
#[pg_extern(stable, strict, parallel_safe, cost = 100, name = "fin_predict_class")]
fn fin_predict_class_row(model: &str, row: RecordArg) -> Result<String, ErrorReport> {
    with_model(model, |m| predict_row_class(&m.model, &m.layouts, row.0))
}

/// The same for a model whose features are all numeric, in the model's feature order.
#[pg_extern(stable, strict, parallel_safe, cost = 100, name = "fin_predict_class")]
fn fin_predict_class_array(model: &str, features: Array<'_, f64>) -> Result<String, ErrorReport> {
    with_array_values(&features, |values| {
        with_model(model, |m| m.model.predict_class_numeric(values).or_report())
    })
}

/// Runs `f` on an array argument's elements, copied into one buffer of the backend.
fn with_array_values<R>(
    features: &Array<'_, f64>,
    f: impl FnOnce(&[Option<f64>]) -> Result<R, ErrorReport>,
) -> Result<R, ErrorReport> {
    ARRAY_VALUES.with(|values| {
        let mut values = values.borrow_mut();
        values.clear();
        match features.as_slice() {
            // Without NULLs the elements are a plain f64 slice inside the array.
            Ok(numbers) => values.extend(numbers.iter().map(|&v| Some(v))),
            Err(_) => values.extend(features.iter()),
        }
        f(&values)
    })
}

thread_local! {
    static ARRAY_VALUES: std::cell::RefCell<Vec<Option<f64>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}
