//! Multi-layer perceptrons: training with candle (CPU, or CUDA with the `cuda` feature) on
//! the standardized design matrix, and a plain forward pass over the stored weights for
//! prediction (no per-call tensor overhead).
//!
//! The defaults are the recipe analysts copy: two hidden layers of 50 ReLU units, dropout
//! 0.2, a sigmoid output with binary cross-entropy (linear output with MSE for regression),
//! Adam at 0.001, 10 epochs, batches of 32.

use crate::error::{Error, ErrorKind, Result};
use candle_core::{Device, Tensor, Var};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::Instant;

/// Hidden-layer activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Relu,
    Tanh,
    Sigmoid,
}

/// Parameter update rule (PyTorch's definitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    Adam,
    Sgd,
    Momentum,
}

/// Loss and output layer: cross-entropy on a sigmoid output, or squared error on a linear one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    CrossEntropy,
    Mse,
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

/// Weights of the positive class's rows in the loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClassWeight {
    /// n / (2 · n_class) for each class, as scikit-learn's "balanced".
    Balanced,
    /// The positive class's rows count `w` times (the negative class's once).
    Positive(f64),
}

/// Early stopping on a validation split carved from the training split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyStopping {
    /// Epochs without improvement of the validation loss before stopping.
    pub patience: usize,
    /// Share of the training split held out for validation.
    pub validation_fraction: f64,
}

/// Validated MLP options, defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct MlpOptions {
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub dropout: f64,
    pub epochs: usize,
    pub batch_size: usize,
    pub optimizer: OptimizerKind,
    pub learning_rate: f64,
    pub momentum: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub weight_decay: f64,
    /// `None`: cross-entropy for classification, MSE for regression.
    pub loss: Option<Loss>,
    pub class_weight: Option<ClassWeight>,
    pub early_stopping: Option<EarlyStopping>,
    /// `None`: the finml.device setting.
    pub device: Option<DeviceChoice>,
}

impl Default for MlpOptions {
    fn default() -> Self {
        MlpOptions {
            hidden: vec![50, 50],
            activation: Activation::Relu,
            dropout: 0.2,
            epochs: 10,
            batch_size: 32,
            optimizer: OptimizerKind::Adam,
            learning_rate: 0.001,
            momentum: 0.9,
            beta1: 0.9,
            beta2: 0.999,
            weight_decay: 0.0,
            loss: None,
            class_weight: None,
            early_stopping: None,
            device: None,
        }
    }
}

/// The option keys of algorithm "mlp".
pub const MLP_KEYS: &[&str] = &[
    "hidden",
    "activation",
    "dropout",
    "epochs",
    "batch_size",
    "optimizer",
    "learning_rate",
    "momentum",
    "beta1",
    "beta2",
    "weight_decay",
    "loss",
    "class_weight",
    "early_stopping",
    "device",
];

/// Adam's ε (PyTorch's default).
const ADAM_EPSILON: f64 = 1e-8;
/// Early stopping's defaults.
const DEFAULT_PATIENCE: usize = 3;
const DEFAULT_VALIDATION_FRACTION: f64 = 0.1;
/// Largest layer accepted, to refuse a typo before it allocates gigabytes.
const MAX_LAYER_WIDTH: usize = 65_536;

