//! The services of `fin_train` and `fin_retrain` around the one training service
//! (pg::training): fin_train's request from its arguments and the NOTICE when its new version
//! was not deployed; fin_retrain's rights checked first and its failure recorded durably;
//! the row each returns.

use crate::error::{fail, required, ErrorKind, SqlResult};
use crate::pg::audit::with_durable_failure_event;
use crate::pg::catalog::{check_access, validate_model_name, Access};
use crate::pg::training::{retrain_request, train_version, TrainRequest};
use finml_models::DeployPolicy;
use pgrx::pg_sys::Oid;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::Value;

/// fin_train's row: model, version, algorithm, task, train rows, test rows, metrics.
pub type TrainedRow = (String, i32, String, String, i64, i64, JsonB);

/// fin_retrain's row: model, version, deployed, policy, metric, new value, deployed version,
/// deployed value, reason.
pub type RetrainedRow = (
    String,
    i32,
    bool,
    String,
    String,
    Option<f64>,
    Option<i32>,
    Option<f64>,
    String,
);

/// fin_train: trains `model` on `relation` (the target, algorithm (NULL refused), features
/// (none NULL) and options as given) and deploys it as the options say (default always).
pub fn train(
    model: &str,
    relation: Oid,
    target: Option<&str>,
    algorithm: Option<&str>,
    features: Option<Vec<Option<String>>>,
    options: Value,
) -> SqlResult<TrainedRow> {
    let features = feature_names(features)?;
    let trained = train_version(TrainRequest {
        model: model.to_owned(),
        relation,
        target: target.map(str::to_owned),
        algorithm: required(algorithm, "algorithm")?.to_owned(),
        features,
        options,
        default_policy: DeployPolicy::Always,
        action: "train",
        search: None,
    })?;
    if !trained.decision.deploy && trained.policy != DeployPolicy::Never {
        notice!(
            "version {} of \"{model}\" was not deployed: {}",
            trained.version,
            trained.decision.reason
        );
    }
    Ok((
        model.to_owned(),
        trained.version,
        trained.algorithm,
        trained.task,
        trained.train_rows,
        trained.test_rows,
        JsonB(trained.metrics),
    ))
}

/// A `features` argument: the names, NULL for every usable column (none of them NULL).
pub fn feature_names(features: Option<Vec<Option<String>>>) -> SqlResult<Option<Vec<String>>> {
    features
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
        .transpose()
}

/// fin_retrain: trains `model` again with its stored specification and `overrides` merged
/// over its options, deploying as the policy says (default if_better).
pub fn retrain(model: &str, overrides: Option<Value>) -> SqlResult<RetrainedRow> {
    validate_model_name(model)?;
    // Rights first: a role that may not retrain the model writes nothing, neither into the
    // model's history nor through a background worker (that would let any role flood both).
    check_access(model, Access::Manage)?;
    let trained = with_durable_failure_event("retrain", model, || {
        train_version(retrain_request(model, overrides)?)
    })?;
    Ok((
        model.to_owned(),
        trained.version,
        trained.decision.deploy,
        trained.policy.as_str().to_owned(),
        trained.decision.metric.to_owned(),
        trained.decision.new_value,
        trained.incumbent,
        trained.decision.deployed_value,
        trained.decision.reason,
    ))
}
