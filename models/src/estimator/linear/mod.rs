//! Logistic and linear regression as estimators: their parameters (`l2`, `max_iter`), their
//! fit on the standardized design matrix, and the fitted model (intercept and weights that
//! predict, coefficients on the original scale that document). The solvers and the
//! coefficient statistics are in `solver`.

pub mod algorithm;
pub mod multinomial;
pub mod private;
pub mod solver;
pub mod summed;

pub use solver::{
    first_invalid_coefficient, fit_linear, fit_logistic, fit_logistic_coefficients,
    fit_logistic_weighted, fit_logistic_with, fitted_by_newton, linear_predictor,
    logistic_covariance, logistic_covariance_weighted, logistic_row, newton_by_passes,
    original_scale_coefficients, sigmoid, truncated_newton_bytes, Coefficient, LinearFit,
    NewtonPass, NewtonSolution, SolverRun, NEWTON_GRADIENT_TOLERANCE_PER_ROW, NEWTON_MAX_TERMS,
};

use crate::data::RawValue;
use crate::design::{in_table_order, table_order_bytes, DesignRows, SparseDesign};
use crate::error::{Error, ErrorKind, Result};
use crate::fit::{
    check_solver_memory, multi_class_weights, row_weights, ClassWeight, FitInput, Limits,
    TrainLabels, DENSE_BLOCKS, LINEAR_SQUARE_MATRICES,
};
use crate::json::parse_slice;
use crate::preprocess::{Preprocessor, RowsDesign, Transform};
use crate::progress::Phase;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The option keys of the linear solvers (logistic, linear, and the scorecard's regression).
pub const SOLVER_KEYS: &[&str] = &["l2", "max_iter", "class_weight"];
/// Logistic regression's keys: the solvers', `std_errors` and `privacy` (DP-SGD).
pub const LOGISTIC_KEYS: &[&str] = &["l2", "max_iter", "class_weight", "std_errors", "privacy"];

/// Whether a logistic fit computes its coefficients' standard errors: `options.std_errors`
/// when given, otherwise yes unless the design has a hashed text feature (thousands of
/// columns whose individual p-values nobody reads, and a terms³ inverse that would cost more
/// than the fit).
pub fn wants_std_errors(std_errors: Option<bool>, preprocessor: &Preprocessor) -> bool {
    std_errors.unwrap_or_else(|| !preprocessor.has_text())
}

/// Validated solver parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolverParams {
    /// L2 penalty weight on the standardized coefficients (intercept unpenalized).
    pub l2: f64,
    /// Iteration cap of the logistic solver (L-BFGS); default 100.
    pub max_iter: u64,
    /// How the classes weigh in a logistic loss; `None`: equally.
    pub class_weight: Option<ClassWeight>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSolver {
    l2: Option<f64>,
    max_iter: Option<u64>,
    class_weight: Option<Value>,
}

impl SolverParams {
    /// Reads `l2` (default `default_l2`) and `max_iter` (default 100) from `options`.
    pub fn from_options(
        options: &Map<String, Value>,
        algorithm: &str,
        default_l2: f64,
    ) -> Result<SolverParams> {
        let raw: RawSolver = parse_slice(options, algorithm, SOLVER_KEYS)?;
        if let Some(l2) = raw.l2 {
            if !(l2.is_finite() && l2 >= 0.0) {
                return Err(Error::invalid_option(format!(
                    "l2 must be a finite number >= 0, got {l2}"
                ))
                .with_hint("0 disables the penalty; 1.0 (the default) is scikit-learn's C = 1"));
            }
        }
        let max_iter = raw.max_iter.unwrap_or(100);
        if max_iter == 0 {
            return Err(Error::invalid_option("max_iter must be at least 1")
                .with_hint("the default is 100 solver iterations"));
        }
        Ok(SolverParams {
            l2: raw.l2.unwrap_or(default_l2),
            max_iter,
            class_weight: raw
                .class_weight
                .as_ref()
                .map(ClassWeight::parse)
                .transpose()?,
        })
    }
}

/// Logistic regression's default penalty: scikit-learn's `C = 1`.
pub const LOGISTIC_DEFAULT_L2: f64 = 1.0;
/// Linear regression's default: ordinary least squares.
pub const LINEAR_DEFAULT_L2: f64 = 0.0;

/// A fitted linear model: `intercept + weights · design row` is its output (log-odds or
/// value), `coefficients` the same model on the original feature scale with its statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearEstimator {
    pub intercept: f64,
    pub weights: Vec<f64>,
    pub coefficients: Vec<Coefficient>,
}

