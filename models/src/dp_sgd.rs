//! What DP-SGD (Abadi et al. 2016) shares between the estimators that train with it (the MLP
//! and logistic regression): the `"privacy"` option, the plan of a training (sampling rate,
//! steps and the noise multiplier that spends the budget), Poisson sampling of each step's
//! batch, per-example clipping and the Gaussian noise, the way Opacus's `PrivacyEngine.
//! make_private_with_epsilon` sets them up, and the budget spent as the accountant
//! ([`crate::privacy`]) counts it.
//!
//! The randomness that the guarantee rests on (which rows a step samples, the noise) comes
//! from the operating system's generator, never from the training's seed: a seed is stored
//! with the model's options, and noise that can be drawn again can be subtracted.

use crate::error::{Error, ErrorKind, Result};
use crate::json::bad;
use crate::privacy::{noise_multiplier, Steps};
use rand::rngs::{OsRng, StdRng};
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The keys of the `"privacy"` object every private training reads.
pub const BUDGET_KEYS: &[&str] = &["epsilon", "delta", "max_grad_norm"];

/// δ when the caller gives none: Opacus's examples' 1e-5, below 1/rows up to 100,000 rows.
pub const DEFAULT_DELTA: f64 = 1e-5;
/// C when the caller gives none: Opacus's examples' 1.0, on standardized features.
pub const DEFAULT_MAX_GRAD_NORM: f64 = 1.0;
/// The largest ε accepted: past it, the guarantee says nothing a bank could use.
pub const MAX_EPSILON: f64 = 100.0;
/// The largest δ accepted: a δ is the chance that the guarantee fails outright.
pub const MAX_DELTA: f64 = 0.01;
/// The largest clipping norm accepted (the features are standardized).
pub const MAX_GRAD_NORM: f64 = 1e6;
/// How far below the target the noise multiplier's search may leave the ε spent
/// (Opacus's `epsilon_tolerance`).
const EPSILON_TOLERANCE: f64 = 0.01;
/// Opacus's guard against a zero norm in the clipping factor C / (‖g‖ + 1e-6).
const CLIP_GUARD: f64 = 1e-6;

/// `options.privacy`: the (ε, δ) a training may spend and the norm each row's gradient is
/// clipped to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrivacyBudget {
    pub epsilon: f64,
    pub delta: f64,
    pub max_grad_norm: f64,
}

const PRIVACY_HINT: &str =
    r#"write "privacy": {"epsilon": 3, "delta": 1e-5, "max_grad_norm": 1.0}"#;

impl PrivacyBudget {
    /// Parses the `"privacy"` object: `epsilon` is required, in (0, 100]; `delta` in (0, 0.01]
    /// (default 1e-5); `max_grad_norm` in (0, 1e6] (default 1.0). The object's other keys are
    /// returned for the estimator to read (`extra`: the keys it accepts there); any other key
    /// is refused.
    pub fn parse(value: &Value, extra: &[&str]) -> Result<(PrivacyBudget, Map<String, Value>)> {
        let Value::Object(map) = value else {
            return Err(bad("privacy", value, "an object").with_hint(PRIVACY_HINT));
        };
        if let Some(unknown) = map
            .keys()
            .find(|k| !BUDGET_KEYS.contains(&k.as_str()) && !extra.contains(&k.as_str()))
        {
            let known: Vec<&str> = BUDGET_KEYS.iter().chain(extra).copied().collect();
            return Err(Error::invalid_option(format!(
                "unknown key \"{unknown}\" in options.privacy"
            ))
            .with_hint(format!("its keys are {}", known.join(", "))));
        }
        let number = |key: &str, default: Option<f64>, high: f64| -> Result<f64> {
            let expected = format!("a number in (0, {high}]");
            match map.get(key) {
                None => default.ok_or_else(|| {
                    Error::invalid_option(format!("options.privacy needs \"{key}\""))
                        .with_hint(PRIVACY_HINT)
                }),
                Some(v) => match v.as_f64() {
                    Some(x) if x > 0.0 && x <= high => Ok(x),
                    _ => Err(bad(&format!("privacy.{key}"), v, &expected)),
                },
            }
        };
        let budget = PrivacyBudget {
            epsilon: number("epsilon", None, MAX_EPSILON)?,
            delta: number("delta", Some(DEFAULT_DELTA), MAX_DELTA)?,
            max_grad_norm: number("max_grad_norm", Some(DEFAULT_MAX_GRAD_NORM), MAX_GRAD_NORM)?,
        };
        let rest = map
            .iter()
            .filter(|(k, _)| extra.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok((budget, rest))
    }
}

/// How a private training runs: Poisson sampling at `sample_rate` for `steps_per_epoch`
/// steps an epoch (Opacus's `DPDataLoader`: the rate is one over the batches of an epoch),
/// and the noise multiplier that spends at most the budget's ε over every step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DpPlan {
    pub budget: PrivacyBudget,
    pub noise_multiplier: f64,
    pub sample_rate: f64,
    pub steps_per_epoch: u64,
}

