//! Linear regression: ridge normal equations solved by Cholesky, with the covariance of the
//! coefficients from the residuals.

use super::finite::non_finite_design;
use super::fitted::LinearFit;
use crate::design::{add_weighted_gram, dot, row, visit_blocks, DesignRows, BLOCK_ROWS};
use crate::error::{Error, Result};
use crate::linalg::{cholesky, cholesky_solve, spd_inverse};
use ndarray::{Array1, Array2};

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
        run: None,
    })
}
