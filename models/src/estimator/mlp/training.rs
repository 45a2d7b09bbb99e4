//! The training loop of a network: PyTorch's `nn.Linear` initialization, inverted dropout,
//! binary cross-entropy on logits (softmax cross-entropy over a multi-class target's
//! outputs) or squared error, shuffled mini-batches, early stopping on
//! a validation share, all drawn from one seeded generator so that a seed gives one model.
//!
//! Why it mirrors PyTorch step for step: analysts compare finml's MLP with the network they
//! trained in Python; the same initialization, update rules and loss make the comparison about
//! the data, not about the framework. The weights leave candle once, at the end (or at the
//! best epoch), so that prediction is a plain forward pass without tensors.

use super::device::{candle, device_name};
use super::network::{DenseLayer, Network};
use super::optim::NetworkOptimizer;
use super::params::{Activation, ClassWeight, Loss, MlpParams};
use crate::design::DesignRows;
use crate::dp_sgd::PrivacySpent;
use crate::error::{try_vec, Error, ErrorKind, Result};
use crate::fit::multi_class_weights;
use crate::progress::{EpochLog, Progress};
use candle_core::{DType, Device, Tensor, Var};
use ndarray::{s, Array2};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::time::Instant;

/// What a training produced.
#[derive(Debug, Clone)]
pub struct MlpFit {
    pub network: Network,
    pub log: Vec<EpochLog>,
    /// The epoch whose weights were kept (the last, or the best under early stopping).
    pub best_epoch: usize,
    /// "cpu" or "cuda:0".
    pub device: String,
    /// What a private (DP-SGD) training spent.
    pub privacy: Option<PrivacySpent>,
}

/// The trainable parameters of one layer.
pub(super) struct LayerVars {
    pub(super) weights: Var,
    pub(super) bias: Var,
}

/// Every trainable parameter, in layer order (weights, then bias), for the optimizer.
pub(super) fn parameters(layers: &[LayerVars]) -> Vec<Var> {
    layers
        .iter()
        .flat_map(|l| [l.weights.clone(), l.bias.clone()])
        .collect()
}

/// The training split: its design rows, read a batch at a time into an f32 tensor, and its
/// labels.
pub struct TrainingData<'a> {
    /// Standardized design rows, one per label.
    pub x: &'a dyn DesignRows,
    /// 0/1 for classification, values for regression, class codes for a multi-class
    /// target.
    pub y: Vec<f32>,
    pub classification: bool,
    /// Output units: 1, or the classes of a multi-class target (softmax and cross-entropy).
    pub outputs: usize,
}

/// The design rows at `positions` as an f32 tensor, built a `block` of f64 rows at a time
/// (the validation rows, more than a batch, are not copied in f64 whole).
pub(super) fn batch_tensor(
    x: &dyn DesignRows,
    positions: &[usize],
    block: &mut Array2<f64>,
    device: &Device,
) -> Result<Tensor> {
    let width = x.width();
    let mut values = try_vec(
        positions.len().saturating_mul(width),
        "a batch of design rows",
    )?;
    for chunk in positions.chunks(block.nrows().max(1)) {
        let mut rows = block.slice_mut(s![..chunk.len(), ..]);
        x.fill_rows(chunk, rows.view_mut());
        values.extend(rows.iter().map(|&v| v as f32));
    }
    Tensor::from_vec(values, (positions.len(), width), device).map_err(candle)
}