impl MlpOptions {
    /// Reads the MLP keys of a training's options object (other keys are not looked at).
    pub fn from_json(options: &Map<String, Value>) -> Result<MlpOptions> {
        let mut o = MlpOptions::default();
        if let Some(v) = options.get("hidden") {
            let layers = v
                .as_array()
                .ok_or_else(|| bad("hidden", v, "an array of layer widths, e.g. [50, 50]"))?;
            o.hidden = layers
                .iter()
                .map(|w| match w.as_u64() {
                    Some(w) if w >= 1 && w as usize <= MAX_LAYER_WIDTH => Ok(w as usize),
                    _ => Err(bad("hidden", v, "layer widths between 1 and 65536")),
                })
                .collect::<Result<_>>()?;
        }
        if let Some(v) = options.get("activation") {
            o.activation = enum_value(v, "activation", "relu, tanh or sigmoid")?;
        }
        if let Some(v) = options.get("dropout") {
            o.dropout = number_in(v, "dropout", 0.0, 1.0, false, "a probability in [0, 1)")?;
        }
        if let Some(v) = options.get("epochs") {
            o.epochs = count(v, "epochs", 1, 100_000)?;
        }
        if let Some(v) = options.get("batch_size") {
            o.batch_size = count(v, "batch_size", 1, 1 << 20)?;
        }
        if let Some(v) = options.get("optimizer") {
            o.optimizer = enum_value(v, "optimizer", "adam, sgd or momentum")?;
        }
        if let Some(v) = options.get("learning_rate") {
            o.learning_rate = number_in(
                v,
                "learning_rate",
                0.0,
                10.0,
                true,
                "a positive number, e.g. 0.001",
            )?;
            if o.learning_rate == 0.0 {
                return Err(bad("learning_rate", v, "a positive number, e.g. 0.001"));
            }
        }
        if let Some(v) = options.get("momentum") {
            o.momentum = number_in(v, "momentum", 0.0, 1.0, false, "a number in [0, 1)")?;
        }
        if let Some(v) = options.get("beta1") {
            o.beta1 = number_in(v, "beta1", 0.0, 1.0, false, "a number in [0, 1)")?;
        }
        if let Some(v) = options.get("beta2") {
            o.beta2 = number_in(v, "beta2", 0.0, 1.0, false, "a number in [0, 1)")?;
        }
        if let Some(v) = options.get("weight_decay") {
            o.weight_decay = number_in(v, "weight_decay", 0.0, 1.0, true, "a number in [0, 1]")?;
        }
        if let Some(v) = options.get("loss") {
            o.loss = Some(enum_value(v, "loss", "cross_entropy or mse")?);
        }
        if let Some(v) = options.get("class_weight") {
            o.class_weight = Some(class_weight(v)?);
        }
        if let Some(v) = options.get("early_stopping") {
            o.early_stopping = early_stopping(v)?;
        }
        if let Some(v) = options.get("device") {
            let text = v
                .as_str()
                .ok_or_else(|| bad("device", v, "auto, cpu or cuda"))?;
            o.device = Some(DeviceChoice::parse(text)?);
        }
        Ok(o)
    }
}

fn bad(key: &str, value: &Value, expected: &str) -> Error {
    Error::invalid_option(format!("invalid options.{key}: {value}"))
        .with_hint(format!("{key} must be {expected}"))
}

fn enum_value<T: for<'de> Deserialize<'de>>(value: &Value, key: &str, expected: &str) -> Result<T> {
    serde_json::from_value(value.clone()).map_err(|_| bad(key, value, expected))
}

fn number_in(
    value: &Value,
    key: &str,
    low: f64,
    high: f64,
    high_included: bool,
    expected: &str,
) -> Result<f64> {
    match value.as_f64() {
        Some(x) if x >= low && (x < high || (high_included && x == high)) => Ok(x),
        _ => Err(bad(key, value, expected)),
    }
}

fn count(value: &Value, key: &str, low: usize, high: usize) -> Result<usize> {
    match value.as_u64() {
        Some(n) if n as usize >= low && n as usize <= high => Ok(n as usize),
        _ => Err(bad(
            key,
            value,
            &format!("an integer between {low} and {high}"),
        )),
    }
}

fn class_weight(value: &Value) -> Result<ClassWeight> {
    let expected = r#""balanced" or {"1": w} (the positive class's weight)"#;
    match value {
        Value::String(s) if s == "balanced" => Ok(ClassWeight::Balanced),
        Value::Object(map) if map.len() == 1 => {
            let (key, w) = map
                .iter()
                .next()
                .ok_or_else(|| bad("class_weight", value, expected))?;
            match (key.as_str(), w.as_f64()) {
                ("1" | "true" | "positive", Some(w)) if w > 0.0 && w.is_finite() => {
                    Ok(ClassWeight::Positive(w))
                }
                _ => Err(bad("class_weight", value, expected)),
            }
        }
        _ => Err(bad("class_weight", value, expected)),
    }
}

fn early_stopping(value: &Value) -> Result<Option<EarlyStopping>> {
    let expected = r#"true, false or {"patience": 3, "validation_fraction": 0.1}"#;
    let mut stopping = EarlyStopping {
        patience: DEFAULT_PATIENCE,
        validation_fraction: DEFAULT_VALIDATION_FRACTION,
    };
    match value {
        Value::Bool(false) => Ok(None),
        Value::Bool(true) => Ok(Some(stopping)),
        Value::Object(map) => {
            for (key, v) in map {
                match key.as_str() {
                    "patience" => {
                        stopping.patience = count(v, "early_stopping.patience", 1, 10_000)?
                    }
                    "validation_fraction" => {
                        stopping.validation_fraction = number_in(
                            v,
                            "early_stopping.validation_fraction",
                            0.0,
                            1.0,
                            false,
                            "a share in (0, 1)",
                        )?;
                        if stopping.validation_fraction == 0.0 {
                            return Err(bad(
                                "early_stopping.validation_fraction",
                                v,
                                "a share in (0, 1)",
                            ));
                        }
                    }
                    _ => return Err(bad("early_stopping", value, expected)),
                }
            }
            Ok(Some(stopping))
        }
        _ => Err(bad("early_stopping", value, expected)),
    }
}

