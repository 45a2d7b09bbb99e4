//! What every summed training reads first: the moments of the training rows (their count,
//! the labels' sum, each number's present count and sum), and the standardizing
//! preprocessing fitted from sums as training in memory fits it from the rows.

use super::pass::{state_refused, SumsPass};
use super::ranks::{median_ranks, RankSearch};
use super::rows::{Atom, SummedRows};
use crate::error::{Error, ErrorKind, Result};
use crate::fit::{refuse_identifier, PreprocessOptions};
use crate::preprocess::{
    categorical_from_counts, FeatureTransform, Impute, Input, NumericTransform, Preprocessor,
    Transform,
};

/// A training from sums' columns and options: its features (name, read as a number or as a
/// text) in the relation's order, its target, whether it classifies, and the preprocessing
/// options.
pub struct SumsInput<'a> {
    pub features: &'a [(String, Input)],
    pub target: &'a str,
    pub classifier: bool,
    pub preprocess: &'a PreprocessOptions,
    /// `options.allow_identifier`: a categorical feature with a distinct value in every row
    /// may be read.
    pub allow_identifier: bool,
}

impl SumsInput<'_> {
    /// The atoms of feature `name` ([`SummedRows::atoms`]); 22023 for a categorical one that
    /// looks like an identifier ([`refuse_identifier`]).
    pub fn atoms(&self, rows: &mut dyn SummedRows, name: &str) -> Result<Vec<(Atom, u64, f64)>> {
        let atoms = rows.atoms(name)?;
        let categorical = self
            .features
            .iter()
            .any(|(n, input)| n == name && *input == Input::Text);
        if categorical {
            let levels = atoms.iter().filter(|(a, _, _)| matches!(a, Atom::Level(_)));
            let (distinct, rows) = levels.fold((0usize, 0usize), |(d, r), (_, count, _)| {
                (
                    d + usize::from(*count > 0),
                    r.saturating_add(*count as usize),
                )
            });
            refuse_identifier(name, rows, distinct, self.allow_identifier)?;
        }
        Ok(atoms)
    }

    /// The numeric features' names, in the `numbers` array's order.
    fn numbers(&self) -> Vec<&str> {
        self.features
            .iter()
            .filter(|(_, input)| *input != Input::Text)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// The moments pass over the numeric features: its cells, the rows and the labels' sum;
    /// refuses no rows, one class, and a NaN or an infinity in a number, as reading the rows
    /// into memory does.
    pub fn moments(&self, rows: &mut dyn SummedRows) -> Result<(Vec<f64>, f64, f64)> {
        let numbers = self.numbers().len();
        let moments = rows.sums(&SumsPass::Moments { numbers })?;
        let (n, label_sum) = self.checked_moments(&moments)?;
        Ok((moments, n, label_sum))
    }

    /// The rows and the labels' sum of a moments pass's `cells`, refused as [`Self::moments`]
    /// says.
    fn checked_moments(&self, moments: &[f64]) -> Result<(f64, f64)> {
        let (n, label_sum) = (moments[1], moments[2]);
        self.check_rows(n, label_sum)?;
        for (k, name) in self.numbers().iter().enumerate() {
            let count = moments[5 + 3 * k];
            if count > 0.0 {
                return Err(Error::invalid_data(format!(
                    "feature \"{name}\" is not a finite number (NaN or infinity) in {count} rows"
                ))
                .with_hint("replace them by NULL (imputed) or filter those rows out in a view"));
            }
        }
        Ok((n, label_sum))
    }

    /// The preprocessing fitted from the moments, median ranks, spread and level counts of
    /// the training rows; their count and their labels' sum. Medians are searched a byte of
    /// their order key a pass; the moments ride along the first byte's pass (it needs no
    /// rank) and the spread along the second's (it needs only the present values' means), so
    /// they cost no pass of their own.
    pub fn standardizing(&self, rows: &mut dyn SummedRows) -> Result<(Preprocessor, f64, f64)> {
        let numbers = self.numbers().len();
        let medians = self.preprocess.impute == Impute::Median && numbers > 0;
        let moments_pass = SumsPass::Moments { numbers };
        let (moments, first_bytes) = if medians {
            let pass = RankSearch::first_bytes(numbers, Some(moments_pass.clone()));
            let cells = rows.sums(&pass)?;
            let moments = pass.carried_state(&cells).ok_or_else(state_refused)?;
            (moments, Some((pass, cells)))
        } else {
            (rows.sums(&moments_pass)?, None)
        };
        if moments.len() != moments_pass.cell_count() {
            return Err(state_refused());
        }
        let (n, label_sum) = self.checked_moments(&moments)?;
        let numeric = |k: usize| (moments[3 + 3 * k], moments[4 + 3 * k]);
        let present_means: Vec<f64> = (0..numbers)
            .map(|k| match numeric(k) {
                (present, sum) if present > 0.0 => sum / present,
                _ => 0.0,
            })
            .collect();
        let mut spread_pass = (numbers > 0).then(|| SumsPass::Spread {
            means: present_means.clone(),
        });
        let mut spread = None;
        let mut imputed: Vec<f64> = (0..numbers)
            .map(|k| match self.preprocess.impute {
                Impute::Mean => present_means[k],
                _ => 0.0,
            })
            .collect();
        if let Some((pass, cells)) = first_bytes {
            let ranks: Vec<(usize, u64)> = (0..numbers)
                .filter(|&k| numeric(k).0 > 0.0)
                .flat_map(|k| {
                    let (low, high) = median_ranks(numeric(k).0 as u64);
                    [(k, low), (k, high)]
                })
                .collect();
            let mut search = RankSearch::new(&ranks);
            search.absorb(&pass, &cells)?;
            while let Some(pass) = search.next_pass(spread_pass.take()) {
                let cells = rows.sums(&pass)?;
                if let Some(carried) = pass.carried_state(&cells) {
                    spread = Some(carried);
                }
                search.absorb(&pass, &cells)?;
            }
            let found = search.values().ok_or_else(|| {
                Error::new(ErrorKind::Internal, "a median's rank search did not finish")
            })?;
            for (pair, value) in ranks.chunks(2).zip(found.chunks(2)) {
                imputed[pair[0].0] = (value[0] + value[1]) / 2.0;
            }
        }
        if let Some(pass) = spread_pass {
            spread = Some(rows.sums(&pass)?);
        }
        let spread = spread.unwrap_or_else(|| vec![0.0]);
        if spread.len() != numbers + 1 {
            return Err(state_refused());
        }
        let means: Vec<f64> = (0..numbers)
            .map(|k| {
                let (present, sum) = numeric(k);
                (sum + (n - present) * imputed[k]) / n
            })
            .collect();
        let mut preprocessor = Preprocessor {
            features: Vec::with_capacity(self.features.len()),
        };
        let mut number = 0;
        for (name, input) in self.features {
            let transform = if *input == Input::Text {
                let atoms = self.atoms(rows, name)?;
                let counts = atoms.iter().map(|(atom, c, _)| match atom {
                    Atom::Level(level) => (Some(level.as_str()), *c as usize),
                    _ => (None, *c as usize),
                });
                Transform::Categorical(categorical_from_counts(
                    counts,
                    self.preprocess.max_categories,
                    self.preprocess.min_level_rows,
                ))
            } else {
                let k = number;
                number += 1;
                // The squared deviations from the present values' mean, moved to the imputed
                // column's mean (Σ(x − a)² = Σ(x − x̄)² + m(x̄ − a)² over m values), plus
                // the imputed rows'.
                let present = numeric(k).0;
                let shift = present_means[k] - means[k];
                let deviation = imputed[k] - means[k];
                let variance = (spread[1 + k]
                    + present * shift * shift
                    + (n - present) * deviation * deviation)
                    / n;
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
        if self.classifier && (positives == 0.0 || positives == n) {
            return Err(Error::invalid_data(format!(
                "the training split of \"{}\" has only one class",
                self.target
            ))
            .with_hint("a classifier needs rows of both classes in the training data"));
        }
        Ok(())
    }
}
