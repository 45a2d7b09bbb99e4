//! What a population looked like at training, for every algorithm: each feature's
//! distribution (numeric: decile edges, the share of rows between them and the NULL share;
//! categorical: the share of each level) and the prediction's deciles. Drift measures a
//! later population against it: the population stability index (PSI) of the prediction and
//! the characteristic stability index (CSI) of each feature, both
//! `Σ (A_i − E_i)·ln(A_i/E_i)` over the same buckets (DESIGN.md, "Formulas").

use crate::data::{Column, Dataset, RawValue, NULL_CODE};
use crate::preprocess::{Input, Preprocessor, Transform};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Training rows the distributions are measured on at most (evenly spaced beyond): a
/// decile edge or a share from 100,000 rows is within 0.3 percentage points of the whole
/// split's, and the measure costs the same at any table size.
pub const DRIFT_SAMPLE_ROWS: usize = 100_000;
/// Levels kept per categorical feature; the rest share one bucket.
pub const DRIFT_MAX_LEVELS: usize = 100;
/// Quantiles measured: deciles.
const QUANTILES: usize = 10;
/// Significant digits of a coarse reference's deciles.
pub const COARSE_DIGITS: i32 = 2;

/// `x` rounded to `digits` significant digits (`x` itself where the scaling would overflow).
pub fn round_significant(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    let rounded = (x * scale).round() / scale;
    if rounded.is_finite() && scale.is_finite() && scale > 0.0 {
        rounded
    } else {
        x
    }
}

/// One variable's distribution over buckets; NULL is the last bucket of either kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Distribution {
    /// Bucket k holds `edges[k-1] <= x < edges[k]`; `shares` has one more entry than
    /// `edges`.
    Numeric {
        edges: Vec<f64>,
        shares: Vec<f64>,
        null_share: f64,
    },
    /// One bucket per kept level, then one for every other level (those beyond
    /// [`DRIFT_MAX_LEVELS`] and those unseen in training).
    Levels {
        levels: Vec<String>,
        shares: Vec<f64>,
        other_share: f64,
        null_share: f64,
        #[serde(skip)]
        index: HashMap<String, usize>,
    },
}

/// What a feature's distribution tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tracked {
    /// Deciles of a number, shares of levels.
    Values,
    /// Only whether the value is NULL (dates, texts: see [`DriftReference::measure`]).
    Presence,
}

impl Tracked {
    /// What the distribution of a feature with this preprocessing tracks.
    pub fn of(transform: &Transform) -> Tracked {
        match transform {
            Transform::Date(_) | Transform::Text(_) => Tracked::Presence,
            Transform::Numeric(_) | Transform::Categorical(_) | Transform::Binned(_) => {
                Tracked::Values
            }
        }
    }
}

/// The training population of a model: its prediction's distribution and each feature's,
/// in feature order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReference {
    pub prediction: Distribution,
    pub features: Vec<Distribution>,
}

impl Distribution {
    /// Two buckets: a value is present, or NULL (`numeric`: the value is a number, whose
    /// bucket a distribution without edges finds; else a text, which falls among the
    /// "other" levels of a distribution without levels).
    pub fn presence(nulls: usize, rows: usize, numeric: bool) -> Distribution {
        let null_share = if rows == 0 {
            0.0
        } else {
            nulls as f64 / rows as f64
        };
        if numeric {
            Distribution::Numeric {
                edges: Vec::new(),
                shares: vec![1.0 - null_share],
                null_share,
            }
        } else {
            Distribution::Levels {
                levels: Vec::new(),
                shares: Vec::new(),
                other_share: 1.0 - null_share,
                null_share,
                index: HashMap::new(),
            }
        }
    }

    /// The deciles of the finite values of `values` (NaN: NULL).
    pub fn of_numbers(values: impl Iterator<Item = f64>) -> Distribution {
        Distribution::of_numbers_rounded(values, None)
    }

