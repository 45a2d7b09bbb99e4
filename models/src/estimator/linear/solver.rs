//! Linear models on the standardized design matrix: logistic regression (fitted by
//! linfa-logistic's L-BFGS, run through argmin here so that it can be cancelled) and linear
//! regression (ridge normal equations), each with the covariance matrix of its coefficients,
//! from which standard errors, z statistics, p-values and odds ratios on the original feature
//! scale are derived.

use crate::error::{Error, ErrorKind, Result};
use crate::interrupt;
use crate::linalg::{cholesky, cholesky_solve, spd_inverse};
use argmin::core::{CostFunction, Executor, Gradient};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::{s, Array1, Array2, ArrayView1};
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

/// Stopping tolerance on the gradient norm of the mean log-loss.
pub const GRADIENT_TOLERANCE_PER_ROW: f64 = 1e-6;

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Fits `P(y) = σ(b + x·w)` minimizing `Σ logloss + l2/2·‖w‖²` (scikit-learn's
/// `LogisticRegression(C = 1/l2)` objective). `y[i]` is true for the positive class.
///
/// The solver is linfa-logistic 0.8.1's: argmin's L-BFGS (memory 10) with the More-Thuente
/// line search, its cost and gradient formulas and its stopping rule, from zero (solutions
/// agree with linfa's to the stopping tolerance, not bit for bit: the iterates round
/// differently). The positive class is labelled +1, so the result is oriented as is. finml
/// runs it itself so that each cost and gradient evaluation checks for interrupts.
pub fn fit_logistic(x: &Array2<f64>, y: &[bool], l2: f64, max_iter: u64) -> Result<LinearFit> {
    let mut fit = fit_logistic_coefficients(x, y, l2, max_iter)?;
    fit.covariance = logistic_covariance(x, fit.intercept, &fit.weights, l2);
    Ok(fit)
}

/// [`fit_logistic`] without the covariance matrix (`None`), for fits that only decide.
pub fn fit_logistic_coefficients(
    x: &Array2<f64>,
    y: &[bool],
    l2: f64,
    max_iter: u64,
) -> Result<LinearFit> {
    let failed = |why: String| {
        Error::new(
            ErrorKind::Internal,
            format!("logistic regression failed: {why}"),
        )
        .with_hint("try a larger options.l2 or fewer features")
    };
    if x.iter().any(|v| !v.is_finite()) {
        return Err(
            Error::invalid_data("the design matrix holds a value that is not finite")
                .with_hint("rescale features whose values are near the limits of double precision"),
        );
    }
    let problem = LogisticProblem {
        x,
        target: y.iter().map(|&v| if v { 1.0 } else { -1.0 }).collect(),
        alpha: l2,
    };
    // linfa stops on the norm of the gradient of the SUMMED loss, which grows with n; an
    // absolute tolerance would make large tables iterate to max_iter. Scaling by n applies
    // the tolerance to the mean loss, as scikit-learn does (100x tighter than its default 1e-4).
    let tolerance = GRADIENT_TOLERANCE_PER_ROW * y.len().max(1) as f64;
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(tolerance)
        .map_err(|e| failed(e.to_string()))?;
    let start = Array1::<f64>::zeros(x.ncols() + 1);
    let result = Executor::new(problem, solver)
        .configure(|state| state.param(start.clone()).max_iters(max_iter))
        .run()
        .map_err(|e| failed(e.to_string()))?;
    let params = result.state.best_param.unwrap_or(start);
    let n = x.ncols();
    let intercept = params[n];
    let weights: Vec<f64> = params.iter().take(n).copied().collect();
    Ok(LinearFit {
        intercept,
        weights,
        covariance: None,
    })
}

/// linfa-logistic's binary problem: labels ±1, parameters `[w..., b]`.
struct LogisticProblem<'a> {
    x: &'a Array2<f64>,
    target: Array1<f64>,
    alpha: f64,
}

impl LogisticProblem<'_> {
    /// `y·(X·w + b)` for every row, one contiguous row at a time (a matrix product through
    /// matrixmultiply packs the whole design matrix on every call).
    fn margins(&self, w: &Array1<f64>) -> Array1<f64> {
        let n = self.x.ncols();
        let weights = w.slice(s![..n]);
        let b = w[n];
        self.x
            .rows()
            .into_iter()
            .zip(&self.target)
            .map(|(row, &t)| t * (b + row.dot(&weights)))
            .collect()
    }
}

impl CostFunction for LogisticProblem<'_> {
    type Param = Array1<f64>;
    type Output = f64;

    fn cost(&self, w: &Array1<f64>) -> std::result::Result<f64, argmin::core::Error> {
        interrupt::check();
        let params = w.slice(s![..self.x.ncols()]);
        let loss = self.margins(w).mapv(log_logistic).sum();
        Ok(-loss + 0.5 * self.alpha * params.dot(&params))
    }
}

