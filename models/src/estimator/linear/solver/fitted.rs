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
    /// How an iterative solver ended; `None` for the closed forms.
    #[serde(skip)]
    pub run: Option<SolverRun>,
}

/// How an iterative solver ended: the training tells the user (a NOTICE) and stores it
/// (`metrics.solver`) when it stopped before its tolerance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolverRun {
    /// "newton" or "newton-cg".
    pub solver: &'static str,
    /// Newton steps taken.
    pub steps: u64,
    /// The gradient's largest component over the rows' total weight, where it stopped.
    pub largest_gradient_per_row: f64,
    /// Whether that gradient reached the solver's tolerance.
    pub converged: bool,
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

impl Coefficient {
    /// A coefficient from its estimate and the estimate's variance, with its z, two-sided
    /// p-value and, when `with_exp`, exp(estimate) (an odds or hazard ratio). A statistic
    /// that overflows (a ratio of a coefficient over ~709, a variance of an unidentified term)
    /// is left out (NULL), never stored non-finite.
    pub fn of(term: String, estimate: f64, variance: Option<f64>, with_exp: bool) -> Coefficient {
        let finite = |x: f64| Some(x).filter(|x| x.is_finite());
        let std_error = variance.and_then(|v| finite(v.max(0.0).sqrt()));
        let z = std_error
            .filter(|&se| se > 0.0)
            .and_then(|se| finite(estimate / se));
        Coefficient {
            term,
            estimate,
            std_error,
            z,
            p_value: z.map(|z| libm::erfc(z.abs() / std::f64::consts::SQRT_2)),
            odds_ratio: if with_exp {
                finite(estimate.exp())
            } else {
                None
            },
        }
    }
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
/// `T·C·Tᵀ` for that linear map `T`, of which only the diagonal is needed (`C_jj / scale_j²`,
/// and `tᵀ·C·t` for the intercept's row `t`: terms² work, not terms³). p-values use the
/// normal approximation (Wald test).
pub fn original_scale_coefficients(
    fit: &LinearFit,
    terms: &[String],
    scaling: &[(f64, f64)],
    odds_ratios: bool,
) -> Vec<Coefficient> {
    // The intercept's row of T: 1, then -shift_j / scale_j.
    let intercept_row: Vec<f64> = std::iter::once(1.0)
        .chain(scaling.iter().map(|&(shift, scale)| -shift / scale))
        .collect();
    let theta: Vec<f64> = std::iter::once(fit.intercept)
        .chain(fit.weights.iter().copied())
        .collect();
    let estimates: Vec<f64> = std::iter::once(dot(&intercept_row, &theta))
        .chain(
            fit.weights
                .iter()
                .zip(scaling)
                .map(|(w, &(_, scale))| w / scale),
        )
        .collect();
    let variances: Option<Vec<f64>> = fit.covariance.as_ref().map(|c| {
        let t = ArrayView1::from(&intercept_row[..]);
        let intercept = t.dot(&c.dot(&t));
        std::iter::once(intercept)
            .chain(
                scaling
                    .iter()
                    .enumerate()
                    .map(|(j, &(_, scale))| c[[j + 1, j + 1]] / scale / scale),
            )
            .collect()
    });
    let names = std::iter::once("(intercept)".to_owned()).chain(terms.iter().cloned());
    names
        .enumerate()
        .map(|(j, term)| {
            let variance = variances.as_ref().map(|v| v[j]);
            Coefficient::of(term, estimates[j], variance, odds_ratios)
        })
        .collect()
}
