//! A pass's cells: each row's design and output, the combine function, the Newton layout.

use super::pass::{CellKind, SumsPass, GROUP_CELLS, MAX_CELLS};
use crate::data::RawValue;
use crate::error::{Error, Result};
use crate::preprocess::{Input, Preprocessor, Transform};

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
pub(super) fn values_of<'a>(
    preprocessor: &Preprocessor,
    numbers: &[Option<f64>],
    texts: &[Option<&'a str>],
) -> Result<Vec<RawValue<'a>>> {
    preprocessor
        .values_from_arrays(numbers, texts)
        .ok_or_else(arrays_refused)
}

/// A row's design with the intercept's 1 first.
pub(super) fn design_row(
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
pub(super) fn add_gram_row(
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
pub(super) fn add_terms(
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

pub(super) fn state_refused() -> Error {
    Error::invalid_option("the training sums' state does not fit its pass")
        .with_hint("fin_train makes these passes; they are not for direct use")
}

pub(super) fn arrays_refused() -> Error {
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
