//! Training from sums over the rows, where the rows are stored: each pass over a relation
//! is one aggregate (`fin_training_sums`) whose state is a fixed array of cells that a
//! parallel worker or a Citus worker fills for its part of the rows, and that parts add up
//! (order-independent but for rounding). Over the training rows:
//!
//! 1. **moments**: the row count, the labels' sum, and each numeric feature's present count
//!    and sum (categorical levels and a scorecard's atoms are a GROUP BY, outside this
//!    module);
//! 2. **ranks**: each median by radix selection over the numbers' order keys, one byte of
//!    the key per pass (at most 8), so a median is exact, as in memory;
//! 3. **spread**: each numeric feature's sum of squared deviations from its mean;
//! 4. **newton**: at each of Newton's steps, the log-loss, gradient and information matrix
//!    (logistic regression, a scorecard's regression on WoE values), and each feature's term
//!    sums for explanations;
//! 5. **normal** and **residuals**: least squares' normal equations, then the residual sum
//!    of squares for the standard errors (linear regression).
//!
//! A **points** pass is not summed: it gives each training row's scorecard score
//! (`fin_training_output`). A pass is described by a [`SumsPass`], sent to every worker as
//! JSON text.

use crate::binning::{bin_levels, bin_numeric_atoms, Binning, Counts, NumericControls};
use crate::data::{Dataset, RawValue};
use crate::error::{try_vec, Error, ErrorKind, Result};
use crate::estimator::linear::{
    fitted_by_newton, logistic_row, newton_by_passes, sigmoid, LinearEstimator, LinearFit,
    NewtonPass, NewtonSolution, SolverParams, NEWTON_MAX_TERMS,
};
use crate::estimator::scorecard::{
    check_feature_names, fit_binned, in_feature, Scorecard, ScorecardParams, WoeRows,
};
use crate::estimator::{Estimator, ScorecardEstimator};
use crate::explain::Reference;
use crate::fit::Task;
use crate::linalg::{cholesky, cholesky_solve, spd_inverse};
use crate::model::Model;
use crate::options::TrainOptions;
use crate::preprocess::{
    categorical_from_counts, FeatureTransform, Impute, Input, NumericTransform, Preprocessor,
    Transform,
};
use crate::train::{
    binary_evaluation, not_finite, regression_evaluation, with_drift, HeldOut, TrainOutcome, Truth,
};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// The order key of a finite number: its bits, rearranged so that the keys' unsigned order
/// is the numbers' order (stored as i64, as SQL's int8 would).
pub fn order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// What one pass of `fin_training_sums` sums.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "pass", rename_all = "snake_case")]
pub enum SumsPass {
    /// Rows, positive rows, then per number (the `numbers` array's order) its present
    /// count and sum, and its count of non-finite values.
    Moments { numbers: usize },
    /// Per target: for each value of the target's number whose key has the target's prefix
    /// (the key's bits above `shift`), its count, least and greatest value per next byte.
    Ranks {
        shift: u32,
        targets: Vec<RankTarget>,
    },
    /// Per number: the sum of its present values' squared deviations from `means[k]`.
    Spread { means: Vec<f64> },
    /// Newton's sums at `theta` on `preprocessor`'s design (see [`NewtonLayout`]).
    Newton {
        preprocessor: Preprocessor,
        theta: Vec<f64>,
    },
    /// Least squares' normal equations on `preprocessor`'s design, in a [`NewtonLayout`]:
    /// `Σy²` in the loss's cell, `Aᵀy` in the gradient's, `AᵀA` in the information's.
    Normal { preprocessor: Preprocessor },
    /// At `theta`: the residual sum of squares, then each feature's term sum and sum of
    /// squares.
    Residuals {
        preprocessor: Preprocessor,
        theta: Vec<f64>,
    },
    /// Not summed: a scorecard's points per bin of each (binned) feature, for each training
    /// row's score (`fin_training_output`).
    Points {
        preprocessor: Preprocessor,
        points: Vec<Vec<f64>>,
    },
}

/// One rank searched in one number: its position in the `numbers` array and the key prefix
/// its value has (the key's bits above the pass's shift; none at the first pass).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RankTarget {
    pub number: usize,
    pub prefix: u64,
}

/// The most cells one state may hold (64 MiB): a Newton pass at the widest design Newton's
/// method takes holds 65,536; the bound is there for a pass a caller made up.
pub const MAX_CELLS: usize = 1 << 23;

/// The longest pass text parsed (a pass fin_train makes is a few kB to a few MB: a scorecard's
/// points or a preprocessor's levels). Parsing allocates in proportion to the text, and a
/// caller can pass a 1 GB text: refused before parsing (54000).
pub const MAX_PASS_BYTES: usize = 64 << 20;

/// The fingerprint's bits: with the kind's two bits below them, an identity stays an exact
/// integer in a float8 cell (below 2⁵³).
const FINGERPRINT_BITS: u32 = 48;

/// Each of a Ranks pass's targets has one group of cells per next key byte.
const BYTE_GROUPS: usize = 256;
/// A group's cells: count, least value, greatest value.
const GROUP_CELLS: usize = 3;

/// How the combine function adds two states: the first cell names the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// Every cell added.
    Sums = 1,
    /// Groups of (count, least, greatest): added, least, greatest.
    Ranks = 2,
}