impl Gradient for LogisticProblem<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(&self, w: &Array1<f64>) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        interrupt::check();
        let n = self.x.ncols();
        let params = w.slice(s![..n]);
        let mut yz = self.margins(w).mapv(|v| 1.0 / (1.0 + (-v).exp()));
        yz -= 1.0;
        yz *= &self.target;
        // Xᵀ·yz accumulated row by row: X is row-major, and a transposed matrix-vector
        // product walks its columns with a stride of a whole row (measured: 72% of a
        // million-row training).
        let mut grad = Array1::<f64>::zeros(n + 1);
        let mut sums = vec![0.0; n];
        for (row, &r) in self.x.rows().into_iter().zip(&yz) {
            match row.as_slice() {
                Some(values) => sums.iter_mut().zip(values).for_each(|(g, &v)| *g += r * v),
                None => sums
                    .iter_mut()
                    .zip(row.iter())
                    .for_each(|(g, &v)| *g += r * v),
            }
        }
        for (j, g) in sums.into_iter().enumerate() {
            grad[j] = g + params[j] * self.alpha;
        }
        grad[n] = yz.sum();
        Ok(grad)
    }
}

/// `ln σ(x)` without overflow (linfa-logistic's form).
fn log_logistic(x: f64) -> f64 {
    if x > 0.0 {
        -(1.0 + (-x).exp()).ln()
    } else {
        x - (1.0 + x.exp()).ln()
    }
}

/// `b + X·w` for every row of `x`.
pub fn linear_predictor(x: &Array2<f64>, intercept: f64, weights: &[f64]) -> Array1<f64> {
    x.dot(&ArrayView1::from(weights)) + intercept
}

/// `Aᵀ·diag(v)·A + l2·D` with `A = [1 | X]`, `v` the row weights (all 1 when `None`) and `D`
/// the identity without the intercept: the penalized information matrix of both models.
fn penalized_information(
    x: &Array2<f64>,
    row_weights: Option<&Array1<f64>>,
    l2: f64,
) -> Array2<f64> {
    let p = x.ncols() + 1;
    let mut info = Array2::<f64>::zeros((p, p));
    let mut row = vec![0.0; p];
    row[0] = 1.0;
    for (i, xi) in x.rows().into_iter().enumerate() {
        // n·p²/2 work: a cancel must not wait for all of it.
        interrupt::check_every(i, 64);
        for (slot, v) in row[1..].iter_mut().zip(xi.iter()) {
            *slot = *v;
        }
        accumulate_outer(&mut info, &row, row_weights.map_or(1.0, |w| w[i]));
    }
    symmetrize(&mut info);
    for j in 1..p {
        info[[j, j]] += l2;
    }
    info
}

/// Inverse of the penalized Fisher information, with row weights `p(1-p)`.
pub fn logistic_covariance(x: &Array2<f64>, b: f64, w: &[f64], l2: f64) -> Option<Array2<f64>> {
    let weights = linear_predictor(x, b, w).mapv(|eta| {
        let prob = sigmoid(eta);
        prob * (1.0 - prob)
    });
    spd_inverse(&penalized_information(x, Some(&weights), l2))
}

/// Fits `y = b + x·w` minimizing `Σ (y - ŷ)² + l2·‖w‖²` (intercept unpenalized) by the
/// normal equations; the covariance is `σ̂²·(AᵀA + l2·D)⁻¹` with `σ̂² = RSS / (n - p - 1)`.
pub fn fit_linear(x: &Array2<f64>, y: &[f64], l2: f64) -> Result<LinearFit> {
    let p = x.ncols() + 1;
    let y = ArrayView1::from(y);
    let gram = penalized_information(x, None, l2);
    // Aᵀy = [Σy, Xᵀy]
    let mut rhs = Array1::<f64>::zeros(p);
    rhs[0] = y.sum();
    rhs.slice_mut(s![1..]).assign(&x.t().dot(&y));
    let l = cholesky(&gram).ok_or_else(|| {
        Error::invalid_data(
            "features are collinear: the least-squares problem has no unique solution",
        )
        .with_hint("drop redundant features, or set options.l2 > 0 (ridge regression)")
    })?;
    let theta = cholesky_solve(&l, &rhs);
    let intercept = theta[0];
    let weights: Vec<f64> = theta.iter().skip(1).copied().collect();
    let residuals = &y - &linear_predictor(x, intercept, &weights);
    let rss = residuals.dot(&residuals);
    let dof = y.len() as f64 - p as f64;
    let covariance = if dof > 0.0 {
        spd_inverse(&gram).map(|inv| inv * (rss / dof))
    } else {
        None
    };
    Ok(LinearFit {
        intercept,
        weights,
        covariance,
    })
}