impl DpPlan {
    /// The plan of `epochs` epochs over `rows` training rows in expected batches of
    /// `batch_size` (a batch larger than the rows samples every row at every step).
    pub fn new(
        budget: PrivacyBudget,
        rows: usize,
        batch_size: usize,
        epochs: usize,
    ) -> Result<DpPlan> {
        if rows == 0 || batch_size == 0 || epochs == 0 {
            return Err(Error::new(
                ErrorKind::Internal,
                "a private training needs rows, a batch size and epochs",
            ));
        }
        let steps_per_epoch = rows.div_ceil(batch_size) as u64;
        let sample_rate = 1.0 / steps_per_epoch as f64;
        let steps = steps_per_epoch.saturating_mul(epochs as u64);
        let sigma = noise_multiplier(
            budget.epsilon,
            budget.delta,
            sample_rate,
            steps,
            EPSILON_TOLERANCE,
        )?;
        Ok(DpPlan {
            budget,
            noise_multiplier: sigma,
            sample_rate,
            steps_per_epoch,
        })
    }

    /// The rows a step is expected to sample: what the summed gradient is divided by
    /// (Opacus's `expected_batch_size` with `loss_reduction="mean"`).
    pub fn expected_batch(&self, rows: usize) -> f64 {
        rows as f64 * self.sample_rate
    }

    /// The standard deviation of the noise added to each coordinate of a step's summed
    /// clipped gradients: σ·C.
    pub fn noise_std(&self) -> f64 {
        self.noise_multiplier * self.budget.max_grad_norm
    }

    /// What `steps` steps of this plan spent, by the RDP accountant at the budget's δ.
    pub fn spent(&self, steps: u64) -> Result<PrivacySpent> {
        let epsilon = Steps {
            noise_multiplier: self.noise_multiplier,
            sample_rate: self.sample_rate,
            steps,
        }
        .epsilon(self.budget.delta)?;
        Ok(PrivacySpent {
            epsilon,
            delta: self.budget.delta,
            target_epsilon: self.budget.epsilon,
            noise_multiplier: self.noise_multiplier,
            max_grad_norm: self.budget.max_grad_norm,
            sample_rate: self.sample_rate,
            steps,
            accountant: "rdp".into(),
        })
    }
}

/// The budget a private training spent, stored with its version (`metrics.privacy`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivacySpent {
    /// ε spent at `delta`: at most `target_epsilon`.
    pub epsilon: f64,
    pub delta: f64,
    pub target_epsilon: f64,
    /// σ: the noise's standard deviation over the clipping norm.
    pub noise_multiplier: f64,
    /// C: each row's gradient norm was clipped to it.
    pub max_grad_norm: f64,
    /// q: each row's chance to be in a step's batch.
    pub sample_rate: f64,
    pub steps: u64,
    /// "rdp": Opacus's `RDPAccountant` (its `PrivacyEngine` defaults to the PRV accountant).
    pub accountant: String,
}

impl PrivacySpent {
    /// The budget stored in a version's metrics (JSON text), if its training was private and
    /// the record is plausible.
    pub fn of_metrics(metrics: &str) -> Option<PrivacySpent> {
        let metrics: Value = serde_json::from_str(metrics).ok()?;
        PrivacySpent::of_value(metrics.get("privacy")?)
    }

