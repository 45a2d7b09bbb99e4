//! `fin_train`: read a relation, train a model, store it as the next version. The same
//! pipeline trains `fin_retrain`'s new versions (see [`train_version`]).

use crate::error::{required, sql_error, OrReport, SqlResult};
use crate::gucs;
use crate::pg::catalog;
use crate::pg::registry::{self, NewVersion};
use crate::pg::relation;
use finml_models::deploy::{decide, measure_incumbent, Decision, Headline, Incumbent};
use finml_models::mlp::{EpochLog, Progress};
use finml_models::train::train_reporting;
use finml_models::{format, Algorithm, DeployPolicy, Limits, TrainOptions};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::pg_sys::Oid;
use pgrx::prelude::*;
use pgrx::{JsonB, PgLogLevel, PgRelation, PgSqlErrorCode};
use serde_json::{json, Map, Value};
use std::time::Instant;

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
                    sql_error(
                        PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
                        "features must not contain NULL",
                        "name each feature column, or pass features => NULL to use every column",
                    )
                })
        })
        .transpose()?;
    let trained = train_version(TrainRequest {
        model,
        relation: relation.oid(),
        target: required(target, "target")?,
        algorithm: required(algorithm, "algorithm")?,
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

/// What to train.
pub struct TrainRequest<'a> {
    pub model: &'a str,
    pub relation: Oid,
    pub target: &'a str,
    pub algorithm: &'a str,
    pub features: Option<Vec<String>>,
    pub options: Value,
    /// When `options.deploy` is not given.
    pub default_policy: DeployPolicy,
    /// The audit log's action: "train" or "retrain".
    pub action: &'static str,
}

/// A stored new version and what the deploy policy decided.
pub struct Trained {
    pub version: i32,
    pub algorithm: String,
    pub task: String,
    pub train_rows: i64,
    pub test_rows: i64,
    pub metrics: Value,
    pub policy: DeployPolicy,
    pub decision: Decision,
    /// The version deployed before this training, measured against the new one.
    pub incumbent: Option<i32>,
}

/// Reads, trains, decides whether to deploy, stores, deploys and records the event.
pub fn train_version(request: TrainRequest<'_>) -> SqlResult<Trained> {
    let started = Instant::now();
    let model = request.model;
    catalog::validate_model_name(model)?;
    let parsed = TrainOptions::from_json(&request.options).or_report()?;
    let algorithm = Algorithm::parse(request.algorithm).or_report()?;
    parsed.check_applicable(algorithm.as_str()).or_report()?;
    // Refuse a model of another role before reading anything.
    registry::check_may_add_versions(model)?;
    let relation_name = relation::relation_name(request.relation)?;

    let columns = relation::columns_of(request.relation)?;
    let primary_key = relation::primary_key_of(request.relation)?;
    let mut plan = relation::plan(
        &columns,
        primary_key,
        &relation_name,
        request.target,
        request.features.as_deref(),
        &parsed,
    )?;
    for column in &plan.skipped {
        notice!(
            "column \"{}\" ({}) is not used: finml reads numeric, text, varchar and boolean columns",
            column.name,
            column.type_name
        );
    }
    // The deployed version is measured on the new version's test rows (if_better): read the
    // columns it needs too, and keep them out of training.
    let policy = parsed.deploy.unwrap_or(request.default_policy);
    let incumbent_model = match (policy, registry::deployed_version(model)?) {
        (DeployPolicy::IfBetter, Some(version)) => {
            Some((version, catalog::load_version(model, version)?))
        }
        _ => None,
    };
    let planned = plan.features.len();
    if let Some((_, deployed)) = &incumbent_model {
        relation::add_columns(&mut plan, &columns, deployed.feature_names());
    }
    let mut dataset = relation::read(&relation_name, &plan, gucs::max_training_memory_bytes())?;
    let incumbent_only = dataset.features.split_off(planned);
    let read_seconds = started.elapsed().as_secs_f64();
    let limits = Limits {
        max_memory_bytes: gucs::max_training_memory_bytes(),
        device: gucs::device(),
    };
    if algorithm == Algorithm::Mlp {
        cap_threads(gucs::threads());
    }
    let mut progress = EpochNotices {
        epochs: parsed.mlp.epochs,
    };
    let outcome =
        train_reporting(&dataset, algorithm, &parsed, limits, &mut progress).or_report()?;
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
    for note in &outcome.notes {
        notice!("{note}");
    }

    // From here to the end of the transaction, changes to this model wait for this one.
    registry::claim(model)?;
    let headline = Headline::of(&outcome.held_out);
    dataset.features.extend(incumbent_only);
    let incumbent_version = registry::deployed_version(model)?;
    let incumbent = match (incumbent_version, &incumbent_model) {
        (None, _) => Incumbent::None,
        (Some(version), Some((measured, deployed))) if version == *measured => {
            measure_incumbent(&outcome, &dataset, version, deployed)
        }
        (Some(version), _) if policy == DeployPolicy::IfBetter => Incumbent::Unusable {
            version,
            reason: "it was deployed while this version trained".to_owned(),
        },
        (Some(version), _) => Incumbent::Measured {
            version,
            value: None,
        },
    };
    drop(dataset);
    let decision = decide(
        policy,
        parsed.deploy_tolerance,
        headline,
        outcome.metrics.get(headline.as_str()).copied(),
        outcome.evaluated_on,
        &incumbent,
    );

    let mut metrics: Map<String, Value> = outcome
        .metrics
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    metrics.insert("evaluated_on".into(), json!(outcome.evaluated_on));
    if let Some(device) = &outcome.device {
        metrics.insert("device".into(), json!(device));
    }
    metrics.insert(
        "train_seconds".into(),
        json!(started.elapsed().as_secs_f64()),
    );
    let metrics = Value::Object(metrics);
    let model_bytes = format::to_bytes(&outcome.model).or_report()?;
    let coefficients = outcome.model.coefficients_json().or_report()?;
    let algorithm_name = outcome.model.algorithm.as_str();
    let task = outcome.model.task.as_str();
    let version = registry::store_version(NewVersion {
        name: model,
        algorithm: algorithm_name,
        task,
        relation: &relation_name,
        target: request.target,
        features: outcome.model.feature_names().map(str::to_owned).collect(),
        requested_features: request.features,
        options: request.options,
        train_rows: outcome.train_rows as i64,
        test_rows: outcome.test_rows as i64,
        metrics: metrics.clone(),
        coefficients,
        model: model_bytes,
        trained: None,
        imported: None,
    })?;
    registry::record_training_log(model, version, &outcome.training_log)?;
    if decision.deploy {
        registry::set_deployment(model, version)?;
    }
    registry::record_event(
        request.action,
        model,
        Some(version),
        if decision.deploy {
            "deployed"
        } else {
            "not deployed"
        },
        Some(&decision.reason),
    )?;
    Ok(Trained {
        version,
        algorithm: algorithm_name.to_owned(),
        task: task.to_owned(),
        train_rows: outcome.train_rows as i64,
        test_rows: outcome.test_rows as i64,
        metrics,
        policy,
        decision,
        incumbent: incumbent_version,
    })
}

/// An MLP training's reports to the session: interrupts (cancel, statement_timeout) are
/// checked after every batch, and each epoch is a NOTICE (client_min_messages can silence it).
struct EpochNotices {
    epochs: usize,
}

impl Progress for EpochNotices {
    fn batch(&mut self) -> finml_models::Result<()> {
        pgrx::check_for_interrupts!();
        Ok(())
    }

    fn epoch(&mut self, log: &EpochLog) -> finml_models::Result<()> {
        let valid = log
            .valid_loss
            .map_or(String::new(), |v| format!(", validation loss {v:.4}"));
        notice!(
            "epoch {}/{}: training loss {:.4}{valid} ({:.1} s)",
            log.epoch,
            self.epochs,
            log.train_loss,
            log.seconds
        );
        Ok(())
    }
}

/// Caps the threads of candle's matrix products (rayon's pool, and the parallelism each
/// product asks for) at finml.threads. Set before training: the variable is read at each
/// product; without it candle asks the system for the core count every time.
fn cap_threads(threads: usize) {
    // The backend is single-threaded here: nothing reads the environment concurrently.
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
}
