//! Training end to end on an in-memory [`Dataset`]: resolve the target and the task, split,
//! fit the preprocessing on the training part, fit the estimator, and evaluate on the test
//! part. The extension only reads the relation and stores the result.
//!
//! Why here and not in the SQL layer: everything that decides a model's numbers (which rows
//! train, which test, what the metrics are, what is stored) is plain Rust over a dataset,
//! tested with `cargo test` against scikit-learn, and the same for fin_train, fin_retrain and
//! any later caller (cross-validation, a distributed training's coordinator). The held-out
//! rows travel with the outcome so that the deployed version is measured on exactly them.

use crate::data::{Dataset, TargetColumn};
use crate::drift::{drift_sample, DriftReference, Tracked};
use crate::error::{Error, ErrorKind, Result};
use crate::estimator::{Algorithm, Fitted};
pub use crate::fit::Limits;
use crate::fit::{FitInput, TrainLabels};
use crate::format;
use crate::linear::sigmoid;
use crate::metrics;
use crate::model::{first_invalid_parameter, EvaluationSummary, Model};
use crate::options::{SplitSpec, Task, TrainOptions};
use crate::progress::{EpochLog, Phase, Progress, Silent};
use crate::self_training::self_train;
use crate::split::{self, Split};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// What a training produced.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    pub model: Model,
    pub train_rows: usize,
    pub test_rows: usize,
    /// Metrics on the test part, or on the training part when there is no test part.
    pub metrics: BTreeMap<String, f64>,
    /// "test" or "train": where `metrics` were measured.
    pub evaluated_on: &'static str,
    /// Things the caller should tell the user (a NOTICE each).
    pub notes: Vec<String>,
    /// The rows `metrics` were measured on and their labels, so that another model (the
    /// deployed version) can be measured on exactly the same rows.
    pub held_out: HeldOut,
    /// One entry per epoch (MLP).
    pub training_log: Vec<EpochLog>,
    /// Where an MLP trained: "cpu" or "cuda:0".
    pub device: Option<String>,
}

impl TrainOutcome {
    /// The metrics as the catalog stores them (`finml.model_versions.metrics`): every metric,
    /// where it was measured, the device of a network, and the training's wall time.
    pub fn metrics_json(&self, train_seconds: f64) -> Value {
        let mut metrics: Map<String, Value> = self
            .metrics
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        metrics.insert("evaluated_on".into(), json!(self.evaluated_on));
        if let Some(device) = &self.device {
            metrics.insert("device".into(), json!(device));
        }
        metrics.insert("train_seconds".into(), json!(train_seconds));
        Value::Object(metrics)
    }

    /// The model's stored bytes and its coefficient table, as the catalog stores them.
    pub fn stored_form(&self) -> Result<(Vec<u8>, Value)> {
        Ok((
            format::to_bytes(&self.model)?,
            self.model.coefficients_json()?,
        ))
    }
}

/// Dataset rows and their true labels.
#[derive(Debug, Clone)]
pub struct HeldOut {
    pub rows: Vec<usize>,
    pub truth: Truth,
}

#[derive(Debug, Clone)]
pub enum Truth {
    /// Whether each row is of the positive class (named by the model's `positive_class`).
    Binary(Vec<bool>),
    Numeric(Vec<f64>),
}

/// Points of the ROC curve and bins of the probability histogram kept for the model report.
const REPORT_ROC_POINTS: usize = 101;
const REPORT_HISTOGRAM_BINS: usize = 20;

/// The target after resolution: binary labels or regression values, one per used row.
enum Labels {
    Binary {
        y: Vec<bool>,
        positive: String,
        negative: String,
    },
    Numeric(Vec<f64>),
}

/// Trains `algorithm` on `data` with `options`.
pub fn train(
    data: &Dataset,
    algorithm: Algorithm,
    options: &TrainOptions,
    limits: Limits,
) -> Result<TrainOutcome> {
    train_reporting(data, algorithm, options, limits, &mut Silent)
}