    /// [`Distribution::of_numbers`], each decile rounded to `digits` significant digits (when
    /// given) before the shares are counted: no edge is one row's exact value.
    pub fn of_numbers_rounded(
        values: impl Iterator<Item = f64>,
        digits: Option<i32>,
    ) -> Distribution {
        let mut finite = Vec::new();
        let mut nulls = 0usize;
        for v in values {
            if v.is_nan() {
                nulls += 1;
            } else {
                finite.push(v);
            }
        }
        let total = (finite.len() + nulls).max(1) as f64;
        finite.sort_by(f64::total_cmp);
        let mut edges: Vec<f64> = (1..QUANTILES)
            .filter_map(|q| finite.get(q * finite.len() / QUANTILES).copied())
            .map(|e| digits.map_or(e, |d| round_significant(e, d)))
            .collect();
        edges.dedup();
        // The lowest value opens no bucket: everything is at least it.
        while edges
            .first()
            .zip(finite.first())
            .is_some_and(|(e, low)| e <= low)
        {
            edges.remove(0);
        }
        let mut counts = vec![0usize; edges.len() + 1];
        for &v in &finite {
            counts[edges.partition_point(|&e| e <= v)] += 1;
        }
        Distribution::Numeric {
            edges,
            shares: counts.iter().map(|&c| c as f64 / total).collect(),
            null_share: nulls as f64 / total,
        }
    }

    /// The level shares of `levels` (`None`: NULL), the most frequent
    /// [`DRIFT_MAX_LEVELS`] of those seen `min_rows` times kept by name.
    pub fn of_levels<'a>(
        levels: impl Iterator<Item = Option<&'a str>>,
        min_rows: usize,
    ) -> Distribution {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        let (mut nulls, mut total) = (0usize, 0usize);
        for level in levels {
            total += 1;
            match level {
                Some(l) => *counts.entry(l).or_default() += 1,
                None => nulls += 1,
            }
        }
        let mut by_count: Vec<(&str, usize)> = counts.into_iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let total = total.max(1) as f64;
        let named = by_count
            .iter()
            .take(DRIFT_MAX_LEVELS)
            .take_while(|&&(_, c)| c >= min_rows)
            .count();
        let other: usize = by_count.iter().skip(named).map(|(_, c)| c).sum();
        by_count.truncate(named);
        let mut distribution = Distribution::Levels {
            levels: by_count.iter().map(|(l, _)| (*l).to_owned()).collect(),
            shares: by_count.iter().map(|&(_, c)| c as f64 / total).collect(),
            other_share: other as f64 / total,
            null_share: nulls as f64 / total,
            index: HashMap::new(),
        };
        distribution.rebuild_index();
        distribution
    }

    /// Rebuilds the level lookup, which is not serialized.
    pub fn rebuild_index(&mut self) {
        if let Distribution::Levels { levels, index, .. } = self {
            *index = levels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.clone(), i))
                .collect();
        }
    }

    /// The expected share of each bucket, NULL last.
    pub fn expected(&self) -> Vec<f64> {
        match self {
            Distribution::Numeric {
                shares, null_share, ..
            } => shares.iter().copied().chain([*null_share]).collect(),
            Distribution::Levels {
                shares,
                other_share,
                null_share,
                ..
            } => shares
                .iter()
                .copied()
                .chain([*other_share, *null_share])
                .collect(),
        }
    }

    pub fn buckets(&self) -> usize {
        match self {
            Distribution::Numeric { shares, .. } => shares.len() + 1,
            Distribution::Levels { shares, .. } => shares.len() + 2,
        }
    }

    /// The bucket of a number (NaN: NULL).
    pub fn bucket_of_number(&self, x: f64) -> usize {
        match self {
            _ if x.is_nan() => self.buckets() - 1,
            Distribution::Numeric { edges, .. } => edges.partition_point(|&e| e <= x),
            // A number where a level was expected: not one of the levels.
            Distribution::Levels { shares, .. } => shares.len(),
        }
    }

    /// The bucket of one value.
    pub fn bucket_of(&self, value: RawValue<'_>) -> usize {
        match (self, value) {
            (_, RawValue::Null) => self.buckets() - 1,
            (_, RawValue::Number(x)) => self.bucket_of_number(x),
            (Distribution::Levels { index, shares, .. }, RawValue::Text(t)) => {
                index.get(t).copied().unwrap_or(shares.len())
            }
            (Distribution::Numeric { .. }, RawValue::Text(_)) => self.buckets() - 1,
        }
    }

    /// What a stored distribution holds that training could not have written, named for the
    /// error message (`what` names the distribution): edges that do not increase (a value's
    /// bucket is found by bisection), bucket counts that do not match the shares, a level
    /// listed twice, or shares that are not parts of one population.
    pub fn structure_problem(&self, what: &str) -> Option<String> {
        let (shares, rest): (&[f64], [f64; 2]) = match self {
            Distribution::Numeric {
                edges,
                shares,
                null_share,
            } => {
                if edges
                    .windows(2)
                    .any(|w| w[0].partial_cmp(&w[1]) != Some(std::cmp::Ordering::Less))
                {
                    return Some(format!("the drift edges of {what} do not increase"));
                }
                if shares.len() != edges.len() + 1 {
                    return Some(format!(
                        "the drift reference of {what} has {} shares for {} edges",
                        shares.len(),
                        edges.len()
                    ));
                }
                (shares, [*null_share, 0.0])
            }
            Distribution::Levels {
                levels,
                shares,
                other_share,
                null_share,
                ..
            } => {
                if shares.len() != levels.len() {
                    return Some(format!(
                        "the drift reference of {what} has {} shares for {} levels",
                        shares.len(),
                        levels.len()
                    ));
                }
                let mut seen = std::collections::HashSet::with_capacity(levels.len());
                if let Some(level) = levels.iter().find(|l| !seen.insert(l.as_str())) {
                    return Some(format!(
                        "the drift reference of {what} lists level \"{level}\" twice"
                    ));
                }
                (shares, [*other_share, *null_share])
            }
        };
        let mut total = 0.0;
        for &share in shares.iter().chain(&rest) {
            if !(0.0..=1.0).contains(&share) {
                return Some(format!("a drift share of {what} ({share}) is not a share"));
            }
            total += share;
        }
        // Shares of one population sum to 1 (0 for an empty one), up to rounding.
        (total > 1.0 + 1e-6)
            .then(|| format!("the drift shares of {what} add up to {total}, more than 1"))
    }

    /// The first edge or share that is not a finite number, for the stored model's check.
    pub fn has_invalid_number(&self) -> bool {
        let finite = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
        match self {
            Distribution::Numeric { edges, .. } => !(finite(edges) && finite(&self.expected())),
            Distribution::Levels { .. } => !finite(&self.expected()),
        }
    }
}

