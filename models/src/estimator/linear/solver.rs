//! Linear models on the standardized design: logistic regression (Newton's method on the
//! penalized log-loss, or L-BFGS for designs too wide for it) and linear regression (ridge
//! normal equations), each with the covariance matrix of its coefficients, from which
//! standard errors, z statistics, p-values and odds ratios on the original feature scale are
//! derived. Every solver reads its design a block of rows at a time (design.rs): no design
//! matrix of the whole training split is needed.

use crate::design::{
    add_weighted_gram, dot, for_each_block, row, visit_blocks, DesignRows, BLOCK_ROWS,
};
use crate::error::{Error, ErrorKind, Result};
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

/// L-BFGS's stopping tolerance on the gradient norm of the mean log-loss.
pub const GRADIENT_TOLERANCE_PER_ROW: f64 = 1e-6;

/// Newton's method stops when no component of the mean penalized log-loss's gradient exceeds
/// this. Its steps converge quadratically, so the coefficients are then within about
/// 1e-8 / (the information's smallest eigenvalue per row) of the optimum; the pass before
/// typically stands near 1e-4.
pub const NEWTON_GRADIENT_TOLERANCE_PER_ROW: f64 = 1e-8;

/// Widest design (terms with the intercept) fitted by Newton's method ([`fitted_by_newton`]). A Newton pass costs
/// n·p² (the information matrix) and each step p³/3, an L-BFGS evaluation n·p: past a few
/// hundred terms the many cheap passes win.
pub const NEWTON_MAX_TERMS: usize = 256;

