//! Cox proportional hazards (lifelines' `CoxPHFitter`): Newton's method on Efron's partial
//! likelihood over the standardized design, an optional L2 penalty as lifelines' `penalizer`,
//! standard errors from the inverse Hessian, and Breslow's baseline cumulative hazard at the
//! training rows' mean output (lifelines' baseline is at the covariates' means). A loan's
//! survival after t periods is exp(−H0(t)·e^η), η its output (the log relative hazard).

pub mod algorithm;
pub mod partial_likelihood;

use crate::error::{Error, ErrorKind, Result};
use crate::estimator::linear::{dense_design, Coefficient, LinearEstimator};
use crate::fit::{check_solver_memory, FitInput, TrainLabels, LINEAR_SQUARE_MATRICES};
use crate::json::parse_slice;
use crate::linalg::{cholesky, cholesky_solve, spd_inverse};
use crate::preprocess::Preprocessor;
use ndarray::Array1;
use partial_likelihood::CoxRows;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The keys of algorithm "cox".
pub const COX_KEYS: &[&str] = &["l2", "max_iter", "horizon"];

/// The horizon of `fin_predict` when options.horizon is not given: a 12-period PD (IFRS 9's
/// 12-month PD on monthly data).
pub const DEFAULT_HORIZON: u32 = 12;

/// Validated Cox parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoxParams {
    /// lifelines' `penalizer` (l1_ratio 0): n · l2 / 2 · Σ β² on the covariates standardized
    /// with the sample standard deviation.
    pub l2: f64,
    pub max_iter: u64,
    /// The periods of the PD that fin_predict returns.
    pub horizon: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCox {
    l2: Option<f64>,
    max_iter: Option<u64>,
    horizon: Option<i64>,
}

impl CoxParams {
    pub fn from_options(options: &Map<String, Value>) -> Result<CoxParams> {
        let raw: RawCox = parse_slice(options, "cox", COX_KEYS)?;
        let l2 = raw.l2.unwrap_or(0.0);
        if !(l2.is_finite() && l2 >= 0.0) {
            return Err(Error::invalid_option(format!(
                "l2 must be a finite number >= 0, got {l2}"
            ))
            .with_hint(
                "0 (the default) is the unpenalized partial likelihood; l2 is lifelines' penalizer",
            ));
        }
        let max_iter = raw.max_iter.unwrap_or(100);
        if !(1..=10_000).contains(&max_iter) {
            return Err(Error::invalid_option(format!(
                "max_iter must be between 1 and 10000, got {max_iter}"
            ))
            .with_hint("the default is 100 Newton steps; a Cox fit usually needs fewer than 10"));
        }
        let horizon = crate::survival::check_horizon(
            raw.horizon.unwrap_or(i64::from(DEFAULT_HORIZON)),
            "options.horizon",
        )?;
        Ok(CoxParams {
            l2,
            max_iter,
            horizon: horizon as u32,
        })
    }
}

/// A fitted Cox model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoxModel {
    /// The output: intercept + weights · design row is the log relative hazard, centred
    /// on the training rows (the intercept is minus their mean).
    pub linear: LinearEstimator,
    /// The default times (ascending) and the baseline cumulative hazard after each.
    pub times: Vec<f64>,
    pub cumulative_hazard: Vec<f64>,
    /// The periods of fin_predict's PD.
    pub horizon: u32,
    /// The log partial likelihood at the optimum (unpenalized part).
    pub log_likelihood: f64,
    /// The training rows' concordance (Harrell's C).
    pub concordance: Option<f64>,
}

impl CoxModel {
    /// The baseline cumulative hazard after `time` periods (a step function: flat after the
    /// last default time seen in training).
    pub fn baseline_at(&self, time: f64) -> f64 {
        let after = self.times.partition_point(|&t| t <= time);
        if after == 0 {
            0.0
        } else {
            self.cumulative_hazard[after - 1]
        }
    }

    /// The survival after periods 1..=horizon of a loan of output `eta`.
    /// (The baseline's steps are walked once, not searched for each period: fin_ecl asks for
    /// every period of every loan.)
    pub fn survival(&self, eta: f64, horizon: usize, out: &mut Vec<f64>) {
        out.clear();
        let relative = eta.exp();
        let mut step = 0;
        for t in 1..=horizon {
            while step < self.times.len() && self.times[step] <= t as f64 {
                step += 1;
            }
            let baseline = if step == 0 {
                0.0
            } else {
                self.cumulative_hazard[step - 1]
            };
            out.push(survival_of(baseline, relative));
        }
    }

    /// The survival after `t` periods of a loan of output `eta`.
    pub fn survival_at(&self, eta: f64, t: usize) -> f64 {
        survival_of(self.baseline_at(t as f64), eta.exp())
    }