impl LinearEstimator {
    /// The estimator of a fit on `preprocessor`'s design, with its original-scale coefficients
    /// (odds ratios for classifiers).
    pub fn from_fit(fit: &LinearFit, preprocessor: &Preprocessor, odds_ratios: bool) -> Self {
        LinearEstimator {
            intercept: fit.intercept,
            weights: fit.weights.clone(),
            coefficients: original_scale_coefficients(
                fit,
                &preprocessor.term_names(),
                &preprocessor.column_scaling(),
                odds_ratios,
            ),
        }
    }

    /// The output for one row of values (the hot path: no design row is built).
    pub fn output(&self, preprocessor: &Preprocessor, values: &[RawValue<'_>]) -> Result<f64> {
        preprocessor.linear_predictor(self.intercept, &self.weights, values)
    }

    /// The output of every row of a design matrix.
    pub fn outputs(&self, x: &Array2<f64>) -> Vec<f64> {
        linear_predictor(x, self.intercept, &self.weights).to_vec()
    }

    /// The first parameter that is not a finite number, named for the error message.
    pub fn first_invalid_parameter(&self) -> Option<String> {
        if !self.intercept.is_finite() {
            return Some("the intercept".to_owned());
        }
        if let Some(j) = self.weights.iter().position(|w| !w.is_finite()) {
            return Some(format!("weight {}", j + 1));
        }
        first_invalid_coefficient(&self.coefficients)
    }

    /// Weights that do not fit the design `preprocessor` makes: what does not fit.
    pub fn shape_mismatch(&self, preprocessor: &Preprocessor) -> Option<String> {
        let width = preprocessor.width();
        (self.weights.len() != width)
            .then(|| format!("{} weights for {width} design columns", self.weights.len()))
    }

    /// True when the documented coefficients (fin_coefficients) are not the ones prediction
    /// uses: estimates on the original scale must be `w_j / scale_j` and
    /// `b − Σ w_j·shift_j / scale_j` (relative tolerance 1e-9, for summation order). A model
    /// whose bytes were edited could otherwise show one model and predict with another.
    pub fn coefficients_disagree(&self, preprocessor: &Preprocessor) -> bool {
        if self.coefficients.is_empty() {
            return false;
        }
        let scaling = preprocessor.column_scaling();
        if self.coefficients.len() != scaling.len() + 1 || self.weights.len() != scaling.len() {
            return true;
        }
        if terms_disagree(&self.weights, &scaling, &self.coefficients[1..]) {
            return true;
        }
        let intercept = self
            .weights
            .iter()
            .zip(&scaling)
            .fold(self.intercept, |b, (&w, &(shift, scale))| {
                b - w * shift / scale
            });
        !estimates_close(self.coefficients[0].estimate, intercept)
    }
}

/// Equal up to summation order (relative tolerance 1e-9).
fn estimates_close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

/// True when the documented term estimates are not `w_j / scale_j` of the weights prediction
/// uses (or not one per weight): a linear model's check, and a Cox model's (whose table has
/// no intercept).
pub fn terms_disagree(weights: &[f64], scaling: &[(f64, f64)], terms: &[Coefficient]) -> bool {
    terms.len() != weights.len()
        || weights
            .iter()
            .zip(scaling)
            .zip(terms)
            .any(|((&w, &(_, scale)), c)| !estimates_close(c.estimate, w / scale))
}

/// The design a logistic solver reads. Newton's method reads it about six times: built from
/// the columns at each pass, it needs no memory of its own. L-BFGS (designs too wide for
/// Newton, [`fitted_by_newton`]) reads it hundreds of times: held in memory once when it fits
/// finml.max_training_memory with the data.
/// A design with a hashed text feature is mostly zeros: L-BFGS reads it as sparse rows.
pub enum SolverDesign<'a> {
    Held(Array2<f64>),
    Sparse(SparseDesign),
    Columns(RowsDesign<'a>),
}

impl<'a> SolverDesign<'a> {
    pub fn new(
        columns: RowsDesign<'a>,
        data_bytes: usize,
        limits: Limits,
    ) -> Result<SolverDesign<'a>> {
        let newton = fitted_by_newton(columns.width());
        SolverDesign::for_solver(columns, data_bytes, limits, newton)
    }

