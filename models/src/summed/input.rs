//! What every summed training reads first: the moments of the training rows (their count,
//! the labels' sum, each number's present count and sum), and the standardizing
//! preprocessing fitted from sums as training in memory fits it from the rows.

use super::pass::SumsPass;
use super::ranks::{median_ranks, RankSearch};
use super::rows::{Atom, SummedRows};
use crate::error::{Error, ErrorKind, Result};
use crate::fit::PreprocessOptions;
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
}

impl SumsInput<'_> {
    /// The moments pass over the numeric features: its cells, the rows and the labels' sum;
    /// refuses no rows, one class, and a NaN or an infinity in a number, as reading the rows
    /// into memory does.
    pub fn moments(&self, rows: &mut dyn SummedRows) -> Result<(Vec<f64>, f64, f64)> {
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
    pub fn standardizing(&self, rows: &mut dyn SummedRows) -> Result<(Preprocessor, f64, f64)> {
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
                Transform::Categorical(categorical_from_counts(
                    counts,
                    self.preprocess.max_categories,
                ))
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
        if self.classifier && (positives == 0.0 || positives == n) {
            return Err(Error::invalid_data(format!(
                "the training split of \"{}\" has only one class",
                self.target
            ))
            .with_hint("a classifier needs rows of both classes in the training data"));
        }
        Ok(())
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
            .map(|k| match self.preprocess.impute {
                Impute::Mean if present[k] > 0 => mean(k),
                _ => 0.0,
            })
            .collect();
        if self.preprocess.impute != Impute::Median {
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