    /// A stored model that does not hold together: what is wrong.
    pub fn first_problem(&self) -> Option<String> {
        if self.times.len() != self.cumulative_hazard.len() {
            return Some(format!(
                "{} baseline times for {} cumulative hazards",
                self.times.len(),
                self.cumulative_hazard.len()
            ));
        }
        let finite_non_negative = |v: &f64| v.is_finite() && *v >= 0.0;
        if !self
            .times
            .iter()
            .chain(&self.cumulative_hazard)
            .all(finite_non_negative)
        {
            return Some(
                "a baseline time or cumulative hazard that is negative or not finite".into(),
            );
        }
        let ascending = |v: &[f64], strict: bool| {
            v.windows(2)
                .all(|w| if strict { w[0] < w[1] } else { w[0] <= w[1] })
        };
        if !ascending(&self.times, true) || !ascending(&self.cumulative_hazard, false) {
            return Some("a baseline that is not ascending".into());
        }
        if !(1..=crate::survival::MAX_HORIZON as u32).contains(&self.horizon) {
            return Some(format!("a horizon of {} periods", self.horizon));
        }
        None
    }
}

/// exp(−H0·e^η) from H0 and e^η: a zero baseline is survival 1 whatever e^η (never 0·∞ = NaN),
/// an infinite e^η with a positive baseline survival 0.
fn survival_of(baseline: f64, relative: f64) -> f64 {
    if baseline <= 0.0 {
        1.0
    } else {
        (-baseline * relative).exp()
    }
}

/// Fits the Cox model on the training rows.
pub fn fit_cox(input: &mut FitInput<'_>, params: CoxParams) -> Result<(Preprocessor, CoxModel)> {
    let TrainLabels::Survival(labels) = input.labels else {
        return Err(Error::new(
            ErrorKind::Internal,
            "a Cox fit without a survival target",
        ));
    };
    let labels = labels.clone();
    if !labels.events.contains(&true) {
        return Err(Error::invalid_data(
            "no default is observed in the training rows: a Cox model has nothing to fit",
        )
        .with_hint("the event column is true (1) for the loans that defaulted; check it, or train on more history"));
    }
    let (preprocessor, x) = dense_design(input, "the Cox fit")?;
    // The design, and per row its output and two orders (by exit and by entry).
    let per_row = 8 + 2 * std::mem::size_of::<usize>();
    let solver = check_solver_memory(
        input
            .data_bytes()
            .saturating_add(x.len().saturating_mul(8))
            .saturating_add(labels.len().saturating_mul(per_row)),
        x.ncols(),
        (LINEAR_SQUARE_MATRICES, 0),
        input.limits,
    )?;
    input.claim(solver);
    let rows = CoxRows::new(&x, &labels, input.sample_weights);
    let n = labels.len() as f64;
    // lifelines penalizes n·λ/2·Σβ² on covariates scaled by the sample standard deviation;
    // finml's design is scaled by the population one, √(n/(n−1)) smaller.
    let penalty = if n > 1.0 {
        params.l2 * n * n / (n - 1.0)
    } else {
        params.l2
    };
    let (beta, hessian, steps) = newton(&rows, penalty, params.max_iter)?;
    if steps >= params.max_iter {
        input.notes.push(format!(
            "the Cox fit stopped after max_iter = {} Newton steps before converging; raise options.max_iter or options.l2",
            params.max_iter
        ));
    }
    let eta = x.dot(&beta);
    let centre = eta.mean().unwrap_or(0.0);
    let centred = eta.mapv(|e| e - centre);
    let baseline = rows.breslow(&centred);
    let mut cumulative = 0.0;
    let (times, cumulative_hazard): (Vec<f64>, Vec<f64>) = baseline
        .into_iter()
        .map(|(t, h)| {
            cumulative += h;
            (t, cumulative)
        })
        .unzip();
    let covariance = spd_inverse(&hessian.mapv(|v| -v));
    let linear = LinearEstimator {
        intercept: -centre,
        weights: beta.to_vec(),
        coefficients: hazard_ratios(&preprocessor, &beta, covariance.as_ref()),
    };
    let log_likelihood = rows.efron(&beta).log_likelihood;
    let concordance = crate::survival::concordance(&labels, centred.as_slice().unwrap_or(&[]));
    Ok((
        preprocessor,
        CoxModel {
            linear,
            times,
            cumulative_hazard,
            horizon: params.horizon,
            log_likelihood,
            concordance,
        },
    ))
}

