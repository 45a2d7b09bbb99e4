//! `fin_train`: read a relation, train a model, store it as the next version (the training
//! service in pg/training.rs, shared with `fin_retrain`; this function's in pg/train.rs).

use crate::error::required;
use crate::pg::train::train;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};
use serde_json::Value;

/// Trains `model` on `relation` to predict `target`, stores it as the model's next version,
/// deploys it as `options.deploy` says (default always), and returns one row describing it.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_unsafe)]
fn fin_train(
    model: Option<&str>,
    relation: Option<PgRelation>,
    target: Option<&str>,
    algorithm: default!(Option<&str>, "'logistic'"),
    features: default!(Option<Vec<Option<String>>>, "NULL"),
    options: default!(Option<JsonB>, "'{}'"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(model, String),
            name!(version, i32),
            name!(algorithm, String),
            name!(task, String),
            name!(train_rows, i64),
            name!(test_rows, i64),
            name!(metrics, JsonB),
        ),
    >,
    ErrorReport,
> {
    let model = required(model, "model")?;
    let relation = required(relation, "relation")?;
    let options = options.map_or(Value::Null, |o| o.0);
    let row = train(model, relation.oid(), target, algorithm, features, options)?;
    Ok(TableIterator::once(row))
}