    /// `value` read as a budget spent, if every number in it could be one: an imported
    /// model's metrics are the exporting database's claim, and the report shows them.
    pub fn of_value(value: &Value) -> Option<PrivacySpent> {
        let p: PrivacySpent = serde_json::from_value(value.clone()).ok()?;
        let plausible = p.epsilon >= 0.0
            && p.epsilon.is_finite()
            && p.delta > 0.0
            && p.delta < 1.0
            && p.target_epsilon > 0.0
            && p.target_epsilon.is_finite()
            && p.epsilon <= p.target_epsilon
            && p.noise_multiplier > 0.0
            && p.noise_multiplier.is_finite()
            && p.steps > 0
            && p.max_grad_norm > 0.0
            && p.max_grad_norm.is_finite()
            && p.sample_rate > 0.0
            && p.sample_rate <= 1.0
            && p.accountant == "rdp";
        plausible.then_some(p)
    }

    /// Whether `epsilon` is what the accountant gives for the stored σ, q, steps and δ
    /// (within 1e-9 relative): an imported model's budget is the exporting database's claim,
    /// and one that does not add up is refused.
    pub fn adds_up(&self) -> Result<bool> {
        let epsilon = Steps {
            noise_multiplier: self.noise_multiplier,
            sample_rate: self.sample_rate,
            steps: self.steps,
        }
        .epsilon(self.delta)?;
        Ok((epsilon - self.epsilon).abs() <= 1e-9 * epsilon.abs().max(1.0))
    }
}

/// The generator of a private training's sampling and noise, seeded by the operating system.
pub fn secret_rng() -> Result<StdRng> {
    StdRng::from_rng(OsRng).map_err(|e| {
        Error::new(
            ErrorKind::Internal,
            format!("the operating system's random generator failed: {e}"),
        )
    })
}

/// Poisson sampling of a step's batch: each of `rows` positions independently with
/// probability `q`, drawn by geometric gaps between the chosen ones (one draw per chosen row,
/// not one per row), in increasing order.
pub fn poisson_batch(rng: &mut impl Rng, rows: usize, q: f64, batch: &mut Vec<usize>) {
    batch.clear();
    if q >= 1.0 {
        batch.extend(0..rows);
        return;
    }
    let log_skip = (-q).ln_1p();
    let mut next = 0usize;
    loop {
        // 1 − U lies in (0, 1]: its logarithm is finite and ≤ 0.
        let u: f64 = 1.0 - rng.gen::<f64>();
        let gap = (u.ln() / log_skip).floor();
        if gap.is_nan() || gap >= (rows - next) as f64 {
            return;
        }
        next += gap as usize;
        batch.push(next);
        next += 1;
        if next >= rows {
            return;
        }
    }
}

/// The factor a row's gradient of norm `norm` is multiplied by so that its norm is at most
/// `max_grad_norm` (Opacus's `min(1, C / (‖g‖ + 1e-6))`).
pub fn clip_factor(norm: f64, max_grad_norm: f64) -> f64 {
    (max_grad_norm / (norm + CLIP_GUARD)).min(1.0)
}

/// A draw of Gaussian noise of standard deviation `std`.
pub fn gaussian(rng: &mut impl Rng, std: f64) -> f64 {
    std * rng.sample::<f64, _>(StandardNormal)
}

/// Adds Gaussian noise of standard deviation `std` to each of `values`.
pub fn add_noise(rng: &mut impl Rng, std: f64, values: &mut [f64]) {
    for v in values {
        *v += gaussian(rng, std);
    }
}

/// The note of a δ not below one over the training rows: at δ ≥ 1/n, a mechanism that
/// publishes one row at random meets (0, δ) (Dwork and Roth 2014, §2.3).
pub fn delta_note(delta: f64, rows: usize) -> Option<String> {
    (delta * rows as f64 >= 1.0).then(|| {
        format!(
            "privacy.delta = {delta} is not below 1 / {rows} training rows: at such a δ, publishing one row at random would meet the guarantee; use a δ well below {:.1e}",
            1.0 / rows as f64
        )
    })
}

