//! `fin_backtest`: a walk-forward backtest of a training specification against naive
//! forecasts (the service in pg/training.rs, the folds in models/src/backtest.rs).

use crate::error::required;
use crate::pg::catalog::validate_model_name;
use crate::pg::training::backtest;
use finml_models::backtest::mean_over_folds;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};
use serde_json::Value;

/// A fold's bound: seconds since the epoch as the time column read them (a date or timestamp
/// at its nominal value, a timestamptz in UTC), as a timestamp, whatever the session's zone.
fn timestamp(seconds: f64) -> Option<Timestamp> {
    Some(pgrx::datum::datetime_support::to_timestamp(seconds).to_utc())
}

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
    // The name of the specification under test: checked like a model name, nothing is stored
    // under it.
    validate_model_name(required(model, "model")?)?;
    let folds = backtest(
        required(relation, "relation")?.oid(),
        required(target, "target")?,
        required(algorithm, "algorithm")?,
        required(time_column, "time_column")?,
        &options.map_or(Value::Null, |o| o.0),
    )?;
    let mut rows = Vec::new();
    for f in &folds {
        for (metric, model, majority, previous) in &f.metrics {
            rows.push((
                Some(f.fold as i32),
                timestamp(f.train_times.0),
                timestamp(f.train_times.1),
                timestamp(f.test_times.0),
                timestamp(f.test_times.1),
                Some(f.train_rows as i64),
                Some(f.test_rows as i64),
                metric.clone(),
                *model,
                *majority,
                *previous,
            ));
        }
    }
    for (metric, model, majority, previous) in mean_over_folds(&folds) {
        rows.push((
            None, None, None, None, None, None, None, metric, model, majority, previous,
        ));
    }
    Ok(TableIterator::new(rows))
}