/// One dense layer of the stored network: `out = weights · in + bias`, weights row-major
/// (`out_dim` rows of `in_dim`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DenseLayer {
    pub in_dim: usize,
    pub out_dim: usize,
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

/// The trained network, for prediction without candle. Stored as its activation and its
/// layers as one safetensors blob (base64): tensors `layers.K.weight` (out × in) and
/// `layers.K.bias`, f32, K from 0 (PyTorch's names for an `nn.Sequential` of linear layers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StoredNetwork", into = "StoredNetwork")]
pub struct Network {
    pub activation: Activation,
    /// Hidden layers, then the one-unit output layer.
    pub layers: Vec<DenseLayer>,
}

impl Network {
    /// The output unit before the sigmoid (the log-odds of a classifier, the prediction of a
    /// regression) for one standardized design row.
    pub fn output(&self, x: &[f64]) -> f64 {
        let mut input: Vec<f64> = x.to_vec();
        let mut next = Vec::new();
        let last = self.layers.len() - 1;
        for (k, layer) in self.layers.iter().enumerate() {
            next.clear();
            for (row, &b) in layer.weights.chunks_exact(layer.in_dim).zip(&layer.bias) {
                let z = row
                    .iter()
                    .zip(&input)
                    .fold(f64::from(b), |acc, (&w, &v)| acc + f64::from(w) * v);
                next.push(if k == last {
                    z
                } else {
                    activate(self.activation, z)
                });
            }
            std::mem::swap(&mut input, &mut next);
        }
        input[0]
    }
}

/// The serialized form of a [`Network`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredNetwork {
    activation: Activation,
    safetensors: String,
}

impl From<Network> for StoredNetwork {
    fn from(network: Network) -> StoredNetwork {
        use base64::Engine;
        let mut tensors: Vec<(String, Vec<u8>, Vec<usize>)> = Vec::new();
        for (k, layer) in network.layers.iter().enumerate() {
            let bytes = |values: &[f32]| {
                values
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect::<Vec<u8>>()
            };
            tensors.push((
                format!("layers.{k}.weight"),
                bytes(&layer.weights),
                vec![layer.out_dim, layer.in_dim],
            ));
            tensors.push((
                format!("layers.{k}.bias"),
                bytes(&layer.bias),
                vec![layer.out_dim],
            ));
        }
        let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
            .iter()
            .filter_map(|(name, data, shape)| {
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data)
                    .ok()
                    .map(|view| (name.clone(), view))
            })
            .collect();
        // Serializing f32 views whose sizes match their shapes cannot fail.
        let blob = safetensors::serialize(views, None).unwrap_or_default();
        StoredNetwork {
            activation: network.activation,
            safetensors: base64::engine::general_purpose::STANDARD.encode(blob),
        }
    }
}

impl TryFrom<StoredNetwork> for Network {
    type Error = String;

    fn try_from(stored: StoredNetwork) -> std::result::Result<Network, String> {
        use base64::Engine;
        let blob = base64::engine::general_purpose::STANDARD
            .decode(&stored.safetensors)
            .map_err(|e| format!("network weights are not base64: {e}"))?;
        let tensors = safetensors::SafeTensors::deserialize(&blob)
            .map_err(|e| format!("network weights are not safetensors: {e}"))?;
        let read = |name: &str| -> std::result::Result<(Vec<f32>, Vec<usize>), String> {
            let view = tensors.tensor(name).map_err(|e| format!("{name}: {e}"))?;
            if view.dtype() != safetensors::Dtype::F32 {
                return Err(format!("{name} is not f32"));
            }
            let values = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            Ok((values, view.shape().to_vec()))
        };
        let mut layers = Vec::new();
        let mut previous_out: Option<usize> = None;
        for k in 0.. {
            if tensors.tensor(&format!("layers.{k}.weight")).is_err() {
                break;
            }
            let (weights, shape) = read(&format!("layers.{k}.weight"))?;
            let (bias, bias_shape) = read(&format!("layers.{k}.bias"))?;
            let [out_dim, in_dim] = shape[..] else {
                return Err(format!("layers.{k}.weight is not a matrix"));
            };
            if bias_shape != [out_dim] || previous_out.is_some_and(|p| p != in_dim) {
                return Err(format!("layer {k} does not fit its neighbours"));
            }
            previous_out = Some(out_dim);
            layers.push(DenseLayer {
                in_dim,
                out_dim,
                weights,
                bias,
            });
        }
        if layers.is_empty() || previous_out != Some(1) {
            return Err("the network has no one-unit output layer".to_owned());
        }
        Ok(Network {
            activation: stored.activation,
            layers,
        })
    }
}

