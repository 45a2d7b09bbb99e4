//! Multi-layer perceptrons: training with candle (CPU, or CUDA with the `cuda` feature) on
//! the standardized design matrix, and a plain forward pass over the stored weights for
//! prediction (no per-call tensor overhead).
//!
//! The defaults are the recipe analysts copy: two hidden layers of 50 ReLU units, dropout
//! 0.2, a sigmoid output with binary cross-entropy (linear output with MSE for regression),
//! Adam at 0.001, 10 epochs, batches of 32.
//!
//! - `params`: the validated options of algorithm "mlp";
//! - `network`: the trained network, its forward pass, gradient and stored form;
//! - `training`: the training loop;
//! - `optim`: PyTorch's optimizers behind candle's `Optimizer` trait;
//! - `device`: CPU or CUDA.

mod device;
mod network;
mod optim;
mod params;
mod training;

pub use device::{select_device, DeviceChoice};
pub use network::{DenseLayer, Network};
pub use optim::{Adam, AdamConfig, Sgd, SgdConfig};
pub use params::{
    Activation, ClassWeight, EarlyStopping, Loss, MlpParams, OptimizerKind, MLP_KEYS,
};
pub use training::{fit, parameter_count, training_memory_bytes, MlpFit, TrainingData};

use crate::data::Dataset;
use crate::design::visit_blocks;
use crate::error::{Error, ErrorKind, Result};
use crate::fit::{check_design_memory, design_bytes, FitInput, Limits, TrainLabels};
use crate::linear::fit_standardized;
use crate::preprocess::{Preprocessor, RowsDesign};

/// The MLP as an estimator: the standardized preprocessing and a network trained on the
/// training rows of `input`, on the device its parameters or `limits` choose.
pub fn fit_estimator(
    input: &mut FitInput<'_>,
    params: &MlpParams,
) -> Result<(Preprocessor, MlpFit)> {
    let preprocessor = fit_standardized(input)?;
    let width = preprocessor.width();
    // The training holds its design in f32 (the tensor) and each epoch's shuffled copy of
    // it: 8 bytes a cell, what one f64 design matrix of as many cells would take.
    check_design_memory(input.train, input.test, width, 0, input.limits)?;
    check_network_memory(input.train, input.test, width, width, params, input.limits)?;
    let x = f32_design(&preprocessor, input.data, input.train);
    let (y, classification): (Vec<f32>, bool) = match input.labels {
        TrainLabels::Binary(y) => (y.iter().map(|&b| f32::from(u8::from(b))).collect(), true),
        TrainLabels::Numeric(y) => (y.iter().map(|&v| v as f32).collect(), false),
    };
    let device = select_device(params.device.unwrap_or(input.limits.device))?;
    let fit = fit(
        TrainingData {
            x,
            n_inputs: width,
            y,
            classification,
        },
        params,
        input.seed,
        &device,
        &mut *input.progress,
    )?;
    Ok((preprocessor, fit))
}

/// The design rows of `rows` in f32 (candle's precision), built a block at a time: no f64
/// design matrix of the training split is held.
fn f32_design(preprocessor: &Preprocessor, data: &Dataset, rows: &[usize]) -> Vec<f32> {
    let mut x = Vec::with_capacity(rows.len() * preprocessor.width());
    let design = RowsDesign {
        preprocessor,
        data,
        rows,
    };
    visit_blocks(&design, |_, block| {
        // Column 0 of a block is the intercept's 1, which a network has no use for.
        for row in block.rows() {
            x.extend(row.iter().skip(1).map(|&v| v as f32));
        }
    });
    x
}

/// Rejects a network whose parameters, optimizer state and batch activations, with the
/// design matrix, would not fit finml.max_training_memory (before any is allocated).
fn check_network_memory(
    train: &[usize],
    test: &[usize],
    width: usize,
    design_cells_per_row: usize,
    params: &MlpParams,
    limits: Limits,
) -> Result<()> {
    let design = design_bytes(train, test, design_cells_per_row);
    let network = training_memory_bytes(width, &params.hidden, params.batch_size);
    if design.saturating_add(network) > limits.max_memory_bytes {
        let shape: Vec<String> = std::iter::once(width)
            .chain(params.hidden.iter().copied())
            .chain(std::iter::once(1))
            .map(|w| w.to_string())
            .collect();
        return Err(Error::new(
            ErrorKind::ResourceLimit,
            format!(
                "the network {} ({} parameters) needs {} MB to train, with the data {} MB, more than finml.max_training_memory ({} MB)",
                shape.join(" → "),
                parameter_count(width, &params.hidden),
                network >> 20,
                design.saturating_add(network) >> 20,
                limits.max_memory_bytes >> 20
            ),
        )
        .with_hint("use fewer or narrower hidden layers (options.hidden), a smaller batch_size, or ask the DBA for a larger finml.max_training_memory"));
    }
    Ok(())
}