/// [`train`], telling `progress` of each step and epoch of an iterative estimator.
pub fn train_reporting(
    data: &Dataset,
    algorithm: Algorithm,
    options: &TrainOptions,
    limits: Limits,
    progress: &mut dyn Progress,
) -> Result<TrainOutcome> {
    if let Some(task) = algorithm.unsupervised_task() {
        return train_unsupervised(data, algorithm, task, options, limits, progress);
    }
    if matches!(data.target, TargetColumn::Absent(_)) {
        return Err(no_target());
    }
    let mut notes = Vec::new();
    // Rows with a NULL target cannot be learned from; drop them and say so.
    let rows: Vec<usize> = (0..data.n_rows())
        .filter(|&i| !data.target.is_null(i))
        .collect();
    let dropped = data.n_rows() - rows.len();
    if rows.is_empty() {
        return Err(Error::invalid_data(format!(
            "no rows to train on: the relation has {} rows and none with a non-NULL \"{}\"",
            data.n_rows(),
            data.target_name
        ))
        .with_hint("train on a relation with labelled rows"));
    }
    if dropped > 0 && options.semi_supervised.is_none() {
        notes.push(format!(
            "{dropped} rows with a NULL \"{}\" were left out",
            data.target_name
        ));
    }
    let (task, labels) = resolve_target(data, &rows, options)?;
    if task == Task::Regression && options.positive.is_some() {
        return Err(Error::invalid_option(format!(
            "options.positive names a class, but \"{}\" is trained as a regression",
            data.target_name
        ))
        .with_hint("remove positive, or train a two-class target (a numeric target with more than two values is a regression)"));
    }
    let params = options.params(algorithm)?.for_task(
        task,
        &options.algorithm_options,
        || {
            if options.task == Some(Task::Regression) {
                "options.task is \"regression\": training a linear regression".to_owned()
            } else {
                format!(
                    "\"{}\" is a numeric target with more than two values: training a linear regression",
                    data.target_name
                )
            }
        },
        &mut notes,
    )?;

    // `labels` is indexed like `rows`; the split works on row ids, so keep a map back.
    let position: Vec<usize> = {
        let mut p = vec![usize::MAX; data.n_rows()];
        for (k, &r) in rows.iter().enumerate() {
            p[r] = k;
        }
        p
    };
    let Split { train, test } = make_split(data, &rows, &labels, task, options)?;
    if train.is_empty() {
        return Err(Error::invalid_data("the training split is empty")
            .with_hint("lower test_size, or move test_from of an out-of-time split later"));
    }
    if let Labels::Binary { y, .. } = &labels {
        let positives = train.iter().filter(|&&r| y[position[r]]).count();
        if positives == 0 || positives == train.len() {
            return Err(Error::invalid_data(format!(
                "the training split of \"{}\" has only one class",
                data.target_name
            ))
            .with_hint("a classifier needs rows of both classes in the training data"));
        }
    }

    // The weight column's values of the training rows, in the order of `train`.
    let train_weights: Option<Vec<f64>> = data
        .weights
        .as_ref()
        .map(|w| train.iter().map(|&r| w[r]).collect());
    if train_weights.is_some() && task == Task::Regression {
        return Err(Error::invalid_option(
            "options.weight_column weighs the rows of a classifier; this target trains a regression",
        )
        .with_hint("remove weight_column, or train a two-class target"));
    }
    let train_labels = match &labels {
        Labels::Binary { y, .. } => {
            TrainLabels::Binary(train.iter().map(|&r| y[position[r]]).collect())
        }
        Labels::Numeric(y) => TrainLabels::Numeric(train.iter().map(|&r| y[position[r]]).collect()),
    };
    let self_training = match (&options.semi_supervised, &train_labels) {
        (None, _) => None,
        (Some(settings), TrainLabels::Binary(y))
            if matches!(algorithm, Algorithm::Logistic | Algorithm::Mlp) =>
        {
            Some((*settings, y.clone()))
        }
        (Some(_), _) => {
            return Err(Error::invalid_option(
                "semi_supervised applies to logistic regression and MLPs on a two-class target",
            )
            .with_hint("remove semi_supervised, or train algorithm 'logistic' or 'mlp'"))
        }
    };
    let fitted = match self_training {
        Some((settings, y)) => {
            let unlabelled: Vec<usize> = (0..data.n_rows())
                .filter(|&i| data.target.is_null(i))
                .collect();
            let preprocess = options.preprocess();
            let (fitted, rounds) = self_train(
                settings,
                data,
                &train,
                &y,
                &unlabelled,
                |rows, labels, weights| {
                    params.fit(&mut FitInput {
                        data,
                        train: rows,
                        sample_weights: weights,
                        test: &test,
                        labels,
                        preprocess: &preprocess,
                        seed: options.seed,
                        limits,
                        progress: &mut *progress,
                        notes: &mut notes,
                    })
                },
            )?;
            let added: usize = rounds.iter().filter_map(|r| r.rows_added).sum();
            notes.push(format!(
                "self-training: {} round(s) labelled {added} of the {} unlabelled rows",
                rounds.len(),
                unlabelled.len()
            ));
            Fitted {
                log: rounds,
                ..fitted
            }
        }
        None => params.fit(&mut FitInput {
            data,
            train: &train,
            sample_weights: train_weights.as_deref(),
            test: &test,
            labels: &train_labels,
            preprocess: &options.preprocess(),
            seed: options.seed,
            limits,
            progress,
            notes: &mut notes,
        })?,
    };
    let Fitted {
        preprocessor,
        estimator,
        log: training_log,
        device,
    } = fitted;
    drop(train_labels);
    progress.phase(Phase::Evaluating);

    let (eval_rows, evaluated_on) = if test.is_empty() {
        (&train, "train")
    } else {
        (&test, "test")
    };
    let eta = estimator.outputs_of_rows(&preprocessor, data, eval_rows);
    if let Some(k) = eta.iter().position(|e| !e.is_finite()) {
        return Err(not_finite(&format!(
            "its prediction for {evaluated_on} row {} ({})",
            k + 1,
            eta[k]
        )));
    }
    let (metrics, evaluation, positive_class, truth) = match &labels {
        Labels::Binary { y, positive, .. } => {
            let p: Vec<f64> = eta.iter().map(|&e| sigmoid(e)).collect();
            let truth: Vec<bool> = eval_rows.iter().map(|&r| y[position[r]]).collect();
            let (metrics, evaluation) = binary_evaluation(&p, &truth, evaluated_on);
            (
                metrics,
                evaluation,
                Some(positive.clone()),
                Truth::Binary(truth),
            )
        }
        Labels::Numeric(y) => {
            let truth: Vec<f64> = eval_rows.iter().map(|&r| y[position[r]]).collect();
            let (metrics, evaluation) = regression_evaluation(&eta, &truth, evaluated_on);
            (metrics, evaluation, None, Truth::Numeric(truth))
        }
    };
    let reference = estimator.measure_reference(&preprocessor, data, &train);

    if let Some((name, value)) = metrics.iter().find(|(_, v)| !v.is_finite()) {
        return Err(not_finite(&format!(
            "its {name} on the {evaluated_on} rows ({value})"
        )));
    }
    let model = Model {
        task,
        target: data.target_name.clone(),
        positive_class,
        negative_class: match &labels {
            Labels::Binary { negative, .. } => Some(negative.clone()),
            Labels::Numeric(_) => None,
        },
        preprocessor,
        estimator,
        reference,
        evaluation: Some(evaluation),
        drift: None,
    };
    let model = with_drift(model, data, &train)?;
    Ok(TrainOutcome {
        model,
        train_rows: train.len(),
        test_rows: test.len(),
        metrics,
        evaluated_on,
        notes,
        held_out: HeldOut {
            rows: eval_rows.clone(),
            truth,
        },
        training_log,
        device,
    })
}