/// A backtracked Newton step shorter than this share of the full one means the direction
/// does not descend (numerically singular information): L-BFGS takes over.
const SMALLEST_STEP_FRACTION: f64 = 1.0 / 1024.0;

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Fits `P(y) = σ(b + x·w)` minimizing `Σ logloss + l2/2·‖w‖²` (scikit-learn's
/// `LogisticRegression(C = 1/l2)` objective), with the covariance of the coefficients (the
/// inverse of the penalized information at the solution). `y[i]` is true for the positive
/// class.
///
/// Designs up to [`NEWTON_MAX_TERMS`] wide are fitted by Newton's method (one pass over the
/// rows per step, about 6 to 9 passes from zero); wider ones, and the rare problems where
/// Newton's steps do not descend (a singular information matrix when `l2` is 0), by
/// linfa-logistic 0.8.1's solver: argmin's L-BFGS (memory 10) with the More-Thuente line
/// search, from zero. Both check for interrupts between blocks of rows.
pub fn fit_logistic(x: &dyn DesignRows, y: &[bool], l2: f64, max_iter: u64) -> Result<LinearFit> {
    fit_logistic_with(x, y, None, l2, max_iter, true)
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
    fit_logistic_with(x, y, weights, l2, max_iter, true)
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
    fit_logistic_with(x, y, weights, l2, max_iter, false)
}

/// Row `i`'s weight in the loss.
fn weight_of(weights: Option<&[f64]>, i: usize) -> f64 {
    weights.map_or(1.0, |w| w[i])
}

/// The rows' total weight: what a per-row tolerance scales with.
fn total_weight(weights: Option<&[f64]>, rows: usize) -> f64 {
    weights.map_or(rows as f64, |w| w.iter().sum())
}

/// Whether a design of `width` columns (`width + 1` terms with the intercept) is fitted by
/// Newton's method; the wider ones go to L-BFGS, which reads the design hundreds of times.
pub fn fitted_by_newton(width: usize) -> bool {
    width < NEWTON_MAX_TERMS
}

fn fit_logistic_with(
    x: &dyn DesignRows,
    y: &[bool],
    weights: Option<&[f64]>,
    l2: f64,
    max_iter: u64,
    covariance: bool,
) -> Result<LinearFit> {
    check_finite_design(x)?;
    if fitted_by_newton(x.width()) {
        if let Some(solution) = newton(x, y, weights, l2, max_iter) {
            return Ok(solution.into_fit(covariance));
        }
    }
    let mut fit = lbfgs(x, y, weights, l2, max_iter)?;
    if covariance {
        fit.covariance = logistic_covariance_weighted(x, weights, fit.intercept, &fit.weights, l2);
    }
    Ok(fit)
}

/// The error for a design with a NaN or an infinity (a standardization that overflowed).
fn non_finite_design() -> Error {
    Error::invalid_data("the design matrix holds a value that is not finite")
        .with_hint("rescale features whose values are near the limits of double precision")
}

/// Refuses a design with a NaN or an infinity.
fn check_finite_design(x: &dyn DesignRows) -> Result<()> {
    for_each_block(x, |_, block| {
        if block.iter().all(|v| v.is_finite()) {
            Ok(())
        } else {
            Err(non_finite_design())
        }
    })
}

/// Where Newton's method stopped: the coefficients `[b, w...]` and the penalized
/// information matrix there.
pub struct NewtonSolution {
    pub theta: Array1<f64>,
    pub information: Array2<f64>,
}

impl NewtonSolution {
    pub fn into_fit(self, covariance: bool) -> LinearFit {
        LinearFit {
            intercept: self.theta[0],
            weights: self.theta.iter().skip(1).copied().collect(),
            covariance: if covariance {
                spd_inverse(&self.information)
            } else {
                None
            },
        }
    }
}

/// One pass over the rows at `theta`: the penalized log-loss, its gradient and its Hessian
/// (the penalized information `Aᵀ·diag(μ(1-μ))·A + l2·D`).
pub struct NewtonPass {
    pub loss: f64,
    pub gradient: Array1<f64>,
    pub information: Array2<f64>,
}

impl NewtonPass {
    /// The pass from its sums over the rows (unpenalized), with the L2 penalty on every
    /// coefficient but the intercept added.
    pub fn penalized(
        mut loss: f64,
        mut gradient: Array1<f64>,
        mut information: Array2<f64>,
        theta: &Array1<f64>,
        l2: f64,
    ) -> NewtonPass {
        for j in 1..theta.len() {
            loss += 0.5 * l2 * theta[j] * theta[j];
            gradient[j] += l2 * theta[j];
            information[[j, j]] += l2;
        }
        NewtonPass {
            loss,
            gradient,
            information,
        }
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

fn newton_pass(
    x: &dyn DesignRows,
    y: &[bool],
    sample_weights: Option<&[f64]>,
    theta: &Array1<f64>,
    l2: f64,
) -> NewtonPass {
    let terms = theta.len();
    let coefficients = theta.as_slice().expect("a new, contiguous vector");
    let mut loss = 0.0;
    let mut gradient = vec![0.0; terms];
    let mut information = Array2::<f64>::zeros((terms, terms));
    let mut scratch = Array2::<f64>::zeros((BLOCK_ROWS, terms));
    let mut weights = vec![0.0; BLOCK_ROWS];
    visit_blocks(x, |start, block| {
        for (i, (weight, &positive)) in weights.iter_mut().zip(&y[start..]).enumerate() {
            if i == block.nrows() {
                break;
            }
            let a = row(&block, i);
            let eta = dot(a, coefficients);
            let s = weight_of(sample_weights, start + i);
            let (row_loss, residual, information_weight) = logistic_row(eta, positive);
            loss += s * row_loss;
            gradient
                .iter_mut()
                .zip(a)
                .for_each(|(g, &v)| *g += s * residual * v);
            *weight = s * information_weight;
        }
        add_weighted_gram(&block, &weights, &mut scratch, &mut information);
    });
    NewtonPass::penalized(loss, Array1::from(gradient), information, theta, l2)
}

/// The step last taken: from where, in which direction, at what loss, and what share of
/// the full Newton step (halved while the loss does not decrease).
struct Step {
    from: Array1<f64>,
    direction: Array1<f64>,
    loss: f64,
    fraction: f64,
}

/// Newton's method from zero: each pass gives the loss, gradient and information at the
/// current coefficients; a step that raised the loss is halved. `None` when it cannot finish
/// (a singular information matrix, a direction that does not descend, `max_iter` steps).
fn newton(
    x: &dyn DesignRows,
    y: &[bool],
    weights: Option<&[f64]>,
    l2: f64,
    max_iter: u64,
) -> Option<NewtonSolution> {
    let rows = total_weight(weights, y.len());
    let positives: f64 = (0..y.len())
        .filter(|&i| y[i])
        .map(|i| weight_of(weights, i))
        .sum();
    let mut pass =
        |theta: &Array1<f64>| -> Result<NewtonPass> { Ok(newton_pass(x, y, weights, theta, l2)) };
    newton_by_passes(x.width() + 1, rows, positives, max_iter, &mut pass).unwrap_or(None)
}

/// Newton's method on `terms` coefficients (the intercept first) whose passes `pass` makes:
/// over rows in memory, or as an aggregate on the rows where they are stored. `rows` and
/// `positives` are the (weighted) row and positive counts. `Ok(None)` when it cannot finish
/// (a singular information matrix, a direction that does not descend, `max_iter` steps).
pub fn newton_by_passes(
    terms: usize,
    rows: f64,
    positives: f64,
    max_iter: u64,
    pass: &mut dyn FnMut(&Array1<f64>) -> Result<NewtonPass>,
) -> Result<Option<NewtonSolution>> {
    let rows = rows.max(f64::MIN_POSITIVE);
    let mut theta = Array1::<f64>::zeros(terms);
    // The intercept-only model's solution saves a step: the log-odds of the positive rate.
    if positives > 0.0 && positives < rows {
        theta[0] = (positives / (rows - positives)).ln();
    }
    let mut last: Option<Step> = None;
    let mut steps = 0u64;
    loop {
        let pass = pass(&theta)?;
        if let Some(step) = &mut last {
            // Rounding can raise a converged loss in its last digits: that is no failure. A
            // NaN loss is not "no higher" either.
            let descended = pass.loss <= step.loss + 1e-12 * step.loss.abs();
            if !descended {
                step.fraction *= 0.5;
                if step.fraction < SMALLEST_STEP_FRACTION {
                    return Ok(None);
                }
                theta = &step.from - &(&step.direction * step.fraction);
                continue;
            }
        }
        let largest_gradient = pass.gradient.iter().fold(0.0_f64, |m, g| m.max(g.abs()));
        let settled = last.as_ref().is_some_and(|step| {
            let moved = step.direction.iter().fold(0.0_f64, |m, d| m.max(d.abs()));
            step.fraction * moved
                <= 1e-12 * (1.0 + theta.iter().fold(0.0_f64, |m, t| m.max(t.abs())))
        });
        if largest_gradient <= NEWTON_GRADIENT_TOLERANCE_PER_ROW * rows || settled {
            return Ok(Some(NewtonSolution {
                theta,
                information: pass.information,
            }));
        }
        if steps == max_iter {
            return Ok(None);
        }
        let Some(factor) = cholesky(&pass.information) else {
            return Ok(None);
        };
        let direction = cholesky_solve(&factor, &pass.gradient);
        if !direction.iter().all(|d| d.is_finite()) {
            return Ok(None);
        }
        theta = &theta - &direction;
        last = Some(Step {
            from: &theta + &direction,
            direction,
            loss: pass.loss,
            fraction: 1.0,
        });
        steps += 1;
    }
}

/// linfa-logistic's L-BFGS, run through argmin so that each evaluation can be cancelled.
fn lbfgs(
    x: &dyn DesignRows,
    y: &[bool],
    weights: Option<&[f64]>,
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
    let problem = LogisticProblem {
        x,
        y,
        weights,
        alpha: l2,
    };
    // linfa stops on the norm of the gradient of the SUMMED loss, which grows with n; an
    // absolute tolerance would make large tables iterate to max_iter. Scaling by n applies
    // the tolerance to the mean loss, as scikit-learn does (100x tighter than its default 1e-4).
    let tolerance = GRADIENT_TOLERANCE_PER_ROW * total_weight(weights, y.len()).max(1.0);
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(tolerance)
        .map_err(|e| failed(e.to_string()))?;
    let start = Array1::<f64>::zeros(x.width() + 1);
    let result = Executor::new(problem, solver)
        .configure(|state| state.param(start.clone()).max_iters(max_iter))
        .run()
        .map_err(|e| failed(e.to_string()))?;
    let theta = result.state.best_param.unwrap_or(start);
    Ok(LinearFit {
        intercept: theta[0],
        weights: theta.iter().skip(1).copied().collect(),
        covariance: None,
    })
}

/// The binary problem over a design read in blocks; parameters `[b, w...]`.
struct LogisticProblem<'a> {
    x: &'a dyn DesignRows,
    y: &'a [bool],
    weights: Option<&'a [f64]>,
    alpha: f64,
}

/// One design row as a solver pass sees it.
enum DesignRow<'a> {
    /// Every value, the intercept's leading 1 first.
    Dense(&'a [f64]),
    /// The non-zero columns (without the intercept) and their values.
    Sparse(&'a [u32], &'a [f64]),
}

impl DesignRow<'_> {
    /// Adds `scale` × the row (intercept included) to `sum`.
    fn add_scaled_to(&self, scale: f64, sum: &mut [f64]) {
        match *self {
            DesignRow::Dense(a) => sum.iter_mut().zip(a).for_each(|(g, &v)| *g += scale * v),
            DesignRow::Sparse(columns, values) => {
                sum[0] += scale;
                for (&c, &v) in columns.iter().zip(values) {
                    sum[1 + c as usize] += scale * v;
                }
            }
        }
    }
}

impl LogisticProblem<'_> {
    /// Calls `on_row(row index, design row, b + x·w)` for every row.
    fn each_row(&self, theta: &Array1<f64>, mut on_row: impl FnMut(usize, DesignRow<'_>, f64)) {
        let coefficients = theta.as_slice().expect("argmin's vectors are contiguous");
        if let Some(sparse) = self.x.sparse() {
            for i in 0..sparse.n_rows() {
                if i % BLOCK_ROWS == 0 {
                    crate::interrupt::check();
                }
                let (columns, values) = sparse.row(i);
                let eta = sparse.linear_predictor(i, coefficients);
                on_row(i, DesignRow::Sparse(columns, values), eta);
            }
            return;
        }
        visit_blocks(self.x, |start, block| {
            for i in 0..block.nrows() {
                let a = row(&block, i);
                on_row(start + i, DesignRow::Dense(a), dot(a, coefficients));
            }
        });
    }
}

impl CostFunction for LogisticProblem<'_> {
    type Param = Array1<f64>;
    type Output = f64;

    fn cost(&self, theta: &Array1<f64>) -> std::result::Result<f64, argmin::core::Error> {
        let mut loss = 0.0;
        self.each_row(theta, |i, _, eta| {
            let margin = if self.y[i] { eta } else { -eta };
            loss -= weight_of(self.weights, i) * log_logistic(margin);
        });
        let weights = theta.slice(s![1..]);
        Ok(loss + 0.5 * self.alpha * weights.dot(&weights))
    }
}

