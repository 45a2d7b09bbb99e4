//! Linear models on the standardized design: logistic regression (Newton's method on the
//! penalized log-loss, or truncated Newton for designs too wide for it) and linear regression (ridge
//! normal equations), each with the covariance matrix of its coefficients, from which
//! standard errors, z statistics, p-values and odds ratios on the original feature scale are
//! derived. Every solver reads its design a block of rows at a time (design.rs): no design
//! matrix of the whole training split is needed.
//!
//! One job per file: `fitted` (the fit and its coefficients on the original scale), `loss`
//! (one row's logistic loss and weight), `finite` (refusing a non-finite design), `newton`
//! and `newton_cg` (the two logistic solvers), `logistic` (choosing between them, and the
//! covariance), `ridge` (linear regression).

mod finite;
mod fitted;
mod logistic;
mod loss;
mod newton;
mod newton_cg;
mod ridge;

pub use fitted::{
    first_invalid_coefficient, linear_predictor, original_scale_coefficients, Coefficient,
    LinearFit, SolverRun,
};
pub use logistic::{
    fit_logistic, fit_logistic_coefficients, fit_logistic_weighted, fit_logistic_with,
    logistic_covariance, logistic_covariance_weighted,
};
pub use loss::{logistic_row, sigmoid};
pub use newton::{
    fitted_by_newton, newton_by_passes, newton_from, NewtonPass, NewtonSolution,
    NEWTON_GRADIENT_TOLERANCE_PER_ROW, NEWTON_MAX_TERMS,
};
pub use newton_cg::truncated_newton_bytes;
pub use ridge::fit_linear;

#[cfg(test)]
mod tests;
