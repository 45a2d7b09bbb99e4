//! What every training's end shares: its metrics and report curves from the evaluated rows'
//! outputs, the drift reference, and the outcome assembled from a fit.

use crate::data::Dataset;
use crate::dp_sgd::PrivacySpent;
use crate::drift::{drift_sample, DriftReference, Tracked};
use crate::error::{Error, Result};
use crate::estimator::Fitted;
use crate::explain::Reference;
use crate::format;
use crate::linear::multinomial::class_probabilities;
use crate::linear::{sigmoid, SolverRun};
use crate::metrics;
use crate::model::{first_invalid_parameter, EvaluationSummary, Model};
use crate::options::{Minimization, StoreReference, Task};
use crate::progress::EpochLog;
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
    /// How an iterative linear solver ended (stored as `metrics.solver` when it stopped
    /// before its tolerance).
    pub solver: Option<SolverRun>,
    /// The budget a private (DP-SGD) training spent (stored as `metrics.privacy`).
    pub privacy: Option<PrivacySpent>,
    /// The most an in-memory training held at once by finml.max_training_memory's count,
    /// its data included ([`crate::memory`]; stored as `metrics.memory_mb`).
    pub memory_bytes: Option<usize>,
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
        // Stored only where it matters: a fit that stopped before its tolerance.
        if let Some(run) = self.solver.filter(|run| !run.converged) {
            metrics.insert(
                "solver".into(),
                json!({
                    "name": run.solver,
                    "steps": run.steps,
                    "largest_gradient_per_row": run.largest_gradient_per_row,
                    "converged": run.converged,
                }),
            );
        }
        if let Some(spent) = &self.privacy {
            metrics.insert("privacy".into(), json!(spent));
        }
        if let Some(bytes) = self.memory_bytes {
            let megabytes = (bytes as f64 / 1048576.0 * 10.0).round() / 10.0;
            metrics.insert("memory_mb".into(), json!(megabytes));
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
    /// Each row's class code (its index in the model's `classes`).
    MultiClass {
        y: Vec<u32>,
        classes: usize,
    },
    Numeric(Vec<f64>),
}

/// Points of the ROC curve and bins of the probability histogram kept for the model report.
const REPORT_ROC_POINTS: usize = 101;
const REPORT_HISTOGRAM_BINS: usize = 20;

/// What every training's end assembles into its outcome: the fit, where and how it was
/// measured, and what the user is told.
pub struct Assembly {
    pub task: Task,
    pub target: String,
    /// The positive and negative class of a classifier.
    pub classes: Option<(String, String)>,
    /// The classes of a multi-class classifier.
    pub class_names: Option<Vec<String>>,
    pub fitted: Fitted,
    pub reference: Option<Reference>,
    pub evaluation: Option<EvaluationSummary>,
    pub metrics: BTreeMap<String, f64>,
    pub evaluated_on: &'static str,
    pub held_out: HeldOut,
    pub train_rows: usize,
    pub test_rows: usize,
    pub notes: Vec<String>,
    /// [`TrainOutcome::memory_bytes`].
    pub memory_bytes: Option<usize>,
    /// What the model keeps of the training population (`store_reference`, `min_level_rows`).
    pub minimization: Minimization,
}

impl Assembly {
    /// The outcome, its model with a drift reference measured on `drift_rows` of `drift_data`
    /// (a sample of the training rows), once nothing in it is non-finite.
    pub fn outcome(self, drift_data: &Dataset, drift_rows: &[usize]) -> Result<TrainOutcome> {
        let Fitted {
            preprocessor,
            estimator,
            log,
            device,
            solver,
            privacy,
        } = self.fitted;
        let (positive_class, negative_class) = match self.classes {
            Some((positive, negative)) => (Some(positive), Some(negative)),
            None => (None, None),
        };
        let model = Model {
            task: self.task,
            target: self.target,
            positive_class,
            negative_class,
            classes: self.class_names,
            preprocessor,
            estimator,
            reference: self.reference.map(|mut reference| {
                if !self.minimization.keeps_row_values() {
                    reference.summary.clear();
                }
                reference
            }),
            evaluation: self.evaluation,
            drift: None,
        };
        Ok(TrainOutcome {
            model: with_drift(model, drift_data, drift_rows, self.minimization)?,
            train_rows: self.train_rows,
            test_rows: self.test_rows,
            metrics: self.metrics,
            evaluated_on: self.evaluated_on,
            notes: self.notes,
            held_out: self.held_out,
            training_log: log,
            device,
            solver,
            privacy,
            memory_bytes: self.memory_bytes,
        })
    }
}

