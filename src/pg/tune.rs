//! The services of `fin_cross_validate` (folds and their summary as rows) and `fin_tune` (a
//! search whose best trial becomes the model's next version through the one training
//! service, pg::training; its trials as rows).

use crate::error::{fail, required, ErrorKind, SqlResult};
use crate::pg::catalog::validate_model_name;
use crate::pg::train::feature_names;
use crate::pg::training::{cross_validate, train_version, TrainRequest};
use finml_models::metrics::in_report_order;
use finml_models::train::cross_validate::{fold_summary, MAX_FOLDS};
use finml_models::DeployPolicy;
use pgrx::pg_sys::Oid;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::Value;

/// fin_cross_validate's row: fold (NULL: over the folds), train rows, test rows, metric,
/// value (the mean over the folds), std (over the folds only).
pub type CvRow = (
    Option<i32>,
    Option<i64>,
    Option<i64>,
    String,
    f64,
    Option<f64>,
);

/// fin_cross_validate: each fold's metrics, then each metric's mean and standard deviation.
pub fn cross_validate_rows(
    relation: Option<Oid>,
    target: Option<&str>,
    algorithm: Option<&str>,
    features: Option<Vec<Option<String>>>,
    options: &Value,
    folds: Option<i32>,
) -> SqlResult<Vec<CvRow>> {
    let relation = required(relation, "relation")?;
    let target = required(target, "target")?;
    let algorithm = required(algorithm, "algorithm")?;
    let features = feature_names(features)?;
    let folds = required(folds, "folds")?;
    let folds = usize::try_from(folds).map_err(|_| {
        fail(
            ErrorKind::InvalidOption,
            format!("folds must be from 2 to {MAX_FOLDS}, not {folds}"),
            "5 or 10 folds are usual",
        )
    })?;
    let results = cross_validate(
        relation,
        target,
        algorithm,
        features.as_deref(),
        options,
        folds,
    )?;
    let mut rows = Vec::new();
    for fold in &results {
        for (metric, value) in in_report_order(&fold.metrics) {
            rows.push((
                Some(fold.fold as i32),
                Some(fold.train_rows as i64),
                Some(fold.test_rows as i64),
                metric,
                value,
                None,
            ));
        }
    }
    let summary = fold_summary(&results);
    let means = summary.iter().map(|s| (s.metric.clone(), s.mean)).collect();
    for (metric, mean) in in_report_order(&means) {
        let std = summary.iter().find(|s| s.metric == metric).map(|s| s.std);
        rows.push((None, None, None, metric, mean, std));
    }
    Ok(rows)
}

/// fin_tune's row: model, version, trial, options, metric, mean, std, seconds, chosen,
/// deployed.
pub type TrialRow = (String, i32, i32, JsonB, String, f64, f64, f64, bool, bool);

/// fin_tune: searches `search` over `algorithm`'s options, stores the best trial refitted on
/// the training split as `model`'s next version (deployed as the options say, default
/// always), and returns every trial.
#[allow(clippy::too_many_arguments)]
pub fn tune(
    model: &str,
    relation: Oid,
    target: Option<&str>,
    algorithm: Option<&str>,
    search: Value,
    features: Option<Vec<Option<String>>>,
    options: Value,
) -> SqlResult<Vec<TrialRow>> {
    validate_model_name(model)?;
    let features = feature_names(features)?;
    let trained = train_version(TrainRequest {
        model: model.to_owned(),
        relation,
        target: Some(required(target, "target")?.to_owned()),
        algorithm: required(algorithm, "algorithm")?.to_owned(),
        features,
        options,
        default_policy: DeployPolicy::Always,
        action: "tune",
        search: Some(search),
    })?;
    if !trained.decision.deploy && trained.policy != DeployPolicy::Never {
        notice!(
            "version {} of \"{model}\" was not deployed: {}",
            trained.version,
            trained.decision.reason
        );
    }
    let Some(searched) = trained.search else {
        return Ok(Vec::new());
    };
    Ok(searched
        .trials
        .iter()
        .enumerate()
        .map(|(k, trial)| {
            (
                model.to_owned(),
                trained.version,
                trial.trial as i32,
                JsonB(Value::Object(trial.options.clone())),
                searched.metric.clone(),
                trial.mean,
                trial.std,
                trial.seconds,
                k == searched.best,
                trained.decision.deploy,
            )
        })
        .collect())
}
