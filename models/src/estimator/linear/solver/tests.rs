use super::newton::newton;
use super::newton_cg::newton_cg;
use super::*;
use crate::design::DesignRows;
use ndarray::array;
use ndarray::Array2;

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
fn truncated_newton_on_sparse_rows_reaches_the_dense_optimum() {
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
    // Both stop at a mean gradient of 1e-8 per row; the sums differ only in their order.
    assert!(gap < 1e-6, "largest difference {gap:e}");
    assert!(sparse
        .run
        .is_some_and(|run| run.converged && run.solver == "newton-cg"));
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
fn newton_and_truncated_newton_reach_the_same_optimum() {
    // The two solvers minimize the same objective to the same mean gradient, 1e-8: the
    // coefficients agree to about 1e-8 / (the information's smallest eigenvalue per row).
    let (x, y) = synthetic(5000);
    let newton = newton(&x, &y, None, 1.0, 100).unwrap().into_fit(true);
    let truncated = newton_cg(&x, &y, None, 1.0, 100);
    assert!(truncated.run.is_some_and(|run| run.converged));
    assert!((newton.intercept - truncated.intercept).abs() < 1e-7);
    for (a, b) in newton.weights.iter().zip(&truncated.weights) {
        assert!((a - b).abs() < 1e-7, "{a} vs {b}");
    }
    // Stopped after one step, it says so.
    let stopped = newton_cg(&x, &y, None, 1.0, 1);
    let run = stopped.run.unwrap();
    assert!(!run.converged && run.steps == 1, "{run:?}");
    assert!(run.largest_gradient_per_row > NEWTON_GRADIENT_TOLERANCE_PER_ROW);
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
fn collinear_columns_without_a_penalty_are_left_to_truncated_newton() {
    // Two equal columns and l2 = 0: the information matrix is singular, Newton gives up,
    // and conjugate gradients (from zero, in the range of the information) split the
    // weight equally between the twins.
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