/// The task and classes of a target from one row per distinct target value (`classes`, as
/// training reads the target): what [`train`] decides from every row, for a training that
/// sums its rows where they are stored. `None` for a regression.
pub fn resolve_classes(
    classes: &Dataset,
    options: &TrainOptions,
) -> Result<(Task, Option<(String, String)>)> {
    let rows: Vec<usize> = (0..classes.n_rows()).collect();
    match resolve_target(classes, &rows, options)? {
        (
            task,
            Labels::Binary {
                positive, negative, ..
            },
        ) => Ok((task, Some((positive, negative)))),
        (task, Labels::Numeric(_)) => Ok((task, None)),
    }
}

/// A classifier's metrics and report curves from its probabilities `p` of the evaluated
/// rows and their labels: the same whether the rows were in memory or their outputs came
/// back from the workers.
pub fn binary_evaluation(
    p: &[f64],
    truth: &[bool],
    evaluated_on: &str,
) -> (BTreeMap<String, f64>, EvaluationSummary) {
    let evaluation = EvaluationSummary {
        evaluated_on: evaluated_on.to_owned(),
        roc: metrics::roc_curve(p, truth, REPORT_ROC_POINTS)
            .unwrap_or_default()
            .iter()
            .map(|point| (point.fpr, point.tpr))
            .collect(),
        calibration: metrics::calibration(p, truth, metrics::HOSMER_LEMESHOW_GROUPS),
        histogram: Some(metrics::class_histogram(p, truth, REPORT_HISTOGRAM_BINS)),
    };
    (metrics::classification_report(p, truth, 0.5), evaluation)
}