impl CellKind {
    /// The kind a state's identity cell names (its two lowest bits), if any.
    fn of_identity(identity: f64) -> Option<CellKind> {
        if !(identity.is_finite() && identity >= 0.0 && identity < (1u64 << 53) as f64) {
            return None;
        }
        match identity as u64 & 3 {
            1 => Some(CellKind::Sums),
            2 => Some(CellKind::Ranks),
            _ => None,
        }
    }
}

/// 64-bit FNV-1a of a pass's text: a pass's states carry it so that states of two passes
/// (same length or not) are never added together, and a state made up for another pass is
/// refused (22023). Not a defence against a forger, who may choose the cells anyway: it
/// keeps a mistake or a crafted query from summing one pass's parts into another's.
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl SumsPass {
    /// Parses a pass as the workers receive it; 22023 for anything else.
    pub fn parse(text: &str) -> Result<SumsPass> {
        if text.len() > MAX_PASS_BYTES {
            return Err(Error::new(
                ErrorKind::ResourceLimit,
                format!(
                    "a training pass of {} bytes is longer than the {MAX_PASS_BYTES} a pass may be",
                    text.len()
                ),
            )
            .with_hint("fin_train makes these passes; they are not for direct use"));
        }
        let mut pass: SumsPass = serde_json::from_str(text).map_err(|e| {
            Error::invalid_option(format!("invalid training pass: {e}"))
                .with_hint("fin_train makes these passes; they are not for direct use")
        })?;
        if let SumsPass::Ranks { shift, .. } = &pass {
            if *shift < 8 || *shift > 64 || shift % 8 != 0 {
                return Err(Error::invalid_option(format!(
                    "a ranks pass's shift must be a multiple of 8 from 8 to 64, got {shift}"
                )));
            }
        }
        if let Some(preprocessor) = pass.preprocessor() {
            if let Some(problem) = preprocessor.structure_problem() {
                return Err(Error::invalid_option(format!(
                    "a training pass's preprocessing is not valid: {problem}"
                ))
                .with_hint("fin_train makes these passes; they are not for direct use"));
            }
        }
        if pass.cell_count() > MAX_CELLS {
            return Err(Error::new(
                ErrorKind::ResourceLimit,
                format!(
                    "a training pass of {} cells is more than the {MAX_CELLS} one pass may sum",
                    pass.cell_count()
                ),
            )
            .with_hint("select fewer features, or lower options.max_categories"));
        }
        match &mut pass {
            SumsPass::Newton {
                preprocessor,
                theta,
            }
            | SumsPass::Residuals {
                preprocessor,
                theta,
            } => {
                preprocessor.rebuild_indexes();
                if theta.len() != preprocessor.width() + 1 {
                    return Err(Error::invalid_option(
                        "a pass's coefficients do not fit its design",
                    )
                    .with_hint("fin_train makes these passes; they are not for direct use"));
                }
            }
            SumsPass::Normal { preprocessor } => preprocessor.rebuild_indexes(),
            SumsPass::Points {
                preprocessor,
                points,
            } => {
                preprocessor.rebuild_indexes();
                let fits = points.len() == preprocessor.features.len()
                    && preprocessor.features.iter().zip(points.iter()).all(|(f, p)| {
                        matches!(&f.transform, Transform::Binned(b) if b.bins.len() == p.len())
                    });
                if !fits {
                    return Err(Error::invalid_option(
                        "a points pass's points do not fit its bins",
                    )
                    .with_hint("fin_train makes these passes; they are not for direct use"));
                }
            }
            _ => {}
        }
        Ok(pass)
    }

    pub fn kind(&self) -> CellKind {
        match self {
            SumsPass::Ranks { .. } => CellKind::Ranks,
            _ => CellKind::Sums,
        }
    }

    /// The state's length, its identity cell first. Saturating: a made-up pass's count is
    /// compared with [`MAX_CELLS`] before anything is allocated, and must not wrap to a small
    /// one on the way (the release build does not check overflow).
    pub fn cell_count(&self) -> usize {
        1usize.saturating_add(match self {
            SumsPass::Moments { numbers } => numbers.saturating_mul(3).saturating_add(2),
            SumsPass::Ranks { targets, .. } => {
                targets.len().saturating_mul(BYTE_GROUPS * GROUP_CELLS)
            }
            SumsPass::Spread { means } => means.len(),
            SumsPass::Newton {
                preprocessor,
                theta,
            } => NewtonLayout::new(theta.len(), preprocessor.features.len()).cells,
            SumsPass::Normal { preprocessor } => {
                NewtonLayout::new(
                    preprocessor.width().saturating_add(1),
                    preprocessor.features.len(),
                )
                .cells
            }
            SumsPass::Residuals { preprocessor, .. } => preprocessor
                .features
                .len()
                .saturating_mul(2)
                .saturating_add(1),
            SumsPass::Points { .. } => 0,
        })
    }

    /// The identity a state of the pass given by `text` carries in its first cell: the
    /// pass's kind in the two lowest bits, a fingerprint of the text above them.
    pub fn identity(&self, text: &str) -> f64 {
        let fingerprint = fingerprint(text) & ((1 << FINGERPRINT_BITS) - 1);
        ((fingerprint << 2) | self.kind() as u64) as f64
    }

    /// The zero state (a Ranks group's least and greatest start at +∞ and −∞), with the
    /// kind alone as its identity: for the passes fin_train sums itself.
    pub fn zero_cells(&self) -> Vec<f64> {
        let mut cells = vec![0.0; self.cell_count()];
        self.reset(&mut cells, self.kind() as u64 as f64);
        cells
    }

    /// The zero state of the pass `identity` names, allocated fallibly (up to
    /// [`MAX_CELLS`] cells, 64 MiB, for a pass a caller made up): 53200 when the memory is
    /// not there, where an infallible allocation would abort the server.
    pub fn zero_state(&self, identity: f64) -> Result<Vec<f64>> {
        let count = self.cell_count();
        let mut cells = try_vec(count, "a training state")?;
        cells.resize(count, 0.0);
        self.reset(&mut cells, identity);
        Ok(cells)
    }

    fn reset(&self, cells: &mut [f64], identity: f64) {
        cells.fill(0.0);
        cells[0] = identity;
        if self.kind() == CellKind::Ranks {
            for group in cells[1..].chunks_mut(GROUP_CELLS) {
                group[1] = f64::INFINITY;
                group[2] = f64::NEG_INFINITY;
            }
        }
    }

    /// Refuses a state that is not one of this pass's (22023): its length, and its identity
    /// cell against `identity` (from [`SumsPass::identity`]).
    pub fn check_state(&self, cells: &[f64], identity: f64) -> Result<()> {
        match cells.first() {
            Some(&first) if cells.len() == self.cell_count() && first == identity => Ok(()),
            _ => Err(state_refused()),
        }
    }

    /// Adds one row to `cells` (made by [`SumsPass::zero_cells`]): its numbers and texts as
    /// the `numbers`/`texts` arrays hold them, and its label (a class as 1 or 0, or a
    /// regression's target).
    pub fn add_row(
        &self,
        cells: &mut [f64],
        numbers: &[Option<f64>],
        texts: &[Option<&str>],
        label: f64,
    ) -> Result<()> {
        if cells.len() != self.cell_count() {
            return Err(state_refused());
        }
        let cells = &mut cells[1..];
        match self {
            SumsPass::Moments { numbers: count } => {
                if numbers.len() != *count {
                    return Err(arrays_refused());
                }
                cells[0] += 1.0;
                cells[1] += label;
                for (k, v) in numbers.iter().enumerate() {
                    match v {
                        Some(v) if v.is_finite() => {
                            cells[2 + 3 * k] += 1.0;
                            cells[3 + 3 * k] += v;
                        }
                        Some(_) => cells[4 + 3 * k] += 1.0,
                        None => {}
                    }
                }
            }
            SumsPass::Ranks { shift, targets } => {
                for (t, target) in targets.iter().enumerate() {
                    let Some(Some(v)) = numbers.get(target.number).copied() else {
                        continue;
                    };
                    let key = order_key(v);
                    if *shift < 64 && key >> shift != target.prefix {
                        continue;
                    }
                    let byte = ((key >> (shift - 8)) & 0xff) as usize;
                    let group = &mut cells[(t * BYTE_GROUPS + byte) * GROUP_CELLS..][..GROUP_CELLS];
                    group[0] += 1.0;
                    group[1] = group[1].min(v);
                    group[2] = group[2].max(v);
                }
            }
            SumsPass::Spread { means } => {
                if numbers.len() != means.len() {
                    return Err(arrays_refused());
                }
                for ((cell, v), mean) in cells.iter_mut().zip(numbers).zip(means) {
                    if let Some(v) = v {
                        *cell += (v - mean) * (v - mean);
                    }
                }
            }
            SumsPass::Newton {
                preprocessor,
                theta,
            } => {
                let values = values_of(preprocessor, numbers, texts)?;
                let layout = NewtonLayout::new(theta.len(), preprocessor.features.len());
                let row = design_row(preprocessor, &values, theta.len())?;
                let eta: f64 = row.iter().zip(theta).map(|(a, t)| a * t).sum();
                let (loss, residual, weight) = logistic_row(eta, label != 0.0);
                cells[0] += loss;
                add_gram_row(cells, &layout, &row, residual, weight);
                add_terms(cells, layout.term_sums, preprocessor, theta, &values)?;
            }
            SumsPass::Normal { preprocessor } => {
                let values = values_of(preprocessor, numbers, texts)?;
                let terms = preprocessor.width() + 1;
                let layout = NewtonLayout::new(terms, preprocessor.features.len());
                let row = design_row(preprocessor, &values, terms)?;
                cells[0] += label * label;
                add_gram_row(cells, &layout, &row, label, 1.0);
            }
            SumsPass::Residuals {
                preprocessor,
                theta,
            } => {
                let values = values_of(preprocessor, numbers, texts)?;
                let fitted = preprocessor.linear_predictor(theta[0], &theta[1..], &values)?;
                cells[0] += (label - fitted) * (label - fitted);
                add_terms(cells, 1, preprocessor, theta, &values)?;
            }
            SumsPass::Points { .. } => {
                return Err(Error::invalid_option("a points pass is not summed")
                    .with_hint("fin_train makes these passes; they are not for direct use"))
            }
        }
        Ok(())
    }
}

