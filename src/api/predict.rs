//! `fin_predict`: apply the deployed version of a model to a row or to a float8[].
//! STABLE (it reads the catalog), STRICT (a NULL row predicts NULL), PARALLEL SAFE.

use crate::error::OrReport;
use crate::pg::cache::with_model;
use crate::pg::row::{predict_row, RecordArg};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// Probability of the positive class (classification) or the predicted value (regression) for
/// one row; the row's columns are matched to the model's features by name.
#[pg_extern(stable, strict, parallel_safe, name = "fin_predict")]
fn fin_predict_row(model: &str, row: RecordArg) -> Result<f64, ErrorReport> {
    with_model(model, |m| predict_row(&m.model, &m.layouts, row.0))
}

/// The same for a model whose features are all numeric, given in the model's feature order;
/// NULL elements are imputed as in training.
#[pg_extern(stable, strict, parallel_safe, name = "fin_predict")]
fn fin_predict_array(model: &str, features: Vec<Option<f64>>) -> Result<f64, ErrorReport> {
    with_model(model, |m| m.model.predict_numeric(&features).or_report())
}