/// Trains a network on `data`.
// long: the epochs share the candle tensors, the optimizer and one RNG whose draws (split,
// shuffles, dropout) must stay in this order for a seeded training to repeat; split into
// pieces, each would take most of them as arguments.
pub fn fit(
    data: TrainingData<'_>,
    options: &MlpParams,
    seed: u64,
    device: &Device,
    progress: &mut dyn Progress,
) -> Result<MlpFit> {
    let TrainingData {
        x,
        y,
        classification,
        outputs,
    } = data;
    let n_rows = y.len();
    let n_inputs = x.width();
    if n_rows == 0 || x.n_rows() != n_rows {
        return Err(Error::new(
            ErrorKind::Internal,
            "mlp::fit: x and y disagree",
        ));
    }
    let loss_kind = loss_kind(options, classification)?;
    let mut rng = SmallRng::seed_from_u64(seed);

    // Validation rows for early stopping, carved from the training rows.
    let mut order: Vec<usize> = (0..n_rows).collect();
    order.shuffle(&mut rng);
    let n_valid = options
        .early_stopping
        .map_or(0, |s| {
            ((n_rows as f64) * s.validation_fraction).round() as usize
        })
        .min(n_rows.saturating_sub(1));
    let (valid_rows, train_rows) = order.split_at(n_valid);
    let labels_of = |rows: &[usize]| -> Vec<f32> { rows.iter().map(|&r| y[r]).collect() };
    let y_train = labels_of(train_rows);
    let sample_weights = class_weights(&y_train, classification, outputs, options.class_weight)?;
    let n_train = y_train.len();
    let y_train = Tensor::from_vec(y_train, (n_train, 1), device).map_err(candle)?;
    let w_train = match sample_weights {
        Some(w) => Some(Tensor::from_vec(w, (n_train, 1), device).map_err(candle)?),
        None => None,
    };
    let mut block = Array2::<f64>::zeros((options.batch_size.min(n_train).max(1), n_inputs));
    let mut positions = Vec::with_capacity(options.batch_size.min(n_train));
    let valid = if n_valid > 0 {
        Some((
            batch_tensor(x, valid_rows, &mut block, device)?,
            Tensor::from_vec(labels_of(valid_rows), (n_valid, 1), device).map_err(candle)?,
        ))
    } else {
        None
    };

    let layers = init_layers(n_inputs, &options.hidden, outputs, &mut rng, device)?;
    let mut optimizer = NetworkOptimizer::new(parameters(&layers), options).map_err(candle)?;

    let mut log = Vec::with_capacity(options.epochs);
    let mut best: Option<(f64, usize, Network)> = None;
    for epoch in 1..=options.epochs {
        let started = Instant::now();
        let mut permutation: Vec<u32> = (0..n_train as u32).collect();
        permutation.shuffle(&mut rng);
        let order = Tensor::from_slice(&permutation, n_train, device).map_err(candle)?;
        let ys = y_train.index_select(&order, 0).map_err(candle)?;
        let ws = match &w_train {
            Some(w) => Some(w.index_select(&order, 0).map_err(candle)?),
            None => None,
        };
        drop(order);
        let mut loss_sum = 0.0;
        let mut start = 0;
        // The batch's rows of the design, in the epoch's order.
        let batch_rows = |start: usize, rows: &mut Vec<usize>| {
            let end = (start + options.batch_size).min(n_train);
            rows.clear();
            rows.extend(
                permutation[start..end]
                    .iter()
                    .map(|&k| train_rows[k as usize]),
            );
        };
        batch_rows(0, &mut positions);
        while start < n_train {
            let len = positions.len();
            let xb = batch_tensor(x, &positions, &mut block, device)?;
            batch_rows(start + len, &mut positions);
            x.prefetch_rows(&positions);
            let yb = ys.narrow(0, start, len).map_err(candle)?;
            let wb = match &ws {
                Some(w) => Some(w.narrow(0, start, len).map_err(candle)?),
                None => None,
            };
            let out = forward(&layers, options.activation, &xb, options.dropout, &mut rng)?;
            let loss = loss_of(&out, &yb, wb.as_ref(), loss_kind, outputs)?;
            let grads = loss.backward().map_err(candle)?;
            optimizer.step(&grads).map_err(candle)?;
            let batch_loss = f64::from(loss.to_scalar::<f32>().map_err(candle)?);
            if !batch_loss.is_finite() {
                return Err(diverged(epoch, batch_loss));
            }
            loss_sum += batch_loss * len as f64;
            start += len;
            // Here, not only through `progress`: a training whose progress reports nothing
            // (a backtest's folds, a self-training round) must still honour a cancel.
            crate::interrupt::check();
            progress.step()?;
        }
        let valid_loss = match &valid {
            Some((xv, yv)) => {
                let out = forward(&layers, options.activation, xv, 0.0, &mut rng)?;
                Some(f64::from(
                    loss_of(&out, yv, None, loss_kind, outputs)?
                        .to_scalar::<f32>()
                        .map_err(candle)?,
                ))
            }
            None => None,
        };
        let entry = EpochLog {
            epoch,
            of: options.epochs,
            train_loss: loss_sum / n_train as f64,
            valid_loss,
            seconds: started.elapsed().as_secs_f64(),
            rows_added: None,
        };
        log.push(entry);
        progress.epoch(&entry)?;
        if let (Some(stopping), Some(v)) = (options.early_stopping, valid_loss) {
            let improved = best.as_ref().is_none_or(|(b, _, _)| v < *b);
            if improved {
                best = Some((v, epoch, network_of(&layers, options.activation)?));
            } else if best
                .as_ref()
                .is_some_and(|(_, e, _)| epoch - e >= stopping.patience)
            {
                break;
            }
        }
    }
    let (network, best_epoch) = match best {
        Some((_, epoch, network)) => (network, epoch),
        None => (network_of(&layers, options.activation)?, log.len()),
    };
    Ok(MlpFit {
        network,
        log,
        best_epoch,
        device: device_name(device),
        privacy: None,
    })
}

