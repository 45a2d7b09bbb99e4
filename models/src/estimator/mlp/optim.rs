//! PyTorch's update rules behind candle's `Optimizer` trait: `torch.optim.Adam` and
//! `torch.optim.SGD` (plain, or with momentum), weight decay as an L2 term added to the
//! gradient as torch.optim does. candle-nn's own SGD has no momentum and its AdamW decays
//! the weights directly, so neither reproduces PyTorch's numbers.

use super::params::{MlpParams, OptimizerKind};
use candle_core::backprop::GradStore;
use candle_core::{Result, Tensor, Var};
use candle_nn::optim::Optimizer;

/// Adam's ε (PyTorch's default).
pub const ADAM_EPSILON: f64 = 1e-8;

/// The gradient of `var` with weight decay added (`g + λ·θ`), `None` when it has none.
fn decayed_gradient(var: &Var, grads: &GradStore, weight_decay: f64) -> Result<Option<Tensor>> {
    let Some(grad) = grads.get(var.as_tensor()) else {
        return Ok(None);
    };
    if weight_decay > 0.0 {
        Ok(Some(grad.add(&var.as_tensor().affine(weight_decay, 0.0)?)?))
    } else {
        Ok(Some(grad.clone()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    pub learning_rate: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub weight_decay: f64,
}

/// `torch.optim.Adam`: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
/// θ ← θ − lr/(1−β₁ᵗ) · m / (√(v/(1−β₂ᵗ)) + ε).
pub struct Adam {
    vars: Vec<Var>,
    moments: Vec<(Tensor, Tensor)>,
    step: i32,
    config: AdamConfig,
}

impl Optimizer for Adam {
    type Config = AdamConfig;

    fn new(vars: Vec<Var>, config: AdamConfig) -> Result<Self> {
        let moments = vars
            .iter()
            .map(|v| {
                let zeros = v.as_tensor().zeros_like()?;
                Ok((zeros.clone(), zeros))
            })
            .collect::<Result<_>>()?;
        Ok(Adam {
            vars,
            moments,
            step: 0,
            config,
        })
    }

    fn step(&mut self, grads: &GradStore) -> Result<()> {
        self.step += 1;
        let c = self.config;
        let first_correction = 1.0 - c.beta1.powi(self.step);
        let second_correction = 1.0 - c.beta2.powi(self.step);
        for (var, (first, second)) in self.vars.iter().zip(self.moments.iter_mut()) {
            let Some(grad) = decayed_gradient(var, grads, c.weight_decay)? else {
                continue;
            };
            *first = first
                .affine(c.beta1, 0.0)?
                .add(&grad.affine(1.0 - c.beta1, 0.0)?)?;
            *second = second
                .affine(c.beta2, 0.0)?
                .add(&grad.sqr()?.affine(1.0 - c.beta2, 0.0)?)?;
            let denominator = second
                .affine(1.0 / second_correction, 0.0)?
                .sqrt()?
                .affine(1.0, ADAM_EPSILON)?;
            let delta = first
                .div(&denominator)?
                .affine(c.learning_rate / first_correction, 0.0)?;
            var.set(&var.as_tensor().sub(&delta)?)?;
        }
        Ok(())
    }

    fn learning_rate(&self) -> f64 {
        self.config.learning_rate
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.config.learning_rate = lr;
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdConfig {
    pub learning_rate: f64,
    /// `None`: plain SGD.
    pub momentum: Option<f64>,
    pub weight_decay: f64,
}

/// `torch.optim.SGD`: θ ← θ − lr·g, or with momentum b ← μb + g (b = g at the first step),
/// θ ← θ − lr·b.
pub struct Sgd {
    vars: Vec<Var>,
    buffers: Vec<Option<Tensor>>,
    config: SgdConfig,
}

impl Optimizer for Sgd {
    type Config = SgdConfig;

    fn new(vars: Vec<Var>, config: SgdConfig) -> Result<Self> {
        let buffers = vec![None; vars.len()];
        Ok(Sgd {
            vars,
            buffers,
            config,
        })
    }

    fn step(&mut self, grads: &GradStore) -> Result<()> {
        let c = self.config;
        for (var, buffer) in self.vars.iter().zip(self.buffers.iter_mut()) {
            let Some(grad) = decayed_gradient(var, grads, c.weight_decay)? else {
                continue;
            };
            let direction = match (c.momentum, buffer.take()) {
                (None, _) => grad,
                (Some(_), None) => grad,
                (Some(mu), Some(b)) => b.affine(mu, 0.0)?.add(&grad)?,
            };
            if c.momentum.is_some() {
                *buffer = Some(direction.clone());
            }
            var.set(
                &var.as_tensor()
                    .sub(&direction.affine(c.learning_rate, 0.0)?)?,
            )?;
        }
        Ok(())
    }

    fn learning_rate(&self) -> f64 {
        self.config.learning_rate
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.config.learning_rate = lr;
    }
}

/// The optimizer an MLP's parameters ask for.
pub enum NetworkOptimizer {
    Adam(Adam),
    Sgd(Sgd),
}

impl NetworkOptimizer {
    pub fn new(vars: Vec<Var>, params: &MlpParams) -> Result<NetworkOptimizer> {
        let sgd = |momentum| SgdConfig {
            learning_rate: params.learning_rate,
            momentum,
            weight_decay: params.weight_decay,
        };
        Ok(match params.optimizer {
            OptimizerKind::Adam => NetworkOptimizer::Adam(Adam::new(
                vars,
                AdamConfig {
                    learning_rate: params.learning_rate,
                    beta1: params.beta1,
                    beta2: params.beta2,
                    weight_decay: params.weight_decay,
                },
            )?),
            OptimizerKind::Sgd => NetworkOptimizer::Sgd(Sgd::new(vars, sgd(None))?),
            OptimizerKind::Momentum => {
                NetworkOptimizer::Sgd(Sgd::new(vars, sgd(Some(params.momentum)))?)
            }
        })
    }

    pub fn step(&mut self, grads: &GradStore) -> Result<()> {
        match self {
            NetworkOptimizer::Adam(o) => o.step(grads),
            NetworkOptimizer::Sgd(o) => o.step(grads),
        }
    }
}
