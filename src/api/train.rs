//! `fin_train`: read a relation, train a model, store it as the next version.

use crate::error::{report, sql_error, OrReport};
use crate::gucs;
use crate::pg::catalog::{self, NewVersion};
use crate::pg::relation;
use finml_models::{format, train, Algorithm, Error, Limits, TrainOptions};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgLogLevel, PgRelation, PgSqlErrorCode};
use serde_json::{json, Map, Value};
use std::time::Instant;

/// Trains `model` on `relation` to predict `target`, stores it as the model's next version,
/// deploys it (unless `"deploy": false`), and returns one row describing it.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_unsafe)]
fn fin_train(
    model: &str,
    relation: PgRelation,
    target: &str,
    algorithm: default!(&str, "'logistic'"),
    features: default!(Option<Vec<String>>, "NULL"),
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
    let started = Instant::now();
    validate_model_name(model)?;
    let options_json = options.map_or(Value::Null, |o| o.0);
    let parsed = TrainOptions::from_json(&options_json).or_report()?;
    let algorithm = Algorithm::parse(algorithm).or_report()?;
    parsed.check_applicable(algorithm.as_str()).or_report()?;
    let relation_name = relation::relation_name(relation.oid())?;

    let columns = relation::columns_of(relation.oid())?;
    let primary_key = relation::primary_key_of(relation.oid())?;
    let plan = relation::plan(
        &columns,
        primary_key,
        &relation_name,
        target,
        features.as_deref(),
        &parsed,
    )?;
    for column in &plan.skipped {
        notice!(
            "column \"{}\" ({}) is not used: finml reads numeric, text, varchar and boolean columns",
            column.name,
            column.type_name
        );
    }
    let dataset = relation::read(&relation_name, &plan, gucs::max_training_memory_bytes())?;
    let read_seconds = started.elapsed().as_secs_f64();
    let limits = Limits {
        max_memory_bytes: gucs::max_training_memory_bytes(),
    };
    let outcome = train(&dataset, algorithm, &parsed, limits).or_report()?;
    // ereport, not pgrx's debug1! (which compiles to nothing in release builds).
    ereport!(
        PgLogLevel::DEBUG1,
        PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
        format!(
            "finml: read {} rows in {read_seconds:.3} s, fitted in {:.3} s",
            dataset.n_rows(),
            started.elapsed().as_secs_f64() - read_seconds
        )
    );
    drop(dataset);
    for note in &outcome.notes {
        notice!("{note}");
    }

    let mut metrics: Map<String, Value> = outcome
        .metrics
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    metrics.insert("evaluated_on".into(), json!(outcome.evaluated_on));
    metrics.insert(
        "train_seconds".into(),
        json!(started.elapsed().as_secs_f64()),
    );
    let metrics = Value::Object(metrics);
    let model_bytes = format::to_bytes(&outcome.model).or_report()?;
    let coefficients = serde_json::to_value(&outcome.model.coefficients)
        .map_err(|e| report(Error::new(finml_models::ErrorKind::Internal, e.to_string())))?;
    let algorithm_name = outcome.model.algorithm.as_str();
    let task = outcome.model.task.as_str();
    let version = catalog::store_version(NewVersion {
        name: model,
        algorithm: algorithm_name,
        task,
        relation: &relation_name,
        target,
        features: outcome.model.feature_names().map(str::to_owned).collect(),
        options: options_json,
        train_rows: outcome.train_rows as i64,
        test_rows: outcome.test_rows as i64,
        metrics: metrics.clone(),
        coefficients,
        model: model_bytes,
        deploy: parsed.deploy,
    })?;

    Ok(TableIterator::once((
        model.to_owned(),
        version,
        algorithm_name.to_owned(),
        task.to_owned(),
        outcome.train_rows as i64,
        outcome.test_rows as i64,
        JsonB(metrics),
    )))
}

/// Model names are free text, but not empty, not over 63 bytes, and without '@' (reserved to
/// pin a version: 'name@3').
fn validate_model_name(name: &str) -> Result<(), ErrorReport> {
    if name.is_empty() || name.len() > 63 || name.contains('@') {
        return Err(sql_error(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("invalid model name \"{name}\""),
            "use 1 to 63 bytes without '@', e.g. 'credit_risk'",
        ));
    }
    Ok(())
}
