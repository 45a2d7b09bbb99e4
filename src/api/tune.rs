//! `fin_cross_validate` (k-fold cross-validation, nothing stored) and `fin_tune` (a search
//! over an algorithm's options whose best trial becomes the model's next version); the
//! services in pg/tune.rs, the folds and the search in models/src/train/cross_validate.rs and
//! models/src/tune.rs.

use crate::error::required;
use crate::pg::tune::{cross_validate_rows, tune};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};
use serde_json::Value;

/// Per fold and metric the value on the fold's test rows (fitted on the other folds), then
/// (`fold` NULL) each metric's mean and standard deviation over the folds. Stratified folds
/// for a classifier, k-fold for a regression, out-of-time blocks for a split by time; fits
/// `folds` models of `algorithm` with `options` (fin_train's) and stores none.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_unsafe)]
fn fin_cross_validate(
    relation: Option<PgRelation>,
    target: Option<&str>,
    algorithm: default!(Option<&str>, "'logistic'"),
    features: default!(Option<Vec<Option<String>>>, "NULL"),
    options: default!(Option<JsonB>, "'{}'"),
    folds: default!(Option<i32>, "5"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(fold, Option<i32>),
            name!(train_rows, Option<i64>),
            name!(test_rows, Option<i64>),
            name!(metric, String),
            name!(value, f64),
            name!(std, Option<f64>),
        ),
    >,
    ErrorReport,
> {
    let rows = cross_validate_rows(
        relation.as_ref().map(PgRelation::oid),
        target,
        algorithm,
        features,
        &options.map_or(Value::Null, |o| o.0),
        folds,
    )?;
    Ok(TableIterator::new(rows))
}

/// Searches `search` (option → candidate list, or a distribution with "trials") over
/// `algorithm`'s options by k-fold cross-validation on the training split, stores the best
/// trial refitted on the whole training split as `model`'s next version (deployed as
/// `options.deploy` says, default always), records every trial in finml.trials, and returns
/// them.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_unsafe)]
fn fin_tune(
    model: Option<&str>,
    relation: Option<PgRelation>,
    target: Option<&str>,
    algorithm: Option<&str>,
    search: Option<JsonB>,
    features: default!(Option<Vec<Option<String>>>, "NULL"),
    options: default!(Option<JsonB>, "'{}'"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(model, String),
            name!(version, i32),
            name!(trial, i32),
            name!(options, JsonB),
            name!(metric, String),
            name!(mean, f64),
            name!(std, f64),
            name!(seconds, f64),
            name!(chosen, bool),
            name!(deployed, bool),
        ),
    >,
    ErrorReport,
> {
    let model = required(model, "model")?;
    let relation = required(relation, "relation")?;
    let search = required(search, "search")?.0;
    let rows = tune(
        model,
        relation.oid(),
        target,
        algorithm,
        search,
        features,
        options.map_or(Value::Null, |o| o.0),
    )?;
    Ok(TableIterator::new(rows))
}
