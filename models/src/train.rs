//! Training end to end on an in-memory [`Dataset`]: resolve the target and the task, split,
//! fit the preprocessing on the training part, fit the estimator, and evaluate on the test
//! part. The extension only reads the relation and stores the result.

use crate::data::{Dataset, TargetColumn};
use crate::error::{Error, ErrorKind, Result};
use crate::explain::Reference;
use crate::linear::{
    fit_linear, fit_logistic, linear_predictor, original_scale_coefficients, sigmoid, LinearFit,
};
use crate::metrics;
use crate::mlp::{self, select_device, DeviceChoice, EpochLog, MlpFit, Progress, Silent};
use crate::model::{first_invalid_parameter, Algorithm, EvaluationSummary, Model};
use crate::options::{SplitSpec, Task, TrainOptions};
use crate::preprocess::{Preprocessor, Transform};
use crate::scorecard::{self, Scorecard};
use crate::split::{self, Split};
use serde_json::Value;
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

/// Limits the caller imposes (the extension's GUCs).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest design matrix, in bytes.
    pub max_memory_bytes: usize,
    /// Where an MLP trains unless its options say (finml.device).
    pub device: DeviceChoice,
}

/// Points of the ROC curve and bins of the probability histogram kept for the model report.
const REPORT_ROC_POINTS: usize = 101;
const REPORT_HISTOGRAM_BINS: usize = 20;

/// L2 penalty of a scorecard's regression on WoE values: none, the classic unpenalized
/// maximum likelihood (WoE columns are few, on one scale, and never separate the classes).
const SCORECARD_DEFAULT_L2: f64 = 0.0;

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

