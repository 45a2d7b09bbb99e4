//! `fin_backtest`'s service: the specification's name checked, the walk-forward backtest run
//! (pg::training::backtest, the folds in models/src/backtest.rs), and its folds as rows,
//! then their mean.

use crate::error::{required, SqlResult};
use crate::pg::catalog::validate_model_name;
use crate::pg::training::backtest;
use finml_models::backtest::mean_over_folds;
use pgrx::pg_sys::Oid;
use pgrx::prelude::*;
use serde_json::Value;

/// fin_backtest's row, in its columns' order: fold (NULL: the mean over folds), the train
/// and test blocks' bounds, their rows, the metric, the model's value, the naive forecasts'.
pub type BacktestRow = (
    Option<i32>,
    Option<Timestamp>,
    Option<Timestamp>,
    Option<Timestamp>,
    Option<Timestamp>,
    Option<i64>,
    Option<i64>,
    String,
    f64,
    Option<f64>,
    Option<f64>,
);

/// A fold's bound: seconds since the epoch as the time column read them (a date or timestamp
/// at its nominal value, a timestamptz in UTC), as a timestamp, whatever the session's zone.
fn timestamp(seconds: f64) -> Option<Timestamp> {
    Some(pgrx::datum::datetime_support::to_timestamp(seconds).to_utc())
}

/// fin_backtest: per fold and metric, then the mean over folds; the arguments NULL-checked
/// in their order after the specification's name (`model`, stored under nothing).
pub fn backtest_rows(
    model: &str,
    relation: Option<Oid>,
    target: Option<&str>,
    algorithm: Option<&str>,
    time_column: Option<&str>,
    options: &Value,
) -> SqlResult<Vec<BacktestRow>> {
    // The name of the specification under test: checked like a model name, nothing is stored
    // under it.
    validate_model_name(model)?;
    let folds = backtest(
        required(relation, "relation")?,
        required(target, "target")?,
        required(algorithm, "algorithm")?,
        required(time_column, "time_column")?,
        options,
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
    Ok(rows)
}
