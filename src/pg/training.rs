//! The one training service behind `fin_train` and `fin_retrain`: read the specification,
//! the columns and the rows; train once in the core; let the core judge the deploy policy
//! (and build the metrics, coefficients and stored bytes); then write once, under the
//! model's lock.
//!
//! Reading happens before the lock (a training may take minutes; other changes to the model
//! must not wait that long), so the deployed version is read twice: before training, to
//! measure it on the new version's held-out rows, and under the lock, to notice a version
//! deployed meanwhile (deploy::judge then refuses to replace it under if_better).

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::gucs;
use crate::pg::catalog;
use crate::pg::progress::{self, Phase};
use crate::pg::registry::{self, NewVersion};
use crate::pg::relation::{self, ReadPlan};
use crate::pg::sample;
use crate::pg::spi::select_one;
use crate::pg::summed;
use crate::pg::types::ValueKind;
use finml_models::backtest::{backtest as run_backtest, BacktestSpec, Fold};
use finml_models::data::Dataset;
use finml_models::deploy::{judge, Decision};
use finml_models::options::{merged, Training};
use finml_models::progress::{EpochLog, Progress};
use finml_models::registry as algorithms;
use finml_models::train::cross_validate::{cross_validate as run_cross_validation, CvFold};
use finml_models::train::{train_reporting, TrainOutcome};
use finml_models::tune::{tune, SearchSpec, Trial, TuneOutcome};
use finml_models::{Algorithm, DeployPolicy, Limits, TrainOptions};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::pg_sys::Oid;
use pgrx::prelude::*;
use pgrx::{PgLogLevel, PgSqlErrorCode, PgXactCallbackEvent};
use serde_json::Value;
use std::time::Instant;

/// What to train.
pub struct TrainRequest {
    pub model: String,
    pub relation: Oid,
    /// `None` for an unsupervised algorithm.
    pub target: Option<String>,
    pub algorithm: String,
    pub features: Option<Vec<String>>,
    pub options: Value,
    /// When `options.deploy` is not given.
    pub default_policy: DeployPolicy,
    /// The audit log's action: "train", "retrain" or "tune".
    pub action: &'static str,
    /// fin_tune's search (its `search` argument): the version is the best trial's refit.
    pub search: Option<Value>,
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
    /// fin_tune's trials and the metric that ranked them.
    pub search: Option<Searched>,
}

/// What a search tried: its metric, folds and trials, and the one chosen.
pub struct Searched {
    pub metric: String,
    pub folds: usize,
    pub trials: Vec<Trial>,
    /// Index in `trials` of the chosen one.
    pub best: usize,
}