    /// The design for Newton's method (`newton`: read from the columns) or the wide solvers
    /// (held; sparse with a text feature, refused with 54000 when its non-zero values do not
    /// fit finml.max_training_memory with `data_bytes`).
    pub fn for_solver(
        columns: RowsDesign<'a>,
        data_bytes: usize,
        limits: Limits,
        newton: bool,
    ) -> Result<SolverDesign<'a>> {
        let bytes = columns
            .n_rows()
            .saturating_mul(columns.width())
            .saturating_mul(std::mem::size_of::<f64>());
        if SolverDesign::reads_sparse(columns.preprocessor, newton) {
            let room = limits.max_memory_bytes.saturating_sub(data_bytes);
            return match columns.read_sparse(room) {
                Some(sparse) => Ok(SolverDesign::Sparse(sparse)),
                None => Err(Error::new(
                    ErrorKind::ResourceLimit,
                    format!(
                        "the non-zero values of the design of {} rows × {} columns take more than finml.max_training_memory ({:.1} MB) allows with the data",
                        columns.n_rows(),
                        columns.width(),
                        limits.max_memory_bytes as f64 / 1048576.0
                    ),
                )
                .with_hint("raise finml.max_training_memory, lower a text feature's max_features or ngram, or train on a sample")),
            };
        }
        Ok(
            if !newton && data_bytes.saturating_add(bytes) <= limits.max_memory_bytes {
                SolverDesign::Held(
                    columns
                        .preprocessor
                        .design_matrix(columns.data, columns.rows),
                )
            } else {
                SolverDesign::Columns(columns)
            },
        )
    }

    /// Whether the design is held as sparse rows (a wide solver over a hashed text feature),
    /// read without dense blocks.
    pub fn reads_sparse(preprocessor: &Preprocessor, newton: bool) -> bool {
        preprocessor.has_text() && !newton
    }

    /// Bytes it holds beyond the data (a design read from the columns holds none).
    pub fn bytes(&self) -> usize {
        match self {
            SolverDesign::Held(x) => x.len().saturating_mul(std::mem::size_of::<f64>()),
            SolverDesign::Sparse(x) => x.bytes(),
            SolverDesign::Columns(_) => 0,
        }
    }

    pub fn rows(&self) -> &dyn DesignRows {
        match self {
            SolverDesign::Held(x) => x,
            SolverDesign::Sparse(x) => x,
            SolverDesign::Columns(x) => x,
        }
    }
}

/// `rows` in table order with their labels and weights (design::in_table_order).
pub fn weighted_in_table_order(
    rows: &[usize],
    y: &[bool],
    weights: Option<&[f64]>,
) -> (Vec<usize>, Vec<bool>, Option<Vec<f64>>) {
    match weights {
        None => {
            let (rows, y) = in_table_order(rows, y);
            (rows, y, None)
        }
        Some(w) => {
            let pairs: Vec<(bool, f64)> = y.iter().copied().zip(w.iter().copied()).collect();
            let (rows, pairs) = in_table_order(rows, &pairs);
            let (y, w) = pairs.into_iter().unzip();
            (rows, y, Some(w))
        }
    }
}

/// The standardizing preprocessing fitted on the training rows, refused when a feature's
/// standardization overflows (values near 1e308: the design matrix would hold NaN).
pub fn fit_standardized(input: &mut FitInput<'_>) -> Result<Preprocessor> {
    let preprocessor = Preprocessor::fit(input.data, input.train, input.preprocess);
    input.progress.phase(Phase::Fitting);
    let overflowing = preprocessor
        .features
        .iter()
        .find_map(|f| match &f.transform {
            Transform::Numeric(t) if t.invalid_part().is_some() => Some(f.name.as_str()),
            _ => None,
        });
    if let Some(what) = overflowing {
        return Err(Error::invalid_data(format!(
            "feature \"{what}\" overflows double precision: its mean or standard deviation is not finite"
        ))
        .with_hint("rescale the column (e.g. to thousands) in a view, or leave it out"));
    }
    Ok(preprocessor)
}