impl DriftReference {
    /// Measures the training population on `sample` (see [`drift_sample`]): the model's
    /// features by name in `data`, and its `predictions` for those rows. A date or text
    /// feature's distribution is only its NULL share: a later period's dates always lie
    /// beyond the training deciles, and memos are nearly all distinct, so their values'
    /// shares would signal drift that is not there.
    /// With `digits` (`store_reference` "coarse"), the features' deciles are rounded to so many
    /// significant digits (the prediction's are the model's, not a customer's); levels seen in
    /// fewer than `min_level_rows` rows of the sample count among the "other" levels, unnamed.
    pub fn measure(
        data: &Dataset,
        features: &[(&str, Tracked)],
        sample: &[usize],
        predictions: Vec<f64>,
        (digits, min_level_rows): (Option<i32>, usize),
    ) -> DriftReference {
        let features = features
            .iter()
            .map(
                |&(name, tracked)| match data.feature(name).map(|f| &f.column) {
                    Some(Column::Numeric(c)) if tracked == Tracked::Presence => {
                        Distribution::presence(
                            sample.iter().filter(|&&r| c.values[r].is_nan()).count(),
                            sample.len(),
                            true,
                        )
                    }
                    Some(Column::Categorical(c)) if tracked == Tracked::Presence => {
                        Distribution::presence(
                            sample.iter().filter(|&&r| c.codes[r] == NULL_CODE).count(),
                            sample.len(),
                            false,
                        )
                    }
                    Some(Column::Numeric(c)) => Distribution::of_numbers_rounded(
                        sample.iter().map(|&r| c.values[r]),
                        digits,
                    ),
                    Some(Column::Categorical(c)) => Distribution::of_levels(
                        sample.iter().map(|&r| match c.codes[r] {
                            NULL_CODE => None,
                            code => Some(c.levels[code as usize].as_str()),
                        }),
                        min_level_rows,
                    ),
                    None => Distribution::of_numbers(std::iter::empty()),
                },
            )
            .collect();
        let prediction = Distribution::of_numbers(predictions.into_iter());
        DriftReference {
            prediction,
            features,
        }
    }

