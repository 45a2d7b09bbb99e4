//! Differential privacy's accountant: the Rényi differential privacy (RDP) of the
//! Poisson-subsampled Gaussian mechanism that DP-SGD runs at each step (Mironov, Talwar and
//! Zhang 2019), its conversion to (ε, δ) (Balle et al. 2020, Theorem 21) and the noise
//! multiplier that spends a target ε. Each is computed as Opacus computes it
//! (`opacus/accountants/analysis/rdp.py`, `RDPAccountant`, `get_noise_multiplier` in
//! `opacus/accountants/utils.py`), so that the same (σ, q, steps, δ) give the same ε; the
//! tests hold reference values from Opacus itself.

use crate::error::{Error, ErrorKind, Result};
use crate::interrupt;

/// The RDP orders Opacus's `RDPAccountant.DEFAULT_ALPHAS` holds: 1.1 to 10.9 by tenths, then
/// 12 to 63 (11 is not among them).
pub fn default_orders() -> Vec<f64> {
    (1..100)
        .map(|x| 1.0 + f64::from(x) / 10.0)
        .chain((12..64).map(f64::from))
        .collect()
}

/// Steps of `epochs` epochs at sampling rate `q`, truncated as Opacus's `int(epochs / q)`.
pub fn steps_for_epochs(epochs: f64, q: f64) -> u64 {
    (epochs / q) as u64
}

/// The largest RDP order accounted (a whole order's series has order + 1 terms).
const MAX_ORDER: f64 = 1024.0;

/// Terms of a fractional order's series before it is given up: at the sampling rates of a
/// training (q ≥ 1e-7) it ends within tens of thousands; a hostile (σ, q) must not loop.
const MAX_SERIES_TERMS: usize = 50_000_000;

/// ln(eˣ + eʸ), exact when one is zero (−∞).
fn log_add(x: f64, y: f64) -> f64 {
    let (a, b) = if x < y { (x, y) } else { (y, x) };
    if a == f64::NEG_INFINITY {
        return b;
    }
    (a - b).exp().ln_1p() + b
}

/// ln(eˣ − eʸ) for x ≥ y.
fn log_sub(x: f64, y: f64) -> Result<f64> {
    if x < y {
        return Err(Error::new(
            ErrorKind::Internal,
            "the privacy accountant's series went negative",
        ));
    }
    if y == f64::NEG_INFINITY {
        return Ok(x);
    }
    if x == y {
        return Ok(f64::NEG_INFINITY);
    }
    let difference = (x - y).exp_m1();
    // Python's expm1 raises OverflowError past e^709.78, where Opacus answers x.
    Ok(if difference.is_finite() {
        difference.ln() + y
    } else {
        x
    })
}

/// ln(erfc(x)), as Opacus's `_log_erfc` (ln 2 + scipy's `log_ndtr(−x√2)`): erfc itself down
/// to its smallest normal values, its asymptotic series past x = 25.
fn log_erfc(x: f64) -> f64 {
    if x < 25.0 {
        libm::erfc(x).ln()
    } else {
        log_erfc_asymptotic(x)
    }
}

/// ln(erfc(x)) for large x: erfc(x) = e^(−x²) / (x√π) · (1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶) …).
fn log_erfc_asymptotic(x: f64) -> f64 {
    let x2 = x * x;
    -x2 - x.ln() - 0.5 * std::f64::consts::PI.ln()
        + (1.0 - 0.5 / x2 + 0.75 / (x2 * x2) - 1.875 / (x2 * x2 * x2)).ln()
}

/// ln C(n, k) for whole n: exact up to n = 120 (each partial product C(n, i)·(n − i) fits a
/// u128), a sum of logarithms beyond.
fn log_binomial_whole(n: u64, k: u64) -> f64 {
    let k = k.min(n - k);
    if n > 120 {
        return (0..k)
            .map(|i| ((n - i) as f64).ln() - ((i + 1) as f64).ln())
            .sum();
    }
    let mut value: u128 = 1;
    for i in 0..k {
        value = value * u128::from(n - i) / u128::from(i + 1);
    }
    (value as f64).ln()
}

