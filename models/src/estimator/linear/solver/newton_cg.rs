//! Logistic regression by truncated Newton (scikit-learn's `newton-cg`), for designs too wide
//! for Newton's method: each step solves the Newton system by conjugate gradients
//! preconditioned with the information's diagonal. A product with the information matrix is
//! one pass over the rows, so no terms × terms matrix is formed and a sparse design (hashed
//! text) costs its non-zero values per pass. Steps converge superlinearly to the same
//! per-row gradient tolerance as Newton's method.

use super::fitted::{LinearFit, SolverRun};
use super::loss::{
    intercept_only, largest_abs, logistic_row, positive_weight, total_weight, weight_of,
};
use super::newton::NEWTON_GRADIENT_TOLERANCE_PER_ROW;
use crate::design::{dot, row, sparse_dot, visit_blocks, DesignRows, BLOCK_ROWS};

/// Conjugate-gradient iterations per Newton step at most (scikit-learn's `maxinner`): a step
/// whose system is not solved by then still descends.
const MAX_CG_ITERATIONS: usize = 200;

/// Backtracking halves a step at most this many times (to 1/1024 of it); a step that still
/// does not lower the loss ends the fit (rounding at the optimum).
const MAX_HALVINGS: u32 = 10;

/// Bytes truncated Newton holds for `rows` rows: each row's information weight at the
/// current coefficients and at the trial step's (a point each).
pub fn truncated_newton_bytes(rows: usize) -> usize {
    rows.saturating_mul(2 * std::mem::size_of::<f64>())
}

/// Armijo's sufficient-decrease share of the predicted decrease.
const SUFFICIENT_DECREASE: f64 = 1e-4;

/// Fits `P(y) = σ(b + x·w)` minimizing `Σ s_i·logloss_i + l2/2·‖w‖²` by truncated Newton from
/// the intercept-only model, at most `max_iter` Newton steps. The fit's `run` says whether the
/// gradient reached the tolerance (no component above 1e-8 per unit of row weight).
pub(super) fn newton_cg(
    x: &dyn DesignRows,
    y: &[bool],
    weights: Option<&[f64]>,
    l2: f64,
    max_iter: u64,
) -> LinearFit {
    let problem = Problem { x, y, weights, l2 };
    let rows = total_weight(weights, y.len()).max(f64::MIN_POSITIVE);
    let tolerance = NEWTON_GRADIENT_TOLERANCE_PER_ROW * rows;
    let mut theta = vec![0.0; x.width() + 1];
    theta[0] = intercept_only(rows, positive_weight(y, weights));
    let mut point = problem.point(&theta);
    let mut steps = 0u64;
    while largest_abs(&point.gradient) > tolerance && steps < max_iter {
        let direction = problem.newton_direction(&point);
        let Some(next) = problem.line_search(&theta, &point, &direction) else {
            break;
        };
        (theta, point) = next;
        steps += 1;
    }
    let largest_gradient = largest_abs(&point.gradient);
    LinearFit {
        intercept: theta[0],
        weights: theta[1..].to_vec(),
        covariance: None,
        run: Some(SolverRun {
            solver: "newton-cg",
            steps,
            largest_gradient_per_row: largest_gradient / rows,
            converged: largest_gradient <= tolerance,
        }),
    }
}

fn norm(v: &[f64]) -> f64 {
    dot(v, v).sqrt()
}

/// The binary problem over a design read in blocks; coefficients `[b, w...]`.
struct Problem<'a> {
    x: &'a dyn DesignRows,
    y: &'a [bool],
    weights: Option<&'a [f64]>,
    l2: f64,
}

/// The penalized loss at some coefficients, its gradient, each row's information weight
/// `s_i·μ_i(1−μ_i)` and the information's diagonal (the preconditioner).
struct Point {
    loss: f64,
    gradient: Vec<f64>,
    curvature: Vec<f64>,
    diagonal: Vec<f64>,
}

/// One design row as a pass sees it.
enum DesignRow<'a> {
    /// Every value, the intercept's leading 1 first.
    Dense(&'a [f64]),
    /// The non-zero columns (without the intercept) and their values.
    Sparse(&'a [u32], &'a [f64]),
}

impl DesignRow<'_> {
    /// `row · theta`, the intercept included.
    #[inline]
    fn dot(&self, theta: &[f64]) -> f64 {
        match *self {
            DesignRow::Dense(a) => dot(a, theta),
            DesignRow::Sparse(columns, values) => sparse_dot(columns, values, theta),
        }
    }

    /// Adds `scale` × the row (intercept included) to `sum`.
    #[inline]
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

    /// Adds `scale` × the row's squared values (intercept included) to `sum`.
    #[inline]
    fn add_squares_to(&self, scale: f64, sum: &mut [f64]) {
        match *self {
            DesignRow::Dense(a) => sum
                .iter_mut()
                .zip(a)
                .for_each(|(g, &v)| *g += scale * v * v),
            DesignRow::Sparse(columns, values) => {
                sum[0] += scale;
                for (&c, &v) in columns.iter().zip(values) {
                    sum[1 + c as usize] += scale * v * v;
                }
            }
        }
    }
}

