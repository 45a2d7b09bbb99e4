//! What every estimator's fit receives (the data, its split, the training rows' labels, the
//! shared preprocessing options, the memory budget) and the memory checks they share. The
//! training pipeline (train.rs) builds a [`FitInput`]; each algorithm's fit reads it.

use crate::data::Dataset;
use crate::design::BLOCK_ROWS;
use crate::error::{Error, ErrorKind, Result};
pub use crate::preprocess::PreprocessOptions;
use crate::progress::Progress;
use serde::{Deserialize, Serialize};
use std::cell::Cell;

/// The learning task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    Classification,
    Regression,
    /// Segmentation without a target (k-means): the prediction is a cluster number.
    Clustering,
    /// Anomaly scores without a target (isolation forest): the prediction is a score in
    /// [0, 1].
    #[serde(rename = "anomaly_detection")]
    AnomalyDetection,
    /// Time to an event (default) with censoring (Cox, discrete hazard): the prediction is
    /// the probability of the event within the model's horizon.
    Survival,
}

impl Task {
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
            Task::Clustering => "clustering",
            Task::AnomalyDetection => "anomaly_detection",
            Task::Survival => "survival",
        }
    }

    /// True for the tasks learned without a target.
    pub fn is_unsupervised(self) -> bool {
        matches!(self, Task::Clustering | Task::AnomalyDetection)
    }
}

/// Where training runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    Auto,
    Cpu,
    Cuda,
}

impl DeviceChoice {
    pub fn parse(text: &str) -> Result<DeviceChoice> {
        match text {
            "auto" => Ok(DeviceChoice::Auto),
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" => Ok(DeviceChoice::Cuda),
            other => Err(Error::invalid_option(format!("unknown device \"{other}\""))
                .with_hint("use auto, cpu or cuda")),
        }
    }
}

/// Limits the caller imposes (the extension's GUCs).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest design matrix, in bytes.
    pub max_memory_bytes: usize,
    /// Where an MLP trains unless its options say (finml.device).
    pub device: DeviceChoice,
    /// The most threads a fit may use (finml.threads).
    pub threads: usize,
}

/// The most classes a multi-class target may have.
pub const MAX_CLASSES: usize = 100;

/// The labels of the training rows, in the order of `FitInput::train`.
#[derive(Debug, Clone)]
pub enum TrainLabels {
    /// True for the positive class.
    Binary(Vec<bool>),
    /// Each row's class code: its index in `classes` (3 or more, sorted).
    MultiClass {
        y: Vec<u32>,
        classes: Vec<String>,
    },
    Numeric(Vec<f64>),
    /// Each row's event, duration and entry (checked: `survival::SurvivalTarget`).
    Survival(crate::survival::SurvivalLabels),
}

/// Survival labels given to an algorithm that is not a survival model (the survival
/// training reaches only those: `Spec::survival`).
pub fn survival_labels_refused() -> Error {
    Error::new(
        ErrorKind::Internal,
        "a survival target given to an algorithm that does not fit survival models",
    )
}

/// A multi-class target given to an algorithm that fits two classes (the training refuses
/// it before any fit: `Params::trains_multi_class`).
pub fn multi_class_refused() -> Error {
    Error::new(
        ErrorKind::Unsupported,
        "this algorithm does not train targets of more than two classes yet",
    )
    .with_hint(
        "train algorithm => 'logistic' (multinomial logistic regression) on a multi-class target",
    )
}

/// How the classes weigh in a classifier's loss (`class_weight`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClassWeight {
    /// n / (2 · n_class) for each class, as scikit-learn's "balanced", over the training
    /// split (with a weight column, n and n_class are sums of weights, as scikit-learn's).
    Balanced,
    /// The positive class's rows count `w` times (the negative class's once).
    Positive(f64),
}