/// The standardizing preprocessing and the dense design matrix of the training rows, for
/// an estimator that holds it (`what` names it in the memory error): the matrix and the data
/// must fit finml.max_training_memory together.
pub fn dense_design(input: &mut FitInput<'_>, what: &str) -> Result<(Preprocessor, Array2<f64>)> {
    let preprocessor = fit_standardized(input)?;
    let width = preprocessor.width();
    let rows = input.train.len();
    let needed = rows.saturating_mul(width.max(1)).saturating_mul(8);
    if input.data_bytes().saturating_add(needed) > input.limits.max_memory_bytes {
        return Err(Error::new(
            ErrorKind::ResourceLimit,
            format!(
                "{what} holds the design matrix of {rows} rows × {width} columns ({:.1} MB), more than finml.max_training_memory ({:.1} MB) allows with the data",
                needed as f64 / 1048576.0,
                input.limits.max_memory_bytes as f64 / 1048576.0
            ),
        )
        .with_hint("raise finml.max_training_memory, lower options.max_categories, or train on a sample"));
    }
    let x = preprocessor.design_matrix(input.data, input.train);
    Ok((preprocessor, x))
}

/// Fits logistic regression (binary labels) or linear regression (numeric labels) on the
/// standardized design of the training rows; `std_errors` as [`wants_std_errors`] (a linear
/// regression always has them). A logistic fit that stopped before its tolerance is told
/// (a note) and returned with its run.
pub fn fit(
    input: &mut FitInput<'_>,
    params: SolverParams,
    std_errors: Option<bool>,
) -> Result<(Preprocessor, LinearEstimator, Option<SolverRun>)> {
    let preprocessor = fit_standardized(input)?;
    let width = preprocessor.width();
    let binary = matches!(input.labels, TrainLabels::Binary(_));
    let covariance = !binary || wants_std_errors(std_errors, &preprocessor);
    // Newton's method and the covariance hold terms × terms matrices; truncated Newton (past
    // Newton's width, or where Newton's steps do not descend) its row weights.
    let newton = fitted_by_newton(width);
    let squares = if covariance || newton {
        LINEAR_SQUARE_MATRICES
    } else {
        0
    };
    // The rows in table order with their labels (and weights), and truncated Newton's.
    let label_bytes = match input.labels {
        TrainLabels::Numeric(_) => std::mem::size_of::<f64>(),
        _ if input.sample_weights.is_some() || params.class_weight.is_some() => {
            std::mem::size_of::<bool>() + std::mem::size_of::<f64>()
        }
        _ => std::mem::size_of::<bool>(),
    };
    let per_row = table_order_bytes(input.train.len(), label_bytes).saturating_add(if binary {
        truncated_newton_bytes(input.train.len())
    } else {
        0
    });
    // A sparse design's non-zero values are counted as they are read.
    let blocks = if SolverDesign::reads_sparse(&preprocessor, newton) {
        0
    } else {
        DENSE_BLOCKS
    };
    let solver = check_solver_memory(
        input.data_bytes().saturating_add(per_row),
        width,
        (squares, blocks),
        input.limits,
    )?;
    input.claim(solver);
    let columns = |rows| RowsDesign {
        preprocessor: &preprocessor,
        data: input.data,
        rows,
    };
    let (fit, odds_ratios) = match input.labels {
        TrainLabels::Binary(y) => {
            let weights = row_weights(input.sample_weights, y, params.class_weight);
            let (rows, y, weights) = weighted_in_table_order(input.train, y, weights.as_deref());
            let x = SolverDesign::new(
                columns(&rows),
                input.data_bytes().saturating_add(per_row),
                input.limits,
            )?;
            input.claim(solver.saturating_add(x.bytes()));
            (
                fit_logistic_with(
                    x.rows(),
                    &y,
                    weights.as_deref(),
                    (params.l2, params.max_iter),
                    covariance,
                )?,
                true,
            )
        }
        TrainLabels::MultiClass { .. } => {
            return Err(Error::new(
                ErrorKind::Internal,
                "a multi-class target given to the binary solvers",
            ))
        }
        TrainLabels::Survival(_) => return Err(crate::fit::survival_labels_refused()),
        TrainLabels::Numeric(y) => {
            // The normal equations read the design twice: from the columns both times.
            let (rows, y) = in_table_order(input.train, y);
            (fit_linear(&columns(&rows), &y, params.l2)?, false)
        }
    };
    let estimator = LinearEstimator::from_fit(&fit, &preprocessor, odds_ratios);
    if let Some(run) = fit.run.filter(|run| !run.converged) {
        input.notes.push(stopped_early(run, params.max_iter));
    }
    Ok((preprocessor, estimator, fit.run))
}