impl Problem<'_> {
    /// Calls `on_row(row index, design row)` for every row, checking for interrupts between
    /// blocks.
    fn each_row(&self, mut on_row: impl FnMut(usize, DesignRow<'_>)) {
        if let Some(sparse) = self.x.sparse() {
            for i in 0..sparse.n_rows() {
                if i % BLOCK_ROWS == 0 {
                    crate::interrupt::check();
                }
                let (columns, values) = sparse.row(i);
                on_row(i, DesignRow::Sparse(columns, values));
            }
            return;
        }
        visit_blocks(self.x, |start, block| {
            for i in 0..block.nrows() {
                on_row(start + i, DesignRow::Dense(row(&block, i)));
            }
        });
    }

    /// One pass at `theta`: the loss, gradient, row weights and diagonal.
    fn point(&self, theta: &[f64]) -> Point {
        let terms = theta.len();
        let mut point = Point {
            loss: 0.0,
            gradient: vec![0.0; terms],
            curvature: vec![0.0; self.y.len()],
            diagonal: vec![0.0; terms],
        };
        self.each_row(|i, a| {
            let s = weight_of(self.weights, i);
            let (loss, residual, information) = logistic_row(a.dot(theta), self.y[i]);
            point.loss += s * loss;
            a.add_scaled_to(s * residual, &mut point.gradient);
            a.add_squares_to(s * information, &mut point.diagonal);
            point.curvature[i] = s * information;
        });
        for (j, &t) in theta.iter().enumerate().skip(1) {
            point.loss += 0.5 * self.l2 * t * t;
            point.gradient[j] += self.l2 * t;
            point.diagonal[j] += self.l2;
        }
        point
    }

    /// `H·v` for the penalized information `H` at `point`: one pass over the rows.
    fn information_times(&self, point: &Point, v: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        self.each_row(|i, a| {
            let weight = point.curvature[i];
            if weight != 0.0 {
                a.add_scaled_to(weight * a.dot(v), out);
            }
        });
        for j in 1..v.len() {
            out[j] += self.l2 * v[j];
        }
    }

    /// The Newton direction `−H⁻¹·g`, solved by conjugate gradients preconditioned with `H`'s
    /// diagonal to a residual of `min(0.5, √‖g‖/rows)·‖g‖` (the forcing term that makes the
    /// steps superlinear). Stops early on a direction of no curvature (a singular `H`
    /// without penalty): what it has then still descends.
    fn newton_direction(&self, point: &Point) -> Vec<f64> {
        let terms = point.gradient.len();
        let inverse_diagonal: Vec<f64> = point
            .diagonal
            .iter()
            .map(|&d| {
                if d > 0.0 && d.is_finite() {
                    1.0 / d
                } else {
                    1.0
                }
            })
            .collect();
        let gradient_norm = norm(&point.gradient);
        let rows = total_weight(self.weights, self.y.len()).max(f64::MIN_POSITIVE);
        let target = (gradient_norm / rows).sqrt().min(0.5) * gradient_norm;
        let mut solution = vec![0.0; terms];
        let mut residual: Vec<f64> = point.gradient.iter().map(|g| -g).collect();
        let mut preconditioned: Vec<f64> = residual
            .iter()
            .zip(&inverse_diagonal)
            .map(|(r, m)| r * m)
            .collect();
        let mut search = preconditioned.clone();
        let mut product = vec![0.0; terms];
        let mut rz = dot(&residual, &preconditioned);
        for iteration in 0..MAX_CG_ITERATIONS {
            if norm(&residual) <= target {
                break;
            }
            self.information_times(point, &search, &mut product);
            let curvature = dot(&search, &product);
            if !(curvature > 0.0 && curvature.is_finite()) {
                if iteration == 0 {
                    solution.clone_from(&search);
                }
                break;
            }
            let alpha = rz / curvature;
            for j in 0..terms {
                solution[j] += alpha * search[j];
                residual[j] -= alpha * product[j];
                preconditioned[j] = residual[j] * inverse_diagonal[j];
            }
            let next_rz = dot(&residual, &preconditioned);
            let beta = next_rz / rz;
            rz = next_rz;
            for j in 0..terms {
                search[j] = preconditioned[j] + beta * search[j];
            }
        }
        solution
    }

    /// The step along `direction` from `theta` (full, or halved until the loss decreases
    /// enough): the new coefficients and their point. `None` when no step lowers the loss.
    fn line_search(
        &self,
        theta: &[f64],
        at: &Point,
        direction: &[f64],
    ) -> Option<(Vec<f64>, Point)> {
        let slope = dot(&at.gradient, direction);
        if slope.is_nan() || slope >= 0.0 {
            return None;
        }
        let mut fraction = 1.0;
        for _ in 0..=MAX_HALVINGS {
            let trial: Vec<f64> = theta
                .iter()
                .zip(direction)
                .map(|(t, d)| t + fraction * d)
                .collect();
            let point = self.point(&trial);
            // Rounding can raise a converged loss in its last digits: that is no failure. A
            // NaN loss is not lower either.
            let allowed = at.loss + SUFFICIENT_DECREASE * fraction * slope + 1e-12 * at.loss.abs();
            if point.loss <= allowed {
                return Some((trial, point));
            }
            fraction *= 0.5;
        }
        None
    }
}
