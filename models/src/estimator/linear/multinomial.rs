//! Multinomial logistic regression: softmax over k ≥ 3 classes, one intercept and weight
//! vector per class, minimizing `Σ s_i·(−ln p_{i,y_i}) + l2/2·Σ_c ‖w_c‖²` (the intercepts
//! unpenalized): scikit-learn's `LogisticRegression(C = 1/l2)` on a multi-class target. The
//! objective does not change when one constant is added to every intercept; the solution
//! stored has intercepts summing to zero, as scikit-learn's L-BFGS from zero leaves them.
//!
//! Fitted by Newton's method when the classes' terms are few (one pass per step builds the
//! information matrix from the class pairs' blocks; about ten passes), by L-BFGS past them or
//! when Newton cannot finish (argmin, as the wide binary fits, checking for a cancel between
//! blocks of rows). The information matrix is singular along "every intercept up by the same
//! amount", and the gradient is orthogonal to it: Newton solves with `H + uuᵀ` for the unit
//! vector `u` of that direction, and the covariance (standard errors) is `(H + uuᵀ)⁻¹ − uuᵀ`.

use super::solver::{
    first_invalid_coefficient, newton_from, original_scale_coefficients, Coefficient, LinearFit,
    NewtonPass, NEWTON_MAX_TERMS,
};
use crate::design::{add_weighted_gram, dot, row, visit_blocks, DesignRows, BLOCK_ROWS};
use crate::error::{Error, ErrorKind, Result};
use crate::linalg::spd_inverse;
use argmin::core::{CostFunction, Executor, Gradient};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::{s, Array1, Array2};
use serde::{Deserialize, Serialize};

/// L-BFGS stops when the gradient's norm is below this times the rows' total weight: 100×
/// tighter than the binary L-BFGS, so that the coefficients stand within 1e-4 of the optimum.
pub const MULTINOMIAL_GRADIENT_TOLERANCE_PER_ROW: f64 = 1e-8;

/// The widest information matrix (classes × terms on a side) whose inverse gives standard
/// errors; past it the coefficients have none (8 MB of f64 at 1,024).
pub const MAX_COVARIANCE_SIDE: usize = 1024;

/// Whether `classes` classes over a design `width` wide are fitted by Newton's method: its
/// pass costs the class pairs' Gram blocks, `classes²/2 · terms²` per row, an L-BFGS
/// evaluation `2 · classes · terms`; Newton takes about ten passes where L-BFGS takes
/// hundreds, so it wins while the information matrix is as narrow as a binary Newton fit's.
pub fn fitted_by_newton(classes: usize, width: usize) -> bool {
    classes.saturating_mul(width + 1) <= NEWTON_MAX_TERMS
}

/// The fitted model on the standardized design: per class, its intercept and weights, and
/// its coefficients on the original scale with their statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Multinomial {
    /// k intercepts, summing to zero.
    pub intercepts: Vec<f64>,
    /// k weight vectors of the design's width.
    pub weights: Vec<Vec<f64>>,
    /// Per class in turn, its intercept and each term on the original scale (terms
    /// "class: term"; odds ratios against the classes' geometric mean).
    pub coefficients: Vec<Coefficient>,
}

impl Multinomial {
    pub fn classes(&self) -> usize {
        self.intercepts.len()
    }

    /// The k class scores (logits) of one design row.
    pub fn scores(&self, design_row: &[f64], scores: &mut [f64]) {
        for ((score, &b), w) in scores.iter_mut().zip(&self.intercepts).zip(&self.weights) {
            *score = b + dot(design_row, w);
        }
    }

    /// The first parameter that is not a finite number, named for the error message.
    pub fn first_invalid_parameter(&self) -> Option<String> {
        for (c, (b, w)) in self.intercepts.iter().zip(&self.weights).enumerate() {
            if !b.is_finite() || w.iter().any(|x| !x.is_finite()) {
                return Some(format!("the weights of class {}", c + 1));
            }
        }
        first_invalid_coefficient(&self.coefficients)
    }