/// A supervised model's metrics and report curves from the output units `eta` of the
/// evaluated rows and their `truth` (a classifier's outputs are log-odds), whether the rows
/// were in memory or their outputs came back from where they are stored; an error names a
/// non-finite output or metric.
pub fn evaluate(
    eta: &[f64],
    truth: Truth,
    evaluated_on: &'static str,
) -> Result<(BTreeMap<String, f64>, EvaluationSummary, Truth)> {
    if let Some(k) = eta.iter().position(|e| !e.is_finite()) {
        return Err(not_finite(&format!(
            "its prediction for {evaluated_on} row {} ({})",
            k + 1,
            eta[k]
        )));
    }
    let (metrics, evaluation) = match &truth {
        Truth::Binary(truth) => {
            let p: Vec<f64> = eta.iter().map(|&e| sigmoid(e)).collect();
            binary_evaluation(&p, truth, evaluated_on)
        }
        Truth::MultiClass { y, classes } => multiclass_evaluation(eta, y, *classes, evaluated_on),
        Truth::Numeric(truth) => regression_evaluation(eta, truth, evaluated_on),
    };
    if let Some((name, value)) = metrics.iter().find(|(_, v)| !v.is_finite()) {
        return Err(not_finite(&format!(
            "its {name} on the {evaluated_on} rows ({value})"
        )));
    }
    Ok((metrics, evaluation, truth))
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
        confusion: Vec::new(),
    };
    (metrics::classification_report(p, truth, 0.5), evaluation)
}

/// A multi-class classifier's metrics and confusion counts from its class scores `eta`
/// (k per row, row after row) of the evaluated rows and their class codes.
pub fn multiclass_evaluation(
    eta: &[f64],
    y: &[u32],
    classes: usize,
    evaluated_on: &str,
) -> (BTreeMap<String, f64>, EvaluationSummary) {
    let p = class_probabilities(eta, classes);
    let evaluation = EvaluationSummary {
        evaluated_on: evaluated_on.to_owned(),
        roc: Vec::new(),
        calibration: Vec::new(),
        histogram: None,
        confusion: metrics::multiclass_confusion(&p, y, classes),
    };
    (metrics::multiclass_report(&p, y, classes), evaluation)
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
        confusion: Vec::new(),
    };
    (metrics::regression_report(actual, predicted), evaluation)
}

/// The model with its drift reference, measured on a sample of the training rows, once
/// nothing in it is non-finite.
pub fn with_drift(
    model: Model,
    data: &Dataset,
    train: &[usize],
    minimization: Minimization,
) -> Result<Model> {
    let drift = match minimization.store_reference {
        StoreReference::None => None,
        StoreReference::Full | StoreReference::Coarse => {
            let sample = drift_sample(train);
            let predictions = model.monitored_predictions(data, &sample)?;
            let features: Vec<(&str, Tracked)> = model
                .preprocessor
                .features
                .iter()
                .map(|f| (f.name.as_str(), Tracked::of(&f.transform)))
                .collect();
            Some(DriftReference::measure(
                data,
                &features,
                &sample,
                predictions,
                (minimization.stored_digits(), minimization.min_level_rows),
            ))
        }
    };
    let model = Model { drift, ..model };
    match first_invalid_parameter(&model) {
        Some(what) => Err(not_finite(&what)),
        None => Ok(model),
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