/// The loss `options` ask for (`None`: cross-entropy for classification, squared error for
/// regression).
pub(super) fn loss_kind(options: &MlpParams, classification: bool) -> Result<Loss> {
    let loss_kind = options.loss.unwrap_or(if classification {
        Loss::CrossEntropy
    } else {
        Loss::Mse
    });
    if loss_kind == Loss::CrossEntropy && !classification {
        return Err(
            Error::invalid_option("loss \"cross_entropy\" needs a classification target")
                .with_hint("use loss \"mse\" for a regression"),
        );
    }
    Ok(loss_kind)
}

/// A training whose loss left the finite numbers: stopped at once (every later step would be
/// NaN), nothing stored.
pub(super) fn diverged(epoch: usize, loss: f64) -> Error {
    Error::invalid_data(format!(
        "the network's training diverged: its loss is {loss} in epoch {epoch}"
    ))
    .with_hint(
        "lower learning_rate or class_weight, or rescale features and target to moderate ranges",
    )
}

/// Bytes of f32 state per network parameter while training: the weights, their gradient,
/// Adam's two moments, the best epoch's copy (early stopping) and the stored copies made when
/// the network is serialized (safetensors, base64, JSON).
const TRAINING_BYTES_PER_PARAMETER: usize = 40;
/// Bytes per hidden or output unit per batch row: the layer's output, its activation, its
/// dropout mask and their gradients (f32).
const TRAINING_BYTES_PER_ACTIVATION: usize = 20;

/// The memory a training of this shape holds besides its design matrix: the parameters and
/// their optimizer state, and one batch's activations. Checked against
/// finml.max_training_memory before anything is allocated (a 65,536-wide network asks for
/// tens of gigabytes and is refused at once). Saturates instead of overflowing.
pub fn training_memory_bytes(
    n_inputs: usize,
    hidden: &[usize],
    outputs: usize,
    batch_size: usize,
) -> usize {
    let units = hidden
        .iter()
        .fold(outputs, |sum, &width| sum.saturating_add(width));
    parameter_count(n_inputs, hidden, outputs)
        .saturating_mul(TRAINING_BYTES_PER_PARAMETER)
        .saturating_add(
            units
                .saturating_mul(batch_size)
                .saturating_mul(TRAINING_BYTES_PER_ACTIVATION),
        )
}

/// Network parameters (weights and biases) of this shape.
pub fn parameter_count(n_inputs: usize, hidden: &[usize], outputs: usize) -> usize {
    let mut fan_in = n_inputs;
    let mut parameters = 0usize;
    for &width in hidden.iter().chain(std::iter::once(&outputs)) {
        parameters = parameters.saturating_add(fan_in.saturating_add(1).saturating_mul(width));
        fan_in = width;
    }
    parameters
}

/// Per-row loss weights, `None` when every row counts once: a two-class target's
/// `class_weight`, or a multi-class target's `"balanced"` (fit::multi_class_weights).
fn class_weights(
    y: &[f32],
    classification: bool,
    outputs: usize,
    weight: Option<ClassWeight>,
) -> Result<Option<Vec<f32>>> {
    if !classification {
        return Ok(None);
    }
    if outputs > 1 {
        let codes: Vec<u32> = y.iter().map(|&c| c as u32).collect();
        let weights = multi_class_weights(None, &codes, outputs, weight)?;
        return Ok(weights.map(|w| w.iter().map(|&v| v as f32).collect()));
    }
    let n_pos = y.iter().filter(|&&v| v > 0.5).count() as f64;
    let Some((positive, negative)) =
        weight.and_then(|w| w.of_classes(n_pos, y.len() as f64 - n_pos))
    else {
        return Ok(None);
    };
    Ok(Some(
        y.iter()
            .map(|&v| {
                if v > 0.5 {
                    positive as f32
                } else {
                    negative as f32
                }
            })
            .collect(),
    ))
}