    /// Weights that do not fit `classes` classes and a design `width` wide: what does not fit.
    pub fn shape_mismatch(&self, classes: usize, width: usize) -> Option<String> {
        if self.intercepts.len() != classes || self.weights.len() != classes {
            return Some(format!(
                "{} intercepts and {} weight vectors for {classes} classes",
                self.intercepts.len(),
                self.weights.len()
            ));
        }
        if let Some(w) = self.weights.iter().find(|w| w.len() != width) {
            return Some(format!("{} weights for {width} design columns", w.len()));
        }
        let terms = classes * (width + 1);
        (!self.coefficients.is_empty() && self.coefficients.len() != terms).then(|| {
            format!(
                "{} coefficients for {terms} class terms",
                self.coefficients.len()
            )
        })
    }
}

/// Fits the multinomial model on `x` (design rows with their leading 1), `y` the class codes
/// below `classes`, `weights` each row's weight; `names` the classes and `terms` the design's
/// terms with their `(shift, scale)` for the coefficient table.
pub fn fit_multinomial(
    x: &dyn DesignRows,
    (y, classes): (&[u32], usize),
    weights: Option<&[f64]>,
    (l2, max_iter): (f64, u64),
    (names, terms, scaling): (&[String], &[String], &[(f64, f64)]),
) -> Result<Multinomial> {
    let problem = Problem {
        x,
        y,
        classes,
        weights,
        l2,
        last: std::cell::RefCell::new(None),
    };
    let (theta, information) = problem.minimize(max_iter)?;
    let terms_per_class = x.width() + 1;
    let mut intercepts: Vec<f64> = (0..classes).map(|c| theta[c * terms_per_class]).collect();
    let shift = intercepts.iter().sum::<f64>() / classes as f64;
    intercepts.iter_mut().for_each(|b| *b -= shift);
    let weights_of = |c: usize| {
        theta
            .slice(s![c * terms_per_class + 1..(c + 1) * terms_per_class])
            .to_vec()
    };
    let class_weights: Vec<Vec<f64>> = (0..classes).map(weights_of).collect();
    // Shifting every intercept alike changes no probability: the information stands.
    let covariance = information
        .or_else(|| {
            (classes * terms_per_class <= MAX_COVARIANCE_SIDE)
                .then(|| problem.newton_pass(&theta).information)
        })
        .and_then(|information| problem.covariance(&information));
    let coefficients = (0..classes)
        .flat_map(|c| {
            let fit = LinearFit {
                intercept: intercepts[c],
                weights: class_weights[c].clone(),
                covariance: covariance.as_ref().map(|cov| {
                    let block = c * terms_per_class..(c + 1) * terms_per_class;
                    cov.slice(s![block.clone(), block]).to_owned()
                }),
                run: None,
            };
            let mut table = original_scale_coefficients(&fit, terms, scaling, true);
            for coefficient in &mut table {
                coefficient.term = format!("{}: {}", names[c], coefficient.term);
            }
            table
        })
        .collect();
    Ok(Multinomial {
        intercepts,
        weights: class_weights,
        coefficients,
    })
}

/// Softmax of `scores` in place (the largest subtracted first: no overflow), returning
/// `ln Σ exp(score)`.
pub fn softmax_in_place(scores: &mut [f64]) -> f64 {
    let largest = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - largest).exp();
        sum += *s;
    }
    scores.iter_mut().for_each(|s| *s /= sum);
    largest + sum.ln()
}

/// The softmax of each row's `classes` scores, row after row.
pub fn class_probabilities(scores: &[f64], classes: usize) -> Vec<f64> {
    let mut p = scores.to_vec();
    for row in p.chunks_mut(classes.max(1)) {
        softmax_in_place(row);
    }
    p
}

/// The multinomial problem; parameters `[b_1, w_1..., b_2, w_2..., ...]`.
struct Problem<'a> {
    x: &'a dyn DesignRows,
    y: &'a [u32],
    classes: usize,
    weights: Option<&'a [f64]>,
    l2: f64,
    /// The last pass's parameters, loss and gradient: the line search asks for the loss and
    /// the gradient at the same point, and one pass over the rows gives both.
    last: std::cell::RefCell<Option<Evaluated>>,
}

/// A point's parameters, penalized loss and gradient.
type Evaluated = (Vec<f64>, f64, Vec<f64>);

