//! Logistic regression by L-BFGS (linfa-logistic's solver, driven through argmin so that
//! each evaluation can be cancelled), for designs too wide for Newton's method.

use super::fitted::LinearFit;
use super::loss::{log_logistic, sigmoid, total_weight, weight_of};
use crate::design::{dot, row, visit_blocks, DesignRows, BLOCK_ROWS};
use crate::error::{Error, ErrorKind, Result};
use argmin::core::{CostFunction, Executor, Gradient};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::{s, Array1};

/// L-BFGS's stopping tolerance on the gradient norm of the mean log-loss.
pub const GRADIENT_TOLERANCE_PER_ROW: f64 = 1e-6;

/// linfa-logistic's L-BFGS, run through argmin so that each evaluation can be cancelled.
pub(super) fn lbfgs(
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