/// Reads, trains (or searches, then refits the best), decides whether to deploy, stores,
/// deploys and records the event (and a search's trials).
pub fn train_version(mut request: TrainRequest) -> SqlResult<Trained> {
    let started = Instant::now();
    let model = request.model.clone();
    let model = model.as_str();
    catalog::validate_model_name(model)?;
    let parsed = TrainOptions::from_json(&request.options).or_report()?;
    let algorithm = Algorithm::parse(&request.algorithm).or_report()?;
    check_target(algorithm, request.target.as_deref())?;
    // The options are checked here, once; every pipeline reads `training`.
    let training = parsed.for_algorithm(algorithm).or_report()?;
    let parsed = &training.options;
    let search = match &request.search {
        Some(search) => Some(search_spec(search, algorithm, parsed)?),
        None => None,
    };
    // Refuse a model of another role before reading anything.
    registry::check_may_add_versions(model)?;
    let _slot = progress::enter(Some(model), algorithm.as_str())?;
    let relation_name = relation::relation_name(request.relation)?;

    let columns = relation::columns_of(request.relation)?;
    let primary_key = relation::primary_key_of(request.relation)?;
    let plan = relation::plan(
        &columns,
        primary_key,
        &relation_name,
        request.target.as_deref(),
        request.features.as_deref(),
        parsed,
    )
    .or_report()?;
    notice_skipped(&plan, None);
    // The deployed version is measured on the new version's test rows (if_better): read the
    // columns it needs too, and keep them out of training.
    // An unsupervised model has no held-out metric to compare: fin_retrain deploys it.
    let policy = parsed
        .deploy
        .unwrap_or(match algorithm.unsupervised_task() {
            Some(_) => DeployPolicy::Always,
            None => request.default_policy,
        });
    let incumbent_model = match (policy, catalog::deployed_version(model)?) {
        (DeployPolicy::IfBetter, Some(version)) => {
            Some((version, catalog::load_version(model, version)?))
        }
        _ => None,
    };
    let limits = training_limits();
    // A search cross-validates the rows it read once: it never sums them where they are.
    let summed_outcome = if search.is_none() {
        train_summed(
            (request.relation, &relation_name),
            &training,
            &plan,
            incumbent_model.is_some(),
        )?
    } else {
        None
    };
    let summed = summed_outcome.is_some();
    let sample_columns = (!summed).then(|| plan.sample_columns());
    let deployed = incumbent_model.as_ref().map(|(_, m)| m);
    let (outcome, searched, mut dataset, incumbent_only) = match summed_outcome {
        Some(outcome) => (outcome, None, no_rows(), Vec::new()),
        None => {
            let how = match &search {
                Some(spec) => How::Search(spec, &request.options, algorithm),
                None => How::Train(&training),
            };
            read_and_train(&relation_name, plan, &columns, how, limits, deployed)?
        }
    };
    if let Some((_, options)) = &searched {
        // The version stores the options it was trained with: fin_retrain repeats them.
        request.options = options.clone();
    }
    let searched = searched.map(|(searched, _)| searched);
    tell_trained(&outcome, summed, started);

    // From here to the end of the transaction, changes to this model wait for this one.
    progress::phase(Phase::Storing);
    registry::claim(model)?;
    dataset.features.extend(incumbent_only);
    let incumbent_version = catalog::deployed_version(model)?;
    let decision = judge(
        policy,
        parsed.deploy_tolerance,
        &outcome,
        &dataset,
        incumbent_version,
        incumbent_model.as_ref().map(|(v, m)| (*v, m)),
    );
    drop(dataset);
    let mut stored = store_version(
        request,
        &relation_name,
        &outcome,
        Judged {
            policy,
            decision,
            incumbent: incumbent_version,
        },
        started,
    )?;
    if let Some(columns) = sample_columns {
        sample::record(model, stored.version, &relation_name, columns)?;
    }
    if let Some(searched) = &searched {
        registry::record_trials(
            model,
            stored.version,
            (&searched.metric, searched.folds),
            &searched.trials,
            searched.best,
        )?;
    }
    stored.search = searched;
    Ok(stored)
}

/// fin_tune's search checked for `algorithm` (22023), before anything is read: a search
/// ranks trials by a metric of a target, on rows read once.
fn search_spec(
    search: &Value,
    algorithm: Algorithm,
    parsed: &TrainOptions,
) -> SqlResult<SearchSpec> {
    if algorithm.unsupervised_task().is_some() {
        return Err(fail(
            ErrorKind::InvalidOption,
            format!(
                "a search ranks trials by a cross-validated metric of a target; algorithm \"{}\" has none",
                algorithm.as_str()
            ),
            format!("tune a supervised algorithm ({})", algorithms::supervised_names()),
        ));
    }
    if parsed.aggregate == Some(true) {
        return Err(not_summed(
            "a search cross-validates the rows it reads once",
        ));
    }
    SearchSpec::parse(search, algorithm).or_report()
}

/// The training's DEBUG1 line (rows, route, seconds) and its notes as NOTICEs.
fn tell_trained(outcome: &TrainOutcome, summed: bool, started: Instant) {
    ereport!(
        PgLogLevel::DEBUG1,
        PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
        format!(
            "finml: trained on {} rows{} in {:.3} s",
            outcome.train_rows,
            if summed {
                " from sums where they are stored"
            } else {
                ""
            },
            started.elapsed().as_secs_f64()
        )
    );
    for note in &outcome.notes {
        notice!("{note}");
    }
}

/// The deploy judgement of a new version.
struct Judged {
    policy: DeployPolicy,
    decision: Decision,
    /// The version deployed before this training.
    incumbent: Option<i32>,
}