impl Network {
    /// [`Network::output`] of every row of a design matrix.
    pub fn outputs(&self, x: &ndarray::Array2<f64>) -> Vec<f64> {
        x.rows()
            .into_iter()
            .map(|row| match row.as_slice() {
                Some(values) => self.output(values),
                None => self.output(&row.to_vec()),
            })
            .collect()
    }

    /// The output unit and its gradient with respect to the input row (backpropagation
    /// through the dense layers).
    pub fn output_and_gradient(&self, x: &[f64]) -> (f64, Vec<f64>) {
        // Forward, keeping each layer's pre-activations.
        let mut inputs: Vec<Vec<f64>> = vec![x.to_vec()];
        let mut pre: Vec<Vec<f64>> = Vec::new();
        let last = self.layers.len() - 1;
        for (k, layer) in self.layers.iter().enumerate() {
            let input = &inputs[k];
            let z: Vec<f64> = layer
                .weights
                .chunks_exact(layer.in_dim)
                .zip(&layer.bias)
                .map(|(row, &b)| {
                    row.iter()
                        .zip(input)
                        .fold(f64::from(b), |acc, (&w, &v)| acc + f64::from(w) * v)
                })
                .collect();
            let a = if k == last {
                z.clone()
            } else {
                z.iter().map(|&v| activate(self.activation, v)).collect()
            };
            pre.push(z);
            inputs.push(a);
        }
        // Backward from d output / d output = 1.
        let mut upstream = vec![1.0];
        for k in (0..self.layers.len()).rev() {
            let layer = &self.layers[k];
            let dz: Vec<f64> = if k == last {
                upstream.clone()
            } else {
                upstream
                    .iter()
                    .zip(&pre[k])
                    .map(|(&g, &z)| g * activation_slope(self.activation, z))
                    .collect()
            };
            let mut down = vec![0.0; layer.in_dim];
            for (row, &g) in layer.weights.chunks_exact(layer.in_dim).zip(&dz) {
                for (d, &w) in down.iter_mut().zip(row) {
                    *d += g * f64::from(w);
                }
            }
            upstream = down;
        }
        (inputs[self.layers.len()][0], upstream)
    }
}

fn activation_slope(activation: Activation, z: f64) -> f64 {
    match activation {
        Activation::Relu => {
            if z > 0.0 {
                1.0
            } else {
                0.0
            }
        }
        Activation::Tanh => 1.0 - z.tanh().powi(2),
        Activation::Sigmoid => {
            let s = crate::linear::sigmoid(z);
            s * (1.0 - s)
        }
    }
}

fn activate(activation: Activation, z: f64) -> f64 {
    match activation {
        Activation::Relu => z.max(0.0),
        Activation::Tanh => z.tanh(),
        Activation::Sigmoid => crate::linear::sigmoid(z),
    }
}

/// One epoch of the training log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochLog {
    pub epoch: usize,
    pub train_loss: f64,
    pub valid_loss: Option<f64>,
    pub seconds: f64,
}

/// What a training produced.
#[derive(Debug, Clone)]
pub struct MlpFit {
    pub network: Network,
    pub log: Vec<EpochLog>,
    /// The epoch whose weights were kept (the last, or the best under early stopping).
    pub best_epoch: usize,
    /// "cpu" or "cuda:0".
    pub device: String,
}

/// Called after each batch (check for interrupts) and after each epoch (log, NOTICE);
/// an error stops the training.
pub trait Progress {
    fn batch(&mut self) -> Result<()> {
        Ok(())
    }
    fn epoch(&mut self, _log: &EpochLog) -> Result<()> {
        Ok(())
    }
}

/// No reporting (tests, benchmarks).
pub struct Silent;
impl Progress for Silent {}

fn candle(e: candle_core::Error) -> Error {
    Error::new(ErrorKind::Internal, format!("candle: {e}"))
}