/// PyTorch's default initialization of `nn.Linear`: weights and bias uniform in
/// ±1/√fan_in, drawn from the training's seeded generator so that a seed gives one model.
pub(super) fn init_layers(
    n_inputs: usize,
    hidden: &[usize],
    outputs: usize,
    rng: &mut SmallRng,
    device: &Device,
) -> Result<Vec<LayerVars>> {
    let mut layers = Vec::new();
    let mut fan_in = n_inputs;
    for &width in hidden.iter().chain(std::iter::once(&outputs)) {
        let bound = 1.0 / (fan_in.max(1) as f32).sqrt();
        let weights: Vec<f32> = (0..width * fan_in)
            .map(|_| rng.gen_range(-bound..=bound))
            .collect();
        let bias: Vec<f32> = (0..width).map(|_| rng.gen_range(-bound..=bound)).collect();
        layers.push(LayerVars {
            weights: Var::from_vec(weights, (width, fan_in), device).map_err(candle)?,
            bias: Var::from_vec(bias, width, device).map_err(candle)?,
        });
        fan_in = width;
    }
    Ok(layers)
}

/// The output unit (before the sigmoid) for a batch; dropout after each hidden layer when
/// `dropout > 0` (inverted dropout, masks from the seeded generator).
fn forward(
    layers: &[LayerVars],
    activation: Activation,
    x: &Tensor,
    dropout: f64,
    rng: &mut SmallRng,
) -> Result<Tensor> {
    forward_probed(layers, activation, (x, dropout), rng, None)
}

/// A layer's input in a batch's forward pass, and a zero added to its pre-activation: the
/// gradient of a summed loss with respect to that zero is each row's gradient with respect
/// to the pre-activation, from which each row's parameter gradients follow (DP-SGD).
pub(super) struct Probe {
    pub(super) input: Tensor,
    pub(super) zero: Var,
}