/// The refusal of `class_weight` under privacy, for every estimator that has both.
pub fn class_weight_voids_the_guarantee() -> Error {
    voids_the_guarantee(
        "class_weight",
        "class weights are computed from the data's class counts, which no noise covers",
    )
}

/// The refusal of an option that a private training cannot account for.
pub fn voids_the_guarantee(option: &str, why: &str) -> Error {
    Error::invalid_option(format!(
        "{option} cannot be used with options.privacy: {why}"
    ))
    .with_hint("remove it, or train without options.privacy")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;

    #[test]
    fn the_budget_has_defaults_and_bounds() {
        let (budget, rest) =
            PrivacyBudget::parse(&serde_json::json!({"epsilon": 3, "epochs": 5}), &["epochs"])
                .unwrap();
        assert_eq!(
            budget,
            PrivacyBudget {
                epsilon: 3.0,
                delta: DEFAULT_DELTA,
                max_grad_norm: DEFAULT_MAX_GRAD_NORM
            }
        );
        assert_eq!(rest.get("epochs"), Some(&serde_json::json!(5)));
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"epsilon": 0}),
            serde_json::json!({"epsilon": 1e308}),
            serde_json::json!({"epsilon": 1, "delta": 1}),
            serde_json::json!({"epsilon": 1, "max_grad_norm": -1}),
            serde_json::json!({"epsilon": 1, "epochs": 5}),
            serde_json::json!(3),
        ] {
            let e = PrivacyBudget::parse(&bad, &[]).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidOption, "{bad}");
        }
    }

    #[test]
    fn poisson_batches_sample_each_row_at_the_rate() {
        let mut rng = SmallRng::seed_from_u64(7);
        let (rows, q, steps) = (1000, 0.05, 4000);
        let mut counts = vec![0u32; rows];
        let mut batch = Vec::new();
        let mut empty = 0;
        for _ in 0..steps {
            poisson_batch(&mut rng, rows, q, &mut batch);
            assert!(batch.windows(2).all(|w| w[0] < w[1]));
            empty += usize::from(batch.is_empty());
            for &r in &batch {
                counts[r] += 1;
            }
        }
        // Each count is Binomial(4000, 0.05): mean 200, sd 13.8; all 1000 within 5 sd.
        assert!(
            counts.iter().all(|&c| (131..=269).contains(&c)),
            "{counts:?}"
        );
        let total: u32 = counts.iter().sum();
        assert!((total as f64 / steps as f64 - 50.0).abs() < 0.5);
        assert_eq!(empty, 0);
        poisson_batch(&mut rng, 5, 1.0, &mut batch);
        assert_eq!(batch, vec![0, 1, 2, 3, 4]);
        // A tiny rate leaves most batches empty, and they are still steps.
        let empties = (0..1000)
            .filter(|_| {
                poisson_batch(&mut rng, 10, 0.01, &mut batch);
                batch.is_empty()
            })
            .count();
        assert!((850..=960).contains(&empties), "{empties}"); // 0.99^10 = 0.904
    }

    #[test]
    fn clipping_is_opacus_factor() {
        assert_eq!(clip_factor(0.5, 1.0), 1.0);
        assert!((clip_factor(4.0, 1.0) - 1.0 / (4.0 + 1e-6)).abs() < 1e-15);
        assert_eq!(clip_factor(0.0, 1.0), 1.0);
    }

    #[test]
    fn the_plan_spends_at_most_the_budget() {
        let budget = PrivacyBudget {
            epsilon: 3.0,
            delta: 1e-5,
            max_grad_norm: 1.0,
        };
        let plan = DpPlan::new(budget, 10_000, 256, 5).unwrap();
        assert_eq!(plan.steps_per_epoch, 40);
        assert_eq!(plan.sample_rate, 1.0 / 40.0);
        let spent = plan.spent(200).unwrap();
        assert!(
            spent.epsilon <= 3.0 && spent.epsilon > 3.0 - 0.011,
            "{spent:?}"
        );
        assert!(plan.spent(100).unwrap().epsilon < spent.epsilon);
    }
}