impl SumsPass {
    /// The preprocessor whose features the pass's arrays hold (in its order); `None`: the
    /// arrays hold every planned feature (moments, ranks, spread).
    pub fn preprocessor(&self) -> Option<&Preprocessor> {
        match self {
            SumsPass::Newton { preprocessor, .. }
            | SumsPass::Normal { preprocessor }
            | SumsPass::Residuals { preprocessor, .. }
            | SumsPass::Points { preprocessor, .. } => Some(preprocessor),
            SumsPass::Moments { .. } | SumsPass::Ranks { .. } | SumsPass::Spread { .. } => None,
        }
    }

    /// The pass's name, as its JSON tag.
    pub fn name(&self) -> &'static str {
        match self {
            SumsPass::Moments { .. } => "moments",
            SumsPass::Ranks { .. } => "ranks",
            SumsPass::Spread { .. } => "spread",
            SumsPass::Newton { .. } => "newton",
            SumsPass::Normal { .. } => "normal",
            SumsPass::Residuals { .. } => "residuals",
            SumsPass::Points { .. } => "points",
        }
    }

    /// Whether the pass reads the rows' texts (the moments, ranks and spread of the numbers do
    /// not: their queries pass an empty array).
    pub fn reads_texts(&self) -> bool {
        self.preprocessor().is_some()
    }

    /// One row's output: a Newton pass's linear predictor, a points pass's score.
    pub fn output(&self, numbers: &[Option<f64>], texts: &[Option<&str>]) -> Result<f64> {
        match self {
            SumsPass::Newton {
                preprocessor,
                theta,
            } => {
                let values = values_of(preprocessor, numbers, texts)?;
                preprocessor.linear_predictor(theta[0], &theta[1..], &values)
            }
            SumsPass::Points {
                preprocessor,
                points,
            } => {
                let values = values_of(preprocessor, numbers, texts)?;
                let mut score = 0.0;
                for ((f, value), points) in preprocessor.features.iter().zip(&values).zip(points) {
                    if let Transform::Binned(b) = &f.transform {
                        score += points[b.bin_of(&f.name, *value)?];
                    }
                }
                Ok(score)
            }
            _ => Err(
                Error::invalid_option("only a Newton or points pass has outputs")
                    .with_hint("fin_train makes these passes; they are not for direct use"),
            ),
        }
    }
}

