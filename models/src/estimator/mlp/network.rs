//! The trained network as plain numbers: its forward pass and input gradient for prediction
//! and explanations (no per-call tensor overhead), and its stored form (safetensors).

use super::params::Activation;
use crate::design::dot;
use crate::linear::sigmoid;
use serde::{Deserialize, Serialize};

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
    /// Hidden layers, then the output layer: one unit, or one per class of a multi-class
    /// target (its scores before the softmax).
    pub layers: Vec<DenseLayer>,
}

impl Network {
    /// The output unit before the sigmoid (the log-odds of a classifier, the prediction of a
    /// regression) for one standardized design row.
    pub fn output(&self, x: &[f64]) -> f64 {
        self.unit(x, 0)
    }

    /// Output unit `unit` (below [`Network::n_outputs`]) for one standardized design row.
    pub fn unit(&self, x: &[f64], unit: usize) -> f64 {
        self.with_outputs(x, |outputs| outputs[unit])
    }

    /// Every output unit (a multi-class network's class scores, before the softmax) for one
    /// standardized design row, into `outputs`.
    pub fn outputs_of_row(&self, x: &[f64], outputs: &mut [f64]) {
        self.with_outputs(x, |units| outputs.copy_from_slice(units));
    }

    /// The output layer's units: 1, or a multi-class network's classes.
    pub fn n_outputs(&self) -> usize {
        self.layers.last().map_or(0, |layer| layer.out_dim)
    }