impl ClassWeight {
    /// `"balanced"` or `{"1": w}` (also `"true"` or `"positive"` as the key).
    pub fn parse(value: &serde_json::Value) -> Result<ClassWeight> {
        use serde_json::Value;
        let bad = || {
            Error::invalid_option(format!("invalid options.class_weight: {value}")).with_hint(
                r#"class_weight must be "balanced" or {"1": w} (the positive class's weight, w > 0)"#,
            )
        };
        match value {
            Value::String(s) if s == "balanced" => Ok(ClassWeight::Balanced),
            Value::Object(map) if map.len() == 1 => {
                let (key, w) = map.iter().next().ok_or_else(bad)?;
                match (key.as_str(), w.as_f64()) {
                    ("1" | "true" | "positive", Some(w)) if w > 0.0 && w.is_finite() => {
                        Ok(ClassWeight::Positive(w))
                    }
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }

    /// The (positive, negative) class weights for the classes' sizes (row counts or weight
    /// sums); `None` when a class is absent.
    pub fn of_classes(self, positives: f64, negatives: f64) -> Option<(f64, f64)> {
        match self {
            ClassWeight::Positive(w) => Some((w, 1.0)),
            ClassWeight::Balanced if positives > 0.0 && negatives > 0.0 => {
                let n = positives + negatives;
                Some((n / (2.0 * positives), n / (2.0 * negatives)))
            }
            ClassWeight::Balanced => None,
        }
    }
}

/// Each training row's weight in a classifier's loss: its `weight_column` value times its
/// class's weight; `None` when every row counts once.
pub fn row_weights(
    sample: Option<&[f64]>,
    y: &[bool],
    class_weight: Option<ClassWeight>,
) -> Option<Vec<f64>> {
    let size = |class: bool| -> f64 {
        (0..y.len())
            .filter(|&k| y[k] == class)
            .map(|k| sample.map_or(1.0, |s| s[k]))
            .sum()
    };
    let classes = class_weight.and_then(|c| c.of_classes(size(true), size(false)));
    if sample.is_none() && classes.is_none() {
        return None;
    }
    let (positive, negative) = classes.unwrap_or((1.0, 1.0));
    Some(
        y.iter()
            .enumerate()
            .map(|(k, &event)| {
                let class = if event { positive } else { negative };
                sample.map_or(1.0, |s| s[k]) * class
            })
            .collect(),
    )
}

/// Each training row's weight in a multi-class loss: its `weight_column` value times, with
/// `class_weight: "balanced"`, n / (k · n_class) (scikit-learn's); `None` when every row
/// counts once. A positive class's weight names no class here (22023).
pub fn multi_class_weights(
    sample: Option<&[f64]>,
    y: &[u32],
    classes: usize,
    class_weight: Option<ClassWeight>,
) -> Result<Option<Vec<f64>>> {
    let balanced = match class_weight {
        None => false,
        Some(ClassWeight::Balanced) => true,
        Some(ClassWeight::Positive(_)) => {
            return Err(Error::invalid_option(
                "class_weight {\"1\": w} weighs the positive class of a two-class target; this target has more classes",
            )
            .with_hint(r#"use "class_weight": "balanced", or remove it"#))
        }
    };
    if sample.is_none() && !balanced {
        return Ok(None);
    }
    let weight_of = |k: usize| sample.map_or(1.0, |s| s[k]);
    let mut sizes = vec![0.0; classes];
    for (k, &c) in y.iter().enumerate() {
        sizes[c as usize] += weight_of(k);
    }
    let total: f64 = sizes.iter().sum();
    Ok(Some(
        y.iter()
            .enumerate()
            .map(|(k, &c)| {
                let class = if balanced && sizes[c as usize] > 0.0 {
                    total / (classes as f64 * sizes[c as usize])
                } else {
                    1.0
                };
                weight_of(k) * class
            })
            .collect(),
    ))
}

/// Everything a fit may read.
pub struct FitInput<'a> {
    pub data: &'a Dataset,
    pub train: &'a [usize],
    /// Each training row's `weight_column` value, in the order of `train` (`None`: no weight
    /// column).
    pub sample_weights: Option<&'a [f64]>,
    /// Rows measured after the fit (the design matrices of both parts count against the
    /// memory budget).
    pub test: &'a [usize],
    pub labels: &'a TrainLabels,
    pub preprocess: &'a PreprocessOptions,
    /// Seed of every random choice.
    pub seed: u64,
    pub limits: Limits,
    pub progress: &'a mut dyn Progress,
    /// Things to tell the user (a NOTICE each).
    pub notes: &'a mut Vec<String>,
    /// Bytes the training holds beside the data while the fit runs (its row lists, labels
    /// and split, [`crate::memory`]): every memory check counts them with the data.
    pub held_bytes: usize,
    /// The most the fit's checks said it would hold, data and `held_bytes` included: the
    /// training's memory claim (shared by a self-training's rounds).
    pub claimed: &'a Cell<usize>,
}

impl FitInput<'_> {
    /// The data and what the training holds beside it, before the fit's own buffers.
    pub fn data_bytes(&self) -> usize {
        self.data.bytes().saturating_add(self.held_bytes)
    }

    /// Records that the fit holds `bytes` (from [`FitInput::data_bytes`] up) at its peak.
    pub fn claim(&self, bytes: usize) {
        self.claimed.set(self.claimed.get().max(bytes));
    }
}

/// Square matrices of the coefficients' width a linear fit holds at once: the penalized
/// information matrix, its Cholesky factor and its inverse (the covariance).
pub const LINEAR_SQUARE_MATRICES: usize = 3;

/// 54000 unless `needed` bytes (the data and what a fit holds) fit finml.max_training_memory;
/// `what` names what needs them ("k-means with up to 1000 clusters …"). `needed` when they
/// fit.
pub fn check_budget(
    needed: usize,
    limits: Limits,
    what: impl FnOnce() -> String,
    hint: &str,
) -> Result<usize> {
    if needed <= limits.max_memory_bytes {
        return Ok(needed);
    }
    Err(Error::new(
        ErrorKind::ResourceLimit,
        format!(
            "{} needs {:.1} MB with the data, more than finml.max_training_memory ({:.1} MB)",
            what(),
            needed as f64 / 1048576.0,
            limits.max_memory_bytes as f64 / 1048576.0
        ),
    )
    .with_hint(hint))
}

/// Blocks of dense design rows a linear solver holds at a time (design.rs): the block it
/// reads and its weighted copy.
pub const DENSE_BLOCKS: usize = 2;

/// Rejects a linear fit that would not fit finml.max_training_memory with the training
/// data: its `square_matrices` (width + 1)² matrices and the `dense_blocks` blocks of design
/// rows it reads at a time (design.rs). The bytes it needs, data included, when they fit.
pub fn check_solver_memory(
    data_bytes: usize,
    width: usize,
    (square_matrices, dense_blocks): (usize, usize),
    limits: Limits,
) -> Result<usize> {
    let squares = width
        .saturating_add(1)
        .saturating_pow(2)
        .saturating_mul(square_matrices)
        .saturating_mul(std::mem::size_of::<f64>());
    let blocks = BLOCK_ROWS
        .saturating_mul(width.saturating_add(1))
        .saturating_mul(dense_blocks)
        .saturating_mul(std::mem::size_of::<f64>());
    let solver = squares.saturating_add(blocks);
    let needed = data_bytes.saturating_add(solver);
    if needed > limits.max_memory_bytes {
        return Err(Error::new(
            ErrorKind::ResourceLimit,
            format!(
                "the solver's matrices need {} MB, with the training data {} MB, more than finml.max_training_memory ({} MB)",
                solver >> 20,
                needed >> 20,
                limits.max_memory_bytes >> 20
            ),
        )
        .with_hint(
            "raise finml.max_training_memory, lower options.max_categories or a text feature's max_features, or train on a sample",
        ));
    }
    Ok(needed)
}

/// Rows a categorical feature must have, each with a value of its own, before it counts as an
/// identifier: fewer rows make no model anyone deploys, and a small example table's labels
/// may be unique without naming anyone.
pub const IDENTIFIER_MIN_ROWS: usize = 20;

/// 22023 for categorical feature `name` whose `rows` values (NULLs aside) are `distinct`
/// different ones, all different and at least [`IDENTIFIER_MIN_ROWS`]: an account number, a
/// name, an e-mail, whose levels a model would store, each one customer's. Nothing when
/// `allowed` (`options.allow_identifier`).
pub fn refuse_identifier(name: &str, rows: usize, distinct: usize, allowed: bool) -> Result<()> {
    if allowed || rows < IDENTIFIER_MIN_ROWS || distinct != rows {
        return Ok(());
    }
    Err(Error::invalid_option(format!(
        "column \"{name}\" looks like an identifier: each of its {rows} values occurs in one row only, and a model stores the levels it reads"
    ))
    .with_hint(format!(
        "leave it out (\"exclude_pii\": [\"{name}\"]), or set \"allow_identifier\": true if it is not personal data"
    )))
}