impl Problem<'_> {
    /// The solution, with the information matrix there (`H + uuᵀ`) when Newton found it.
    fn minimize(&self, max_iter: u64) -> Result<(Array1<f64>, Option<Array2<f64>>)> {
        let total = self.weights.map_or(self.y.len() as f64, |w| w.iter().sum());
        if fitted_by_newton(self.classes, self.x.width()) {
            let mut pass = |theta: &Array1<f64>| Ok(self.newton_pass(theta));
            if let Some(solution) = newton_from(self.start(), total, max_iter, &mut pass)? {
                return Ok((solution.theta, Some(solution.information)));
            }
        }
        Ok((self.lbfgs(total, max_iter)?, None))
    }

    /// Newton's start: the intercept-only model's solution (each class's log share, centred).
    fn start(&self) -> Array1<f64> {
        let terms = self.x.width() + 1;
        let mut shares = vec![0.0; self.classes];
        for (i, &class) in self.y.iter().enumerate() {
            shares[class as usize] += self.weight(i);
        }
        let mut theta = Array1::<f64>::zeros(self.classes * terms);
        if shares.iter().all(|&share| share > 0.0) {
            let logs: Vec<f64> = shares.iter().map(|share| share.ln()).collect();
            let mean = logs.iter().sum::<f64>() / self.classes as f64;
            for (c, log) in logs.iter().enumerate() {
                theta[c * terms] = log - mean;
            }
        }
        theta
    }

    fn lbfgs(&self, total: f64, max_iter: u64) -> Result<Array1<f64>> {
        let failed = |why: String| {
            Error::new(
                ErrorKind::Internal,
                format!("multinomial logistic regression failed: {why}"),
            )
            .with_hint("try a larger options.l2 or fewer features")
        };
        let tolerance = MULTINOMIAL_GRADIENT_TOLERANCE_PER_ROW * total.max(1.0);
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
            .with_tolerance_grad(tolerance)
            .map_err(|e| failed(e.to_string()))?
            .with_tolerance_cost(0.0)
            .map_err(|e| failed(e.to_string()))?;
        let start = Array1::<f64>::zeros(self.classes * (self.x.width() + 1));
        let result = Executor::new(ProblemRef(self), solver)
            .configure(|state| state.param(start.clone()).max_iters(max_iter))
            .run()
            .map_err(|e| failed(e.to_string()))?;
        Ok(result.state.best_param.unwrap_or(start))
    }

    /// The softmax of design row `a`'s class scores at `theta` into `p`, returning the row's
    /// `−ln p_class`.
    fn probabilities(&self, theta: &[f64], a: &[f64], class: usize, p: &mut [f64]) -> f64 {
        let terms = a.len();
        for (c, score) in p.iter_mut().enumerate() {
            *score = dot(a, &theta[c * terms..(c + 1) * terms]);
        }
        let own = p[class];
        softmax_in_place(p) - own
    }

    /// Calls `on_row(row, design row, probabilities)` for every row at `theta`, with the
    /// row's `−ln p_y` added to the returned loss.
    fn each_row(&self, theta: &[f64], mut on_row: impl FnMut(usize, &[f64], &[f64])) -> f64 {
        let mut p = vec![0.0; self.classes];
        let mut loss = 0.0;
        visit_blocks(self.x, |start, block| {
            for i in 0..block.nrows() {
                let a = row(&block, i);
                let class = self.y[start + i] as usize;
                loss += self.weight(start + i) * self.probabilities(theta, a, class, &mut p);
                on_row(start + i, a, &p);
            }
        });
        loss
    }

    fn weight(&self, i: usize) -> f64 {
        self.weights.map_or(1.0, |w| w[i])
    }

    fn penalty(&self, theta: &[f64]) -> f64 {
        let terms = self.x.width() + 1;
        let squares: f64 = theta
            .iter()
            .enumerate()
            .filter(|(j, _)| j % terms != 0)
            .map(|(_, w)| w * w)
            .sum();
        0.5 * self.l2 * squares
    }

    /// The penalized loss, its gradient and the information matrix `H + uuᵀ` at `theta`, in
    /// one pass: per row the gradient's residuals and, per class pair `(c, d)`, the weight
    /// `s·p_c·(δ_cd − p_d)` of the pair's Gram block.
    fn newton_pass(&self, theta: &Array1<f64>) -> NewtonPass {
        let k = self.classes;
        let terms = self.x.width() + 1;
        let coefficients = theta.as_slice().expect("a new, contiguous vector");
        let pairs = k * (k + 1) / 2;
        let mut blocks: Vec<Array2<f64>> =
            (0..pairs).map(|_| Array2::zeros((terms, terms))).collect();
        let mut scratch = Array2::<f64>::zeros((BLOCK_ROWS, terms));
        let mut row_weights = vec![vec![0.0; BLOCK_ROWS]; pairs];
        let mut gradient = vec![0.0; k * terms];
        let mut p = vec![0.0; k];
        let mut loss = 0.0;
        visit_blocks(self.x, |start, block| {
            for (i, class) in self.y[start..start + block.nrows()].iter().enumerate() {
                let (a, class) = (row(&block, i), *class as usize);
                let s = self.weight(start + i);
                loss += s * self.probabilities(coefficients, a, class, &mut p);
                let mut pair = 0;
                for c in 0..k {
                    let residual = s * (p[c] - f64::from(u8::from(c == class)));
                    gradient[c * terms..(c + 1) * terms]
                        .iter_mut()
                        .zip(a)
                        .for_each(|(g, &v)| *g += residual * v);
                    for d in c..k {
                        let delta = f64::from(u8::from(c == d));
                        row_weights[pair][i] = s * p[c] * (delta - p[d]);
                        pair += 1;
                    }
                }
            }
            for (pair, information) in blocks.iter_mut().enumerate() {
                add_weighted_gram(
                    &block,
                    &row_weights[pair][..block.nrows()],
                    &mut scratch,
                    information,
                );
            }
        });
        let side = k * terms;
        let mut h = Array2::<f64>::zeros((side, side));
        let mut pair = 0;
        for c in 0..k {
            for d in c..k {
                let block = &blocks[pair];
                for j in 0..terms {
                    for l in 0..terms {
                        h[[c * terms + j, d * terms + l]] = block[[j, l]];
                        h[[d * terms + l, c * terms + j]] = block[[j, l]];
                    }
                }
                pair += 1;
            }
        }
        for c in 0..k {
            for j in 1..terms {
                h[[c * terms + j, c * terms + j]] += self.l2;
                gradient[c * terms + j] += self.l2 * coefficients[c * terms + j];
            }
        }
        self.add_intercept_shift(&mut h, 1.0);
        NewtonPass {
            loss: loss + self.penalty(coefficients),
            gradient: Array1::from(gradient),
            information: h,
        }
    }

    /// The covariance of the coefficients from the information `H + uuᵀ`: its inverse less
    /// `uuᵀ` (`None` when singular elsewhere).
    fn covariance(&self, information: &Array2<f64>) -> Option<Array2<f64>> {
        let mut covariance = spd_inverse(information)?;
        self.add_intercept_shift(&mut covariance, -1.0);
        Some(covariance)
    }

    /// Adds `sign · uuᵀ` to `matrix` (classes × terms on a side), for `u` the unit vector
    /// along "every intercept up alike": `1/k` at every pair of intercepts.
    fn add_intercept_shift(&self, matrix: &mut Array2<f64>, sign: f64) {
        let (k, terms) = (self.classes, self.x.width() + 1);
        for c in 0..k {
            for d in 0..k {
                matrix[[c * terms, d * terms]] += sign / k as f64;
            }
        }
    }
}