    /// What does not fit `preprocessor` (see [`Distribution::structure_problem`]): one
    /// distribution per feature, of the kind its input gives (a number's deciles, a level's
    /// shares; only the NULL share for a date or a text), and deciles of the prediction.
    pub fn structure_problem(&self, preprocessor: &Preprocessor) -> Option<String> {
        if self.features.len() != preprocessor.features.len() {
            return Some(format!(
                "the drift reference has {} feature distributions for {} features",
                self.features.len(),
                preprocessor.features.len()
            ));
        }
        if !matches!(self.prediction, Distribution::Numeric { .. }) {
            return Some("the drift reference of the prediction is not numeric".to_owned());
        }
        if let Some(problem) = self.prediction.structure_problem("the prediction") {
            return Some(problem);
        }
        for (f, d) in preprocessor.features.iter().zip(&self.features) {
            let what = format!("\"{}\"", f.name);
            let numeric = f.transform.input() != Input::Text;
            let fits = match (d, Tracked::of(&f.transform)) {
                (Distribution::Numeric { .. }, Tracked::Values) => numeric,
                (Distribution::Levels { .. }, Tracked::Values) => !numeric,
                (Distribution::Numeric { edges, .. }, Tracked::Presence) => {
                    numeric && edges.is_empty()
                }
                (Distribution::Levels { levels, .. }, Tracked::Presence) => {
                    !numeric && levels.is_empty()
                }
            };
            if !fits {
                return Some(format!(
                    "the drift reference of {what} is not the kind its feature's values take"
                ));
            }
            if let Some(problem) = d.structure_problem(&what) {
                return Some(problem);
            }
        }
        None
    }

    pub fn rebuild_indexes(&mut self) {
        self.features
            .iter_mut()
            .for_each(Distribution::rebuild_index);
    }

    pub fn has_invalid_number(&self) -> bool {
        std::iter::once(&self.prediction)
            .chain(&self.features)
            .any(Distribution::has_invalid_number)
    }
}

/// The training rows the distributions are measured on: at most [`DRIFT_SAMPLE_ROWS`],
/// evenly spaced.
pub fn drift_sample(train: &[usize]) -> Vec<usize> {
    evenly_spaced(train, DRIFT_SAMPLE_ROWS)
}