/// [`forward`], with a [`Probe`] of each layer pushed to `probes` when given.
pub(super) fn forward_probed(
    layers: &[LayerVars],
    activation: Activation,
    (x, dropout): (&Tensor, f64),
    rng: &mut SmallRng,
    mut probes: Option<&mut Vec<Probe>>,
) -> Result<Tensor> {
    let last = layers.len() - 1;
    let mut h = x.clone();
    for (k, layer) in layers.iter().enumerate() {
        let input = h;
        h = input
            .matmul(&layer.weights.as_tensor().t().map_err(candle)?)
            .and_then(|z| z.broadcast_add(layer.bias.as_tensor()))
            .map_err(candle)?;
        if let Some(probes) = probes.as_deref_mut() {
            let zero = Var::zeros(h.dims(), h.dtype(), h.device()).map_err(candle)?;
            h = h.add(zero.as_tensor()).map_err(candle)?;
            // Detached: a gradient built from it must not hold this step's graph (through
            // Adam's moments, every step's graph would be kept).
            probes.push(Probe {
                input: input.detach(),
                zero,
            });
        }
        if k < last {
            h = match activation {
                Activation::Relu => h.relu(),
                Activation::Tanh => h.tanh(),
                Activation::Sigmoid => candle_nn::ops::sigmoid(&h),
            }
            .map_err(candle)?;
            if dropout > 0.0 {
                let keep = 1.0 - dropout;
                let (rows, cols) = h.dims2().map_err(candle)?;
                let mask: Vec<f32> = (0..rows * cols)
                    .map(|_| {
                        if rng.gen::<f64>() < keep {
                            (1.0 / keep) as f32
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let mask = Tensor::from_vec(mask, (rows, cols), h.device()).map_err(candle)?;
                h = h.mul(&mask).map_err(candle)?;
            }
        }
    }
    Ok(h)
}

/// Mean (weighted) loss of a batch ([`row_losses`]).
fn loss_of(
    out: &Tensor,
    y: &Tensor,
    weights: Option<&Tensor>,
    loss: Loss,
    outputs: usize,
) -> Result<Tensor> {
    let per_row = row_losses(out, y, loss, outputs)?;
    match weights {
        Some(w) => per_row
            .mul(w)
            .and_then(|l| l.sum_all())
            .and_then(|s| s.broadcast_div(&w.sum_all()?))
            .map_err(candle),
        None => per_row.mean_all().map_err(candle),
    }
}

/// Each row's loss of a batch: binary cross-entropy on logits, computed stably as
/// softplus(z) − y·z; with several `outputs`, cross-entropy of their softmax,
/// `−log_softmax(z)[y]` (PyTorch's `CrossEntropyLoss`); or squared error.
pub(super) fn row_losses(out: &Tensor, y: &Tensor, loss: Loss, outputs: usize) -> Result<Tensor> {
    let per_row = match loss {
        Loss::CrossEntropy if outputs > 1 => {
            let classes = y.to_dtype(DType::U32).map_err(candle)?;
            candle_nn::ops::log_softmax(out, 1)
                .and_then(|l| l.gather(&classes, 1))
                .and_then(|l| l.neg())
                .map_err(candle)?
        }
        Loss::CrossEntropy => {
            // softplus(z) = max(z, 0) + ln(1 + e^−|z|)
            let softplus = out
                .relu()
                .and_then(|r| {
                    out.abs()
                        .and_then(|a| a.neg())
                        .and_then(|a| a.exp())
                        .and_then(|e| e.affine(1.0, 1.0))
                        .and_then(|e| e.log())
                        .and_then(|l| r.add(&l))
                })
                .map_err(candle)?;
            softplus.sub(&y.mul(out).map_err(candle)?).map_err(candle)?
        }
        Loss::Mse => out.sub(y).and_then(|d| d.sqr()).map_err(candle)?,
    };
    Ok(per_row)
}

/// The current parameters as a plain network.
pub(super) fn network_of(layers: &[LayerVars], activation: Activation) -> Result<Network> {
    let layers = layers
        .iter()
        .map(|l| {
            let (out_dim, in_dim) = l.weights.as_tensor().dims2().map_err(candle)?;
            Ok(DenseLayer {
                in_dim,
                out_dim,
                weights: l
                    .weights
                    .as_tensor()
                    .flatten_all()
                    .and_then(|t| t.to_vec1::<f32>())
                    .map_err(candle)?,
                bias: l.bias.as_tensor().to_vec1::<f32>().map_err(candle)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Network { activation, layers })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mlp::optim::ADAM_EPSILON;
    use crate::mlp::params::{EarlyStopping, OptimizerKind};
    use crate::progress::Silent;

    /// A 2-input, 2-hidden (tanh), 1-output network with fixed weights.
    fn tiny(device: &Device) -> Vec<LayerVars> {
        vec![
            LayerVars {
                weights: Var::from_vec(vec![0.5f32, -0.25, 0.125, 0.75], (2, 2), device).unwrap(),
                bias: Var::from_vec(vec![0.1f32, -0.2], 2, device).unwrap(),
            },
            LayerVars {
                weights: Var::from_vec(vec![1.5f32, -0.5], (1, 2), device).unwrap(),
                bias: Var::from_vec(vec![0.05f32], 1, device).unwrap(),
            },
        ]
    }

    const X: [[f64; 2]; 3] = [[1.0, 2.0], [-0.5, 0.25], [0.0, -1.0]];
    const Y: [f64; 3] = [1.0, 0.0, 1.0];

    /// Backpropagation written out by hand (the chain rule, in f64): the reference for
    /// candle's gradients of the mean binary cross-entropy.
    fn hand_gradients() -> (f64, Vec<f64>) {
        let w1 = [[0.5, -0.25], [0.125, 0.75]];
        let b1 = [0.1, -0.2];
        let w2 = [1.5, -0.5];
        let b2 = 0.05;
        let n = X.len() as f64;
        let mut loss = 0.0;
        let mut g = vec![0.0; 9]; // w1 (4), b1 (2), w2 (2), b2 (1)
        for (x, &y) in X.iter().zip(&Y) {
            let a: Vec<f64> = (0..2)
                .map(|j| (w1[j][0] * x[0] + w1[j][1] * x[1] + b1[j]).tanh())
                .collect();
            let z = w2[0] * a[0] + w2[1] * a[1] + b2;
            let p = 1.0 / (1.0 + (-z).exp());
            loss += -(y * p.ln() + (1.0 - y) * (1.0 - p).ln()) / n;
            let dz = (p - y) / n;
            for j in 0..2 {
                g[6 + j] += dz * a[j];
                let da = dz * w2[j] * (1.0 - a[j] * a[j]);
                g[2 * j] += da * x[0];
                g[2 * j + 1] += da * x[1];
                g[4 + j] += da;
            }
            g[8] += dz;
        }
        (loss, g)
    }

    fn batch(device: &Device) -> (Tensor, Tensor) {
        let xs: Vec<f32> = X.iter().flatten().map(|&v| v as f32).collect();
        let ys: Vec<f32> = Y.iter().map(|&v| v as f32).collect();
        (
            Tensor::from_vec(xs, (3, 2), device).unwrap(),
            Tensor::from_vec(ys, (3, 1), device).unwrap(),
        )
    }

    fn flat_gradients(layers: &[LayerVars], grads: &candle_core::backprop::GradStore) -> Vec<f64> {
        layers
            .iter()
            .flat_map(|l| [&l.weights, &l.bias])
            .flat_map(|v| {
                grads
                    .get(v.as_tensor())
                    .unwrap()
                    .flatten_all()
                    .unwrap()
                    .to_vec1::<f32>()
                    .unwrap()
            })
            .map(f64::from)
            .collect()
    }

    #[test]
    fn candle_gradients_match_backpropagation_by_hand() {
        let device = Device::Cpu;
        let layers = tiny(&device);
        let (x, y) = batch(&device);
        let mut rng = SmallRng::seed_from_u64(0);
        let out = forward(&layers, Activation::Tanh, &x, 0.0, &mut rng).unwrap();
        let loss = loss_of(&out, &y, None, Loss::CrossEntropy, 1).unwrap();
        let grads = loss.backward().unwrap();
        let (hand_loss, hand) = hand_gradients();
        // f32 arithmetic against f64: tolerance 1e-6.
        assert!((f64::from(loss.to_scalar::<f32>().unwrap()) - hand_loss).abs() < 1e-6);
        // Order: w1 (row-major), b1, w2, b2, as the hand computation lists them.
        let got = flat_gradients(&layers, &grads);
        for (k, (a, b)) in got.iter().zip(&hand).enumerate() {
            assert!(
                (a - b).abs() < 1e-6,
                "gradient {k}: candle {a}, by hand {b}"
            );
        }
    }

    #[test]
    fn the_first_adam_step_is_learning_rate_times_the_gradient_sign() {
        // Kingma & Ba (2015): at t = 1, m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε).
        let device = Device::Cpu;
        let layers = tiny(&device);
        let before: Vec<f64> = flat_parameters(&layers);
        let (x, y) = batch(&device);
        let mut rng = SmallRng::seed_from_u64(0);
        let out = forward(&layers, Activation::Tanh, &x, 0.0, &mut rng).unwrap();
        let grads = loss_of(&out, &y, None, Loss::CrossEntropy, 1)
            .unwrap()
            .backward()
            .unwrap();
        let g = flat_gradients(&layers, &grads);
        let options = MlpParams {
            learning_rate: 0.01,
            ..MlpParams::default()
        };
        let mut optimizer = NetworkOptimizer::new(parameters(&layers), &options).unwrap();
        optimizer.step(&grads).unwrap();
        let after = flat_parameters(&layers);
        for k in 0..before.len() {
            let expected = before[k] - 0.01 * g[k] / (g[k].abs() + ADAM_EPSILON);
            assert!(
                (after[k] - expected).abs() < 1e-6,
                "parameter {k}: {} != {expected}",
                after[k]
            );
        }
    }

    /// Reference for the optimizers: PyTorch's update rules written out in plain arithmetic, with
    /// each parameter and its moments as vectors.
    struct PlainState {
        params: Vec<Vec<f32>>,
        first: Vec<Vec<f32>>,
        second: Vec<Vec<f32>>,
    }

    impl PlainState {
        fn new(layers: &[LayerVars]) -> PlainState {
            let params = layers
                .iter()
                .flat_map(|l| [&l.weights, &l.bias])
                .map(|v| v.as_tensor().flatten_all().and_then(|t| t.to_vec1::<f32>()))
                .collect::<candle_core::Result<Vec<_>>>()
                .unwrap();
            let zeros: Vec<Vec<f32>> = params.iter().map(|p| vec![0.0; p.len()]).collect();
            PlainState {
                params,
                first: zeros.clone(),
                second: zeros,
            }
        }
    }

    fn reference_update(
        layers: &[LayerVars],
        state: &mut PlainState,
        grads: &candle_core::backprop::GradStore,
        o: &MlpParams,
        step: u64,
    ) {
        let vars = layers.iter().flat_map(|l| [&l.weights, &l.bias]);
        let t = step as i32;
        let first_correction = 1.0 - o.beta1.powi(t);
        let second_correction = 1.0 - o.beta2.powi(t);
        for (k, var) in vars.enumerate() {
            let Some(grad) = grads.get(var.as_tensor()) else {
                continue;
            };
            let grad = grad.flatten_all().and_then(|g| g.to_vec1::<f32>()).unwrap();
            let (params, first, second) = (
                &mut state.params[k],
                &mut state.first[k],
                &mut state.second[k],
            );
            for i in 0..params.len() {
                let g = f64::from(grad[i]) + o.weight_decay * f64::from(params[i]);
                let p = f64::from(params[i]);
                params[i] = match o.optimizer {
                    OptimizerKind::Sgd => p - o.learning_rate * g,
                    OptimizerKind::Momentum => {
                        let m = if step == 1 {
                            g
                        } else {
                            o.momentum * f64::from(first[i]) + g
                        };
                        first[i] = m as f32;
                        p - o.learning_rate * m
                    }
                    OptimizerKind::Adam => {
                        let m = o.beta1 * f64::from(first[i]) + (1.0 - o.beta1) * g;
                        let v = o.beta2 * f64::from(second[i]) + (1.0 - o.beta2) * g * g;
                        first[i] = m as f32;
                        second[i] = v as f32;
                        p - o.learning_rate / first_correction * m
                            / ((v / second_correction).sqrt() + ADAM_EPSILON)
                    }
                } as f32;
            }
            let shape = var.as_tensor().shape().clone();
            var.set(&Tensor::from_slice(params, shape, var.device()).unwrap())
                .unwrap();
        }
    }

    #[test]
    fn the_tensor_update_matches_the_rules_in_plain_arithmetic() {
        // Three steps of each optimizer from the same start on the same gradients: the tensor
        // update (what training runs, on the CPU or CUDA) against the reference above.
        for optimizer in [
            OptimizerKind::Adam,
            OptimizerKind::Sgd,
            OptimizerKind::Momentum,
        ] {
            let options = MlpParams {
                optimizer,
                learning_rate: 0.05,
                weight_decay: 0.01,
                ..MlpParams::default()
            };
            let device = Device::Cpu;
            let (by_hand, by_tensors) = (tiny(&device), tiny(&device));
            let mut state = PlainState::new(&by_hand);
            let mut stepper = NetworkOptimizer::new(parameters(&by_tensors), &options).unwrap();
            let (x, y) = batch(&device);
            let mut rng = SmallRng::seed_from_u64(0);
            for step in 1..=3 {
                let gradients = |layers: &[LayerVars], rng: &mut SmallRng| {
                    let out = forward(layers, Activation::Tanh, &x, 0.0, rng).unwrap();
                    loss_of(&out, &y, None, Loss::CrossEntropy, 1)
                        .unwrap()
                        .backward()
                        .unwrap()
                };
                let grads = gradients(&by_hand, &mut rng);
                reference_update(&by_hand, &mut state, &grads, &options, step);
                let grads = gradients(&by_tensors, &mut rng);
                stepper.step(&grads).unwrap();
            }
            for (a, b) in flat_parameters(&by_hand)
                .iter()
                .zip(flat_parameters(&by_tensors))
            {
                assert!((a - b).abs() < 1e-5, "{optimizer:?}: {a} != {b}");
            }
        }
    }

    fn flat_parameters(layers: &[LayerVars]) -> Vec<f64> {
        layers
            .iter()
            .flat_map(|l| [&l.weights, &l.bias])
            .flat_map(|v| {
                v.as_tensor()
                    .flatten_all()
                    .unwrap()
                    .to_vec1::<f32>()
                    .unwrap()
            })
            .map(f64::from)
            .collect()
    }

    /// y = 1 when x0 + x1 > 0: an MLP learns it, the same seed gives the same network, and
    /// the plain forward pass agrees with candle's.
    fn separable(n: usize) -> (Vec<f32>, Vec<f32>) {
        let mut rng = SmallRng::seed_from_u64(7);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for _ in 0..n {
            let (a, b): (f32, f32) = (rng.gen_range(-1.0..1.0), rng.gen_range(-1.0..1.0));
            x.extend([a, b]);
            y.push(if a + b > 0.0 { 1.0 } else { 0.0 });
        }
        (x, y)
    }

    fn fit_separable(x: &[f32], y: &[f32], options: &MlpParams, seed: u64) -> MlpFit {
        let design = Array2::from_shape_fn((y.len(), 2), |(i, j)| f64::from(x[2 * i + j]));
        let data = TrainingData {
            x: &design,
            y: y.to_vec(),
            classification: true,
            outputs: 1,
        };
        super::fit(data, options, seed, &Device::Cpu, &mut Silent).unwrap()
    }

    #[test]
    fn training_learns_and_repeats_itself_with_a_seed() {
        let (x, y) = separable(2000);
        let options = MlpParams {
            epochs: 5,
            hidden: vec![8],
            ..MlpParams::default()
        };
        let fit = |seed| fit_separable(&x, &y, &options, seed);
        let a = fit(1);
        let b = fit(1);
        let c = fit(2);
        assert_eq!(a.network, b.network);
        assert_ne!(a.network, c.network);
        assert_eq!(a.log.len(), 5);
        assert!(a.log[4].train_loss < a.log[0].train_loss);
        let correct = (0..2000)
            .filter(|&i| {
                (a.network
                    .output(&[f64::from(x[2 * i]), f64::from(x[2 * i + 1])])
                    > 0.0)
                    == (y[i] > 0.5)
            })
            .count();
        assert!(correct > 1900, "{correct} of 2000");
    }

    #[test]
    fn early_stopping_keeps_the_best_epoch() {
        let (x, y) = separable(500);
        let options = MlpParams {
            epochs: 60,
            hidden: vec![4],
            early_stopping: Some(EarlyStopping {
                patience: 2,
                validation_fraction: 0.2,
            }),
            ..MlpParams::default()
        };
        let fit = fit_separable(&x, &y, &options, 3);
        let best = fit
            .log
            .iter()
            .min_by(|a, b| a.valid_loss.unwrap().total_cmp(&b.valid_loss.unwrap()))
            .unwrap();
        assert_eq!(fit.best_epoch, best.epoch);
        assert!(fit.log.iter().all(|e| e.valid_loss.is_some()));
        assert!(fit.log.len() <= 60);
    }

    #[test]
    fn a_network_round_trips_through_safetensors() {
        let (x, y) = separable(200);
        let options = MlpParams {
            epochs: 1,
            hidden: vec![3, 2],
            ..MlpParams::default()
        };
        let network = fit_separable(&x, &y, &options, 1).network;
        let json = serde_json::to_string(&network).unwrap();
        assert!(json.contains("\"safetensors\""));
        let back: Network = serde_json::from_str(&json).unwrap();
        assert_eq!(back, network);
        let broken = json.replace("\"safetensors\":\"", "\"safetensors\":\"AAAA");
        assert!(serde_json::from_str::<Network>(&broken).is_err());
    }

    #[test]
    fn softmax_cross_entropy_is_minus_the_log_probability_of_the_class() {
        let out =
            Tensor::from_vec(vec![1.0f32, 2.0, 0.5, -1.0, 0.0, 3.0], (2, 3), &Device::Cpu).unwrap();
        let y = Tensor::from_vec(vec![1.0f32, 2.0], (2, 1), &Device::Cpu).unwrap();
        let loss = loss_of(&out, &y, None, Loss::CrossEntropy, 3)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        // By hand: −ln softmax(z)[y], averaged over the two rows.
        let row = |z: [f64; 3], class: usize| {
            let log_sum = z.iter().map(|v| v.exp()).sum::<f64>().ln();
            log_sum - z[class]
        };
        let expected = (row([1.0, 2.0, 0.5], 1) + row([-1.0, 0.0, 3.0], 2)) / 2.0;
        assert!(
            (f64::from(loss) - expected).abs() < 1e-6,
            "{loss} vs {expected}"
        );
    }

    #[test]
    fn a_multi_class_network_learns_three_separable_classes() {
        let (x, _) = separable(3000);
        // Class by the sign of a + b and the size of a: three regions of the plane.
        let y: Vec<f32> = x
            .chunks_exact(2)
            .map(|p| {
                if p[0] + p[1] < 0.0 {
                    0.0
                } else if p[0] < 0.3 {
                    1.0
                } else {
                    2.0
                }
            })
            .collect();
        let design = Array2::from_shape_fn((y.len(), 2), |(i, j)| f64::from(x[2 * i + j]));
        let options = MlpParams {
            epochs: 20,
            hidden: vec![16],
            dropout: 0.0,
            learning_rate: 0.01,
            ..MlpParams::default()
        };
        let data = TrainingData {
            x: &design,
            y: y.clone(),
            classification: true,
            outputs: 3,
        };
        let fit = super::fit(data, &options, 5, &Device::Cpu, &mut Silent).unwrap();
        assert_eq!(fit.network.n_outputs(), 3);
        let mut scores = [0.0; 3];
        let right = (0..y.len())
            .filter(|&i| {
                fit.network
                    .outputs_of_row(&[design[[i, 0]], design[[i, 1]]], &mut scores);
                crate::metrics::most_probable(&scores) == y[i] as usize
            })
            .count();
        assert!(
            right as f64 / y.len() as f64 > 0.95,
            "{right} of {}",
            y.len()
        );
        assert!(fit.log.last().unwrap().train_loss < fit.log[0].train_loss);
    }
}
