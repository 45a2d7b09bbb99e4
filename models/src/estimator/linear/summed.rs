//! Logistic and linear regression from sums (DESIGN.md, "Training from sums"): Newton's
//! method a pass per step, or least squares' normal equations and residuals, over the
//! standardizing preprocessing fitted from sums.

use super::algorithm::{LinearModel, LinearParams, LogisticParams};
use super::{
    fitted_by_newton, newton_by_passes, LinearFit, NewtonPass, NewtonSolution, SolverParams,
    NEWTON_MAX_TERMS,
};
use crate::error::{Error, ErrorKind, Result};
use crate::estimator::{Estimator, SummedFit, SummedFitted};
use crate::explain::Reference;
use crate::linalg::{cholesky, cholesky_solve, spd_inverse};
use crate::preprocess::Preprocessor;
use crate::summed::{NewtonLayout, SummedRows, SumsInput, SumsPass};
use ndarray::{Array1, Array2};

impl SummedFit for LogisticParams {
    fn fit_from_sums(
        &self,
        input: &SumsInput<'_>,
        rows: &mut dyn SummedRows,
        _notes: &mut Vec<String>,
    ) -> Result<SummedFitted> {
        let (preprocessor, n, label_sum) = standardized_for_newton(input, rows)?;
        let terms = preprocessor.width() + 1;
        let (solution, mut last) = newton(rows, &preprocessor, n, label_sum, self.solver)?;
        let layout = NewtonLayout::new(terms, preprocessor.features.len());
        let fit = solution.into_fit(true);
        let term_sums = last.split_off(layout.term_sums);
        let estimator = Box::new(LinearModel::of_fit(&fit, &preprocessor, true));
        Ok(fitted_from_sums(
            preprocessor,
            &fit,
            &term_sums,
            n,
            estimator,
        ))
    }
}

impl SummedFit for LinearParams {
    fn fit_from_sums(
        &self,
        input: &SumsInput<'_>,
        rows: &mut dyn SummedRows,
        _notes: &mut Vec<String>,
    ) -> Result<SummedFitted> {
        let (preprocessor, n, _) = standardized_for_newton(input, rows)?;
        let (fit, term_sums) = least_squares(self.0.l2, rows, &preprocessor, n)?;
        let estimator = Box::new(LinearModel::of_fit(&fit, &preprocessor, false));
        Ok(fitted_from_sums(
            preprocessor,
            &fit,
            &term_sums,
            n,
            estimator,
        ))
    }
}

/// The standardizing preprocessing from sums, its rows and labels' sum; a design too wide
/// for Newton's passes is refused.
fn standardized_for_newton(
    input: &SumsInput<'_>,
    rows: &mut dyn SummedRows,
) -> Result<(Preprocessor, f64, f64)> {
    let (preprocessor, n, label_sum) = input.standardizing(rows)?;
    let terms = preprocessor.width() + 1;
    if !fitted_by_newton(terms - 1) {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "the design has {terms} terms: a summed training takes fewer than {NEWTON_MAX_TERMS}"
            ),
        )
        .with_hint(r#"lower options.max_categories, or train with "aggregate": false"#));
    }
    Ok((preprocessor, n, label_sum))
}

/// A linear predictor fitted from sums: its reference from the last pass's term sums over
/// `n` rows, and the Newton pass at its coefficients, whose per-row output is its output.
pub fn fitted_from_sums(
    preprocessor: Preprocessor,
    fit: &LinearFit,
    term_sums: &[f64],
    n: f64,
    estimator: Box<dyn Estimator>,
) -> SummedFitted {
    let theta: Vec<f64> = std::iter::once(fit.intercept)
        .chain(fit.weights.iter().copied())
        .collect();
    SummedFitted {
        output_pass: SumsPass::Newton {
            preprocessor: preprocessor.clone(),
            theta,
        },
        preprocessor,
        estimator,
        rows: n,
        reference: reference_of(term_sums, n),
    }
}