/// Stores the trained version, deploys it when judged so, and records the event, its
/// training log and (finml.log_trainings) the LOG line.
fn store_version(
    request: TrainRequest,
    relation_name: &str,
    outcome: &TrainOutcome,
    judged: Judged,
    started: Instant,
) -> SqlResult<Trained> {
    let Judged {
        policy,
        mut decision,
        incumbent: incumbent_version,
    } = judged;
    let awaits_approval = gucs::require_approval();
    let model = request.model.as_str();
    let metrics = outcome.metrics_json(started.elapsed().as_secs_f64());
    let (model_bytes, coefficients) = outcome.stored_form().or_report()?;
    let algorithm_name = outcome.model.algorithm().as_str();
    let task = outcome.model.task.as_str();
    let version = registry::store_version(NewVersion {
        name: model,
        algorithm: algorithm_name,
        task,
        relation: relation_name,
        target: request.target.as_deref(),
        features: outcome.model.feature_names().map(str::to_owned).collect(),
        requested_features: request.features,
        options: request.options,
        train_rows: outcome.train_rows as i64,
        test_rows: outcome.test_rows as i64,
        metrics: metrics.clone(),
        coefficients,
        model: model_bytes,
        classes: outcome.model.class_names().ok(),
        trained: None,
        imported: None,
        deploy_on_approval: decision.deploy,
    })?;
    registry::record_training_log(model, version, &outcome.training_log)?;
    if awaits_approval {
        decision.reason = awaiting_approval(decision.deploy, &decision.reason);
        decision.deploy = false;
    }
    if decision.deploy {
        registry::set_deployment(model, version)?;
    }
    let outcome_text = match (decision.deploy, awaits_approval) {
        (true, _) => "deployed",
        (false, true) => "pending approval",
        (false, false) => "not deployed",
    };
    registry::record_event(
        request.action,
        model,
        Some(version),
        outcome_text,
        Some(&decision.reason),
    )?;
    if gucs::log_trainings() {
        log_training(
            request.action,
            model,
            version,
            algorithm_name,
            outcome.train_rows,
            started.elapsed().as_secs_f64(),
            &metrics,
            decision.deploy,
        );
    }
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
        search: None,
    })
}

/// The deploy decision's reason for a version stored to wait for a validator's approval.
fn awaiting_approval(would_deploy: bool, reason: &str) -> String {
    let then = if would_deploy {
        "deployed once approved"
    } else {
        "not deployed on approval"
    };
    format!("awaiting approval (finml.require_approval), {then}: {reason}")
}

/// How a training that reads its rows fits: one training, or fin_tune's search (with the
/// base options as given) and the best trial's refit.
enum How<'a> {
    Train(&'a Training),
    Search(&'a SearchSpec, &'a Value, Algorithm),
}

/// A search's trials and the options its chosen trial trained with.
type SearchedWith = (Searched, Value);

/// A search's outcome split into the refitted training and what it tried (over `folds`).
fn searched(tuned: TuneOutcome, folds: usize) -> (TrainOutcome, SearchedWith) {
    let TuneOutcome {
        metric,
        trials,
        best,
        options,
        outcome,
        ..
    } = tuned;
    let searched = Searched {
        metric,
        folds,
        trials,
        best,
    };
    (outcome, (searched, options))
}

/// Reads the planned rows (and the columns the deployed version `deployed` needs, kept out of
/// training) and trains in memory: the dataset, with those columns at its end.
fn read_and_train(
    relation_name: &str,
    mut plan: ReadPlan,
    columns: &[relation::RelationColumn],
    how: How<'_>,
    limits: Limits,
    deployed: Option<&finml_models::Model>,
) -> SqlResult<(
    TrainOutcome,
    Option<SearchedWith>,
    Dataset,
    Vec<finml_models::data::Feature>,
)> {
    let planned = plan.features.len();
    if let Some(deployed) = deployed {
        relation::add_columns(&mut plan, columns, deployed.feature_names());
    }
    if let How::Search(..) = how {
        // Out-of-time folds cut the rows by their times.
        relation::read_split_times(&mut plan, columns);
    }
    let tested = if let How::Train(t) = &how {
        Some(t.options.test_size)
    } else {
        None
    };
    let held = finml_models::memory::floor_per_row(plan.target.is_some(), tested);
    let budget = (gucs::max_training_memory_bytes(), held);
    let mut dataset = relation::read_where(relation_name, &plan, budget, None)?;
    let incumbent_only = dataset.features.split_off(planned);
    let mut progress = EpochNotices;
    let (outcome, search) = match how {
        How::Train(training) => (
            train_reporting(&dataset, training, limits, &mut progress).or_report()?,
            None,
        ),
        How::Search(spec, base, algorithm) => {
            let mut tell = |trial: &Trial, planned: usize| tell_trial(trial, planned);
            let tuned = tune(
                &dataset,
                algorithm,
                base,
                spec,
                limits,
                &mut progress,
                &mut tell,
            )
            .or_report()?;
            let (outcome, search) = searched(tuned, spec.folds);
            (outcome, Some(search))
        }
    };
    Ok((outcome, search, dataset, incumbent_only))
}

