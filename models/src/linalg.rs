//! The little dense linear algebra the linear models need: a Cholesky factorization of a
//! symmetric positive-definite matrix, solving with it, and inverting with it (for the
//! covariance matrix of the coefficients). Matrices here are a few hundred wide, a few
//! thousand when a wide model's standard errors are asked for.

use crate::design::dot;
use crate::interrupt;
use ndarray::{s, Array1, Array2, Axis};

/// A pivot below this share of its diagonal entry means the column is (numerically) a
/// combination of the previous ones: rounding, not information, would decide the solution.
const RELATIVE_PIVOT_TOLERANCE: f64 = 1e-10;

/// Lower-triangular `L` with `a = L·Lᵀ`, or `None` when `a` is not (numerically) positive
/// definite. Row by row (Cholesky–Banachiewicz): every inner product runs over two
/// contiguous rows of `L`.
pub fn cholesky(a: &Array2<f64>) -> Option<Array2<f64>> {
    let n = a.nrows();
    let mut l = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        // O(n³) in all: a cancel is honoured between rows.
        interrupt::check();
        for j in 0..=i {
            let (done, row_i) = l.view().split_at(Axis(0), i);
            let row_i = row_i.row(0);
            let row_i = &row_i.as_slice().expect("a new, row-major matrix")[..j];
            let row_j = if j < i {
                &done.row(j).to_slice().expect("a new, row-major matrix")[..j]
            } else {
                row_i
            };
            let s = a[[i, j]] - dot(row_i, row_j);
            if i == j {
                if !(s > RELATIVE_PIVOT_TOLERANCE * a[[j, j]] && s.is_finite()) {
                    return None;
                }
                l[[i, i]] = s.sqrt();
            } else {
                l[[i, j]] = s / l[[j, j]];
            }
        }
    }
    Some(l)
}

/// Solves `L·Lᵀ·x = b` given the Cholesky factor `L`.
pub fn cholesky_solve(l: &Array2<f64>, b: &Array1<f64>) -> Array1<f64> {
    let n = l.nrows();
    let mut y = Array1::<f64>::zeros(n);
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[[i, k]] * y[k];
        }
        y[i] = s / l[[i, i]];
    }
    let mut x = Array1::<f64>::zeros(n);
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in (i + 1)..n {
            s -= l[[k, i]] * x[k];
        }
        x[i] = s / l[[i, i]];
    }
    x
}

/// `a⁻¹` of a symmetric positive-definite matrix, or `None` when it is singular:
/// `a⁻¹ = L⁻ᵀ·L⁻¹`, with the rows of `L⁻ᵀ` (the columns of `L⁻¹`) solved by forward
/// substitution over contiguous rows of `L`, and the product by matrixmultiply.
pub fn spd_inverse(a: &Array2<f64>) -> Option<Array2<f64>> {
    let l = cholesky(a)?;
    let n = a.nrows();
    // Row j of `upper` is column j of L⁻¹: zero before j.
    let mut upper = Array2::<f64>::zeros((n, n));
    let mut column = vec![0.0; n];
    for j in 0..n {
        interrupt::check();
        column.fill(0.0);
        for i in j..n {
            let row = l.row(i);
            let row = row.as_slice().expect("a new, row-major matrix");
            let known = if i == j { 1.0 } else { 0.0 };
            column[i] = (known - dot(&row[j..i], &column[j..i])) / row[i];
        }
        upper
            .row_mut(j)
            .as_slice_mut()
            .expect("a new, row-major matrix")
            .copy_from_slice(&column);
    }
    // The product by bands of rows, so that a cancel waits for one band, not all n³.
    let mut inverse = Array2::<f64>::zeros((n, n));
    for start in (0..n).step_by(PRODUCT_BAND_ROWS) {
        interrupt::check();
        let band = start..(start + PRODUCT_BAND_ROWS).min(n);
        let product = upper.slice(s![band.clone(), ..]).dot(&upper.t());
        inverse.slice_mut(s![band, ..]).assign(&product);
    }
    Some(inverse)
}

/// Rows of the inverse computed between two checks for a cancel: 64 × n² multiply-adds
/// (0.1 s at 4,096 terms).
const PRODUCT_BAND_ROWS: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn inverse_of_a_known_matrix() {
        // [[4, 2], [2, 3]]⁻¹ = 1/8 · [[3, -2], [-2, 4]]
        let inv = spd_inverse(&array![[4.0, 2.0], [2.0, 3.0]]).unwrap();
        let expected = array![[0.375, -0.25], [-0.25, 0.5]];
        assert!((inv - expected).iter().all(|d| d.abs() < 1e-12));
    }

    #[test]
    fn singular_matrix_is_reported() {
        assert!(spd_inverse(&array![[1.0, 1.0], [1.0, 1.0]]).is_none());
    }

    #[test]
    fn numerically_singular_matrix_is_reported() {
        // The Gram matrix of two columns equal up to rounding: exact arithmetic leaves a pivot
        // of 0, floating point one of about 1e-16 relative, which must not pass for information.
        let e = 1e-13;
        assert!(cholesky(&array![[1.0, 1.0], [1.0, 1.0 + e]]).is_none());
        // Strongly but genuinely correlated columns (pivot 1e-6 relative) still factor.
        assert!(cholesky(&array![[1.0, 0.999_999_5], [0.999_999_5, 1.0]]).is_some());
    }
}