    fn with_outputs<T>(&self, x: &[f64], read: impl FnOnce(&[f64]) -> T) -> T {
        // Per-row prediction runs once per table row: the layers' activations live in two
        // buffers of the thread, reused from call to call.
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let (input, next) = &mut *scratch;
            input.clear();
            input.extend_from_slice(x);
            let last = self.layers.len() - 1;
            for (k, layer) in self.layers.iter().enumerate() {
                next.clear();
                for (row, &b) in layer.weights.chunks_exact(layer.in_dim).zip(&layer.bias) {
                    let z = f64::from(b) + dot(row, input);
                    next.push(if k == last {
                        z
                    } else {
                        activate(self.activation, z)
                    });
                }
                std::mem::swap(input, next);
            }
            read(input)
        })
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<(Vec<f64>, Vec<f64>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

impl Network {
    /// "20 → 50 → 50 → 1 units, relu activation".
    pub fn shape(&self) -> String {
        let widths: Vec<String> = self
            .layers
            .first()
            .map(|l| l.in_dim)
            .into_iter()
            .chain(self.layers.iter().map(|l| l.out_dim))
            .map(|w| w.to_string())
            .collect();
        format!(
            "{} units, {:?} activation",
            widths.join(" → "),
            self.activation
        )
        .to_lowercase()
    }

    /// The first layer whose shape does not hold together or whose weights are not finite,
    /// named for the error message.
    pub fn first_invalid_parameter(&self) -> Option<String> {
        self.layers.iter().enumerate().find_map(|(k, layer)| {
            let sizes_agree = layer.in_dim.checked_mul(layer.out_dim) == Some(layer.weights.len())
                && layer.bias.len() == layer.out_dim;
            if !sizes_agree {
                Some(format!("the shape of layer {}", k + 1))
            } else if layer
                .weights
                .iter()
                .chain(&layer.bias)
                .any(|w| !w.is_finite())
            {
                Some(format!("a weight of layer {}", k + 1))
            } else {
                None
            }
        })
    }
}

impl Network {
    /// What does not fit a design of `width` columns (the stored bytes may have been
    /// edited): a first layer of another width, a layer without units (its rows of weights
    /// would be empty chunks), weights or biases that are not one per unit and input, layers
    /// that do not chain, or an output that is not one unit.
    pub fn shape_problem(&self, width: usize) -> Option<String> {
        self.layers_problem(width).or_else(|| {
            let outputs = self.n_outputs();
            (outputs != 1).then(|| format!("the network gives {outputs} outputs, not 1"))
        })
    }

    /// What does not fit a design of `width` columns in the layers themselves, whatever
    /// the output layer's width.
    pub fn layers_problem(&self, width: usize) -> Option<String> {
        let Some(first) = self.layers.first() else {
            return Some("the network has no layers".to_owned());
        };
        if first.in_dim != width {
            return Some(format!(
                "the network takes {} inputs, the preprocessing gives {width}",
                first.in_dim
            ));
        }
        let mut inputs = width;
        for (k, layer) in self.layers.iter().enumerate() {
            if layer.in_dim != inputs || layer.in_dim == 0 || layer.out_dim == 0 {
                return Some(format!(
                    "layer {} of the network takes {} inputs from {inputs} and gives {} outputs",
                    k + 1,
                    layer.in_dim,
                    layer.out_dim
                ));
            }
            if layer.in_dim.checked_mul(layer.out_dim) != Some(layer.weights.len())
                || layer.bias.len() != layer.out_dim
            {
                return Some(format!(
                    "layer {} of the network has {} weights and {} biases for {} inputs and {} outputs",
                    k + 1,
                    layer.weights.len(),
                    layer.bias.len(),
                    layer.in_dim,
                    layer.out_dim
                ));
            }
            inputs = layer.out_dim;
        }
        None
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
        if layers.is_empty() || previous_out == Some(0) {
            return Err("the network has no output layer".to_owned());
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
}

impl Network {
    /// The mean gradient of output unit `unit` with respect to the input row over the points
    /// `baseline + α (x − baseline)`, `α = (s + ½) / steps` for `s` in `0..steps`: the
    /// midpoint rule of integrated gradients. The first layer's pre-activations are linear in
    /// α (two vectors for the whole path), and its gradient is taken once, of their summed
    /// gradients; per step only the layers above the first run, in buffers reused from step
    /// to step. `each_step` runs before every step (the caller's interrupt check).
    pub fn mean_path_gradient(
        &self,
        unit: usize,
        (baseline, x): (&[f64], &[f64]),
        steps: usize,
        mut each_step: impl FnMut(),
    ) -> Vec<f64> {
        let Some(first) = self.layers.first() else {
            return vec![0.0; x.len()];
        };
        let last = self.layers.len() - 1;
        let direction: Vec<f64> = x.iter().zip(baseline).map(|(v, b)| v - b).collect();
        let (start, slope): (Vec<f64>, Vec<f64>) = first
            .weights
            .chunks_exact(first.in_dim)
            .zip(&first.bias)
            .map(|(row, &b)| (f64::from(b) + dot(row, baseline), dot(row, &direction)))
            .unzip();
        // The layers above the first in f64, and transposed for the backward pass (a dot
        // product per input unit instead of a scaled row added per output unit): converted
        // once per row, used at every step.
        let above: Vec<&DenseLayer> = self.layers.iter().skip(1).collect();
        let weights: Vec<Vec<f64>> = above
            .iter()
            .map(|l| l.weights.iter().map(|&w| f64::from(w)).collect())
            .collect();
        let transposed: Vec<Vec<f64>> = above
            .iter()
            .map(|l| {
                (0..l.in_dim)
                    .flat_map(|i| {
                        (0..l.out_dim).map(move |j| f64::from(l.weights[j * l.in_dim + i]))
                    })
                    .collect()
            })
            .collect();
        let mut pre: Vec<Vec<f64>> = self.layers.iter().map(|l| vec![0.0; l.out_dim]).collect();
        let mut act = pre.clone();
        let widest = self
            .layers
            .iter()
            .map(|l| l.in_dim.max(l.out_dim))
            .max()
            .unwrap_or(0);
        let (mut upstream, mut down) = (Vec::with_capacity(widest), Vec::with_capacity(widest));
        let mut first_layer_sum = vec![0.0; first.out_dim];
        for step in 0..steps {
            each_step();
            let alpha = (step as f64 + 0.5) / steps as f64;
            for ((z, &z0), &dz) in pre[0].iter_mut().zip(&start).zip(&slope) {
                *z = z0 + alpha * dz;
            }
            for k in 0..=last {
                if k > 0 {
                    let layer = &self.layers[k];
                    let input = &act[k - 1];
                    for ((z, row), &b) in pre[k]
                        .iter_mut()
                        .zip(weights[k - 1].chunks_exact(layer.in_dim))
                        .zip(&layer.bias)
                    {
                        *z = f64::from(b) + dot(row, input);
                    }
                }
                if k < last {
                    for (a, &z) in act[k].iter_mut().zip(&pre[k]) {
                        *a = activate(self.activation, z);
                    }
                }
            }
            // Backward from d unit / d unit = 1 down to the first layer's pre-activations.
            upstream.clear();
            upstream.resize(self.n_outputs(), 0.0);
            upstream[unit] = 1.0;
            for k in (0..=last).rev() {
                if k < last {
                    for (g, &a) in upstream.iter_mut().zip(&act[k]) {
                        *g *= slope_at(self.activation, a);
                    }
                }
                if k == 0 {
                    break;
                }
                let layer = &self.layers[k];
                down.clear();
                down.extend(
                    transposed[k - 1]
                        .chunks_exact(layer.out_dim)
                        .map(|column| dot(column, &upstream)),
                );
                std::mem::swap(&mut upstream, &mut down);
            }
            for (sum, &g) in first_layer_sum.iter_mut().zip(&upstream) {
                *sum += g;
            }
        }
        let mut gradient = vec![0.0; first.in_dim];
        for (row, &g) in first
            .weights
            .chunks_exact(first.in_dim)
            .zip(&first_layer_sum)
        {
            for (d, &w) in gradient.iter_mut().zip(row) {
                *d += g * f64::from(w);
            }
        }
        gradient.iter_mut().for_each(|g| *g /= steps as f64);
        gradient
    }
}

/// The activation's slope from its value `a` (a ReLU's is 1 where `a` > 0, a tanh's 1 − a², a
/// sigmoid's a (1 − a)), without the activation computed again.
fn slope_at(activation: Activation, a: f64) -> f64 {
    match activation {
        Activation::Relu => {
            if a > 0.0 {
                1.0
            } else {
                0.0
            }
        }
        Activation::Tanh => 1.0 - a.powi(2),
        Activation::Sigmoid => a * (1.0 - a),
    }
}

fn activate(activation: Activation, z: f64) -> f64 {
    match activation {
        Activation::Relu => z.max(0.0),
        Activation::Tanh => z.tanh(),
        Activation::Sigmoid => sigmoid(z),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference of the gradients: the output unit and its gradient with respect to the
    /// input row, by backpropagation through the dense layers at one point.
    fn output_and_gradient(network: &Network, x: &[f64]) -> (f64, Vec<f64>) {
        unit_and_gradient(network, x, 0)
    }

    /// Output unit `unit` and its gradient with respect to the input row.
    fn unit_and_gradient(network: &Network, x: &[f64], unit: usize) -> (f64, Vec<f64>) {
        // Forward, keeping each layer's pre-activations.
        let mut inputs: Vec<Vec<f64>> = vec![x.to_vec()];
        let mut pre: Vec<Vec<f64>> = Vec::new();
        let last = network.layers.len() - 1;
        for (k, layer) in network.layers.iter().enumerate() {
            let input = &inputs[k];
            let z: Vec<f64> = layer
                .weights
                .chunks_exact(layer.in_dim)
                .zip(&layer.bias)
                .map(|(row, &b)| f64::from(b) + dot(row, input))
                .collect();
            let a = if k == last {
                z.clone()
            } else {
                z.iter().map(|&v| activate(network.activation, v)).collect()
            };
            pre.push(z);
            inputs.push(a);
        }
        // Backward from d unit / d unit = 1.
        let mut upstream = vec![0.0; network.n_outputs()];
        upstream[unit] = 1.0;
        for k in (0..network.layers.len()).rev() {
            let layer = &network.layers[k];
            let dz: Vec<f64> = if k == last {
                upstream.clone()
            } else {
                upstream
                    .iter()
                    .zip(&pre[k])
                    .map(|(&g, &z)| {
                        g * slope_at(network.activation, activate(network.activation, z))
                    })
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
        (inputs[network.layers.len()][unit], upstream)
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
            let (output, gradient) = output_and_gradient(&network, &x);
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
    fn the_mean_path_gradient_is_the_mean_of_the_gradients_at_the_midpoints() {
        // Reference: unit_and_gradient at each midpoint baseline + α (x − baseline), averaged;
        // tolerance 1e-12. Two output units (each explained), every activation, and a network
        // that is one output layer.
        let hidden = DenseLayer {
            in_dim: 3,
            out_dim: 2,
            weights: vec![0.5, -0.25, 0.125, 0.75, 0.3, -0.6],
            bias: vec![0.1, -0.2],
        };
        let output = DenseLayer {
            in_dim: 2,
            out_dim: 2,
            weights: vec![0.7, -1.1, 0.4, 0.9],
            bias: vec![0.2, -0.3],
        };
        let (baseline, x) = ([0.2, 0.1, -0.5], [0.4, -1.3, 0.9]);
        let steps = 16;
        for activation in [Activation::Tanh, Activation::Sigmoid, Activation::Relu] {
            for layers in [vec![hidden.clone(), output.clone()], vec![output_of(3)]] {
                let network = Network { activation, layers };
                for unit in 0..network.n_outputs() {
                    let mut expected = [0.0; 3];
                    for s in 0..steps {
                        let alpha = (s as f64 + 0.5) / steps as f64;
                        let point: Vec<f64> = baseline
                            .iter()
                            .zip(&x)
                            .map(|(b, v)| b + alpha * (v - b))
                            .collect();
                        let (_, g) = unit_and_gradient(&network, &point, unit);
                        for (e, g) in expected.iter_mut().zip(g) {
                            *e += g / steps as f64;
                        }
                    }
                    let mut calls = 0;
                    let got =
                        network.mean_path_gradient(unit, (&baseline, &x), steps, || calls += 1);
                    assert_eq!(calls, steps);
                    for (g, e) in got.iter().zip(expected) {
                        assert!(
                            (g - e).abs() < 1e-12,
                            "{activation:?} unit {unit}: {g} != {e}"
                        );
                    }
                }
            }
        }
    }

    fn output_of(in_dim: usize) -> DenseLayer {
        DenseLayer {
            in_dim,
            out_dim: 2,
            weights: vec![0.7, -1.1, 0.4, 0.9, 0.3, -0.2],
            bias: vec![0.2, -0.3],
        }
    }
}
