//! What every estimator's fit receives (the data, its split, the training rows' labels, the
//! shared preprocessing options, the memory budget) and the memory checks they share. The
//! training pipeline (train.rs) builds a [`FitInput`]; each algorithm's fit reads it.

use crate::data::Dataset;
use crate::design::BLOCK_ROWS;
use crate::error::{Error, ErrorKind, Result};
use crate::preprocess::Impute;
use crate::progress::Progress;
use serde::{Deserialize, Serialize};

/// The learning task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    Classification,
    Regression,
}

impl Task {
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
        }
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
}

/// The labels of the training rows, in the order of `FitInput::train`.
#[derive(Debug, Clone)]
pub enum TrainLabels {
    /// True for the positive class.
    Binary(Vec<bool>),
    Numeric(Vec<f64>),
}

/// Options of the standardizing preprocessing (every algorithm but the scorecard, which
/// bins instead).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreprocessOptions {
    pub impute: Impute,
    pub max_categories: usize,
}

/// Everything a fit may read.
pub struct FitInput<'a> {
    pub data: &'a Dataset,
    pub train: &'a [usize],
    /// Rows measured after the fit (the design matrices of both parts count against the
    /// memory budget).
    pub test: &'a [usize],
    pub labels: &'a TrainLabels,
    pub preprocess: PreprocessOptions,
    /// Seed of every random choice.
    pub seed: u64,
    pub limits: Limits,
    pub progress: &'a mut dyn Progress,
    /// Things to tell the user (a NOTICE each).
    pub notes: &'a mut Vec<String>,
}

/// Square matrices of the coefficients' width a linear fit holds at once: the penalized
/// information matrix, its Cholesky factor and its inverse (the covariance).
pub const LINEAR_SQUARE_MATRICES: usize = 3;

/// Rejects a linear fit that would not fit finml.max_training_memory with the training
/// data: its `square_matrices` (width + 1)² matrices and the two blocks of design rows it
/// reads at a time (design.rs).
pub fn check_solver_memory(
    data_bytes: usize,
    width: usize,
    square_matrices: usize,
    limits: Limits,
) -> Result<()> {
    let squares = width
        .saturating_add(1)
        .saturating_pow(2)
        .saturating_mul(square_matrices)
        .saturating_mul(std::mem::size_of::<f64>());
    let blocks = BLOCK_ROWS
        .saturating_mul(width.saturating_add(1))
        .saturating_mul(2 * std::mem::size_of::<f64>());
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
            "raise finml.max_training_memory, lower options.max_categories, or train on a sample",
        ));
    }
    Ok(())
}