/// ln A_α for a whole order α (Mironov et al., Section 3.3).
fn log_a_whole(q: f64, sigma: f64, alpha: u64) -> f64 {
    let mut log_a = f64::NEG_INFINITY;
    for i in 0..=alpha {
        let log_coefficient =
            log_binomial_whole(alpha, i) + i as f64 * q.ln() + (alpha - i) as f64 * (1.0 - q).ln();
        let (i, sigma2) = (i as f64, sigma * sigma);
        log_a = log_add(log_a, log_coefficient + (i * i - i) / (2.0 * sigma2));
    }
    log_a
}

/// ln A_α for a fractional order: the two-sided series until both terms fall below e⁻³⁰,
/// the binomial coefficients C(α, i) carried as their logarithm and sign.
fn log_a_fractional(q: f64, sigma: f64, alpha: f64) -> Result<f64> {
    let (mut log_a0, mut log_a1) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    let sigma2 = sigma * sigma;
    let z0 = sigma2 * (1.0 / q - 1.0).ln() + 0.5;
    let (mut log_coefficient, mut positive) = (0.0_f64, true);
    for i in 0..MAX_SERIES_TERMS {
        if i % 4096 == 4095 {
            interrupt::check();
        }
        let fi = i as f64;
        if i > 0 {
            let factor = alpha - fi + 1.0;
            log_coefficient += factor.abs().ln() - fi.ln();
            if factor < 0.0 {
                positive = !positive;
            }
        }
        let j = alpha - fi;
        let log_t0 = log_coefficient + fi * q.ln() + j * (1.0 - q).ln();
        let log_t1 = log_coefficient + j * q.ln() + fi * (1.0 - q).ln();
        let log_e0 = 0.5_f64.ln() + log_erfc((fi - z0) / (std::f64::consts::SQRT_2 * sigma));
        let log_e1 = 0.5_f64.ln() + log_erfc((z0 - j) / (std::f64::consts::SQRT_2 * sigma));
        let log_s0 = log_t0 + (fi * fi - fi) / (2.0 * sigma2) + log_e0;
        let log_s1 = log_t1 + (j * j - j) / (2.0 * sigma2) + log_e1;
        if positive {
            log_a0 = log_add(log_a0, log_s0);
            log_a1 = log_add(log_a1, log_s1);
        } else {
            log_a0 = log_sub(log_a0, log_s0)?;
            log_a1 = log_sub(log_a1, log_s1)?;
        }
        if log_s0.max(log_s1) < -30.0 {
            return Ok(log_add(log_a0, log_a1));
        }
    }
    Err(Error::new(
        ErrorKind::ResourceLimit,
        format!("the privacy accountant's series for σ = {sigma}, q = {q} and order {alpha} did not converge"),
    )
    .with_hint("use a larger noise multiplier or sampling rate"))
}

/// The RDP of one step of the Gaussian mechanism with noise multiplier `sigma` on a Poisson
/// sample at rate `q`, at order `alpha` (Opacus's `_compute_rdp`, its special cases in its
/// order).
pub fn step_rdp(q: f64, sigma: f64, alpha: f64) -> Result<f64> {
    if q == 0.0 {
        return Ok(0.0);
    }
    if sigma == 0.0 {
        return Ok(f64::INFINITY);
    }
    if q == 1.0 {
        return Ok(alpha / (2.0 * sigma * sigma));
    }
    if alpha.is_infinite() {
        return Ok(f64::INFINITY);
    }
    if !(alpha > 1.0 && alpha <= MAX_ORDER) {
        return Err(Error::invalid_option(format!(
            "an RDP order must be above 1 and at most {MAX_ORDER}, not {alpha}"
        )));
    }
    let log_a = if alpha.fract() == 0.0 {
        log_a_whole(q, sigma, alpha as u64)
    } else {
        log_a_fractional(q, sigma, alpha)?
    };
    Ok(log_a / (alpha - 1.0))
}

/// Steps taken at one noise multiplier and sampling rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Steps {
    pub noise_multiplier: f64,
    pub sample_rate: f64,
    pub steps: u64,
}

impl Steps {
    /// The ε these steps alone spend at `delta`, over Opacus's default orders.
    pub fn epsilon(self, delta: f64) -> Result<f64> {
        Ok(epsilon_spent(&[self], delta, &default_orders())?.0)
    }
}