/// Least squares (ridge with `l2`) from one pass of normal equations and one of
/// residuals, as training in memory solves them: the fit with its covariance, and the
/// residual pass's term sums.
fn least_squares(
    l2: f64,
    rows: &mut dyn SummedRows,
    preprocessor: &Preprocessor,
    n: f64,
) -> Result<(LinearFit, Vec<f64>)> {
    let terms = preprocessor.width() + 1;
    let layout = NewtonLayout::new(terms, preprocessor.features.len());
    let mut cells = rows.sums(&SumsPass::Normal {
        preprocessor: preprocessor.clone(),
    })?;
    cells.remove(0);
    let rhs = Array1::from(cells[layout.gradient..layout.information].to_vec());
    let mut gram = symmetric(&cells[layout.information..], terms);
    for j in 1..terms {
        gram[[j, j]] += l2;
    }
    let factor = cholesky(&gram).ok_or_else(|| {
        Error::invalid_data(
            "features are collinear: the least-squares problem has no unique solution",
        )
        .with_hint("drop redundant features, or set options.l2 > 0 (ridge regression)")
    })?;
    let theta = cholesky_solve(&factor, &rhs);
    let mut residuals = rows.sums(&SumsPass::Residuals {
        preprocessor: preprocessor.clone(),
        theta: theta.to_vec(),
    })?;
    residuals.remove(0);
    let rss = residuals[0];
    let dof = n - terms as f64;
    let covariance = if dof > 0.0 {
        spd_inverse(&gram).map(|inverse| inverse * (rss / dof))
    } else {
        None
    };
    let fit = LinearFit {
        intercept: theta[0],
        weights: theta.iter().skip(1).copied().collect(),
        covariance,
        run: None,
    };
    Ok((fit, residuals.split_off(1)))
}

/// The symmetric matrix whose upper triangle `upper` holds (row-major, `terms × terms`).
pub fn symmetric(upper: &[f64], terms: usize) -> Array2<f64> {
    let mut matrix = Array2::<f64>::zeros((terms, terms));
    for j in 0..terms {
        for k in j..terms {
            let v = upper[j * terms + k];
            matrix[[j, k]] = v;
            matrix[[k, j]] = v;
        }
    }
    matrix
}

/// The explanations' reference from each feature's term sums and sums of squares over `n`
/// rows: the terms' means and population standard deviations.
pub fn reference_of(term_sums: &[f64], n: f64) -> Reference {
    let features = term_sums.len() / 2;
    let mean = |k: usize| term_sums[k] / n;
    Reference {
        mean_terms: (0..features).map(mean).collect(),
        term_sd: (0..features)
            .map(|k| {
                (term_sums[features + k] / n - mean(k) * mean(k))
                    .max(0.0)
                    .sqrt()
            })
            .collect(),
        mean_design: Vec::new(),
        summary: Vec::new(),
    }
}

/// Newton's method, a pass over the rows per step: the solution, and the cells of the pass at
/// it without the kind cell (whose term sums measure the reference).
pub fn newton(
    rows: &mut dyn SummedRows,
    preprocessor: &Preprocessor,
    n: f64,
    positives: f64,
    params: SolverParams,
) -> Result<(NewtonSolution, Vec<f64>)> {
    let terms = preprocessor.width() + 1;
    let layout = NewtonLayout::new(terms, preprocessor.features.len());
    let mut last = Vec::new();
    let mut pass = |theta: &Array1<f64>| -> Result<NewtonPass> {
        let mut cells = rows.sums(&SumsPass::Newton {
            preprocessor: preprocessor.clone(),
            theta: theta.to_vec(),
        })?;
        // The layout's offsets count from after the kind cell.
        cells.remove(0);
        let gradient = Array1::from(cells[layout.gradient..layout.information].to_vec());
        let information = symmetric(&cells[layout.information..], terms);
        let pass = NewtonPass::penalized(cells[0], gradient, information, theta, params.l2);
        last = cells;
        Ok(pass)
    };
    let solution =
        newton_by_passes(terms, n, positives, params.max_iter, &mut pass)?.ok_or_else(|| {
            Error::invalid_data("Newton's method did not converge on the summed rows").with_hint(
                r#"in memory L-BFGS takes over: train with "aggregate": false, or raise l2"#,
            )
        })?;
    Ok((solution, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference from term sums is the terms' mean and population standard deviation
    /// (formula), and `symmetric` mirrors an upper triangle.
    #[test]
    fn the_reference_and_the_matrix_from_sums() {
        // Two features over n = 4 rows: terms (1, 2, 3, 4) and (0, 0, 2, 2).
        let term_sums = [10.0, 4.0, 30.0, 8.0];
        let reference = reference_of(&term_sums, 4.0);
        assert_eq!(reference.mean_terms, vec![2.5, 1.0]);
        assert!((reference.term_sd[0] - 1.25f64.sqrt()).abs() < 1e-15);
        assert!((reference.term_sd[1] - 1.0).abs() < 1e-15);
        let m = symmetric(&[1.0, 2.0, 0.0, 3.0], 2);
        assert_eq!(m, ndarray::arr2(&[[1.0, 2.0], [2.0, 3.0]]));
    }
}