/// At most `max` of `rows`, evenly spaced, in order.
fn evenly_spaced(rows: &[usize], max: usize) -> Vec<usize> {
    if rows.len() <= max {
        return rows.to_vec();
    }
    (0..max).map(|k| rows[k * rows.len() / max]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deciles_of_one_to_a_hundred_by_hand() {
        // Values 1..=100: the deciles at positions 10, 20, ... 90 are 11, 21, ... 91, so
        // bucket 0 holds 1..=10 (10 rows) and each later one 10 rows; one NULL in 101 rows.
        let values = (1..=100).map(f64::from).chain([f64::NAN]);
        let Distribution::Numeric {
            edges,
            shares,
            null_share,
        } = Distribution::of_numbers(values)
        else {
            panic!("numbers give a numeric distribution")
        };
        assert_eq!(
            edges,
            [11.0, 21.0, 31.0, 41.0, 51.0, 61.0, 71.0, 81.0, 91.0]
        );
        assert!(shares.iter().all(|&s| (s - 10.0 / 101.0).abs() < 1e-15));
        assert!((null_share - 1.0 / 101.0).abs() < 1e-15);
    }

    #[test]
    fn a_coarse_reference_keeps_two_significant_digits_and_counts_by_them() {
        assert_eq!(round_significant(45_231.5, 2), 45_000.0);
        assert_eq!(round_significant(-0.012_345, 2), -0.012);
        assert_eq!(round_significant(0.0, 2), 0.0);
        assert_eq!(round_significant(1e308, 2), 1e308);
        assert_eq!(round_significant(-1.7e-310, 2), -1.7e-310);
        // Incomes 1000.5, 1010.5, ... 1990.5: exact deciles 1100.5, 1200.5, ... 1900.5; rounded
        // 1100, 1200, ... 1900, and the shares are counted against the rounded edges.
        let values = (0..100).map(|i| 1000.5 + 10.0 * f64::from(i));
        let Distribution::Numeric { edges, shares, .. } =
            Distribution::of_numbers_rounded(values, Some(COARSE_DIGITS))
        else {
            panic!("numbers give a numeric distribution")
        };
        assert_eq!(
            edges,
            [1100.0, 1200.0, 1300.0, 1400.0, 1500.0, 1600.0, 1700.0, 1800.0, 1900.0]
        );
        assert!(
            shares.iter().all(|&s| (s - 0.1).abs() < 1e-15),
            "{shares:?}"
        );
        // An edge rounded below the smallest value opens no bucket.
        let Distribution::Numeric { edges, .. } = Distribution::of_numbers_rounded(
            [1234.0, 1236.0, 1500.0, 1800.0, 2000.0].into_iter(),
            Some(COARSE_DIGITS),
        ) else {
            panic!("numbers give a numeric distribution")
        };
        assert_eq!(edges, [1500.0, 1800.0, 2000.0]);
    }

    #[test]
    fn a_constant_has_one_bucket_and_ties_do_not_make_empty_ones() {
        let d = Distribution::of_numbers([5.0; 20].into_iter());
        assert_eq!(d.expected(), [1.0, 0.0]);
        let d = Distribution::of_numbers(
            [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0].into_iter(),
        );
        let Distribution::Numeric { edges, shares, .. } = &d else {
            panic!()
        };
        assert_eq!(edges, &[2.0, 3.0]);
        assert_eq!(shares, &[0.8, 0.1, 0.1]);
        assert_eq!(d.bucket_of(RawValue::Number(2.5)), 1);
        assert_eq!(d.bucket_of(RawValue::Null), 3);
    }

    #[test]
    fn levels_keep_the_most_frequent_and_pool_the_rest_with_unseen_ones() {
        let many: Vec<String> = (0..DRIFT_MAX_LEVELS + 5)
            .map(|i| format!("l{i:03}"))
            .collect();
        let mut rows: Vec<Option<&str>> = many.iter().map(|l| Some(l.as_str())).collect();
        rows.extend([Some("l000"), None]);
        let d = Distribution::of_levels(rows.into_iter(), 1);
        let Distribution::Levels {
            levels,
            other_share,
            null_share,
            ..
        } = &d
        else {
            panic!()
        };
        assert_eq!(levels.len(), DRIFT_MAX_LEVELS);
        assert_eq!(levels[0], "l000", "the most frequent first");
        let total = (DRIFT_MAX_LEVELS + 7) as f64;
        assert!((other_share - 5.0 / total).abs() < 1e-15);
        assert!((null_share - 1.0 / total).abs() < 1e-15);
        assert_eq!(d.bucket_of(RawValue::Text("l000")), 0);
        assert_eq!(d.bucket_of(RawValue::Text("never seen")), DRIFT_MAX_LEVELS);
        assert_eq!(d.bucket_of(RawValue::Null), DRIFT_MAX_LEVELS + 1);
        assert!((d.expected().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn samples_are_evenly_spaced_and_whole_below_the_limit() {
        let rows: Vec<usize> = (0..10).collect();
        assert_eq!(evenly_spaced(&rows, 20), rows);
        assert_eq!(evenly_spaced(&rows, 5), [0, 2, 4, 6, 8]);
    }
}