/// A row's values from its arrays, refused when they do not fit the preprocessor.
fn values_of<'a>(
    preprocessor: &Preprocessor,
    numbers: &[Option<f64>],
    texts: &[Option<&'a str>],
) -> Result<Vec<RawValue<'a>>> {
    preprocessor
        .values_from_arrays(numbers, texts)
        .ok_or_else(arrays_refused)
}

/// A row's design with the intercept's 1 first.
fn design_row(
    preprocessor: &Preprocessor,
    values: &[RawValue<'_>],
    terms: usize,
) -> Result<Vec<f64>> {
    let mut row = Vec::with_capacity(terms);
    row.push(1.0);
    preprocessor.design_row(values, &mut row)?;
    Ok(row)
}

/// Adds `gradient_weight × row` to the gradient's cells and `information_weight × row rowᵀ`
/// to the information's upper triangle (it is symmetric).
fn add_gram_row(
    cells: &mut [f64],
    layout: &NewtonLayout,
    row: &[f64],
    gradient_weight: f64,
    information_weight: f64,
) {
    let terms = row.len();
    for (j, &a) in row.iter().enumerate() {
        cells[layout.gradient + j] += gradient_weight * a;
        if a != 0.0 {
            let wa = information_weight * a;
            let info = &mut cells[layout.information + j * terms..][..terms];
            for (c, &b) in info[j..].iter_mut().zip(&row[j..]) {
                *c += wa * b;
            }
        }
    }
}

/// Adds each feature's term at `theta` and its square to the cells from `at` on.
fn add_terms(
    cells: &mut [f64],
    at: usize,
    preprocessor: &Preprocessor,
    theta: &[f64],
    values: &[RawValue<'_>],
) -> Result<()> {
    let features = preprocessor.features.len();
    preprocessor.feature_terms(&theta[1..], values, |k, term| {
        cells[at + k] += term;
        cells[at + features + k] += term * term;
    })
}

/// Adds the state `b` into `a` (the combine function): both made for the same pass (equal
/// identity cells and lengths), else 22023.
pub fn combine_cells(a: &mut [f64], b: &[f64]) -> Result<()> {
    if a.len() != b.len() || a.len() > MAX_CELLS + 1 || a.first() != b.first() {
        return Err(state_refused());
    }
    let kind = a
        .first()
        .and_then(|&identity| CellKind::of_identity(identity));
    let Some(kind) = kind else {
        return Err(state_refused());
    };
    if kind == CellKind::Ranks && !(a.len() - 1).is_multiple_of(GROUP_CELLS) {
        return Err(state_refused());
    }
    if kind == CellKind::Ranks {
        for (x, y) in a[1..]
            .chunks_mut(GROUP_CELLS)
            .zip(b[1..].chunks(GROUP_CELLS))
        {
            x[0] += y[0];
            x[1] = x[1].min(y[1]);
            x[2] = x[2].max(y[2]);
        }
    } else {
        a[1..].iter_mut().zip(&b[1..]).for_each(|(x, y)| *x += y);
    }
    Ok(())
}

fn state_refused() -> Error {
    Error::invalid_option("the training sums' state does not fit its pass")
        .with_hint("fin_train makes these passes; they are not for direct use")
}

fn arrays_refused() -> Error {
    Error::invalid_option("the feature arrays do not fit the training pass")
        .with_hint("fin_train makes these passes; they are not for direct use")
}

/// Where a Newton pass's sums lie in its cells (after the kind cell): the log-loss, the
/// gradient (`terms`), the information matrix's upper triangle (`terms × terms`, row-major),
/// then each feature's term sum and sum of squares.
pub struct NewtonLayout {
    pub gradient: usize,
    pub information: usize,
    pub term_sums: usize,
    pub cells: usize,
}

impl NewtonLayout {
    /// Saturating, as [`SumsPass::cell_count`] is: a made-up width gives a count past
    /// [`MAX_CELLS`], never a wrapped small one.
    pub fn new(terms: usize, features: usize) -> NewtonLayout {
        let gradient: usize = 1;
        let information = gradient.saturating_add(terms);
        let term_sums = information.saturating_add(terms.saturating_mul(terms));
        NewtonLayout {
            gradient,
            information,
            term_sums,
            cells: term_sums.saturating_add(features.saturating_mul(2)),
        }
    }
}

impl Preprocessor {
    /// A row's values in feature order from the two arrays an aggregate takes: the numbers
    /// (numeric and date features) and the texts (the others), each in feature order;
    /// `None` when their lengths do not fit.
    pub fn values_from_arrays<'a>(
        &self,
        numbers: &[Option<f64>],
        texts: &[Option<&'a str>],
    ) -> Option<Vec<RawValue<'a>>> {
        let (mut numbers, mut texts) = (numbers.iter(), texts.iter());
        let values: Option<Vec<RawValue<'a>>> = self
            .features
            .iter()
            .map(|f| match f.transform.input() {
                Input::Number | Input::Date => numbers
                    .next()
                    .map(|v| v.map_or(RawValue::Null, RawValue::Number)),
                Input::Text => texts
                    .next()
                    .map(|v| v.map_or(RawValue::Null, RawValue::Text)),
            })
            .collect();
        values.filter(|_| numbers.next().is_none() && texts.next().is_none())
    }
}

/// The search for ranks of numbers by radix selection: each pass fixes one more byte of
/// each unfound rank's order key, and a rank is found when its byte's values are all equal.
#[derive(Debug, Clone)]
pub struct RankSearch {
    shift: u32,
    ranks: Vec<Rank>,
}

#[derive(Debug, Clone, Copy)]
struct Rank {
    number: usize,
    /// 0-based among the values with the prefix.
    rank: u64,
    prefix: u64,
    value: Option<f64>,
}

impl RankSearch {
    /// Searches, for each `(number, rank)`, the value at that 0-based rank among the
    /// number's present values.
    pub fn new(ranks: &[(usize, u64)]) -> RankSearch {
        RankSearch {
            shift: 64,
            ranks: ranks
                .iter()
                .map(|&(number, rank)| Rank {
                    number,
                    rank,
                    prefix: 0,
                    value: None,
                })
                .collect(),
        }
    }

    /// The next pass, or `None` when every rank is found.
    pub fn next_pass(&self) -> Option<SumsPass> {
        let targets: Vec<RankTarget> = self
            .ranks
            .iter()
            .filter(|r| r.value.is_none())
            .map(|r| RankTarget {
                number: r.number,
                prefix: r.prefix,
            })
            .collect();
        (!targets.is_empty() && self.shift >= 8).then_some(SumsPass::Ranks {
            shift: self.shift,
            targets,
        })
    }

    /// Reads the cells of the pass [`RankSearch::next_pass`] gave.
    pub fn absorb(&mut self, cells: &[f64]) -> Result<()> {
        let Some(SumsPass::Ranks { targets, .. }) = self.next_pass() else {
            return Ok(());
        };
        if cells.len() != 1 + targets.len() * BYTE_GROUPS * GROUP_CELLS {
            return Err(state_refused());
        }
        let next_shift = self.shift - 8;
        let unfound = self.ranks.iter_mut().filter(|r| r.value.is_none());
        for (t, rank) in unfound.enumerate() {
            let groups = cells[1 + t * BYTE_GROUPS * GROUP_CELLS..][..BYTE_GROUPS * GROUP_CELLS]
                .chunks(GROUP_CELLS);
            let mut before = 0u64;
            let mut found = false;
            for (byte, group) in groups.enumerate() {
                let count = group[0] as u64;
                if rank.rank < before + count {
                    rank.rank -= before;
                    rank.prefix = if self.shift == 64 {
                        byte as u64
                    } else {
                        (rank.prefix << 8) | byte as u64
                    };
                    if group[1] == group[2] || next_shift == 0 {
                        rank.value = Some(group[1]);
                    }
                    found = true;
                    break;
                }
                before += count;
            }
            if !found {
                return Err(Error::new(
                    ErrorKind::Internal,
                    format!(
                        "rank {} of number {} is beyond its {before} values",
                        rank.rank, rank.number
                    ),
                ));
            }
        }
        self.shift = next_shift;
        Ok(())
    }

    /// The values found, in the order the ranks were given.
    pub fn values(&self) -> Option<Vec<f64>> {
        self.ranks.iter().map(|r| r.value).collect()
    }
}

/// The 0-based ranks whose mean is the median of `present` values (numpy's median).
pub fn median_ranks(present: u64) -> (u64, u64) {
    if present % 2 == 1 {
        (present / 2, present / 2)
    } else {
        (present / 2 - 1, present / 2)
    }
}

/// Where a summed training's passes run: an aggregate over the training rows of a relation
/// (the extension), or rows in memory (the tests). Every method reads the training rows
/// only; `outputs` the rows the metrics are measured on.
pub trait SummedRows {
    /// The cells of `pass` summed over the training rows, each row's features given as
    /// `pass.preprocessor()`'s (every planned feature when it has none).
    fn sums(&mut self, pass: &SumsPass) -> Result<Vec<f64>>;
    /// The training rows' count and label sum per distinct value of `feature` (NULL too).
    fn atoms(&mut self, feature: &str) -> Result<Vec<(Atom, u64, f64)>>;
    /// The output (SumsPass::output) of each training row.
    fn training_outputs(&mut self, pass: &SumsPass) -> Result<Vec<f64>>;
    /// The linear predictor of the Newton pass's coefficients, and the label (1 or 0 for a
    /// class), of each row the metrics are measured on.
    fn outputs(&mut self, pass: &SumsPass) -> Result<(Vec<f64>, Vec<f64>)>;
    /// At most [`crate::drift::DRIFT_SAMPLE_ROWS`] training rows, for the drift reference.
    fn drift_sample(&mut self) -> Result<Dataset>;
}

/// A distinct value of a feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    Null,
    Number(f64),
    Level(String),
}