impl Gradient for LogisticProblem<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(
        &self,
        theta: &Array1<f64>,
    ) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        let mut gradient = vec![0.0; theta.len()];
        self.each_row(theta, |i, a, eta| {
            let residual =
                weight_of(self.weights, i) * (sigmoid(eta) - f64::from(u8::from(self.y[i])));
            a.add_scaled_to(residual, &mut gradient);
        });
        for j in 1..theta.len() {
            gradient[j] += self.alpha * theta[j];
        }
        Ok(Array1::from(gradient))
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
    let weights = ArrayView1::from(weights);
    x.rows()
        .into_iter()
        .map(|row| match (row.as_slice(), weights.as_slice()) {
            (Some(r), Some(w)) => intercept + dot(r, w),
            _ => intercept + row.dot(&weights),
        })
        .collect()
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

/// Fits `y = b + x·w` minimizing `Σ (y - ŷ)² + l2·‖w‖²` (intercept unpenalized) by the
/// normal equations; the covariance is `σ̂²·(AᵀA + l2·D)⁻¹` with `σ̂² = RSS / (n - p - 1)`.
/// Two passes over the rows: the Gram matrix with `Aᵀy`, then the residuals.
pub fn fit_linear(x: &dyn DesignRows, y: &[f64], l2: f64) -> Result<LinearFit> {
    let terms = x.width() + 1;
    let mut gram = Array2::<f64>::zeros((terms, terms));
    let mut rhs = vec![0.0; terms];
    let mut scratch = Array2::<f64>::zeros((BLOCK_ROWS, terms));
    let ones = vec![1.0; BLOCK_ROWS];
    let mut finite = true;
    visit_blocks(x, |start, block| {
        finite &= block.iter().all(|v| v.is_finite());
        for i in 0..block.nrows() {
            let target = y[start + i];
            rhs.iter_mut()
                .zip(row(&block, i))
                .for_each(|(r, &v)| *r += target * v);
        }
        add_weighted_gram(&block, &ones, &mut scratch, &mut gram);
    });
    if !finite {
        return Err(non_finite_design());
    }
    for j in 1..terms {
        gram[[j, j]] += l2;
    }
    let l = cholesky(&gram).ok_or_else(|| {
        Error::invalid_data(
            "features are collinear: the least-squares problem has no unique solution",
        )
        .with_hint("drop redundant features, or set options.l2 > 0 (ridge regression)")
    })?;
    let theta = cholesky_solve(&l, &Array1::from(rhs));
    let coefficients = theta.as_slice().expect("a new, contiguous vector");
    let mut rss = 0.0;
    visit_blocks(x, |start, block| {
        for i in 0..block.nrows() {
            let residual = y[start + i] - dot(row(&block, i), coefficients);
            rss += residual * residual;
        }
    });
    let dof = y.len() as f64 - terms as f64;
    let covariance = if dof > 0.0 {
        spd_inverse(&gram).map(|inv| inv * (rss / dof))
    } else {
        None
    };
    Ok(LinearFit {
        intercept: theta[0],
        weights: theta.iter().skip(1).copied().collect(),
        covariance,
    })
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
        // (tolerance 1e-6: Newton's method converges to 1e-8 of the mean gradient; the
        // references have 8 decimals).
        let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0]];
        let y = [false, false, false, true, false, true, true, true];
        let fit = fit_logistic(&x, &y, 1.0, 200).unwrap();
        assert!(
            (fit.intercept - -3.03732593).abs() < 1e-6,
            "{}",
            fit.intercept
        );
        assert!(
            (fit.weights[0] - 0.86780741).abs() < 1e-6,
            "{}",
            fit.weights[0]
        );
    }

    #[test]
    fn lbfgs_on_sparse_rows_reaches_the_dense_optimum() {
        // 300 columns (past Newton's limit), about 3 set per row, as hashed text is.
        let (rows, width) = (2000, 300);
        let mut x = Array2::<f64>::zeros((rows, width));
        let mut y = Vec::with_capacity(rows);
        for i in 0..rows {
            let mut eta = -0.5;
            for k in 0..3 {
                let c = (i * 7919 + k * 104_729) % width;
                let v = 0.2 + ((i * 31 + k) % 7) as f64 / 10.0;
                x[[i, c]] = v;
                eta += if c % 5 == 0 { 2.0 * v } else { -0.3 * v };
            }
            y.push((i * 2_654_435_761 % 1000) as f64 / 1000.0 < 1.0 / (1.0 + (-eta).exp()));
        }
        let dense = fit_logistic(&x, &y, 1.0, 500).unwrap();
        let held = crate::design::SparseDesign::read(&x, usize::MAX).unwrap();
        assert!(held.sparse().is_some());
        let mut block = Array2::<f64>::zeros((3, width));
        held.fill(10, block.view_mut());
        assert_eq!(
            block,
            x.slice(ndarray::s![10..13, ..]),
            "sparse rows fill as dense"
        );
        let sparse = fit_logistic(&held, &y, 1.0, 500).unwrap();
        let gap = dense
            .weights
            .iter()
            .zip(&sparse.weights)
            .map(|(a, b)| (a - b).abs())
            .fold((dense.intercept - sparse.intercept).abs(), f64::max);
        // Both stop at a mean gradient of 1e-6 per row; the sums differ only in their order.
        assert!(gap < 1e-4, "largest difference {gap:e}");
        assert!(
            crate::design::SparseDesign::read(&x, 100).is_none(),
            "over the budget"
        );
        // The information matrix (standard errors) from the sparse rows equals the dense one.
        let (b, w) = (sparse.intercept, &sparse.weights);
        let from_dense = logistic_covariance(&x, b, w, 1.0).unwrap();
        let from_sparse = logistic_covariance(&held, b, w, 1.0).unwrap();
        let gap = (&from_dense - &from_sparse)
            .iter()
            .fold(0.0f64, |m, d| m.max(d.abs()));
        assert!(gap < 1e-12, "covariance differs by {gap:e}");
    }

    /// A reproducible 3-column problem with a known logistic truth.
    fn synthetic(rows: usize) -> (Array2<f64>, Vec<bool>) {
        let mut state = 12345u64;
        let mut uniform = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let x = Array2::from_shape_fn((rows, 3), |_| uniform() * 4.0 - 2.0);
        let y = x
            .rows()
            .into_iter()
            .map(|r| uniform() < sigmoid(0.5 + 1.5 * r[0] - r[1] + 0.25 * r[2]))
            .collect();
        (x, y)
    }

    #[test]
    fn newton_and_lbfgs_reach_the_same_optimum() {
        // The two solvers minimize the same objective: Newton to a mean gradient of 1e-8,
        // L-BFGS to 1e-6 (so 1e-4 between them on standardized-size coefficients).
        let (x, y) = synthetic(5000);
        let newton = newton(&x, &y, None, 1.0, 100).unwrap().into_fit(true);
        let lbfgs = lbfgs(&x, &y, None, 1.0, 100).unwrap();
        assert!((newton.intercept - lbfgs.intercept).abs() < 1e-4);
        for (a, b) in newton.weights.iter().zip(&lbfgs.weights) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
        // Newton's covariance is the inverse information at its solution, as the separate
        // pass computes it.
        let separate = logistic_covariance(&x, newton.intercept, &newton.weights, 1.0).unwrap();
        let own = newton.covariance.unwrap();
        assert!((&own - &separate).iter().all(|d| d.abs() < 1e-9));
    }

    #[test]
    fn separable_data_without_a_penalty_stops_with_finite_separating_weights() {
        // With l2 = 0 the optimum is at infinity; the steps stop once the mean gradient is
        // below the tolerance (as scikit-learn's penalty=None does), never at a non-finite value.
        let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]];
        let y = [false, false, false, true, true, true];
        let fit = fit_logistic(&x, &y, 0.0, 100).unwrap();
        assert!(fit.weights[0] > 1.0 && fit.weights[0].is_finite());
        let at = |v: f64| sigmoid(fit.intercept + fit.weights[0] * v);
        assert!(at(2.0) < 0.01 && at(3.0) > 0.99);
    }

    #[test]
    fn collinear_columns_without_a_penalty_are_left_to_lbfgs() {
        // Two equal columns and l2 = 0: the information matrix is singular, Newton gives up,
        // and L-BFGS splits the weight between the twins.
        let (single, y) = synthetic(400);
        let mut twins = Array2::<f64>::zeros((400, 2));
        twins.column_mut(0).assign(&single.column(0));
        twins.column_mut(1).assign(&single.column(0));
        assert!(newton(&twins, &y, None, 0.0, 100).is_none());
        let fit = fit_logistic(&twins, &y, 0.0, 100).unwrap();
        assert!(
            (fit.weights[0] - fit.weights[1]).abs() < 1e-3,
            "{:?}",
            fit.weights
        );
    }

    #[test]
    fn a_non_finite_design_value_is_refused() {
        let x = array![[0.0], [f64::INFINITY], [2.0], [3.0]];
        let y = [false, true, false, true];
        let e = fit_logistic(&x, &y, 1.0, 100).unwrap_err();
        assert!(e.to_string().contains("not finite"), "{e}");
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
