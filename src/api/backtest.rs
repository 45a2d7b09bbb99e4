//! `fin_backtest`: a walk-forward backtest of a training specification against naive
//! forecasts (pg/backtest.rs; the service in pg/training.rs, the folds in
//! models/src/backtest.rs).

use crate::error::required;
use crate::pg::backtest::backtest_rows;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};
use serde_json::Value;

/// Per fold (and `fold` NULL: the mean over folds) and metric: the model's value on the
/// fold's test block and the naive forecasts' on the same rows. Trains `folds` versions of
/// `algorithm` with `options` (fin_train's, plus folds, window and horizon) and stores none;
/// `model` names the specification under test.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_unsafe)]
fn fin_backtest(
    model: Option<&str>,
    relation: Option<PgRelation>,
    target: Option<&str>,
    algorithm: Option<&str>,
    time_column: Option<&str>,
    options: default!(Option<JsonB>, "'{}'"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(fold, Option<i32>),
            name!(train_from, Option<Timestamp>),
            name!(train_to, Option<Timestamp>),
            name!(test_from, Option<Timestamp>),
            name!(test_to, Option<Timestamp>),
            name!(train_rows, Option<i64>),
            name!(test_rows, Option<i64>),
            name!(metric, String),
            name!(value, f64),
            name!(majority, Option<f64>),
            name!(previous, Option<f64>),
        ),
    >,
    ErrorReport,
> {
    let rows = backtest_rows(
        required(model, "model")?,
        relation.as_ref().map(PgRelation::oid),
        target,
        algorithm,
        time_column,
        &options.map_or(Value::Null, |o| o.0),
    )?;
    Ok(TableIterator::new(rows))
}