/// What a summed training fits: a logistic regression or a scorecard of two classes (named as
/// the model stores them), or a linear regression.
#[derive(Debug, Clone, PartialEq)]
pub enum SummedTask {
    Logistic {
        positive: String,
        negative: String,
    },
    Linear,
    Scorecard {
        positive: String,
        negative: String,
        card: Box<ScorecardParams>,
    },
}

/// A linear model to train from sums: its features (name, read as a number or as a text) in
/// the relation's order, its target and task, and its options.
pub struct SummedTraining<'a> {
    pub features: &'a [(String, Input)],
    pub target: &'a str,
    pub task: SummedTask,
    pub options: &'a TrainOptions,
    pub params: SolverParams,
    /// "test" when `outputs` reads an out-of-time test part, else "train".
    pub evaluated_on: &'static str,
}

impl SummedTraining<'_> {
    /// Trains on `rows`: the same model [`crate::train::train`] makes of the same rows, up
    /// to the order of additions (and a drift reference of another sample when there are
    /// more training rows than it holds).
    pub fn train(&self, rows: &mut dyn SummedRows) -> Result<TrainOutcome> {
        let mut notes = Vec::new();
        let (preprocessor, fit, term_sums, n, points) = match &self.task {
            SummedTask::Scorecard { card, .. } => self.scorecard(rows, card, &mut notes)?,
            SummedTask::Logistic { .. } | SummedTask::Linear => {
                let (preprocessor, n, label_sum) = self.preprocessor(rows)?;
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
                let (fit, term_sums) = if self.task == SummedTask::Linear {
                    self.least_squares(rows, &preprocessor, n)?
                } else {
                    let (solution, mut last) =
                        newton(rows, &preprocessor, n, label_sum, self.params)?;
                    let layout = NewtonLayout::new(terms, preprocessor.features.len());
                    (solution.into_fit(true), last.split_off(layout.term_sums))
                };
                (preprocessor, fit, term_sums, n, None)
            }
        };
        let classifier = self.task != SummedTask::Linear;
        let reference = reference_of(&term_sums, n);
        let linear = LinearEstimator::from_fit(&fit, &preprocessor, classifier);
        let theta: Vec<f64> = std::iter::once(fit.intercept)
            .chain(fit.weights.iter().copied())
            .collect();
        let (eta, labels) = rows.outputs(&SumsPass::Newton {
            preprocessor: preprocessor.clone(),
            theta,
        })?;
        if let Some(k) = eta.iter().position(|e| !e.is_finite()) {
            return Err(not_finite(&format!(
                "its prediction for {} row {} ({})",
                self.evaluated_on,
                k + 1,
                eta[k]
            )));
        }
        let (metrics, evaluation, truth) = match &self.task {
            SummedTask::Logistic { .. } | SummedTask::Scorecard { .. } => {
                let p: Vec<f64> = eta.iter().map(|&e| sigmoid(e)).collect();
                let truth: Vec<bool> = labels.iter().map(|&y| y != 0.0).collect();
                let (metrics, evaluation) = binary_evaluation(&p, &truth, self.evaluated_on);
                (metrics, evaluation, Truth::Binary(truth))
            }
            SummedTask::Linear => {
                let (metrics, evaluation) = regression_evaluation(&eta, &labels, self.evaluated_on);
                (metrics, evaluation, Truth::Numeric(labels))
            }
        };
        if let Some((name, value)) = metrics.iter().find(|(_, v)| !v.is_finite()) {
            return Err(not_finite(&format!(
                "its {name} on the {} rows ({value})",
                self.evaluated_on
            )));
        }
        let estimator = match points {
            Some(points) => Estimator::Scorecard(ScorecardEstimator { linear, points }),
            None if classifier => Estimator::Logistic(linear),
            None => Estimator::Linear(linear),
        };
        let (task, positive_class, negative_class) = match &self.task {
            SummedTask::Logistic { positive, negative }
            | SummedTask::Scorecard {
                positive, negative, ..
            } => (
                Task::Classification,
                Some(positive.clone()),
                Some(negative.clone()),
            ),
            SummedTask::Linear => (Task::Regression, None, None),
        };
        let model = Model {
            task,
            target: self.target.to_owned(),
            positive_class,
            negative_class,
            preprocessor,
            estimator,
            reference: Some(reference),
            evaluation: Some(evaluation),
            drift: None,
        };
        let sample = rows.drift_sample()?;
        let sampled: Vec<usize> = (0..sample.n_rows()).collect();
        let model = with_drift(model, &sample, &sampled)?;
        let test_rows = match self.evaluated_on {
            "test" => eta.len(),
            _ => 0,
        };
        Ok(TrainOutcome {
            model,
            train_rows: n as usize,
            test_rows,
            metrics,
            evaluated_on: self.evaluated_on,
            notes,
            held_out: HeldOut {
                rows: Vec::new(),
                truth,
            },
            training_log: Vec::new(),
            device: None,
        })
    }

    /// A scorecard from sums: the moments' counts, each feature's atoms (a GROUP BY) binned as
    /// in memory, then the regression on WoE values by Newton passes and the training rows'
    /// scores for the score bands (scorecard::fit_binned).
    #[allow(clippy::type_complexity)]
    fn scorecard(
        &self,
        rows: &mut dyn SummedRows,
        card: &ScorecardParams,
        notes: &mut Vec<String>,
    ) -> Result<(Preprocessor, LinearFit, Vec<f64>, f64, Option<Scorecard>)> {
        let named: Vec<(&str, bool)> = self
            .features
            .iter()
            .map(|(name, input)| (name.as_str(), *input != Input::Text))
            .collect();
        check_feature_names(&named, card)?;
        let (_, n, positives) = self.moments(rows)?;
        let mut binned = Vec::with_capacity(named.len());
        for &(name, number) in &named {
            let atoms = rows.atoms(name)?;
            binned.push((name.to_owned(), bin_atoms(name, number, atoms, card)?));
        }
        let mut woe = WoeSums {
            rows,
            n,
            positives,
            last: Vec::new(),
            information: Array2::zeros((0, 0)),
        };
        let fitted = fit_binned(binned, card, notes, &mut woe)?;
        let layout = NewtonLayout::new(
            fitted.preprocessor.width() + 1,
            fitted.preprocessor.features.len(),
        );
        let term_sums = woe.last.split_off(layout.term_sums);
        Ok((
            fitted.preprocessor,
            fitted.fit,
            term_sums,
            n,
            Some(fitted.scorecard),
        ))
    }

    /// The moments pass over the numeric features: its cells, the rows and the labels' sum;
    /// refuses no rows, one class, and a NaN or an infinity in a number, as reading the rows
    /// into memory does.
    fn moments(&self, rows: &mut dyn SummedRows) -> Result<(Vec<f64>, f64, f64)> {
        let numbers: Vec<&str> = self
            .features
            .iter()
            .filter(|(_, input)| *input != Input::Text)
            .map(|(name, _)| name.as_str())
            .collect();
        let moments = rows.sums(&SumsPass::Moments {
            numbers: numbers.len(),
        })?;
        let (n, label_sum) = (moments[1], moments[2]);
        self.check_rows(n, label_sum)?;
        for (k, name) in numbers.iter().enumerate() {
            let count = moments[5 + 3 * k];
            if count > 0.0 {
                return Err(Error::invalid_data(format!(
                    "feature \"{name}\" is not a finite number (NaN or infinity) in {count} rows"
                ))
                .with_hint("replace them by NULL (imputed) or filter those rows out in a view"));
            }
        }
        Ok((moments, n, label_sum))
    }

    /// The preprocessing fitted from the moments, median ranks, spread and level counts of
    /// the training rows; their count and their labels' sum.
    fn preprocessor(&self, rows: &mut dyn SummedRows) -> Result<(Preprocessor, f64, f64)> {
        let (moments, n, label_sum) = self.moments(rows)?;
        let numbers = (moments.len() - 3) / 3;
        let numeric = |k: usize| (moments[3 + 3 * k], moments[4 + 3 * k]);
        let imputed = self.impute_values(rows, (0..numbers).map(|k| numeric(k).0), |k| {
            numeric(k).1 / numeric(k).0
        })?;
        let means: Vec<f64> = (0..numbers)
            .map(|k| {
                let (present, sum) = numeric(k);
                (sum + (n - present) * imputed[k]) / n
            })
            .collect();
        let spread = rows.sums(&SumsPass::Spread {
            means: means.clone(),
        })?;
        let mut preprocessor = Preprocessor {
            features: Vec::with_capacity(self.features.len()),
        };
        let mut number = 0;
        for (name, input) in self.features {
            let transform = if *input == Input::Text {
                let atoms = rows.atoms(name)?;
                let counts = atoms.iter().map(|(atom, c, _)| match atom {
                    Atom::Level(level) => (Some(level.as_str()), *c as usize),
                    _ => (None, *c as usize),
                });
                Transform::Categorical(categorical_from_counts(counts, self.options.max_categories))
            } else {
                let k = number;
                number += 1;
                let missing = n - numeric(k).0;
                let deviation = imputed[k] - means[k];
                let variance = (spread[1 + k] + missing * deviation * deviation) / n;
                let transform = NumericTransform::from_moments(imputed[k], means[k], variance);
                if transform.invalid_part().is_some() {
                    return Err(Error::invalid_data(format!(
                        "feature \"{name}\" overflows double precision: its mean or standard deviation is not finite"
                    ))
                    .with_hint("rescale the column (e.g. to thousands) in a view, or leave it out"));
                }
                Transform::Numeric(transform)
            };
            preprocessor.features.push(FeatureTransform {
                name: name.clone(),
                transform,
            });
        }
        Ok((preprocessor, n, label_sum))
    }

    fn check_rows(&self, n: f64, positives: f64) -> Result<()> {
        if n == 0.0 {
            return Err(Error::invalid_data(format!(
                "no rows to train on: none with a non-NULL \"{}\" in the training part",
                self.target
            ))
            .with_hint("train on a relation with labelled rows"));
        }
        if self.task != SummedTask::Linear && (positives == 0.0 || positives == n) {
            return Err(Error::invalid_data(format!(
                "the training split of \"{}\" has only one class",
                self.target
            ))
            .with_hint("a classifier needs rows of both classes in the training data"));
        }
        Ok(())
    }

    /// Least squares (ridge with `l2`) from one pass of normal equations and one of
    /// residuals, as training in memory solves them: the fit with its covariance, and the
    /// residual pass's term sums.
    fn least_squares(
        &self,
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
            gram[[j, j]] += self.params.l2;
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
        };
        Ok((fit, residuals.split_off(1)))
    }

    /// Each number's imputed value: its median (by rank passes), its mean, or zero; zero for
    /// a number without a present value.
    fn impute_values(
        &self,
        rows: &mut dyn SummedRows,
        present: impl Iterator<Item = f64>,
        mean: impl Fn(usize) -> f64,
    ) -> Result<Vec<f64>> {
        let present: Vec<u64> = present.map(|p| p as u64).collect();
        let mut values: Vec<f64> = (0..present.len())
            .map(|k| match self.options.impute {
                Impute::Mean if present[k] > 0 => mean(k),
                _ => 0.0,
            })
            .collect();
        if self.options.impute != Impute::Median {
            return Ok(values);
        }
        let ranks: Vec<(usize, u64)> = (0..present.len())
            .filter(|&k| present[k] > 0)
            .flat_map(|k| {
                let (low, high) = median_ranks(present[k]);
                [(k, low), (k, high)]
            })
            .collect();
        let mut search = RankSearch::new(&ranks);
        while let Some(pass) = search.next_pass() {
            let cells = rows.sums(&pass)?;
            search.absorb(&cells)?;
        }
        let found = search.values().ok_or_else(|| {
            Error::new(ErrorKind::Internal, "a median's rank search did not finish")
        })?;
        for (pair, value) in ranks.chunks(2).zip(found.chunks(2)) {
            values[pair[0].0] = (value[0] + value[1]) / 2.0;
        }
        Ok(values)
    }
}

