//! A network trained by DP-SGD (`options.privacy`), as Opacus trains one: each step takes a
//! Poisson sample of the training rows, computes every sampled row's gradient, clips it to
//! C, adds Gaussian noise of standard deviation σ·C to their sum, divides by the expected
//! batch size and hands that to the optimizer (weight decay and Adam's moments act on the
//! noisy gradient). A step whose sample is empty still steps, on noise alone.
//!
//! Each row's gradient comes from one backward pass of the batch's summed loss: a dense
//! layer's gradient for row i is δᵢ·(aᵢ, 1), the outer product of the loss's gradient with
//! respect to its pre-activation and its input (with the bias), so its squared norm is
//! ‖δᵢ‖²·(‖aᵢ‖² + 1) and the clipped sum is (c ⊙ δ)ᵀ·(a, 1) (Goodfellow 2015; Opacus's
//! `GradSampleModule` for `nn.Linear`).
//!
//! Initialization comes from the training's seed; the sampling, the noise and the dropout
//! masks from the operating system's generator: a private training does not repeat itself.
//! No epoch's loss is logged (it would be a statistic of the rows without noise).

use super::device::{candle, device_name};
use super::optim::NetworkOptimizer;
use super::params::{Loss, MlpParams};
use super::training::{
    batch_tensor, forward_probed, init_layers, loss_kind, network_of, parameters, row_losses,
    LayerVars, MlpFit, Probe, TrainingData,
};
use crate::dp_sgd::{clip_factor, gaussian, poisson_batch, secret_rng, DpPlan, PrivacyBudget};
use crate::error::{Error, ErrorKind, Result};
use crate::progress::Progress;
use candle_core::backprop::GradStore;
use candle_core::{Device, Tensor};
use ndarray::Array2;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Trains a network on `data` by DP-SGD within `budget`.
pub fn fit(
    data: TrainingData<'_>,
    (options, budget): (&MlpParams, PrivacyBudget),
    seed: u64,
    device: &Device,
    progress: &mut dyn Progress,
) -> Result<MlpFit> {
    let loss = loss_kind(options, data.classification)?;
    let TrainingData { x, y, outputs, .. } = data;
    let rows = y.len();
    let plan = DpPlan::new(budget, rows, options.batch_size, options.epochs)?;
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut secret = secret_rng()?;
    // Dropout masks from a generator no one can replay: drawn from the stored seed, they
    // would be a public function of each row's position in its batch, and one row more would
    // move every later row's mask, a change the clipping does not bound.
    let mut masks = SmallRng::from_rng(&mut secret).map_err(|e| {
        Error::new(
            ErrorKind::Internal,
            format!("the dropout masks' generator failed: {e}"),
        )
    })?;
    let layers = init_layers(x.width(), &options.hidden, outputs, &mut rng, device)?;
    let mut optimizer = NetworkOptimizer::new(parameters(&layers), options).map_err(candle)?;
    let mut block = Array2::<f64>::zeros((options.batch_size.min(rows).max(1), x.width()));
    let mut batch = Vec::new();
    let mut labels = Vec::new();
    let mut steps = 0u64;
    for epoch in 1..=options.epochs {
        for _ in 0..plan.steps_per_epoch {
            poisson_batch(&mut secret, rows, plan.sample_rate, &mut batch);
            let summed = if batch.is_empty() {
                None
            } else {
                labels.clear();
                labels.extend(batch.iter().map(|&r| y[r]));
                let xb = batch_tensor(x, &batch, &mut block, device)?;
                let yb = Tensor::from_slice(&labels, (batch.len(), 1), device).map_err(candle)?;
                let (gradients, batch_loss) = clipped_sum(
                    &layers,
                    (&xb, &yb),
                    (options, loss, outputs),
                    budget,
                    &mut masks,
                )?;
                if !batch_loss.is_finite() {
                    return Err(private_divergence(epoch));
                }
                Some(gradients)
            };
            let store = noisy_mean(&layers, summed, &plan, rows, &mut secret)?;
            optimizer.step(&store).map_err(candle)?;
            steps += 1;
            crate::interrupt::check();
            progress.step()?;
        }
    }
    // No epoch log: a loss over the sampled rows is computed without noise, and neither
    // stored (finml.training_log) nor told (a NOTICE an epoch) under the guarantee.
    Ok(MlpFit {
        network: network_of(&layers, options.activation)?,
        best_epoch: options.epochs,
        log: Vec::new(),
        device: device_name(device),
        privacy: Some(plan.spent(steps)?),
    })
}