/// The note of a logistic fit that stopped before its tolerance.
fn stopped_early(run: SolverRun, max_iter: u64) -> String {
    let why = if run.steps >= max_iter {
        format!("after max_iter = {max_iter} steps")
    } else {
        format!("after {} steps, when no step lowered the loss", run.steps)
    };
    format!(
        "logistic regression stopped {why} before reaching its tolerance: the largest gradient component is {:.1e} per row (tolerance {:.0e}), so the coefficients may be off the optimum (metrics.solver.converged is false); raise options.max_iter or options.l2",
        run.largest_gradient_per_row, NEWTON_GRADIENT_TOLERANCE_PER_ROW
    )
}

/// A multinomial fit's L-BFGS runs up to this many iterations per `max_iter` (default 100:
/// 1,000 iterations). Its iterations are one pass each, where a Newton step is a pass with
/// the information matrix; from zero it needs several hundred to reach its tolerance on a
/// design of a few dozen terms and seven classes.
pub const MULTINOMIAL_ITERATIONS_PER_MAX_ITER: u64 = 10;

/// Fits multinomial logistic regression (class codes below `classes.len()`) on the
/// standardized design of the training rows: the preprocessing and the fitted classes.
pub fn fit_multiclass(
    input: &mut FitInput<'_>,
    params: SolverParams,
    (y, classes): (&[u32], &[String]),
) -> Result<(Preprocessor, multinomial::Multinomial)> {
    let preprocessor = fit_standardized(input)?;
    let width = preprocessor.width();
    // The information matrix of every class's terms (for the standard errors), its factor
    // and its inverse, with the class pairs' blocks and their row weights that build it,
    // when they are computed.
    let classes_n = classes.len();
    let pairs = classes_n * (classes_n + 1) / 2;
    let side = classes_n.saturating_mul(width + 1);
    let (squares, row_weights) = if side <= multinomial::MAX_COVARIANCE_SIDE {
        (
            LINEAR_SQUARE_MATRICES * classes_n * classes_n + pairs,
            pairs * crate::design::BLOCK_ROWS * 8,
        )
    } else {
        (1, 0)
    };
    let solver = check_solver_memory(
        input.data_bytes().saturating_add(row_weights),
        width,
        (squares, DENSE_BLOCKS),
        input.limits,
    )?;
    input.claim(solver);
    let weights = multi_class_weights(input.sample_weights, y, classes.len(), params.class_weight)?;
    let pairs: Vec<(u32, f64)> = y
        .iter()
        .enumerate()
        .map(|(k, &c)| (c, weights.as_ref().map_or(1.0, |w| w[k])))
        .collect();
    let (rows, pairs) = in_table_order(input.train, &pairs);
    let (y, w): (Vec<u32>, Vec<f64>) = pairs.into_iter().unzip();
    let columns = RowsDesign {
        preprocessor: &preprocessor,
        data: input.data,
        rows: &rows,
    };
    let newton = multinomial::fitted_by_newton(classes.len(), width);
    let x = SolverDesign::for_solver(columns, input.data_bytes(), input.limits, newton)?;
    input.claim(solver.saturating_add(x.bytes()));
    let fitted = multinomial::fit_multinomial(
        x.rows(),
        (&y, classes.len()),
        weights.is_some().then_some(w.as_slice()),
        (
            params.l2,
            params
                .max_iter
                .saturating_mul(MULTINOMIAL_ITERATIONS_PER_MAX_ITER),
        ),
        (
            classes,
            &preprocessor.term_names(),
            &preprocessor.column_scaling(),
        ),
    )?;
    Ok((preprocessor, fitted))
}
