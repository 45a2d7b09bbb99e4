//! Calibration: groups of equal population by prediction (a reliability diagram) and the
//! Hosmer–Lemeshow test on them, with its χ² p-value.

use serde::{Deserialize, Serialize};

/// Hosmer and Lemeshow's customary ten groups ("deciles of risk").
pub const HOSMER_LEMESHOW_GROUPS: usize = 10;

/// One group of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// 1-based group number among the `bins` requested (empty groups are left out).
    pub bin: usize,
    pub mean_predicted: f64,
    pub observed_rate: f64,
    pub count: u64,
}

/// Groups of equal population by predicted probability, as scikit-learn's
/// `calibration_curve(strategy="quantile")` forms them: edges at the percentiles
/// (`np.percentile`, linear interpolation), a score on an inner edge in the lower group, and
/// groups that tied scores leave empty left out.
pub fn calibration(scores: &[f64], labels: &[bool], bins: usize) -> Vec<CalibrationBin> {
    let observed: Vec<f64> = labels.iter().map(|&l| f64::from(u8::from(l))).collect();
    grouped_means(scores, &observed, bins)
}

/// A regression's calibration: groups of equal population by predicted value (formed as
/// [`calibration`] forms them), each with its mean predicted and mean actual value
/// (`observed_rate`).
pub fn calibration_of_values(
    predicted: &[f64],
    actual: &[f64],
    bins: usize,
) -> Vec<CalibrationBin> {
    grouped_means(predicted, actual, bins)
}

fn grouped_means(scores: &[f64], observed_values: &[f64], bins: usize) -> Vec<CalibrationBin> {
    if scores.is_empty() || bins == 0 {
        return Vec::new();
    }
    let mut sorted = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    let inner_edges = quantile_edges(&sorted, bins);
    let mut sums = vec![(0.0, 0.0, 0u64); bins];
    for (&p, &value) in scores.iter().zip(observed_values) {
        let group = inner_edges.partition_point(|&edge| edge < p);
        let (predicted, observed, count) = &mut sums[group];
        *predicted += p;
        *observed += value;
        *count += 1;
    }
    sums.iter()
        .enumerate()
        .filter(|(_, &(_, _, count))| count > 0)
        .map(|(k, &(predicted, observed, count))| CalibrationBin {
            bin: k + 1,
            mean_predicted: predicted / count as f64,
            observed_rate: observed / count as f64,
            count,
        })
        .collect()
}

/// The inner edges of `bins` quantile groups, `np.percentile(sorted, np.linspace(0, 1, bins +
/// 1)[1:-1] * 100)`, computed in numpy's order of floating-point operations: with tied scores
/// (scorecards) an edge a rounding below a score moves every row with that score to the next
/// group, so being close is not enough. `sorted` is ascending and not empty.
fn quantile_edges(sorted: &[f64], bins: usize) -> Vec<f64> {
    // numpy's `_compute_virtual_index` with the constants of its "linear" method.
    const ALPHA: f64 = 1.0;
    const BETA: f64 = 1.0;
    let n = sorted.len() as f64;
    let step = 1.0 / bins as f64;
    (1..bins)
        .map(|k| {
            let q = (k as f64 * step * 100.0) / 100.0;
            let virtual_index =
                (n * q + (ALPHA + q * (1.0 - ALPHA - BETA)) - 1.0).clamp(0.0, n - 1.0);
            let below = virtual_index.floor();
            let t = virtual_index - below;
            let a = sorted[below as usize];
            let b = sorted[(below as usize + 1).min(sorted.len() - 1)];
            let difference = b - a;
            if t >= 0.5 {
                b - difference * (1.0 - t)
            } else {
                a + difference * t
            }
        })
        .collect()
}

/// The Hosmer–Lemeshow goodness-of-fit test on calibration groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HosmerLemeshow {
    pub statistic: f64,
    pub degrees_of_freedom: usize,
    pub p_value: f64,
}

/// HL = Σ (observedₖ − nₖ·p̄ₖ)² / (nₖ·p̄ₖ·(1 − p̄ₖ)) over the groups, compared with χ² on
/// groups − 2 degrees of freedom. `None` with fewer than three groups. Groups whose mean
/// probability is exactly 0 or 1 carry no variance and add nothing.
pub fn hosmer_lemeshow(groups: &[CalibrationBin]) -> Option<HosmerLemeshow> {
    let degrees_of_freedom = groups.len().checked_sub(2).filter(|&df| df > 0)?;
    let statistic = groups
        .iter()
        .map(|g| {
            let n = g.count as f64;
            let variance = n * g.mean_predicted * (1.0 - g.mean_predicted);
            let difference = n * (g.observed_rate - g.mean_predicted);
            if variance > 0.0 {
                difference * difference / variance
            } else {
                0.0
            }
        })
        .sum();
    Some(HosmerLemeshow {
        statistic,
        degrees_of_freedom,
        p_value: chi_square_survival(statistic, degrees_of_freedom as f64),
    })
}

/// P(χ²ₖ > x), the upper regularized incomplete gamma function Q(k/2, x/2).
pub fn chi_square_survival(x: f64, k: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    upper_regularized_gamma(k / 2.0, x / 2.0)
}

/// Q(a, x) by its series below a + 1 and its continued fraction above (Numerical Recipes
/// §6.2), to double precision.
fn upper_regularized_gamma(a: f64, x: f64) -> f64 {
    const EPS: f64 = 1e-15;
    const MAX_TERMS: usize = 1000;
    let log_prefactor = a * x.ln() - x - libm::lgamma(a);
    if x < a + 1.0 {
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..MAX_TERMS {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * EPS {
                break;
            }
        }
        1.0 - sum * log_prefactor.exp()
    } else {
        // Modified Lentz's method.
        let tiny = f64::MIN_POSITIVE / EPS;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..MAX_TERMS {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let step = d * c;
            h *= step;
            if (step - 1.0).abs() < EPS {
                break;
            }
        }
        log_prefactor.exp() * h
    }
}