/// A private training whose loss left the finite numbers, told without the loss (a value of
/// the sampled rows that no noise covers).
fn private_divergence(epoch: usize) -> Error {
    Error::invalid_data(format!(
        "the network's private training diverged in epoch {epoch}: its loss is not a finite number"
    ))
    .with_hint(
        "lower learning_rate or privacy.max_grad_norm, or rescale features and target to moderate ranges",
    )
}

/// One batch's rows' gradients, each clipped to the budget's C and summed: per layer, the
/// weights' and the bias's; and the batch's summed loss.
fn clipped_sum(
    layers: &[LayerVars],
    (x, y): (&Tensor, &Tensor),
    (options, loss, outputs): (&MlpParams, Loss, usize),
    budget: PrivacyBudget,
    rng: &mut SmallRng,
) -> Result<(Vec<(Tensor, Tensor)>, f64)> {
    let (per_row, probes, batch_loss) =
        row_gradients(layers, (x, y), (options, loss, outputs), rng)?;
    let norms = row_gradient_norms(&per_row, &probes)?;
    let factors: Vec<f32> = norms
        .iter()
        .map(|&n| clip_factor(f64::from(n), budget.max_grad_norm) as f32)
        .collect();
    let factors = Tensor::from_vec(factors, (norms.len(), 1), x.device()).map_err(candle)?;
    let mut sums = Vec::with_capacity(probes.len());
    for (delta, probe) in per_row.iter().zip(&probes) {
        let scaled = delta.broadcast_mul(&factors).map_err(candle)?;
        let weights = scaled
            .t()
            .and_then(|t| t.matmul(&probe.input))
            .map_err(candle)?;
        let bias = scaled.sum(0).map_err(candle)?;
        sums.push((weights, bias));
    }
    Ok((sums, batch_loss))
}

/// Each layer's per-row gradient of the batch's summed loss with respect to its
/// pre-activation (rows × units), the layers' probes, and the summed loss.
fn row_gradients(
    layers: &[LayerVars],
    (x, y): (&Tensor, &Tensor),
    (options, loss, outputs): (&MlpParams, Loss, usize),
    rng: &mut SmallRng,
) -> Result<(Vec<Tensor>, Vec<Probe>, f64)> {
    let mut probes = Vec::with_capacity(layers.len());
    let out = forward_probed(
        layers,
        options.activation,
        (x, options.dropout),
        rng,
        Some(&mut probes),
    )?;
    let summed = row_losses(&out, y, loss, outputs).and_then(|l| l.sum_all().map_err(candle))?;
    let grads = summed.backward().map_err(candle)?;
    let per_row = probes
        .iter()
        .map(|p| {
            grads
                .get(p.zero.as_tensor())
                .cloned()
                .ok_or_else(|| Error::new(ErrorKind::Internal, "a layer's probe has no gradient"))
        })
        .collect::<Result<Vec<_>>>()?;
    let summed = f64::from(summed.to_scalar::<f32>().map_err(candle)?);
    Ok((per_row, probes, summed))
}

/// Each row's gradient norm over every layer's weights and bias: √Σ ‖δᵢ‖²·(‖aᵢ‖² + 1).
fn row_gradient_norms(per_row: &[Tensor], probes: &[Probe]) -> Result<Vec<f32>> {
    let mut squares: Option<Tensor> = None;
    for (delta, probe) in per_row.iter().zip(probes) {
        let layer = delta
            .sqr()
            .and_then(|d| d.sum_keepdim(1))
            .and_then(|d| {
                probe
                    .input
                    .sqr()
                    .and_then(|a| a.sum_keepdim(1))
                    .and_then(|a| a.affine(1.0, 1.0))
                    .and_then(|a| d.mul(&a))
            })
            .map_err(candle)?;
        squares = Some(match squares {
            Some(s) => s.add(&layer).map_err(candle)?,
            None => layer,
        });
    }
    match squares {
        Some(s) => s
            .sqrt()
            .and_then(|n| n.flatten_all())
            .and_then(|n| n.to_vec1::<f32>())
            .map_err(candle),
        None => Ok(Vec::new()),
    }
}

