//! `fin_train`: read a relation, train a model, store it as the next version (the training
//! service in pg/training.rs, shared with `fin_retrain`).

use crate::error::{fail, required, ErrorKind};
use crate::pg::training::{train_version, TrainRequest};
use finml_models::DeployPolicy;
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
    let features = features
        .map(|names| {
            names
                .into_iter()
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| {
                    fail(
                        ErrorKind::NullArgument,
                        "features must not contain NULL",
                        "name each feature column, or pass features => NULL to use every column",
                    )
                })
        })
        .transpose()?;
    let trained = train_version(TrainRequest {
        model: model.to_owned(),
        relation: relation.oid(),
        target: target.map(str::to_owned),
        algorithm: required(algorithm, "algorithm")?.to_owned(),
        features,
        options: options.map_or(Value::Null, |o| o.0),
        default_policy: DeployPolicy::Always,
        action: "train",
    })?;
    if !trained.decision.deploy && trained.policy != DeployPolicy::Never {
        notice!(
            "version {} of \"{model}\" was not deployed: {}",
            trained.version,
            trained.decision.reason
        );
    }
    Ok(TableIterator::once((
        model.to_owned(),
        trained.version,
        trained.algorithm,
        trained.task,
        trained.train_rows,
        trained.test_rows,
        JsonB(trained.metrics),
    )))
}
