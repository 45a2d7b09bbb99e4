//! Logistic regression by Newton's method: one pass over the rows gives the penalized loss,
//! gradient and information; steps are halved while the loss does not decrease.

use super::fitted::{LinearFit, SolverRun};
use super::loss::{
    intercept_only, largest_abs, logistic_row, positive_weight, total_weight, weight_of,
};
use crate::design::{add_weighted_gram, dot, row, visit_blocks, DesignRows, BLOCK_ROWS};
use crate::error::Result;
use crate::linalg::{cholesky, cholesky_solve, spd_inverse};
use ndarray::{Array1, Array2};

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

/// Whether a design of `width` columns (`width + 1` terms with the intercept) is fitted by
/// Newton's method; the wider ones go to L-BFGS, which reads the design hundreds of times.
pub fn fitted_by_newton(width: usize) -> bool {
    width < NEWTON_MAX_TERMS
}

/// Where Newton's method stopped: the coefficients `[b, w...]` and the penalized
/// information matrix there.
pub struct NewtonSolution {
    pub theta: Array1<f64>,
    pub information: Array2<f64>,
    /// Steps taken and where the gradient stood (its largest component per unit of row
    /// weight).
    pub steps: u64,
    pub largest_gradient_per_row: f64,
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
            // Newton's method returns only where its gradient reached the tolerance or its
            // steps stopped moving the coefficients (1e-12 relative).
            run: Some(SolverRun {
                solver: "newton",
                steps: self.steps,
                largest_gradient_per_row: self.largest_gradient_per_row,
                converged: true,
            }),
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
pub(super) fn newton(
    x: &dyn DesignRows,
    y: &[bool],
    weights: Option<&[f64]>,
    l2: f64,
    max_iter: u64,
) -> Option<NewtonSolution> {
    let rows = total_weight(weights, y.len());
    let positives = positive_weight(y, weights);
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
    let mut theta = Array1::<f64>::zeros(terms);
    theta[0] = intercept_only(rows, positives);
    newton_from(theta, rows, max_iter, pass)
}

/// Newton's method from `theta`, whose passes `pass` makes, on a loss summed over `rows`
/// (weighted) rows: stops when no gradient component exceeds the tolerance per row, or the
/// steps no longer move. `Ok(None)` when it cannot finish (a singular information matrix, a
/// direction that does not descend, `max_iter` steps).
pub fn newton_from(
    mut theta: Array1<f64>,
    rows: f64,
    max_iter: u64,
    pass: &mut dyn FnMut(&Array1<f64>) -> Result<NewtonPass>,
) -> Result<Option<NewtonSolution>> {
    let rows = rows.max(f64::MIN_POSITIVE);
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
        let largest_gradient = largest_abs(&pass.gradient);
        let settled = last.as_ref().is_some_and(|step| {
            step.fraction * largest_abs(&step.direction) <= 1e-12 * (1.0 + largest_abs(&theta))
        });
        if largest_gradient <= NEWTON_GRADIENT_TOLERANCE_PER_ROW * rows || settled {
            return Ok(Some(NewtonSolution {
                theta,
                information: pass.information,
                steps,
                largest_gradient_per_row: largest_gradient / rows,
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