/// Newton's method on the penalized partial likelihood, halving a step that lowers it:
/// β, the penalized Hessian at β and the steps taken.
fn newton(
    rows: &CoxRows<'_>,
    penalty: f64,
    max_iter: u64,
) -> Result<(Array1<f64>, ndarray::Array2<f64>, u64)> {
    let p = rows.x.ncols();
    let mut beta = Array1::<f64>::zeros(p);
    let penalized = |beta: &Array1<f64>| {
        let mut e = rows.efron(beta);
        e.log_likelihood -= 0.5 * penalty * beta.dot(beta);
        e.gradient.scaled_add(-penalty, beta);
        for j in 0..p {
            e.hessian[[j, j]] -= penalty;
        }
        e
    };
    let mut current = penalized(&beta);
    let mut steps = 0;
    while steps < max_iter {
        crate::interrupt::check();
        steps += 1;
        let Some(l) = cholesky(&current.hessian.mapv(|v| -v)) else {
            return Err(singular());
        };
        let delta = cholesky_solve(&l, &current.gradient);
        let mut scale = 1.0;
        let mut next_beta = &beta + &delta;
        let mut next = penalized(&next_beta);
        // A step that lowers the likelihood (or makes it NaN) is halved.
        let worse = |next: &partial_likelihood::Efron| {
            next.log_likelihood.is_nan()
                || next.log_likelihood
                    < current.log_likelihood - 1e-12 * current.log_likelihood.abs()
        };
        while worse(&next) && scale > 1e-6 {
            scale *= 0.5;
            next_beta = &beta + &(&delta * scale);
            next = penalized(&next_beta);
        }
        let moved = (&next_beta - &beta)
            .mapv(f64::abs)
            .fold(0.0_f64, |m, &v| m.max(v));
        beta = next_beta;
        current = next;
        if moved < 1e-10 {
            break;
        }
    }
    if !beta.iter().all(|b| b.is_finite()) {
        return Err(singular());
    }
    Ok((beta, current.hessian, steps))
}

fn singular() -> Error {
    Error::invalid_data(
        "the Cox fit cannot separate the features' effects: its information matrix is singular (a feature constant among the loans at risk, two collinear features, or a feature that separates defaults completely)",
    )
    .with_hint("leave out the constant or collinear feature, or set options.l2 (e.g. 0.01)")
}

/// Each term's coefficient on the original scale (a log hazard ratio), its standard error,
/// z and p-value, and exp(coefficient) (the hazard ratio, in the odds-ratio field the
/// coefficient table shares with logistic regression).
fn hazard_ratios(
    preprocessor: &Preprocessor,
    beta: &Array1<f64>,
    covariance: Option<&ndarray::Array2<f64>>,
) -> Vec<Coefficient> {
    let scaling = preprocessor.column_scaling();
    preprocessor
        .term_names()
        .into_iter()
        .enumerate()
        .map(|(j, term)| {
            let scale = scaling[j].1;
            let variance = covariance.map(|c| c[[j, j]] / scale / scale);
            Coefficient::of(term, beta[j] / scale, variance, true)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(times: Vec<f64>, cumulative_hazard: Vec<f64>) -> CoxModel {
        CoxModel {
            linear: LinearEstimator {
                intercept: 0.0,
                weights: Vec::new(),
                coefficients: Vec::new(),
            },
            times,
            cumulative_hazard,
            horizon: 12,
            log_likelihood: 0.0,
            concordance: None,
        }
    }

    #[test]
    fn the_baseline_is_a_step_function_and_a_zero_baseline_survives_any_output() {
        let m = model(vec![2.0, 5.0], vec![0.1, 0.3]);
        assert_eq!(m.baseline_at(1.0), 0.0);
        assert_eq!(m.baseline_at(2.0), 0.1);
        assert_eq!(m.baseline_at(4.9), 0.1);
        assert_eq!(m.baseline_at(60.0), 0.3);
        // Before the first default time no output defaults, not even one that overflows e^η.
        assert_eq!(m.survival_at(800.0, 1), 1.0);
        assert_eq!(m.survival_at(800.0, 2), 0.0);
        assert!((m.survival_at(0.0, 5) - (-0.3_f64).exp()).abs() < 1e-15);
        assert!((m.survival_at(1.0, 5) - (-0.3 * 1.0_f64.exp()).exp()).abs() < 1e-15);
    }

    #[test]
    fn a_hand_edited_baseline_is_named() {
        assert!(model(vec![2.0], vec![0.1, 0.2]).first_problem().is_some());
        assert!(model(vec![5.0, 2.0], vec![0.1, 0.2])
            .first_problem()
            .is_some());
        assert!(model(vec![2.0, 5.0], vec![0.3, 0.1])
            .first_problem()
            .is_some());
        assert!(model(vec![2.0], vec![f64::INFINITY])
            .first_problem()
            .is_some());
        let mut m = model(vec![2.0], vec![0.1]);
        m.horizon = 0;
        assert!(m.first_problem().is_some());
        m.horizon = 12;
        assert!(m.first_problem().is_none());
    }
}