/// The gradients the optimizer steps on: the clipped sums (none for an empty sample) with
/// Gaussian noise of standard deviation σ·C on every coordinate, over the expected batch.
fn noisy_mean(
    layers: &[LayerVars],
    summed: Option<Vec<(Tensor, Tensor)>>,
    plan: &DpPlan,
    rows: usize,
    secret: &mut impl Rng,
) -> Result<GradStore> {
    let scale = 1.0 / plan.expected_batch(rows);
    let std = plan.noise_std();
    let mut store = GradStore::default();
    for (k, layer) in layers.iter().enumerate() {
        let sums = summed.as_ref().map(|s| &s[k]);
        let parts = [
            (&layer.weights, sums.map(|(weights, _)| weights)),
            (&layer.bias, sums.map(|(_, bias)| bias)),
        ];
        for (var, sum) in parts {
            let shape = var.as_tensor().dims().to_vec();
            let count: usize = shape.iter().product();
            let noise: Vec<f32> = (0..count).map(|_| gaussian(secret, std) as f32).collect();
            let noise = Tensor::from_vec(noise, shape, var.device()).map_err(candle)?;
            let total = match sum {
                Some(sum) => sum.add(&noise).map_err(candle)?,
                None => noise,
            };
            store.insert(var.as_tensor(), total.affine(scale, 0.0).map_err(candle)?);
        }
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mlp::params::Activation;
    use candle_core::Var;

    const X: [[f64; 2]; 3] = [[1.0, 2.0], [-0.5, 0.25], [0.0, -1.0]];
    const Y: [f64; 3] = [1.0, 0.0, 1.0];
    const W1: [[f64; 2]; 2] = [[0.5, -0.25], [0.125, 0.75]];
    const B1: [f64; 2] = [0.1, -0.2];
    const W2: [f64; 2] = [1.5, -0.5];
    const B2: f64 = 0.05;

    /// The 2 → 2 (tanh) → 1 network above as candle variables.
    fn tiny(device: &Device) -> Vec<LayerVars> {
        let flat: Vec<f32> = W1.iter().flatten().map(|&v| v as f32).collect();
        vec![
            LayerVars {
                weights: Var::from_vec(flat, (2, 2), device).unwrap(),
                bias: Var::from_vec(B1.iter().map(|&v| v as f32).collect(), 2, device).unwrap(),
            },
            LayerVars {
                weights: Var::from_vec(W2.iter().map(|&v| v as f32).collect(), (1, 2), device)
                    .unwrap(),
                bias: Var::from_vec(vec![B2 as f32], 1, device).unwrap(),
            },
        ]
    }

    /// Row `i`'s gradient of its binary cross-entropy by the chain rule, in f64, in the order
    /// W1 (row-major), b1, W2, b2.
    fn hand_row_gradient(i: usize) -> Vec<f64> {
        let x = X[i];
        let z1: Vec<f64> = (0..2)
            .map(|u| W1[u][0] * x[0] + W1[u][1] * x[1] + B1[u])
            .collect();
        let h: Vec<f64> = z1.iter().map(|z| z.tanh()).collect();
        let z2 = W2[0] * h[0] + W2[1] * h[1] + B2;
        let delta2 = 1.0 / (1.0 + (-z2).exp()) - Y[i];
        let delta1: Vec<f64> = (0..2)
            .map(|u| delta2 * W2[u] * (1.0 - h[u] * h[u]))
            .collect();
        let mut g = Vec::new();
        for d in &delta1 {
            g.extend([d * x[0], d * x[1]]);
        }
        g.extend(&delta1);
        g.extend([delta2 * h[0], delta2 * h[1], delta2]);
        g
    }

    fn params() -> MlpParams {
        MlpParams {
            hidden: vec![2],
            activation: Activation::Tanh,
            dropout: 0.0,
            ..MlpParams::default()
        }
    }

    fn batch(device: &Device) -> (Tensor, Tensor) {
        let x: Vec<f32> = X.iter().flatten().map(|&v| v as f32).collect();
        let y: Vec<f32> = Y.iter().map(|&v| v as f32).collect();
        (
            Tensor::from_vec(x, (3, 2), device).unwrap(),
            Tensor::from_vec(y, (3, 1), device).unwrap(),
        )
    }

    #[test]
    fn each_rows_gradient_is_its_hand_computed_gradient() {
        let device = Device::Cpu;
        let layers = tiny(&device);
        let (x, y) = batch(&device);
        let mut rng = SmallRng::seed_from_u64(1);
        let (per_row, probes, _) = row_gradients(
            &layers,
            (&x, &y),
            (&params(), Loss::CrossEntropy, 1),
            &mut rng,
        )
        .unwrap();
        let norms = row_gradient_norms(&per_row, &probes).unwrap();
        for i in 0..3 {
            let mut from_probes = Vec::new();
            for (delta, probe) in per_row.iter().zip(&probes) {
                let d = delta.get(i).unwrap().to_vec1::<f32>().unwrap();
                let a = probe.input.get(i).unwrap().to_vec1::<f32>().unwrap();
                for du in &d {
                    from_probes.extend(a.iter().map(|av| f64::from(du * av)));
                }
                from_probes.extend(d.iter().map(|&v| f64::from(v)));
            }
            let hand = hand_row_gradient(i);
            assert_eq!(from_probes.len(), hand.len());
            for (got, want) in from_probes.iter().zip(&hand) {
                assert!(
                    (got - want).abs() < 1e-6,
                    "row {i}: {from_probes:?} {hand:?}"
                );
            }
            let norm = hand.iter().map(|g| g * g).sum::<f64>().sqrt();
            assert!(
                (f64::from(norms[i]) - norm).abs() < 1e-6,
                "{norms:?} {norm}"
            );
        }
    }

    #[test]
    fn the_clipped_sum_bounds_each_row_and_is_the_plain_sum_when_nothing_is_clipped() {
        let device = Device::Cpu;
        let layers = tiny(&device);
        let (x, y) = batch(&device);
        let mut rng = SmallRng::seed_from_u64(1);
        let how = (&params(), Loss::CrossEntropy, 1);
        let flat = |sums: &[(Tensor, Tensor)]| -> Vec<f64> {
            sums.iter()
                .flat_map(|(w, b)| {
                    let mut v = w.flatten_all().unwrap().to_vec1::<f32>().unwrap();
                    v.extend(b.to_vec1::<f32>().unwrap());
                    v
                })
                .map(f64::from)
                .collect()
        };
        let budget = |c| PrivacyBudget {
            epsilon: 1.0,
            delta: 1e-5,
            max_grad_norm: c,
        };
        let (wide, loss) = clipped_sum(&layers, (&x, &y), how, budget(1e3), &mut rng).unwrap();
        let plain: Vec<f64> = (0..hand_row_gradient(0).len())
            .map(|k| (0..3).map(|i| hand_row_gradient(i)[k]).sum())
            .collect();
        for (got, want) in flat(&wide).iter().zip(&plain) {
            assert!((got - want).abs() < 1e-6);
        }
        assert!(loss > 0.0);
        // Clipped to C = 0.01 each, three rows sum to a norm of at most 0.03; each row is
        // scaled by C / (‖g‖ + 1e-6).
        let (narrow, _) = clipped_sum(&layers, (&x, &y), how, budget(0.01), &mut rng).unwrap();
        // No step's gradient keeps the step's graph alive (the optimizer's moments hold them).
        assert!(narrow.iter().all(|(w, b)| !w.track_op() && !b.track_op()));
        let expected: Vec<f64> = (0..plain.len())
            .map(|k| {
                (0..3)
                    .map(|i| {
                        let g = hand_row_gradient(i);
                        let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
                        g[k] * clip_factor(norm, 0.01)
                    })
                    .sum()
            })
            .collect();
        let narrow = flat(&narrow);
        for (got, want) in narrow.iter().zip(&expected) {
            assert!((got - want).abs() < 1e-7, "{narrow:?} {expected:?}");
        }
        assert!(narrow.iter().map(|v| v * v).sum::<f64>().sqrt() <= 0.03 + 1e-7);
    }
}