/// argmin takes its problem by value: a borrowed one.
struct ProblemRef<'p, 'a>(&'p Problem<'a>);

impl Problem<'_> {
    /// The penalized loss and its gradient at `theta`, in one pass over the rows (the last
    /// point's are kept).
    fn loss_and_gradient(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        if let Some((at, loss, gradient)) = &*self.last.borrow() {
            if at.as_slice() == theta {
                return (*loss, gradient.clone());
            }
        }
        let terms = self.x.width() + 1;
        let mut gradient = vec![0.0; theta.len()];
        let loss = self.each_row(theta, |i, a, p| {
            let s = self.weight(i);
            let class = self.y[i] as usize;
            for (c, &pc) in p.iter().enumerate() {
                let residual = s * (pc - f64::from(u8::from(c == class)));
                gradient[c * terms..(c + 1) * terms]
                    .iter_mut()
                    .zip(a)
                    .for_each(|(g, &v)| *g += residual * v);
            }
        }) + self.penalty(theta);
        for (j, g) in gradient.iter_mut().enumerate() {
            if j % terms != 0 {
                *g += self.l2 * theta[j];
            }
        }
        *self.last.borrow_mut() = Some((theta.to_vec(), loss, gradient.clone()));
        (loss, gradient)
    }
}

impl CostFunction for ProblemRef<'_, '_> {
    type Param = Array1<f64>;
    type Output = f64;