/// The symmetric matrix whose upper triangle `upper` holds (row-major, `terms × terms`).
fn symmetric(upper: &[f64], terms: usize) -> Array2<f64> {
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
fn reference_of(term_sums: &[f64], n: f64) -> Reference {
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
    }
}

/// Newton's method, a pass over the rows per step: the solution, and the cells of the pass at
/// it without the kind cell (whose term sums measure the reference).
fn newton(
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

/// A feature's binning from its atoms, as [`crate::estimator::scorecard::bin_feature`] bins
/// its rows in memory.
fn bin_atoms(
    name: &str,
    number: bool,
    atoms: Vec<(Atom, u64, f64)>,
    card: &ScorecardParams,
) -> Result<Binning> {
    let counts = |rows: u64, events: f64| Counts::unweighted(rows, events as u64);
    let params = card.binning_params(name);
    let mut missing = Counts::default();
    if number {
        let (special_codes, cuts) = card.numeric_controls(name);
        let mut special = vec![Counts::default(); special_codes.len()];
        let mut values = Vec::with_capacity(atoms.len());
        for (atom, rows, events) in atoms {
            match atom {
                Atom::Number(v) => match special_codes.iter().position(|&s| s == v) {
                    Some(code) => special[code].add(counts(rows, events)),
                    None => values.push((v, counts(rows, events))),
                },
                _ => missing.add(counts(rows, events)),
            }
        }
        values.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let controls = NumericControls {
            special: &special_codes,
            cuts: cuts.as_deref(),
        };
        bin_numeric_atoms(values, special, missing, params, controls)
            .map_err(|e| in_feature(name, e))
    } else {
        let (mut levels, mut per_level) = (Vec::new(), Vec::new());
        for (atom, rows, events) in atoms {
            match atom {
                Atom::Level(level) => {
                    levels.push(level);
                    per_level.push(counts(rows, events));
                }
                _ => missing.add(counts(rows, events)),
            }
        }
        Ok(bin_levels(&levels, &per_level, missing, params))
    }
}

/// The regression on WoE values with its passes summed where the rows are.
struct WoeSums<'r> {
    rows: &'r mut dyn SummedRows,
    n: f64,
    positives: f64,
    /// The last Newton pass's cells (its term sums measure the reference) and penalized
    /// information (its inverse is the kept fit's covariance).
    last: Vec<f64>,
    information: Array2<f64>,
}

impl WoeRows for WoeSums<'_> {
    fn coefficients(
        &mut self,
        preprocessor: &Preprocessor,
        sc: &ScorecardParams,
    ) -> Result<LinearFit> {
        let (solution, last) = newton(self.rows, preprocessor, self.n, self.positives, sc.solver)?;
        self.last = last;
        self.information = solution.information.clone();
        Ok(solution.into_fit(false))
    }

    /// The inverse of the information Newton's last pass summed, at the kept coefficients:
    /// no pass of its own.
    fn covariance(
        &mut self,
        _preprocessor: &Preprocessor,
        _fit: &LinearFit,
        _sc: &ScorecardParams,
    ) -> Option<Array2<f64>> {
        spd_inverse(&self.information)
    }

    fn scores(&mut self, preprocessor: &Preprocessor, points: &[Vec<f64>]) -> Result<Vec<f64>> {
        self.rows.training_outputs(&SumsPass::Points {
            preprocessor: preprocessor.clone(),
            points: points.to_vec(),
        })
    }
}
