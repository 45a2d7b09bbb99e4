//! What a fit gives: the linear model in the standardized design space, its linear
//! predictor, and its coefficients with their statistics on the original feature scale.

use crate::design::dot;
use ndarray::{Array1, Array2, ArrayView1};
use serde::{Deserialize, Serialize};

/// A fitted linear model in the standardized design space.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinearFit {
    pub intercept: f64,
    pub weights: Vec<f64>,
    /// Covariance matrix of `[intercept, weights...]`; `None` when the information matrix is
    /// singular. Not stored: the model keeps the standard errors derived from it.
    #[serde(skip)]
    pub covariance: Option<Array2<f64>>,
}

/// Statistics of one coefficient on the original feature scale.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Coefficient {
    pub term: String,
    pub estimate: f64,
    pub std_error: Option<f64>,
    pub z: Option<f64>,
    pub p_value: Option<f64>,
    /// `exp(estimate)`, for logistic models.
    pub odds_ratio: Option<f64>,
}

/// The first coefficient whose estimate or a statistic is not a finite number, named for the
/// error message.
pub fn first_invalid_coefficient(coefficients: &[Coefficient]) -> Option<String> {
    coefficients.iter().find_map(|c| {
        let statistics = [c.std_error, c.z, c.p_value, c.odds_ratio];
        (!c.estimate.is_finite() || statistics.iter().flatten().any(|x| !x.is_finite()))
            .then(|| format!("the coefficient statistics of \"{}\"", c.term))
    })
}

/// `b + X·w` for every row of `x`.
pub fn linear_predictor(x: &Array2<f64>, intercept: f64, weights: &[f64]) -> Array1<f64> {
    let weights = ArrayView1::from(weights);
    x.rows()
        .into_iter()
        .map(|row| match (row.as_slice(), weights.as_slice()) {
            (Some(r), Some(w)) => intercept + dot(r, w),
            _ => intercept + row.dot(&weights),
        })
        .collect()
}

/// Coefficients on the original scale from a fit on standardized columns, where
/// `standardized_j = (original_j - shift_j) / scale_j`:
/// `w'_j = w_j / scale_j`, `b' = b - Σ w_j·shift_j / scale_j`, and the covariance maps as
/// `T·C·Tᵀ` for that linear map `T`. p-values use the normal approximation (Wald test).
pub fn original_scale_coefficients(
    fit: &LinearFit,
    terms: &[String],
    scaling: &[(f64, f64)],
    odds_ratios: bool,
) -> Vec<Coefficient> {
    let p = fit.weights.len() + 1;
    let mut t = Array2::<f64>::zeros((p, p));
    t[[0, 0]] = 1.0;
    for (j, &(shift, scale)) in scaling.iter().enumerate() {
        t[[0, j + 1]] = -shift / scale;
        t[[j + 1, j + 1]] = 1.0 / scale;
    }
    let theta =
        Array1::from_iter(std::iter::once(fit.intercept).chain(fit.weights.iter().copied()));
    let estimates = t.dot(&theta);
    let covariance = fit.covariance.as_ref().map(|c| t.dot(c).dot(&t.t()));
    let names = std::iter::once("(intercept)".to_owned()).chain(terms.iter().cloned());
    names
        .enumerate()
        .map(|(j, term)| {
            let estimate = estimates[j];
            // A statistic that overflows (an odds ratio of a coefficient over ~709, a
            // variance of an unidentified term) is left out (NULL), never stored non-finite.
            let finite = |x: f64| Some(x).filter(|x| x.is_finite());
            let std_error = covariance
                .as_ref()
                .and_then(|c| finite(c[[j, j]].max(0.0).sqrt()));
            let z = std_error
                .filter(|&se| se > 0.0)
                .and_then(|se| finite(estimate / se));
            Coefficient {
                term,
                estimate,
                std_error,
                z,
                p_value: z.map(|z| libm::erfc(z.abs() / std::f64::consts::SQRT_2)),
                odds_ratio: if odds_ratios {
                    finite(estimate.exp())
                } else {
                    None
                },
            }
        })
        .collect()
}