/// The device for `choice`: CUDA when built with the `cuda` feature and a GPU is visible
/// (auto) or demanded (cuda), else the CPU.
pub fn select_device(choice: DeviceChoice) -> Result<Device> {
    match choice {
        DeviceChoice::Cpu => Ok(Device::Cpu),
        DeviceChoice::Auto => Ok(cuda_device().unwrap_or(Device::Cpu)),
        DeviceChoice::Cuda => cuda_device().ok_or_else(|| {
            Error::new(
                ErrorKind::Unsupported,
                if cfg!(feature = "cuda") {
                    "device \"cuda\" was asked for, but no CUDA device is visible"
                } else {
                    "device \"cuda\" was asked for, but this finml was built without CUDA"
                },
            )
            .with_hint("use device auto or cpu, or install finml built with --features cuda on a server with an NVIDIA GPU")
        }),
    }
}

fn cuda_device() -> Option<Device> {
    if !cfg!(feature = "cuda") {
        return None;
    }
    // With the feature, creating the device fails (rather than falling back) without a GPU.
    Device::new_cuda(0).ok()
}

/// The trainable parameters of one layer.
struct LayerVars {
    weights: Var,
    bias: Var,
}

/// Optimizer state of one parameter.
struct Moments {
    first: Tensor,
    second: Tensor,
}

/// Zero first and second moments for every parameter, as tensors on its device.
fn zero_moments(layers: &[LayerVars]) -> Result<Vec<Moments>> {
    layers
        .iter()
        .flat_map(|l| [&l.weights, &l.bias])
        .map(|var| {
            let zeros = var.as_tensor().zeros_like().map_err(candle)?;
            Ok(Moments {
                first: zeros.clone(),
                second: zeros,
            })
        })
        .collect()
}

/// The training split as candle takes it.
#[derive(Debug, Clone, Copy)]
pub struct TrainingData<'a> {
    /// Rows × inputs, row-major, standardized design values.
    pub x: &'a [f32],
    pub n_inputs: usize,
    /// 0/1 for classification, values for regression.
    pub y: &'a [f32],
    pub classification: bool,
}

/// Trains a network on `data`.
pub fn fit(
    data: TrainingData<'_>,
    options: &MlpOptions,
    seed: u64,
    device: &Device,
    progress: &mut dyn Progress,
) -> Result<MlpFit> {
    let TrainingData {
        x,
        n_inputs,
        y,
        classification,
    } = data;
    let n_rows = y.len();
    if n_rows == 0 || x.len() != n_rows * n_inputs {
        return Err(Error::new(
            ErrorKind::Internal,
            "mlp::fit: x and y disagree",
        ));
    }
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
    let gather = |rows: &[usize]| -> (Vec<f32>, Vec<f32>) {
        let mut xs = Vec::with_capacity(rows.len() * n_inputs);
        let mut ys = Vec::with_capacity(rows.len());
        for &r in rows {
            xs.extend_from_slice(&x[r * n_inputs..(r + 1) * n_inputs]);
            ys.push(y[r]);
        }
        (xs, ys)
    };
    let (x_train, y_train) = gather(train_rows);
    let sample_weights = class_weights(&y_train, classification, options.class_weight);
    let n_train = y_train.len();
    let x_train = Tensor::from_vec(x_train, (n_train, n_inputs), device).map_err(candle)?;
    let y_train = Tensor::from_vec(y_train, (n_train, 1), device).map_err(candle)?;
    let w_train = match sample_weights {
        Some(w) => Some(Tensor::from_vec(w, (n_train, 1), device).map_err(candle)?),
        None => None,
    };
    let valid = if n_valid > 0 {
        let (xv, yv) = gather(valid_rows);
        Some((
            Tensor::from_vec(xv, (n_valid, n_inputs), device).map_err(candle)?,
            Tensor::from_vec(yv, (n_valid, 1), device).map_err(candle)?,
        ))
    } else {
        None
    };

    let layers = init_layers(n_inputs, &options.hidden, &mut rng, device)?;
    let mut moments = zero_moments(&layers)?;

    let mut log = Vec::with_capacity(options.epochs);
    let mut best: Option<(f64, usize, Network)> = None;
    let mut step = 0u64;
    for epoch in 1..=options.epochs {
        let started = Instant::now();
        let mut permutation: Vec<u32> = (0..n_train as u32).collect();
        permutation.shuffle(&mut rng);
        let permutation = Tensor::from_vec(permutation, n_train, device).map_err(candle)?;
        let xs = x_train.index_select(&permutation, 0).map_err(candle)?;
        let ys = y_train.index_select(&permutation, 0).map_err(candle)?;
        let ws = match &w_train {
            Some(w) => Some(w.index_select(&permutation, 0).map_err(candle)?),
            None => None,
        };
        let mut loss_sum = 0.0;
        let mut start = 0;
        while start < n_train {
            let len = options.batch_size.min(n_train - start);
            let xb = xs.narrow(0, start, len).map_err(candle)?;
            let yb = ys.narrow(0, start, len).map_err(candle)?;
            let wb = match &ws {
                Some(w) => Some(w.narrow(0, start, len).map_err(candle)?),
                None => None,
            };
            let out = forward(&layers, options.activation, &xb, options.dropout, &mut rng)?;
            let loss = loss_of(&out, &yb, wb.as_ref(), loss_kind)?;
            let grads = loss.backward().map_err(candle)?;
            step += 1;
            update(&layers, &mut moments, &grads, options, step)?;
            let batch_loss = f64::from(loss.to_scalar::<f32>().map_err(candle)?);
            if !batch_loss.is_finite() {
                return Err(diverged(epoch, batch_loss));
            }
            loss_sum += batch_loss * len as f64;
            start += len;
            progress.batch()?;
        }
        let valid_loss = match &valid {
            Some((xv, yv)) => {
                let out = forward(&layers, options.activation, xv, 0.0, &mut rng)?;
                Some(f64::from(
                    loss_of(&out, yv, None, loss_kind)?
                        .to_scalar::<f32>()
                        .map_err(candle)?,
                ))
            }
            None => None,
        };
        let entry = EpochLog {
            epoch,
            train_loss: loss_sum / n_train as f64,
            valid_loss,
            seconds: started.elapsed().as_secs_f64(),
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
    })
}