/// The training from sums where the rows are stored, when [`summed_route`] takes it; `None`
/// when it does not, or finds a multi-class target (the rows are then read here).
fn train_summed(
    (relation, relation_name): (Oid, &str),
    training: &Training,
    plan: &ReadPlan,
    measures_incumbent: bool,
) -> SqlResult<Option<TrainOutcome>> {
    if !summed_route(relation, training, plan, measures_incumbent)? {
        return Ok(None);
    }
    progress::phase(Phase::Fitting);
    let budget = gucs::max_training_memory_bytes();
    let distributed = relation::is_distributed(relation)?;
    let outcome = summed::train(relation_name, distributed, training, plan, budget)?;
    if outcome.is_none() {
        notice!("finml: the rows of this distributed table are read on the coordinator: a multi-class target is not trained from sums yet");
    }
    Ok(outcome)
}

/// Whether this training sums its rows where they are stored (pg/summed.rs): when
/// `options.aggregate` asks (0A000 when it cannot), or by default on a Citus distributed
/// table when it can (a NOTICE says why it reads the rows when it cannot).
fn summed_route(
    relation: Oid,
    training: &Training,
    plan: &ReadPlan,
    measures_incumbent: bool,
) -> SqlResult<bool> {
    let parsed = &training.options;
    let wanted = match parsed.aggregate {
        Some(wanted) => wanted,
        None => relation::is_distributed(relation)?,
    };
    if !wanted {
        return Ok(false);
    }
    match summed::why_not_summed(training, plan, measures_incumbent) {
        None => Ok(true),
        Some(why) if parsed.aggregate == Some(true) => Err(not_summed(why)),
        Some(why) => {
            notice!("finml: the rows of this distributed table are read on the coordinator: {why}");
            Ok(false)
        }
    }
}

/// The dataset of a summed training, which holds no rows (the deploy policy measures no
/// incumbent on it: summed_route reads the rows when it would).
fn no_rows() -> Dataset {
    Dataset {
        features: Vec::new(),
        target_name: String::new(),
        target: finml_models::data::TargetColumn::Absent(0),
        test_mask: None,
        weights: None,
        times: None,
    }
}

fn not_summed(why: &str) -> ErrorReport {
    fail(
        ErrorKind::Unsupported,
        format!("this training cannot sum its rows where they are stored: {why}"),
        r#"remove "aggregate": true to read the rows on this node"#,
    )
}

/// The metrics a DBA reads first, in this order: the first one a training has is its LOG
/// line's headline.
const HEADLINE_METRICS: [&str; 4] = ["auc", "rmse", "silhouette", "flagged_share"];

/// The server log's line for a finished training, in `key=value` form for grep and log
/// parsers (finml.log_trainings), once its transaction commits.
#[allow(clippy::too_many_arguments)]
fn log_training(
    action: &str,
    model: &str,
    version: i32,
    algorithm: &str,
    rows: usize,
    seconds: f64,
    metrics: &Value,
    deployed: bool,
) {
    let headline = HEADLINE_METRICS
        .iter()
        .find_map(|name| Some((name, metrics.get(*name)?.as_f64()?)))
        .map_or(String::new(), |(name, value)| format!(" {name}={value:.4}"));
    let line = format!(
        "finml: training finished: action={action} model={} version={version} algorithm={algorithm} rows={rows} seconds={seconds:.3}{headline} deployed={deployed}",
        quote_for_log(model)
    );
    // Written when the transaction commits: a training rolled back kept nothing to log.
    pgrx::register_xact_callback(PgXactCallbackEvent::Commit, move || {
        ereport!(
            PgLogLevel::LOG,
            PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
            line
        );
    });
}

