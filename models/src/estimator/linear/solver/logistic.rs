//! Fitting logistic regression (Newton's method, or truncated Newton past its width) and the
//! covariance of its coefficients, the inverse of the penalized information.

use super::finite::check_finite_design;
use super::fitted::LinearFit;
use super::loss::{sigmoid, weight_of};
use super::newton::{fitted_by_newton, newton};
use super::newton_cg::newton_cg;
use crate::design::{add_weighted_gram, dot, row, visit_blocks, DesignRows, BLOCK_ROWS};
use crate::error::Result;
use crate::linalg::spd_inverse;
use ndarray::Array2;

/// Fits `P(y) = σ(b + x·w)` minimizing `Σ logloss + l2/2·‖w‖²` (scikit-learn's
/// `LogisticRegression(C = 1/l2)` objective), with the covariance of the coefficients (the
/// inverse of the penalized information at the solution). `y[i]` is true for the positive
/// class.
///
/// Designs up to [`NEWTON_MAX_TERMS`](super::NEWTON_MAX_TERMS) wide are fitted by Newton's
/// method (one pass over the rows per step, about 6 to 9 passes from zero); wider ones, and
/// the rare problems where Newton's steps do not descend (a singular information matrix when
/// `l2` is 0), by truncated Newton (`newton_cg`: conjugate gradients on the Newton system,
/// one pass per product, no terms × terms matrix) to the same gradient tolerance. The fit's
/// `run` says whether it got there within `max_iter` steps. Both check for interrupts between
/// blocks of rows.
pub fn fit_logistic(x: &dyn DesignRows, y: &[bool], l2: f64, max_iter: u64) -> Result<LinearFit> {
    fit_logistic_with(x, y, None, (l2, max_iter), true)
}

/// [`fit_logistic`] with each row's weight in the loss, `Σ s_i·logloss_i + l2/2·‖w‖²`
/// (scikit-learn's `sample_weight`, times `class_weight`); the covariance is the inverse of
/// the weighted information (the weights read as frequencies).
pub fn fit_logistic_weighted(
    x: &dyn DesignRows,
    y: &[bool],
    weights: Option<&[f64]>,
    l2: f64,
    max_iter: u64,
) -> Result<LinearFit> {
    fit_logistic_with(x, y, weights, (l2, max_iter), true)
}

/// [`fit_logistic_weighted`] without the covariance matrix (`None`), for fits that only
/// decide.
pub fn fit_logistic_coefficients(
    x: &dyn DesignRows,
    y: &[bool],
    weights: Option<&[f64]>,
    l2: f64,
    max_iter: u64,
) -> Result<LinearFit> {
    fit_logistic_with(x, y, weights, (l2, max_iter), false)
}

/// [`fit_logistic_weighted`] with the covariance matrix only when `covariance` (the standard
/// errors: a terms × terms inverse, terms³ work, which a wide design may not want).
pub fn fit_logistic_with(
    x: &dyn DesignRows,
    y: &[bool],
    weights: Option<&[f64]>,
    (l2, max_iter): (f64, u64),
    covariance: bool,
) -> Result<LinearFit> {
    check_finite_design(x)?;
    if fitted_by_newton(x.width()) {
        if let Some(solution) = newton(x, y, weights, l2, max_iter) {
            return Ok(solution.into_fit(covariance));
        }
    }
    let mut fit = newton_cg(x, y, weights, l2, max_iter);
    if covariance {
        fit.covariance = logistic_covariance_weighted(x, weights, fit.intercept, &fit.weights, l2);
    }
    Ok(fit)
}

/// `Aᵀ·diag(v)·A + l2·D` with `A = [1 | X]`, `v` the row weights `weight_of(b + x·w)`
/// (`theta = [b, w...]`) and `D` the identity without the intercept: the penalized
/// information matrix of both models.
fn penalized_information(
    x: &dyn DesignRows,
    theta: &[f64],
    weight_of: impl Fn(usize, f64) -> f64,
    l2: f64,
) -> Array2<f64> {
    let terms = x.width() + 1;
    let mut info = Array2::<f64>::zeros((terms, terms));
    if let Some(sparse) = x.sparse() {
        // Σ v_i·a_iᵀa_i over each row's non-zero terms only (the intercept's 1 included).
        let mut nonzero: Vec<(usize, f64)> = Vec::new();
        for i in 0..sparse.n_rows() {
            if i % BLOCK_ROWS == 0 {
                crate::interrupt::check();
            }
            let (columns, values) = sparse.row(i);
            nonzero.clear();
            nonzero.push((0, 1.0));
            nonzero.extend(
                columns
                    .iter()
                    .zip(values)
                    .map(|(&c, &v)| (1 + c as usize, v)),
            );
            let weight = weight_of(i, sparse.linear_predictor(i, theta));
            for &(j, a) in &nonzero {
                for &(k, b) in &nonzero {
                    info[[j, k]] += weight * a * b;
                }
            }
        }
        for j in 1..terms {
            info[[j, j]] += l2;
        }
        return info;
    }
    let mut scratch = Array2::<f64>::zeros((BLOCK_ROWS, terms));
    let mut weights = vec![0.0; BLOCK_ROWS];
    visit_blocks(x, |start, block| {
        for (i, weight) in weights.iter_mut().take(block.nrows()).enumerate() {
            *weight = weight_of(start + i, dot(row(&block, i), theta));
        }
        add_weighted_gram(&block, &weights, &mut scratch, &mut info);
    });
    for j in 1..terms {
        info[[j, j]] += l2;
    }
    info
}

/// Inverse of the penalized Fisher information, with row weights `p(1-p)`.
pub fn logistic_covariance(x: &dyn DesignRows, b: f64, w: &[f64], l2: f64) -> Option<Array2<f64>> {
    logistic_covariance_weighted(x, None, b, w, l2)
}

/// [`logistic_covariance`] with row weights `s_i·p(1-p)`.
pub fn logistic_covariance_weighted(
    x: &dyn DesignRows,
    sample_weights: Option<&[f64]>,
    b: f64,
    w: &[f64],
    l2: f64,
) -> Option<Array2<f64>> {
    let theta: Vec<f64> = std::iter::once(b).chain(w.iter().copied()).collect();
    let information = penalized_information(
        x,
        &theta,
        |i, eta| {
            let prob = sigmoid(eta);
            weight_of(sample_weights, i) * prob * (1.0 - prob)
        },
        l2,
    );
    spd_inverse(&information)
}
