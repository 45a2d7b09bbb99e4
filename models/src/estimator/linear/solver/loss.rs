//! The logistic loss of one row (σ, a row's loss, residual and information weight) and
//! each row's weight in it.

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// One row's share of a Newton pass at the linear predictor `eta`: its log-loss, its
/// residual `μ − y` (the gradient is residual × row) and its information weight `μ(1−μ)`.
#[inline]
pub fn logistic_row(eta: f64, positive: bool) -> (f64, f64, f64) {
    // One exponential serves the loss, the probability and its derivative.
    let e = (-eta.abs()).exp();
    let margin = if positive { eta } else { -eta };
    let loss = (-margin).max(0.0) + e.ln_1p();
    let mu = if eta >= 0.0 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    };
    (loss, mu - f64::from(u8::from(positive)), mu * (1.0 - mu))
}

/// Row `i`'s weight in the loss.
pub(super) fn weight_of(weights: Option<&[f64]>, i: usize) -> f64 {
    weights.map_or(1.0, |w| w[i])
}

/// The positive rows' total weight.
pub(super) fn positive_weight(y: &[bool], weights: Option<&[f64]>) -> f64 {
    (0..y.len())
        .filter(|&i| y[i])
        .map(|i| weight_of(weights, i))
        .sum()
}

/// The intercept of the model without features (the log-odds of the positive rate), where
/// both solvers start: it saves them a step. 0 when a class is absent.
pub(super) fn intercept_only(rows: f64, positives: f64) -> f64 {
    if positives > 0.0 && positives < rows {
        (positives / (rows - positives)).ln()
    } else {
        0.0
    }
}

/// The largest absolute value (a gradient's, a step's), 0 for none.
pub(super) fn largest_abs<'a>(values: impl IntoIterator<Item = &'a f64>) -> f64 {
    values.into_iter().fold(0.0_f64, |m, v| m.max(v.abs()))
}

/// The rows' total weight: what a per-row tolerance scales with.
pub(super) fn total_weight(weights: Option<&[f64]>, rows: usize) -> f64 {
    weights.map_or(rows as f64, |w| w.iter().sum())
}