/// A training whose loss left the finite numbers: stopped at once (every later step would be
/// NaN), nothing stored.
fn diverged(epoch: usize, loss: f64) -> Error {
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
pub fn training_memory_bytes(n_inputs: usize, hidden: &[usize], batch_size: usize) -> usize {
    // The hidden units and the one output unit.
    let units = hidden
        .iter()
        .fold(1usize, |sum, &width| sum.saturating_add(width));
    parameter_count(n_inputs, hidden)
        .saturating_mul(TRAINING_BYTES_PER_PARAMETER)
        .saturating_add(
            units
                .saturating_mul(batch_size)
                .saturating_mul(TRAINING_BYTES_PER_ACTIVATION),
        )
}

/// Network parameters (weights and biases) of this shape.
pub fn parameter_count(n_inputs: usize, hidden: &[usize]) -> usize {
    let mut fan_in = n_inputs;
    let mut parameters = 0usize;
    for &width in hidden.iter().chain(std::iter::once(&1)) {
        parameters = parameters.saturating_add(fan_in.saturating_add(1).saturating_mul(width));
        fan_in = width;
    }
    parameters
}

fn device_name(device: &Device) -> String {
    match device {
        Device::Cpu => "cpu".to_owned(),
        _ => "cuda:0".to_owned(),
    }
}

/// Per-row loss weights, `None` when every row counts once.
fn class_weights(y: &[f32], classification: bool, weight: Option<ClassWeight>) -> Option<Vec<f32>> {
    if !classification {
        return None;
    }
    let (positive, negative) = match weight? {
        ClassWeight::Positive(w) => (w, 1.0),
        ClassWeight::Balanced => {
            let n = y.len() as f64;
            let n_pos = y.iter().filter(|&&v| v > 0.5).count() as f64;
            let n_neg = n - n_pos;
            if n_pos == 0.0 || n_neg == 0.0 {
                return None;
            }
            (n / (2.0 * n_pos), n / (2.0 * n_neg))
        }
    };
    Some(
        y.iter()
            .map(|&v| {
                if v > 0.5 {
                    positive as f32
                } else {
                    negative as f32
                }
            })
            .collect(),
    )
}

/// PyTorch's default initialization of `nn.Linear`: weights and bias uniform in
/// ±1/√fan_in, drawn from the training's seeded generator so that a seed gives one model.
fn init_layers(
    n_inputs: usize,
    hidden: &[usize],
    rng: &mut SmallRng,
    device: &Device,
) -> Result<Vec<LayerVars>> {
    let mut layers = Vec::new();
    let mut fan_in = n_inputs;
    for &width in hidden.iter().chain(std::iter::once(&1)) {
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
    let last = layers.len() - 1;
    let mut h = x.clone();
    for (k, layer) in layers.iter().enumerate() {
        h = h
            .matmul(&layer.weights.as_tensor().t().map_err(candle)?)
            .and_then(|z| z.broadcast_add(layer.bias.as_tensor()))
            .map_err(candle)?;
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

/// Mean (weighted) loss of a batch: binary cross-entropy on logits, computed stably as
/// softplus(z) − y·z, or squared error.
fn loss_of(out: &Tensor, y: &Tensor, weights: Option<&Tensor>, loss: Loss) -> Result<Tensor> {
    let per_row = match loss {
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
    match weights {
        Some(w) => per_row
            .mul(w)
            .and_then(|l| l.sum_all())
            .and_then(|s| s.broadcast_div(&w.sum_all()?))
            .map_err(candle),
        None => per_row.mean_all().map_err(candle),
    }
}

/// One optimizer step on every parameter (PyTorch's Adam, SGD and SGD with momentum; weight
/// decay as an L2 term added to the gradient, as torch.optim does).
fn update(
    layers: &[LayerVars],
    moments: &mut [Moments],
    grads: &candle_core::backprop::GradStore,
    o: &MlpOptions,
    step: u64,
) -> Result<()> {
    let vars = layers.iter().flat_map(|l| [&l.weights, &l.bias]);
    for (var, state) in vars.zip(moments.iter_mut()) {
        let Some(grad) = grads.get(var.as_tensor()) else {
            continue;
        };
        let param = var.as_tensor();
        let grad = if o.weight_decay > 0.0 {
            grad.add(&param.affine(o.weight_decay, 0.0).map_err(candle)?)
                .map_err(candle)?
        } else {
            grad.clone()
        };
        let next = match o.optimizer {
            OptimizerKind::Sgd => param.sub(&grad.affine(o.learning_rate, 0.0).map_err(candle)?),
            OptimizerKind::Momentum => {
                state.first = if step == 1 {
                    grad.clone()
                } else {
                    state
                        .first
                        .affine(o.momentum, 0.0)
                        .and_then(|m| m.add(&grad))
                        .map_err(candle)?
                };
                param.sub(&state.first.affine(o.learning_rate, 0.0).map_err(candle)?)
            }
            OptimizerKind::Adam => {
                state.first = state
                    .first
                    .affine(o.beta1, 0.0)
                    .and_then(|m| m.add(&grad.affine(1.0 - o.beta1, 0.0)?))
                    .map_err(candle)?;
                state.second = state
                    .second
                    .affine(o.beta2, 0.0)
                    .and_then(|v| v.add(&grad.sqr()?.affine(1.0 - o.beta2, 0.0)?))
                    .map_err(candle)?;
                let t = step as i32;
                let first_correction = 1.0 - o.beta1.powi(t);
                let second_correction = 1.0 - o.beta2.powi(t);
                let denominator = state
                    .second
                    .affine(1.0 / second_correction, 0.0)
                    .and_then(|v| v.sqrt())
                    .and_then(|s| s.affine(1.0, ADAM_EPSILON))
                    .map_err(candle)?;
                state
                    .first
                    .div(&denominator)
                    .and_then(|r| r.affine(o.learning_rate / first_correction, 0.0))
                    .and_then(|delta| param.sub(&delta))
            }
        }
        .map_err(candle)?;
        var.set(&next).map_err(candle)?;
    }
    Ok(())
}

/// The current parameters as a plain network.
fn network_of(layers: &[LayerVars], activation: Activation) -> Result<Network> {
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
    use serde_json::json;

    #[test]
    fn the_recipe_is_the_default() {
        let o = MlpOptions::from_json(&Map::new()).unwrap();
        assert_eq!(o.hidden, [50, 50]);
        assert_eq!(
            (o.activation, o.optimizer),
            (Activation::Relu, OptimizerKind::Adam)
        );
        assert_eq!(
            (o.dropout, o.epochs, o.batch_size, o.learning_rate),
            (0.2, 10, 32, 0.001)
        );
    }

    #[test]
    fn bad_options_are_refused_with_a_hint() {
        for (key, value) in [
            ("hidden", json!([50, 0])),
            ("hidden", json!("50")),
            ("activation", json!("gelu")),
            ("dropout", json!(1.0)),
            ("epochs", json!(0)),
            ("batch_size", json!(-1)),
            ("optimizer", json!("rmsprop")),
            ("learning_rate", json!(0)),
            ("loss", json!("hinge")),
            ("class_weight", json!({"0": 2})),
            ("early_stopping", json!({"patience": 0})),
            ("device", json!("tpu")),
        ] {
            let mut map = Map::new();
            map.insert(key.to_owned(), value.clone());
            let err = MlpOptions::from_json(&map).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidOption, "{key} {value}");
            assert!(err.hint.is_some(), "{key} {value}");
        }
    }

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
        let loss = loss_of(&out, &y, None, Loss::CrossEntropy).unwrap();
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
        let grads = loss_of(&out, &y, None, Loss::CrossEntropy)
            .unwrap()
            .backward()
            .unwrap();
        let g = flat_gradients(&layers, &grads);
        let options = MlpOptions {
            learning_rate: 0.01,
            ..MlpOptions::default()
        };
        let mut moments = zero_moments(&layers).unwrap();
        update(&layers, &mut moments, &grads, &options, 1).unwrap();
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

    /// Reference for [`update`]: PyTorch's update rules written out in plain arithmetic, with
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
        o: &MlpOptions,
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
            let options = MlpOptions {
                optimizer,
                learning_rate: 0.05,
                weight_decay: 0.01,
                ..MlpOptions::default()
            };
            let device = Device::Cpu;
            let (by_hand, by_tensors) = (tiny(&device), tiny(&device));
            let mut state = PlainState::new(&by_hand);
            let mut moments = zero_moments(&by_tensors).unwrap();
            let (x, y) = batch(&device);
            let mut rng = SmallRng::seed_from_u64(0);
            for step in 1..=3 {
                let gradients = |layers: &[LayerVars], rng: &mut SmallRng| {
                    let out = forward(layers, Activation::Tanh, &x, 0.0, rng).unwrap();
                    loss_of(&out, &y, None, Loss::CrossEntropy)
                        .unwrap()
                        .backward()
                        .unwrap()
                };
                let grads = gradients(&by_hand, &mut rng);
                reference_update(&by_hand, &mut state, &grads, &options, step);
                let grads = gradients(&by_tensors, &mut rng);
                update(&by_tensors, &mut moments, &grads, &options, step).unwrap();
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

    fn fit_separable(x: &[f32], y: &[f32], options: &MlpOptions, seed: u64) -> MlpFit {
        let data = TrainingData {
            x,
            n_inputs: 2,
            y,
            classification: true,
        };
        super::fit(data, options, seed, &Device::Cpu, &mut Silent).unwrap()
    }

    #[test]
    fn training_learns_and_repeats_itself_with_a_seed() {
        let (x, y) = separable(2000);
        let options = MlpOptions {
            epochs: 5,
            hidden: vec![8],
            ..MlpOptions::default()
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
        let options = MlpOptions {
            epochs: 60,
            hidden: vec![4],
            early_stopping: Some(EarlyStopping {
                patience: 2,
                validation_fraction: 0.2,
            }),
            ..MlpOptions::default()
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
        let options = MlpOptions {
            epochs: 1,
            hidden: vec![3, 2],
            ..MlpOptions::default()
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
    fn the_network_gradient_matches_central_differences() {
        // Reference: (f(x + h·e_i) − f(x − h·e_i)) / 2h with h = 1e-5, in f64; tolerance 1e-7.
        for activation in [Activation::Tanh, Activation::Sigmoid, Activation::Relu] {
            let network = Network {
                activation,
                layers: vec![
                    DenseLayer {
                        in_dim: 3,
                        out_dim: 2,
                        weights: vec![0.5, -0.25, 0.125, 0.75, 0.3, -0.6],
                        bias: vec![0.1, -0.2],
                    },
                    DenseLayer {
                        in_dim: 2,
                        out_dim: 2,
                        weights: vec![1.5, -0.5, 0.2, 0.9],
                        bias: vec![0.05, 0.3],
                    },
                    DenseLayer {
                        in_dim: 2,
                        out_dim: 1,
                        weights: vec![0.7, -1.1],
                        bias: vec![0.2],
                    },
                ],
            };
            let x = [0.4, -1.3, 0.9];
            let (output, gradient) = network.output_and_gradient(&x);
            assert_eq!(output, network.output(&x));
            for i in 0..3 {
                let h = 1e-5;
                let (mut up, mut down) = (x, x);
                up[i] += h;
                down[i] -= h;
                let numeric = (network.output(&up) - network.output(&down)) / (2.0 * h);
                assert!(
                    (gradient[i] - numeric).abs() < 1e-7,
                    "{activation:?} x{i}: {} != {numeric}",
                    gradient[i]
                );
            }
        }
    }

    #[test]
    fn cuda_without_the_feature_is_unsupported() {
        if cfg!(feature = "cuda") {
            return;
        }
        let err = select_device(DeviceChoice::Cuda).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unsupported);
        assert!(matches!(
            select_device(DeviceChoice::Auto).unwrap(),
            Device::Cpu
        ));
    }
}