/// The ε spent by `history` at `delta` over `orders`, and the order that gives it: RDP adds
/// over the history, then converts once (Balle et al. 2020, Theorem 21); the first smallest
/// ε, NaNs skipped; ∞ when every order's is NaN.
pub fn epsilon_spent(history: &[Steps], delta: f64, orders: &[f64]) -> Result<(f64, f64)> {
    let mut best: Option<(f64, f64)> = None;
    for &alpha in orders {
        let mut rdp = 0.0;
        for entry in history {
            rdp += step_rdp(entry.sample_rate, entry.noise_multiplier, alpha)? * entry.steps as f64;
        }
        let epsilon =
            rdp - (delta.ln() + alpha.ln()) / (alpha - 1.0) + ((alpha - 1.0) / alpha).ln();
        if !epsilon.is_nan() && best.is_none_or(|(e, _)| epsilon < e) {
            best = Some((epsilon, alpha));
        }
    }
    Ok(best.unwrap_or((f64::INFINITY, f64::NAN)))
}

/// Halvings of the noise multiplier's interval before the search stops at its upper end.
const MAX_BISECTIONS: u32 = 200;

/// Noise multipliers past which a budget is too small (Opacus's `MAX_SIGMA`).
const MAX_NOISE_MULTIPLIER: f64 = 1e6;

/// The noise multiplier that spends at most `target_epsilon` at `delta` over `steps` steps at
/// sampling rate `q`, within `tolerance` of it: Opacus's `get_noise_multiplier` (doubling
/// from 10, then bisection; the upper end is returned, so the ε spent never passes the
/// target).
pub fn noise_multiplier(
    target_epsilon: f64,
    delta: f64,
    q: f64,
    steps: u64,
    tolerance: f64,
) -> Result<f64> {
    let epsilon_at = |sigma: f64| -> Result<f64> {
        Steps {
            noise_multiplier: sigma,
            sample_rate: q,
            steps,
        }
        .epsilon(delta)
    };
    let (mut sigma_low, mut sigma_high) = (0.0, 10.0);
    let mut epsilon_high = f64::INFINITY;
    while epsilon_high > target_epsilon {
        sigma_high *= 2.0;
        epsilon_high = epsilon_at(sigma_high)?;
        if sigma_high > MAX_NOISE_MULTIPLIER {
            return Err(Error::invalid_option(format!(
                "a privacy budget of ε = {target_epsilon} at δ = {delta} is too small for {steps} steps at sampling rate {q}"
            ))
            .with_hint("raise epsilon, or train fewer epochs or on larger batches"));
        }
    }
    // Bisection halves the interval each time: 200 halvings reach adjacent doubles, where a
    // jump in ε larger than the tolerance would otherwise never end the search. The upper end
    // spends at most the target whenever the search stops.
    let mut halvings = 0;
    while target_epsilon - epsilon_high > tolerance && halvings < MAX_BISECTIONS {
        halvings += 1;
        interrupt::check();
        let sigma = (sigma_low + sigma_high) / 2.0;
        let epsilon = epsilon_at(sigma)?;
        if epsilon < target_epsilon {
            sigma_high = sigma;
            epsilon_high = epsilon;
        } else {
            sigma_low = sigma;
        }
    }
    Ok(sigma_high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_orders_are_opacus_alphas() {
        let orders = default_orders();
        assert_eq!(orders.len(), 151);
        assert_eq!(
            (orders[0], orders[98], orders[99], orders[150]),
            (1.1, 10.9, 12.0, 63.0)
        );
        assert!(!orders.contains(&11.0));
    }

    #[test]
    fn log_add_and_log_sub_are_the_logarithms_of_sums() {
        let (x, y) = (2.0_f64.ln(), 3.0_f64.ln());
        assert!((log_add(x, y) - 5.0_f64.ln()).abs() < 1e-15);
        assert!((log_sub(y, x).unwrap() - 0.0).abs() < 1e-15);
        assert_eq!(log_add(f64::NEG_INFINITY, x), x);
        assert_eq!(log_sub(x, x).unwrap(), f64::NEG_INFINITY);
        assert!(log_sub(x, y).is_err());
    }

    #[test]
    fn the_asymptotic_log_erfc_agrees_with_erfc_where_both_hold() {
        for x in [20.0, 24.0, 25.0, 26.0] {
            let exact = libm::erfc(x).ln();
            let series = log_erfc_asymptotic(x);
            assert!(
                (exact - series).abs() < 1e-12 * exact.abs(),
                "{x}: {exact} {series}"
            );
        }
    }
}