/// A model name as one `key=value` token: double-quoted, with `"` and `\` escaped.
fn quote_for_log(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A training's reports to the session: interrupts (cancel, statement_timeout) are
/// checked after every step, each epoch is a NOTICE (client_min_messages can silence it),
/// and phases and epochs go to finml.progress.
struct EpochNotices;

impl Progress for EpochNotices {
    fn step(&mut self) -> finml_models::Result<()> {
        pgrx::check_for_interrupts!();
        Ok(())
    }

    fn phase(&mut self, phase: finml_models::progress::Phase) {
        progress::phase(phase.into());
    }

    fn epoch(&mut self, log: &EpochLog) -> finml_models::Result<()> {
        progress::epoch(log.epoch, log.of, log.train_loss);
        let valid = log
            .valid_loss
            .map_or(String::new(), |v| format!(", validation loss {v:.4}"));
        notice!(
            "epoch {}/{}: training loss {:.4}{valid} ({:.1} s)",
            log.epoch,
            log.of,
            log.train_loss,
            log.seconds
        );
        Ok(())
    }
}

/// A walk-forward backtest (`fin_backtest`): reads `relation` in the order of `time_column`
/// (with the time of each row), and trains and measures each fold (models/src/backtest.rs).
/// Nothing is stored.
pub fn backtest(
    relation: Oid,
    target: &str,
    algorithm: &str,
    time_column: &str,
    options: &Value,
) -> SqlResult<Vec<Fold>> {
    let (spec, training_options) = BacktestSpec::split_options(options).or_report()?;
    let parsed = TrainOptions::from_json(&training_options).or_report()?;
    let algorithm = Algorithm::parse(algorithm).or_report()?;
    check_target(algorithm, Some(target))?;
    if parsed.aggregate == Some(true) {
        return Err(not_summed(
            "a backtest reads its rows in time order, fold by fold",
        ));
    }
    if algorithm.unsupervised_task().is_some() {
        return Err(fail(
            ErrorKind::InvalidOption,
            format!(
                "a backtest measures forecasts; algorithm \"{}\" makes none",
                algorithm.as_str()
            ),
            format!(
                "backtest a supervised algorithm ({})",
                algorithms::supervised_names()
            ),
        ));
    }
    let training = parsed.for_algorithm(algorithm).or_report()?;
    let parsed = &training.options;
    let _slot = progress::enter(None, algorithm.as_str())?;
    let relation_name = relation::relation_name(relation)?;
    let columns = relation::columns_of(relation)?;
    relation::check_time_column(&columns, time_column, &relation_name)?;
    let primary_key = relation::primary_key_of(relation)?;
    let mut plan = relation::plan(
        &columns,
        primary_key.clone(),
        &relation_name,
        Some(target),
        None,
        parsed,
    )
    .or_report()?;
    // Time order, ties in key order: the folds cut the rows by time.
    plan.order_by = std::iter::once(time_column.to_owned())
        .chain(primary_key)
        .collect();
    plan.time = columns.iter().find(|c| c.name == time_column).cloned();
    notice_skipped(&plan, Some(time_column));
    let dataset = relation::read(&relation_name, &plan, gucs::max_training_memory_bytes())?;
    let limits = training_limits();
    run_backtest(&dataset, &training, spec, limits).or_report()
}

/// A finished trial: a NOTICE, and finml.progress's count of trials.
fn tell_trial(trial: &Trial, planned: usize) {
    progress::phase(Phase::Tuning);
    progress::epoch(trial.trial, planned, trial.mean);
    // The seconds are in finml.trials: the NOTICE says only what is reproducible.
    notice!(
        "trial {}/{}: {} mean {:.4} (std {:.4}) over the folds",
        trial.trial,
        planned,
        Value::Object(trial.options.clone()),
        trial.mean,
        trial.std
    );
}

/// k-fold cross-validation (`fin_cross_validate`): reads `relation` once (with each row's
/// time for a split by time) and fits and measures each fold (models/src/train/cross_validate.rs).
/// Nothing is stored.
pub fn cross_validate(
    relation: Oid,
    target: &str,
    algorithm: &str,
    features: Option<&[String]>,
    options: &Value,
    folds: usize,
) -> SqlResult<Vec<CvFold>> {
    let parsed = TrainOptions::from_json(options).or_report()?;
    let algorithm = Algorithm::parse(algorithm).or_report()?;
    if parsed.aggregate == Some(true) {
        return Err(not_summed(
            "a cross-validation fits each fold on rows read once",
        ));
    }
    let training = parsed.for_algorithm(algorithm).or_report()?;
    let _slot = progress::enter(None, algorithm.as_str())?;
    let relation_name = relation::relation_name(relation)?;
    let columns = relation::columns_of(relation)?;
    let primary_key = relation::primary_key_of(relation)?;
    let mut plan = relation::plan(
        &columns,
        primary_key,
        &relation_name,
        Some(target),
        features,
        &training.options,
    )
    .or_report()?;
    relation::read_split_times(&mut plan, &columns);
    notice_skipped(&plan, None);
    let dataset = relation::read(&relation_name, &plan, gucs::max_training_memory_bytes())?;
    let (results, notes) = run_cross_validation(
        &dataset,
        &training,
        folds,
        training_limits(),
        &mut EpochNotices,
    )
    .or_report()?;
    for note in notes {
        notice!("{note}");
    }
    Ok(results)
}

/// A NOTICE for each column that `features => NULL` leaves out (but `except`), saying how a
/// date column becomes features.
fn notice_skipped(plan: &ReadPlan, except: Option<&str>) {
    for column in plan
        .skipped
        .iter()
        .filter(|c| Some(c.name.as_str()) != except)
    {
        if column.kind == Some(ValueKind::Date) {
            notice!(
                "column \"{}\" ({}) is not used: name its calendar parts to use it, e.g. options => '{{\"dates\": {{\"{}\": [\"month\", \"dow\", \"year\", \"days_since\"]}}}}'",
                column.name,
                column.type_name,
                column.name
            );
        } else {
            notice!(
                "column \"{}\" ({}) is not used: finml reads numeric, text, varchar, boolean and (with options.dates) date columns",
                column.name,
                column.type_name
            );
        }
    }
}

/// The limits of a training (the GUCs), with candle's threads capped to them.
fn training_limits() -> Limits {
    cap_threads(gucs::threads());
    Limits {
        max_memory_bytes: gucs::max_training_memory_bytes(),
        device: gucs::device(),
        threads: gucs::threads(),
    }
}

/// A target for a supervised algorithm, none for an unsupervised one.
fn check_target(algorithm: Algorithm, target: Option<&str>) -> SqlResult<()> {
    let name = algorithm.as_str();
    match (algorithm.unsupervised_task(), target) {
        (Some(_), None) | (None, Some(_)) => Ok(()),
        (Some(task), Some(target)) => Err(fail(
            ErrorKind::InvalidOption,
            format!(
                "algorithm \"{name}\" ({}) learns without a target, but target \"{target}\" was given",
                task.as_str()
            ),
            "pass target => NULL; to measure it against known outcomes, score the labelled rows",
        )),
        (None, None) => Err(fail(
            ErrorKind::NullArgument,
            format!("algorithm \"{name}\" needs a target column, and target is NULL"),
            format!(
                "name the column to predict; only algorithms {} train with target => NULL",
                algorithms::unsupervised_names("and")
            ),
        )),
    }
}

/// Caps the threads of candle's matrix products (rayon's pool, and the parallelism each
/// product asks for) at finml.threads; an estimator that uses no threads ignores it. Set before training: the variable is read at each
/// product; without it candle asks the system for the core count every time.
fn cap_threads(threads: usize) {
    // The backend is single-threaded here: nothing reads the environment concurrently.
    std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
}

/// The request that trains `model` again: the specification of its deployed version (the
/// latest one when none is deployed) with `overrides` merged over its options.
pub fn retrain_request(model: &str, overrides: Option<Value>) -> SqlResult<TrainRequest> {
    let spec = catalog::training_spec(model)?;
    let options = merged(spec.options, overrides).or_report()?;
    // The stored name is schema-qualified and resolved with the search_path pinned: a table
    // of the same name earlier on the caller's search_path is not trained on.
    let relation = select_one::<Oid>(
        "SELECT pg_catalog.to_regclass($1)::oid",
        &[DatumWithOid::from(spec.relation.as_str())],
    )?
    .ok_or_else(|| {
        fail(
            ErrorKind::NoSuchRelation,
            format!(
                "relation \"{}\" of model \"{model}\" (version {}) does not exist",
                spec.relation, spec.version
            ),
            "recreate it, or train the model on another relation with fin_train",
        )
    })?;
    Ok(TrainRequest {
        model: model.to_owned(),
        relation,
        target: spec.target,
        algorithm: spec.algorithm,
        features: spec.requested_features,
        options,
        default_policy: DeployPolicy::IfBetter,
        action: "retrain",
        search: None,
    })
}
