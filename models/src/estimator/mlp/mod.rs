//! Multi-layer perceptrons: training with candle (CPU, or CUDA with the `cuda` feature) on
//! the standardized design matrix, and a plain forward pass over the stored weights for
//! prediction (no per-call tensor overhead).
//!
//! The defaults are the recipe analysts copy: two hidden layers of 50 ReLU units, dropout
//! 0.2, a sigmoid output with binary cross-entropy (one output per class with softmax and
//! cross-entropy for a multi-class target, linear output with MSE for regression),
//! Adam at 0.001, 10 epochs, batches of 32.
//!
//! - `params`: the validated options of algorithm "mlp";
//! - `network`: the trained network, its forward pass, gradient and stored form;
//! - `training`: the training loop;
//! - `optim`: PyTorch's optimizers behind candle's `Optimizer` trait;
//! - `device`: CPU or CUDA.

pub mod algorithm;
mod device;
pub mod explain;
mod network;
mod optim;
mod params;
mod private;
mod training;

pub use device::{select_device, DeviceChoice};
pub use network::{DenseLayer, Network};
pub use optim::{Adam, AdamConfig, Sgd, SgdConfig};
pub use params::{
    Activation, ClassWeight, EarlyStopping, Loss, MlpParams, OptimizerKind, MLP_KEYS,
};
pub use training::{fit, parameter_count, training_memory_bytes, MlpFit, TrainingData};

use crate::error::{Error, ErrorKind, Result};
use crate::fit::{FitInput, TrainLabels};
use crate::linear::fit_standardized;
use crate::preprocess::{Preprocessor, RowsDesign};

/// The MLP as an estimator: the standardized preprocessing and a network trained on the
/// training rows of `input`, on the device its parameters or `limits` choose.
pub fn fit_estimator(
    input: &mut FitInput<'_>,
    params: &MlpParams,
) -> Result<(Preprocessor, MlpFit)> {
    if let Some(budget) = params.privacy {
        input
            .notes
            .extend(crate::dp_sgd::delta_note(budget.delta, input.train.len()));
    }
    let preprocessor = fit_standardized(input)?;
    let width = preprocessor.width();
    let outputs = match input.labels {
        TrainLabels::MultiClass { classes, .. } => classes.len(),
        TrainLabels::Binary(_) | TrainLabels::Numeric(_) => 1,
        TrainLabels::Survival(_) => return Err(crate::fit::survival_labels_refused()),
    };
    check_network_memory(input, (width, outputs), params)?;
    let (y, classification): (Vec<f32>, bool) = match input.labels {
        TrainLabels::Binary(y) => (y.iter().map(|&b| f32::from(u8::from(b))).collect(), true),
        TrainLabels::Numeric(y) => (y.iter().map(|&v| v as f32).collect(), false),
        TrainLabels::MultiClass { y, .. } => (y.iter().map(|&c| c as f32).collect(), true),
        TrainLabels::Survival(_) => return Err(crate::fit::survival_labels_refused()),
    };
    let device = select_device(params.device.unwrap_or(input.limits.device))?;
    // Batches are built from the columns as they are trained on, each batch's values asked
    // for one batch ahead: as fast as an f32 copy of the training rows, which would hold 30%
    // more at the peak (bench/README.md).
    let columns = RowsDesign {
        preprocessor: &preprocessor,
        data: input.data,
        rows: input.train,
    };
    let data = TrainingData {
        x: &columns,
        y,
        classification,
        outputs,
    };
    let progress = &mut *input.progress;
    let fit = match params.privacy {
        Some(budget) => private::fit(data, (params, budget), input.seed, &device, progress)?,
        None => fit(data, params, input.seed, &device, progress)?,
    };
    Ok((preprocessor, fit))
}

/// Bytes an MLP's training holds per training row besides the data: its label, the
/// training part's copy and the epoch's shuffled copy (f32 each), the epoch's order and its
/// tensor (a u32 each), and the split's order (a usize).
const BYTES_PER_TRAINING_ROW: usize = 28;

/// Bytes a private step adds per network parameter (f32 each): the clipped sum, the noise,
/// their sum and its scaled copy the optimizer reads.
const PRIVATE_BYTES_PER_PARAMETER: usize = 16;

/// Bytes a class weight adds per training row: its value and its shuffled copy (f32 each).
const BYTES_PER_CLASS_WEIGHT: usize = 8;

/// Rejects a network whose parameters, optimizer state and batch activations, with the
/// training data, its per-row state and the validation rows' design (early stopping), would
/// not fit finml.max_training_memory (before any is allocated).
fn check_network_memory(
    input: &FitInput<'_>,
    (width, outputs): (usize, usize),
    params: &MlpParams,
) -> Result<()> {
    let limits = input.limits;
    let validation_rows =
        params.early_stopping.map_or(0.0, |s| s.validation_fraction) * input.train.len() as f64;
    let per_row = BYTES_PER_TRAINING_ROW
        + if params.class_weight.is_some() {
            BYTES_PER_CLASS_WEIGHT
        } else {
            0
        };
    let design = input
        .data_bytes()
        .saturating_add(input.train.len().saturating_mul(per_row))
        .saturating_add((validation_rows as usize).saturating_mul(width.saturating_mul(4)));
    // A private training's batches are Poisson samples around batch_size, and each holds
    // per-row gradients of its pre-activations beside the activations: counted as twice the
    // batch, with each step's noisy gradients beside the parameters.
    let (batch, per_parameter) = match params.privacy {
        Some(_) => (
            params.batch_size.saturating_mul(2),
            PRIVATE_BYTES_PER_PARAMETER,
        ),
        None => (params.batch_size, 0),
    };
    let network = training_memory_bytes(width, &params.hidden, outputs, batch).saturating_add(
        parameter_count(width, &params.hidden, outputs).saturating_mul(per_parameter),
    );
    if design.saturating_add(network) > limits.max_memory_bytes {
        let shape: Vec<String> = std::iter::once(width)
            .chain(params.hidden.iter().copied())
            .chain(std::iter::once(outputs))
            .map(|w| w.to_string())
            .collect();
        return Err(Error::new(
            ErrorKind::ResourceLimit,
            format!(
                "the network {} ({} parameters) needs {} MB to train, with the data {} MB, more than finml.max_training_memory ({} MB)",
                shape.join(" → "),
                parameter_count(width, &params.hidden, outputs),
                network >> 20,
                design.saturating_add(network) >> 20,
                limits.max_memory_bytes >> 20
            ),
        )
        .with_hint("use fewer or narrower hidden layers (options.hidden), a smaller batch_size, or ask the DBA for a larger finml.max_training_memory"));
    }
    input.claim(design.saturating_add(network));
    Ok(())
}