/// Adds `weight · row·rowᵀ` to the upper triangle of `m`.
fn accumulate_outer(m: &mut Array2<f64>, row: &[f64], weight: f64) {
    for (i, &ri) in row.iter().enumerate() {
        if ri == 0.0 {
            continue; // one-hot rows are mostly zeros
        }
        let wi = weight * ri;
        for (j, &rj) in row.iter().enumerate().skip(i) {
            m[[i, j]] += wi * rj;
        }
    }
}

fn symmetrize(m: &mut Array2<f64>) {
    let p = m.nrows();
    for i in 0..p {
        for j in 0..i {
            m[[i, j]] = m[[j, i]];
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn logistic_matches_scikit_learn() {
        // Reference: scikit-learn 1.9.1, LogisticRegression(C=1.0, tol=1e-10).fit(X, y) on
        //   X = [[0],[1],[2],[3],[4],[5],[6],[7]], y = [0,0,0,1,0,1,1,1]
        // gives intercept_ = -3.03732593, coef_ = [[0.86780741]]
        // (tolerance 1e-3: linfa's L-BFGS stops at a gradient norm of 1e-4).
        let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0]];
        let y = [false, false, false, true, false, true, true, true];
        let fit = fit_logistic(&x, &y, 1.0, 200).unwrap();
        assert!(
            (fit.intercept - -3.03732593).abs() < 1e-3,
            "{}",
            fit.intercept
        );
        assert!(
            (fit.weights[0] - 0.86780741).abs() < 1e-3,
            "{}",
            fit.weights[0]
        );
    }

    #[test]
    fn logistic_orientation_does_not_depend_on_the_majority_class() {
        // Same data with the labels flipped: the fit must flip sign, whichever label is more
        // frequent (linfa's internal positive class is the more frequent one).
        let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0], [6.0]];
        let y = [false, false, true, false, true, true, true];
        let flipped: Vec<bool> = y.iter().map(|v| !v).collect();
        let a = fit_logistic(&x, &y, 1.0, 200).unwrap();
        let b = fit_logistic(&x, &flipped, 1.0, 200).unwrap();
        assert!(a.weights[0] > 0.0);
        assert!((a.weights[0] + b.weights[0]).abs() < 1e-4);
        assert!((a.intercept + b.intercept).abs() < 1e-4);
    }

    #[test]
    fn ols_recovers_an_exact_line_with_zero_standard_error() {
        let x = array![[1.0], [2.0], [3.0], [4.0]];
        let y = [3.0, 5.0, 7.0, 9.0]; // y = 1 + 2x
        let fit = fit_linear(&x, &y, 0.0).unwrap();
        assert!((fit.intercept - 1.0).abs() < 1e-9);
        assert!((fit.weights[0] - 2.0).abs() < 1e-9);
        let se = fit.covariance.unwrap()[[1, 1]].sqrt();
        assert!(se < 1e-6);
    }

    #[test]
    fn ols_standard_errors_match_statsmodels() {
        // Reference: statsmodels 0.15.0, OLS(y, add_constant(x)).fit() on
        //   x = [1, 2, 3, 4, 5], y = [1.1, 1.9, 3.2, 3.9, 5.1]
        // params = [0.04, 1.0], bse = [0.16248077, 0.04898979] (tolerance 1e-6).
        let x = array![[1.0], [2.0], [3.0], [4.0], [5.0]];
        let y = [1.1, 1.9, 3.2, 3.9, 5.1];
        let fit = fit_linear(&x, &y, 0.0).unwrap();
        let coefs = original_scale_coefficients(&fit, &["x".into()], &[(0.0, 1.0)], false);
        assert!((coefs[0].estimate - 0.04).abs() < 1e-9);
        assert!((coefs[1].estimate - 1.0).abs() < 1e-9);
        assert!((coefs[0].std_error.unwrap() - 0.16248077).abs() < 1e-6);
        assert!((coefs[1].std_error.unwrap() - 0.04898979).abs() < 1e-6);
    }

    #[test]
    fn standardized_fit_maps_back_to_original_units() {
        // Fitting on standardized x and mapping back must equal fitting on raw x (OLS).
        let raw = array![[10.0], [20.0], [30.0], [40.0], [50.0]];
        let y = [1.1, 1.9, 3.2, 3.9, 5.1];
        let (mean, scale) = (30.0, 200f64.sqrt());
        let standardized = raw.mapv(|v| (v - mean) / scale);
        let direct = original_scale_coefficients(
            &fit_linear(&raw, &y, 0.0).unwrap(),
            &["x".into()],
            &[(0.0, 1.0)],
            false,
        );
        let mapped = original_scale_coefficients(
            &fit_linear(&standardized, &y, 0.0).unwrap(),
            &["x".into()],
            &[(mean, scale)],
            false,
        );
        for (a, b) in direct.iter().zip(&mapped) {
            assert!((a.estimate - b.estimate).abs() < 1e-9);
            assert!((a.std_error.unwrap() - b.std_error.unwrap()).abs() < 1e-9);
        }
    }
}