/// A regression's metrics and calibration from its predictions `predicted` of the evaluated
/// rows and their values `actual` (rows in memory, or outputs from the workers).
pub fn regression_evaluation(
    predicted: &[f64],
    actual: &[f64],
    evaluated_on: &str,
) -> (BTreeMap<String, f64>, EvaluationSummary) {
    let evaluation = EvaluationSummary {
        evaluated_on: evaluated_on.to_owned(),
        roc: Vec::new(),
        calibration: metrics::calibration_of_values(
            predicted,
            actual,
            metrics::HOSMER_LEMESHOW_GROUPS,
        ),
        histogram: None,
    };
    (metrics::regression_report(actual, predicted), evaluation)
}

/// Trains an algorithm without a target (k-means, isolation forest) on every row; its
/// metrics are measured on the training rows, and there is nothing held out.
fn train_unsupervised(
    data: &Dataset,
    algorithm: Algorithm,
    task: Task,
    options: &TrainOptions,
    limits: Limits,
    progress: &mut dyn Progress,
) -> Result<TrainOutcome> {
    let params = options.params(algorithm)?;
    if options.deploy == Some(crate::options::DeployPolicy::IfBetter) {
        return Err(Error::invalid_option(format!(
            "deploy \"if_better\" compares a held-out metric; {} model has none",
            crate::error::with_article(algorithm.as_str())
        ))
        .with_hint(r#"use "deploy": "always" or "never""#));
    }
    let train: Vec<usize> = (0..data.n_rows()).collect();
    if train.is_empty() {
        return Err(
            Error::invalid_data("no rows to train on: the relation is empty")
                .with_hint("train on a relation with rows"),
        );
    }
    let mut notes = Vec::new();
    let Fitted {
        preprocessor,
        estimator,
        log: training_log,
        device,
    } = params.fit(&mut FitInput {
        data,
        train: &train,
        sample_weights: None,
        test: &[],
        labels: &TrainLabels::Numeric(Vec::new()),
        preprocess: &options.preprocess(),
        seed: options.seed,
        limits,
        progress: &mut *progress,
        notes: &mut notes,
    })?;
    progress.phase(Phase::Evaluating);
    let metrics: BTreeMap<String, f64> = estimator.training_metrics().into_iter().collect();
    if let Some((name, value)) = metrics.iter().find(|(_, v)| !v.is_finite()) {
        return Err(not_finite(&format!(
            "its {name} on the training rows ({value})"
        )));
    }
    let model = Model {
        task,
        target: String::new(),
        positive_class: None,
        negative_class: None,
        preprocessor,
        estimator,
        reference: None,
        evaluation: None,
        drift: None,
    };
    let model = with_drift(model, data, &train)?;
    Ok(TrainOutcome {
        model,
        train_rows: train.len(),
        test_rows: 0,
        metrics,
        evaluated_on: "train",
        notes,
        held_out: HeldOut {
            rows: Vec::new(),
            truth: Truth::Numeric(Vec::new()),
        },
        training_log,
        device,
    })
}

/// The model with its drift reference, measured on a sample of the training rows, once
/// nothing in it is non-finite.
pub fn with_drift(model: Model, data: &Dataset, train: &[usize]) -> Result<Model> {
    let sample = drift_sample(train);
    let predictions = model.predict_rows(data, &sample)?;
    let features: Vec<(&str, Tracked)> = model
        .preprocessor
        .features
        .iter()
        .map(|f| (f.name.as_str(), Tracked::of(&f.transform)))
        .collect();
    let drift = DriftReference::measure(data, &features, &sample, predictions);
    let model = Model {
        drift: Some(drift),
        ..model
    };
    match first_invalid_parameter(&model) {
        Some(what) => Err(not_finite(&what)),
        None => Ok(model),
    }
}

/// A supervised algorithm given no target.
fn no_target() -> Error {
    Error::invalid_option("this algorithm learns from a target, and none was given")
        .with_hint("name the target column, or train algorithm 'kmeans' or 'isolation_forest'")
}

fn make_split(
    data: &Dataset,
    rows: &[usize],
    labels: &Labels,
    task: Task,
    options: &TrainOptions,
) -> Result<Split> {
    let default = match task {
        Task::Classification => SplitSpec::Stratified,
        Task::Regression | Task::Clustering | Task::AnomalyDetection => SplitSpec::Random,
    };
    match options.split.as_ref().unwrap_or(&default) {
        SplitSpec::Random => Ok(split::random(rows, options.test_size, options.seed)),
        SplitSpec::Stratified => match labels {
            Labels::Binary { y, .. } => {
                Ok(split::stratified(rows, y, options.test_size, options.seed))
            }
            Labels::Numeric(_) => Err(Error::invalid_option(
                "a stratified split needs a classification target",
            )
            .with_hint(r#"use "split": "random" for a regression"#)),
        },
        SplitSpec::OutOfTime { column, .. } => match &data.test_mask {
            Some(mask) => Ok(split::by_mask(rows, mask)),
            None => Err(Error::new(
                ErrorKind::Internal,
                format!("out-of-time split on \"{column}\" without its test mask"),
            )),
        },
    }
}

/// The labelled rows of a classification target and their labels (true: the positive
/// class), as training reads them; 42809 for a target that would train a regression.
pub fn binary_labels(data: &Dataset, options: &TrainOptions) -> Result<(Vec<usize>, Vec<bool>)> {
    let rows: Vec<usize> = (0..data.n_rows())
        .filter(|&i| !data.target.is_null(i))
        .collect();
    if rows.is_empty() {
        return Err(Error::invalid_data(format!(
            "no rows with a non-NULL \"{}\"",
            data.target_name
        ))
        .with_hint("profile a relation with labelled rows"));
    }
    match resolve_target(data, &rows, options)? {
        (Task::Classification, Labels::Binary { y, .. }) => Ok((rows, y)),
        _ => Err(Error::new(
            ErrorKind::WrongModelKind,
            format!(
                "\"{}\" is a numeric target with more than two values: information values need two classes",
                data.target_name
            ),
        )
        .with_hint("profile against a two-class target (boolean, 0/1, or text with options.positive)")),
    }
}

fn resolve_target(
    data: &Dataset,
    rows: &[usize],
    options: &TrainOptions,
) -> Result<(Task, Labels)> {
    let name = &data.target_name;
    match &data.target {
        TargetColumn::Absent(_) => Err(no_target()),
        TargetColumn::Boolean(values) => {
            reject_regression(options, name, "boolean")?;
            let positive = match &options.positive {
                None => true,
                Some(Value::Bool(b)) => *b,
                Some(Value::String(s)) if s == "true" || s == "false" => s == "true",
                Some(other) => return Err(bad_positive(name, other, &["true", "false"])),
            };
            let y: Vec<bool> = rows.iter().map(|&i| values[i] == Some(positive)).collect();
            check_two_classes(name, &y, positive.to_string(), (!positive).to_string())?;
            Ok((
                Task::Classification,
                Labels::Binary {
                    y,
                    positive: positive.to_string(),
                    negative: (!positive).to_string(),
                },
            ))
        }
        TargetColumn::Text(column) => {
            reject_regression(options, name, "text")?;
            let mut present: Vec<&str> = rows.iter().filter_map(|&i| column.level(i)).collect();
            present.sort_unstable();
            present.dedup();
            if present.len() > 2 {
                return Err(too_many_classes(name, present.len()));
            }
            let positive = match &options.positive {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::Bool(b)) => b.to_string(),
                None => {
                    return Err(Error::invalid_option(format!(
                        "options.positive is required for the text target \"{name}\""
                    ))
                    .with_hint(format!(
                        "name the positive class, one of: {}",
                        quoted_list(&present)
                    )))
                }
                Some(other) => return Err(bad_positive(name, other, &present)),
            };
            if !present.contains(&positive.as_str()) {
                return Err(bad_positive(name, &Value::String(positive), &present));
            }
            let y: Vec<bool> = rows
                .iter()
                .map(|&i| column.level(i) == Some(&positive))
                .collect();
            let negative = present
                .iter()
                .find(|&&p| p != positive)
                .map(|s| s.to_string())
                .unwrap_or_default();
            check_two_classes(name, &y, positive.clone(), negative.clone())?;
            Ok((
                Task::Classification,
                Labels::Binary {
                    y,
                    positive,
                    negative,
                },
            ))
        }
        TargetColumn::Numeric(column) => {
            let values: Vec<f64> = rows.iter().map(|&i| column.values[i]).collect();
            let mut distinct = values.clone();
            distinct.sort_unstable_by(f64::total_cmp);
            distinct.dedup();
            let zero_one = distinct.iter().all(|&v| v == 0.0 || v == 1.0);
            let task = options.task.unwrap_or(if zero_one {
                Task::Classification
            } else {
                Task::Regression
            });
            match task {
                Task::Regression => {
                    if distinct.len() < 2 {
                        return Err(Error::invalid_data(format!(
                            "target \"{name}\" has a single value ({}): nothing to learn",
                            distinct[0]
                        ))
                        .with_hint("train on rows where the target varies"));
                    }
                    Ok((Task::Regression, Labels::Numeric(values)))
                }
                Task::Clustering | Task::AnomalyDetection => Err(Error::new(
                    ErrorKind::Internal,
                    "a supervised training with an unsupervised task",
                )),
                Task::Classification => {
                    if distinct.len() > 2 {
                        return Err(too_many_classes(name, distinct.len()));
                    }
                    let present: Vec<String> = distinct.iter().map(|v| v.to_string()).collect();
                    let positive = match &options.positive {
                        None if zero_one => 1.0,
                        None => {
                            return Err(Error::invalid_option(format!(
                                "options.positive is required for the target \"{name}\" whose classes are not 0 and 1"
                            ))
                            .with_hint(format!("name the positive class, one of: {}", present.join(", "))))
                        }
                        Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
                        Some(Value::String(s)) => s.parse().unwrap_or(f64::NAN),
                        Some(other) => {
                            let present: Vec<&str> = present.iter().map(String::as_str).collect();
                            return Err(bad_positive(name, other, &present));
                        }
                    };
                    if !distinct.contains(&positive) && distinct.len() == 2 {
                        let present: Vec<&str> = present.iter().map(String::as_str).collect();
                        return Err(bad_positive(name, &Value::from(positive), &present));
                    }
                    let y: Vec<bool> = values.iter().map(|&v| v == positive).collect();
                    let negative = distinct
                        .iter()
                        .find(|&&v| v != positive)
                        .copied()
                        .unwrap_or(0.0);
                    check_two_classes(name, &y, positive.to_string(), negative.to_string())?;
                    Ok((
                        Task::Classification,
                        Labels::Binary {
                            y,
                            positive: positive.to_string(),
                            negative: negative.to_string(),
                        },
                    ))
                }
            }
        }
    }
}

/// A trained model that cannot be stored because `what` is not a finite number: refused
/// before it is stored or deployed, so the deployed version keeps predicting.
pub fn not_finite(what: &str) -> Error {
    Error::invalid_data(format!(
        "the trained model is not usable: {what} is not a finite number"
    ))
    .with_hint(
        "the data or options overflow double precision: rescale features or the target (e.g. to thousands), lower learning_rate or class_weight, or keep pdo and base_score in a sensible range",
    )
}

fn reject_regression(options: &TrainOptions, name: &str, kind: &str) -> Result<()> {
    if options.task == Some(Task::Regression) {
        return Err(Error::invalid_option(format!(
            "cannot train a regression on the {kind} target \"{name}\""
        ))
        .with_hint("regression needs a numeric target"));
    }
    Ok(())
}

fn check_two_classes(name: &str, y: &[bool], positive: String, negative: String) -> Result<()> {
    let positives = y.iter().filter(|&&v| v).count();
    if positives == 0 || positives == y.len() {
        let only = if positives == 0 { negative } else { positive };
        return Err(Error::invalid_data(format!(
            "target \"{name}\" has only one class (\"{only}\")"
        ))
        .with_hint("a classifier needs rows of both classes"));
    }
    Ok(())
}

fn too_many_classes(name: &str, n: usize) -> Error {
    Error::invalid_data(format!(
        "target \"{name}\" has {n} classes; finml classifies two"
    ))
    .with_hint(
        r#"recode the target into two classes, or use "task": "regression" for a numeric target"#,
    )
}

fn bad_positive(name: &str, value: &Value, present: &[&str]) -> Error {
    Error::invalid_option(format!(
        "options.positive {value} is not a class of \"{name}\""
    ))
    .with_hint(format!("use one of: {}", quoted_list(present)))
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data::{dataset, options, LIMITS};

    #[test]
    fn the_stored_metrics_hold_every_metric_and_where_it_was_measured() {
        let outcome = train(&dataset(), Algorithm::Logistic, &options(), LIMITS).unwrap();
        let json = outcome.metrics_json(1.5);
        for (name, value) in &outcome.metrics {
            assert_eq!(json[name].as_f64(), Some(*value), "{name}");
        }
        assert_eq!(json["evaluated_on"], outcome.evaluated_on);
        assert_eq!(json["train_seconds"], 1.5);
        assert!(
            json.get("device").is_none(),
            "a logistic regression has no device"
        );
    }

    #[test]
    fn the_stored_form_reads_back_to_the_same_predictions_and_coefficients() {
        let data = dataset();
        let outcome = train(&data, Algorithm::Logistic, &options(), LIMITS).unwrap();
        let (bytes, coefficients) = outcome.stored_form().unwrap();
        let back = format::from_bytes(&bytes).unwrap();
        let rows: Vec<usize> = (0..data.n_rows()).collect();
        assert_eq!(
            back.predict_rows(&data, &rows).unwrap(),
            outcome.model.predict_rows(&data, &rows).unwrap()
        );
        assert_eq!(coefficients, back.coefficients_json().unwrap());
        assert_eq!(
            coefficients.as_array().map(Vec::len),
            Some(outcome.model.preprocessor.width() + 1)
        );
    }
}