    fn cost(&self, theta: &Array1<f64>) -> std::result::Result<f64, argmin::core::Error> {
        let theta = theta.as_slice().expect("argmin's vectors are contiguous");
        Ok(self.0.loss_and_gradient(theta).0)
    }
}

impl Gradient for ProblemRef<'_, '_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(
        &self,
        theta: &Array1<f64>,
    ) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        let theta = theta.as_slice().expect("argmin's vectors are contiguous");
        Ok(Array1::from(self.0.loss_and_gradient(theta).1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three classes whose scores are linear in two columns, plus a deterministic scatter.
    fn three_classes() -> (Array2<f64>, Vec<u32>) {
        let n = 600;
        let x = Array2::from_shape_fn((n, 2), |(i, j)| {
            ((i * (7 + 5 * j)) % 97) as f64 / 48.5 - 1.0
        });
        let y = (0..n)
            .map(|i| {
                let z = x[[i, 0]] - 0.5 * x[[i, 1]] + ((i * 31) % 17) as f64 / 17.0 - 0.5;
                if z < -0.4 {
                    0
                } else if z < 0.3 {
                    1
                } else {
                    2
                }
            })
            .collect();
        (x, y)
    }

    /// The three classes' problem at l2 = 0.5, every row weighing 1.
    fn unweighted<'a>(x: &'a Array2<f64>, y: &'a [u32]) -> Problem<'a> {
        Problem {
            x,
            y,
            classes: 3,
            weights: None,
            l2: 0.5,
            last: std::cell::RefCell::new(None),
        }
    }

    #[test]
    fn newton_and_lbfgs_reach_the_same_optimum() {
        let (x, y) = three_classes();
        let problem = unweighted(&x, &y);
        assert!(fitted_by_newton(3, x.ncols()));
        let (newton, information) = problem.minimize(100).unwrap();
        assert!(information.is_some());
        let lbfgs = problem.lbfgs(y.len() as f64, 1000).unwrap();
        let centred = |theta: &Array1<f64>| {
            let shift = (theta[0] + theta[3] + theta[6]) / 3.0;
            let mut theta = theta.clone();
            for c in 0..3 {
                theta[c * 3] -= shift;
            }
            theta
        };
        let (newton, lbfgs) = (centred(&newton), centred(&lbfgs));
        for (a, b) in newton.iter().zip(&lbfgs) {
            assert!((a - b).abs() < 1e-5, "{newton} vs {lbfgs}");
        }
        // At the optimum the gradient vanishes (within Newton's tolerance per row).
        let pass = problem.newton_pass(&newton);
        let largest = pass.gradient.iter().fold(0.0_f64, |m, g| m.max(g.abs()));
        assert!(largest < 1e-6 * y.len() as f64, "{}", pass.gradient);
    }

    #[test]
    fn the_covariance_is_the_pseudo_inverse_of_the_information() {
        let (x, y) = three_classes();
        let problem = unweighted(&x, &y);
        let (theta, information) = problem.minimize(100).unwrap();
        let information = information.unwrap();
        let covariance = problem.covariance(&information).unwrap();
        // H·C·H = H for the information H (without uuᵀ): C is its pseudo-inverse.
        let mut h = information.clone();
        for c in 0..3 {
            for d in 0..3 {
                h[[c * 3, d * 3]] -= 1.0 / 3.0;
            }
        }
        let hch = h.dot(&covariance).dot(&h);
        for (a, b) in hch.iter().zip(h.iter()) {
            assert!((a - b).abs() < 1e-8 * (1.0 + b.abs()), "{a} vs {b}");
        }
        assert!(theta.iter().all(|t| t.is_finite()));
    }
}