/// [`train`], telling `progress` of each batch and epoch of an MLP (interrupts, log).
pub fn train_reporting(
    data: &Dataset,
    algorithm: Algorithm,
    options: &TrainOptions,
    limits: Limits,
    progress: &mut dyn Progress,
) -> Result<TrainOutcome> {
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
    if dropped > 0 {
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
    let algorithm = match (algorithm, task) {
        (Algorithm::Logistic, Task::Regression) => {
            notes.push(if options.task == Some(Task::Regression) {
                "options.task is \"regression\": training a linear regression".to_owned()
            } else {
                format!(
                    "\"{}\" is a numeric target with more than two values: training a linear regression",
                    data.target_name
                )
            });
            Algorithm::Linear
        }
        (Algorithm::Scorecard, Task::Regression) => return Err(Error::invalid_option(
            "algorithm \"scorecard\" needs a two-class target",
        )
        .with_hint(
            "a scorecard ranks the risk of an event: use a boolean, 0/1 or two-valued text target",
        )),
        (Algorithm::Linear, Task::Classification) => {
            return Err(
                Error::invalid_option("algorithm \"linear\" trains regressions only")
                    .with_hint("use algorithm => 'logistic' for a classification target"),
            )
        }
        (a, _) => a,
    };

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

    let (preprocessor, estimator) = fit_estimator(
        data,
        algorithm,
        &labels,
        &position,
        (&train, &test),
        options,
        limits,
        progress,
        &mut notes,
    )?;

    let (eval_rows, evaluated_on) = if test.is_empty() {
        (&train, "train")
    } else {
        (&test, "test")
    };
    let x_eval = preprocessor.design_matrix(data, eval_rows);
    let eta: Vec<f64> = match &estimator {
        Estimator::Linear { fit, .. } => {
            linear_predictor(&x_eval, fit.intercept, &fit.weights).to_vec()
        }
        Estimator::Network(fit) => fit.network.outputs(&x_eval),
    };
    drop(x_eval);
    if let Some(k) = eta.iter().position(|e| !e.is_finite()) {
        return Err(not_finite(&format!(
            "its prediction for {evaluated_on} row {} ({})",
            k + 1,
            eta[k]
        )));
    }
    let mut evaluation = EvaluationSummary {
        evaluated_on: evaluated_on.to_owned(),
        roc: Vec::new(),
        calibration: Vec::new(),
        histogram: None,
    };
    let (metrics, positive_class, truth) = match &labels {
        Labels::Binary { y, positive, .. } => {
            let p: Vec<f64> = eta.iter().map(|&e| sigmoid(e)).collect();
            let truth: Vec<bool> = eval_rows.iter().map(|&r| y[position[r]]).collect();
            evaluation.roc = metrics::roc_curve(&p, &truth, REPORT_ROC_POINTS)
                .unwrap_or_default()
                .iter()
                .map(|point| (point.fpr, point.tpr))
                .collect();
            evaluation.calibration =
                metrics::calibration(&p, &truth, metrics::HOSMER_LEMESHOW_GROUPS);
            evaluation.histogram =
                Some(metrics::class_histogram(&p, &truth, REPORT_HISTOGRAM_BINS));
            (
                metrics::classification_report(&p, &truth, 0.5),
                Some(positive.clone()),
                Truth::Binary(truth),
            )
        }
        Labels::Numeric(y) => {
            let truth: Vec<f64> = eval_rows.iter().map(|&r| y[position[r]]).collect();
            (
                metrics::regression_report(&truth, &eta),
                None,
                Truth::Numeric(truth),
            )
        }
    };
    let (intercept, weights, coefficients, scorecard, reference, network, training_log, device) =
        match estimator {
            Estimator::Linear { fit, scorecard } => {
                let coefficients = original_scale_coefficients(
                    &fit,
                    &preprocessor.term_names(),
                    &preprocessor.column_scaling(),
                    algorithm != Algorithm::Linear,
                );
                let reference = Reference::measure(&preprocessor, &fit.weights, data, &train);
                (
                    fit.intercept,
                    fit.weights,
                    coefficients,
                    scorecard,
                    Some(reference),
                    None,
                    Vec::new(),
                    None,
                )
            }
            Estimator::Network(fit) => (
                0.0,
                vec![0.0; preprocessor.width()],
                Vec::new(),
                None,
                Some(Reference::measure_network(
                    &preprocessor,
                    &fit.network,
                    data,
                    &train,
                )),
                Some(fit.network),
                fit.log,
                Some(fit.device),
            ),
        };
    if let Some((name, value)) = metrics.iter().find(|(_, v)| !v.is_finite()) {
        return Err(not_finite(&format!(
            "its {name} on the {evaluated_on} rows ({value})"
        )));
    }
    let model = Model {
        algorithm,
        task,
        target: data.target_name.clone(),
        positive_class,
        negative_class: match &labels {
            Labels::Binary { negative, .. } => Some(negative.clone()),
            Labels::Numeric(_) => None,
        },
        preprocessor,
        intercept,
        weights,
        coefficients,
        scorecard,
        network,
        reference,
        evaluation: Some(evaluation),
    };
    if let Some(what) = first_invalid_parameter(&model) {
        return Err(not_finite(&what));
    }
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

/// A fitted estimator: linear (with the scorecard's points) or a network.
enum Estimator {
    Linear {
        fit: LinearFit,
        scorecard: Option<Scorecard>,
    },
    Network(MlpFit),
}

/// Bytes per design cell that an MLP's training holds besides the f64 design matrix: the f32
/// copy handed to candle, its tensor, and the shuffled tensor of an epoch.
const MLP_EXTRA_BYTES_PER_CELL: usize = 12;

/// Fits the preprocessing (or the scorecard's binning) on the training rows, then the
/// estimator, within the memory budget.
#[allow(clippy::too_many_arguments)]
fn fit_estimator(
    data: &Dataset,
    algorithm: Algorithm,
    labels: &Labels,
    position: &[usize],
    (train, test): (&[usize], &[usize]),
    options: &TrainOptions,
    limits: Limits,
    progress: &mut dyn Progress,
    notes: &mut Vec<String>,
) -> Result<(Preprocessor, Estimator)> {
    if algorithm == Algorithm::Scorecard {
        // One WoE column per feature at most.
        check_design_memory(
            train,
            test,
            data.features.len(),
            LINEAR_SQUARE_MATRICES,
            limits,
        )?;
        let Labels::Binary { y, .. } = labels else {
            return Err(Error::new(
                ErrorKind::Internal,
                "scorecard on a regression target",
            ));
        };
        let y_train: Vec<bool> = train.iter().map(|&r| y[position[r]]).collect();
        let l2 = options.l2.unwrap_or(SCORECARD_DEFAULT_L2);
        let fitted = scorecard::fit(data, train, &y_train, options, l2, notes)?;
        return Ok((
            fitted.preprocessor,
            Estimator::Linear {
                fit: fitted.fit,
                scorecard: Some(fitted.scorecard),
            },
        ));
    }
    let preprocessor = Preprocessor::fit(data, train, options.impute, options.max_categories);
    let width = preprocessor.width();
    if let Some(what) = first_overflowing_feature(&preprocessor) {
        return Err(Error::invalid_data(format!(
            "feature \"{what}\" overflows double precision: its mean or standard deviation is not finite"
        ))
        .with_hint("rescale the column (e.g. to thousands) in a view, or leave it out"));
    }
    if algorithm == Algorithm::Mlp {
        let cells = (width + 1) * (8 + MLP_EXTRA_BYTES_PER_CELL) / 8;
        check_design_memory(train, test, cells, 0, limits)?;
        check_network_memory(train, test, width, cells, &options.mlp, limits)?;
        let x_train = preprocessor.design_matrix(data, train);
        let x: Vec<f32> = x_train.iter().map(|&v| v as f32).collect();
        drop(x_train);
        let (y, classification): (Vec<f32>, bool) = match labels {
            Labels::Binary { y, .. } => (
                train
                    .iter()
                    .map(|&r| f32::from(u8::from(y[position[r]])))
                    .collect(),
                true,
            ),
            Labels::Numeric(y) => (
                train.iter().map(|&r| y[position[r]] as f32).collect(),
                false,
            ),
        };
        let device = select_device(options.mlp.device.unwrap_or(limits.device))?;
        let fit = mlp::fit(
            mlp::TrainingData {
                x: &x,
                n_inputs: width,
                y: &y,
                classification,
            },
            &options.mlp,
            options.seed,
            &device,
            progress,
        )?;
        return Ok((preprocessor, Estimator::Network(fit)));
    }
    check_design_memory(train, test, width, LINEAR_SQUARE_MATRICES, limits)?;
    let x_train = preprocessor.design_matrix(data, train);
    let fit = match labels {
        Labels::Binary { y, .. } => {
            let y_train: Vec<bool> = train.iter().map(|&r| y[position[r]]).collect();
            fit_logistic(
                &x_train,
                &y_train,
                options.l2.unwrap_or(1.0),
                options.max_iter,
            )?
        }
        Labels::Numeric(y) => {
            let y_train: Vec<f64> = train.iter().map(|&r| y[position[r]]).collect();
            fit_linear(&x_train, &y_train, options.l2.unwrap_or(0.0))?
        }
    };
    Ok((
        preprocessor,
        Estimator::Linear {
            fit,
            scorecard: None,
        },
    ))
}

/// The first numeric feature whose fitted standardization cannot be applied (values near
/// 1e308 overflow their sum): the design matrix would hold NaN.
fn first_overflowing_feature(preprocessor: &Preprocessor) -> Option<&str> {
    preprocessor
        .features
        .iter()
        .find_map(|f| match &f.transform {
            Transform::Numeric(t) if t.invalid_part().is_some() => Some(f.name.as_str()),
            _ => None,
        })
}

/// Rejects a network whose parameters, optimizer state and batch activations, with the
/// design matrix, would not fit finml.max_training_memory (before any is allocated).
fn check_network_memory(
    train: &[usize],
    test: &[usize],
    width: usize,
    design_cells_per_row: usize,
    options: &mlp::MlpOptions,
    limits: Limits,
) -> Result<()> {
    let design = design_bytes(train, test, design_cells_per_row);
    let network = mlp::training_memory_bytes(width, &options.hidden, options.batch_size);
    if design.saturating_add(network) > limits.max_memory_bytes {
        let shape: Vec<String> = std::iter::once(width)
            .chain(options.hidden.iter().copied())
            .chain(std::iter::once(1))
            .map(|w| w.to_string())
            .collect();
        return Err(Error::new(
            ErrorKind::ResourceLimit,
            format!(
                "the network {} ({} parameters) needs {} MB to train, with the data {} MB, more than finml.max_training_memory ({} MB)",
                shape.join(" → "),
                mlp::parameter_count(width, &options.hidden),
                network >> 20,
                design.saturating_add(network) >> 20,
                limits.max_memory_bytes >> 20
            ),
        )
        .with_hint("use fewer or narrower hidden layers (options.hidden), a smaller batch_size, or ask the DBA for a larger finml.max_training_memory"));
    }
    Ok(())
}

/// Bytes of the larger split's design matrix of `width` columns and the intercept's, in f64.
fn design_bytes(train: &[usize], test: &[usize], width: usize) -> usize {
    train
        .len()
        .max(test.len())
        .saturating_mul(width.saturating_add(1))
        .saturating_mul(std::mem::size_of::<f64>())
}

/// Square matrices of the coefficients' width a linear fit holds at once: the penalized
/// information matrix, its Cholesky factor and its inverse (the covariance).
const LINEAR_SQUARE_MATRICES: usize = 3;

/// Rejects a design matrix of `width` columns that would not fit finml.max_training_memory,
/// with the `square_matrices` (width + 1)² matrices a linear fit adds (0 for a network).
fn check_design_memory(
    train: &[usize],
    test: &[usize],
    width: usize,
    square_matrices: usize,
    limits: Limits,
) -> Result<()> {
    let solver_bytes = width
        .saturating_add(1)
        .saturating_pow(2)
        .saturating_mul(square_matrices)
        .saturating_mul(std::mem::size_of::<f64>());
    let needed = design_bytes(train, test, width).saturating_add(solver_bytes);
    if needed > limits.max_memory_bytes {
        let what = if square_matrices > 0 {
            "the design matrix and the solver's matrices need"
        } else {
            "the design matrix needs"
        };
        return Err(Error::new(
            ErrorKind::ResourceLimit,
            format!(
                "{what} {} MB, more than finml.max_training_memory ({} MB)",
                needed >> 20,
                limits.max_memory_bytes >> 20
            ),
        )
        .with_hint(
            "raise finml.max_training_memory, lower options.max_categories, or train on a sample",
        ));
    }
    Ok(())
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
        Task::Regression => SplitSpec::Random,
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

fn resolve_target(
    data: &Dataset,
    rows: &[usize],
    options: &TrainOptions,
) -> Result<(Task, Labels)> {
    let name = &data.target_name;
    match &data.target {
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
fn not_finite(what: &str) -> Error {
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
