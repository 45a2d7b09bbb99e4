//! Fitting the preprocessing on the training rows: each numeric feature's imputation and
//! scaling, each categorical feature's kept levels, each date's parts, each text's IDF.

use super::matrix::Preprocessor;
use super::transform::{
    CategoricalTransform, DatePartTransform, DateTransform, FeatureTransform, NumericTransform,
    Transform,
};
use crate::calendar::DatePart;
use crate::data::{CategoricalColumn, Column, Dataset, SparseCounts, NULL_CODE};
use crate::data::{MISSING_LEVEL, OTHER_LEVEL};
use crate::interrupt;
use crate::text::{TextSpec, TextTransform};
use serde::Serialize;
use std::collections::HashMap;

/// Imputation for NULLs in numeric features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Impute {
    Mean,
    Median,
    Zero,
}

/// Options of the standardizing preprocessing (every algorithm but the scorecard, which
/// bins instead).
#[derive(Debug, Clone, PartialEq)]
pub struct PreprocessOptions {
    pub impute: Impute,
    pub max_categories: usize,
    /// Levels seen in fewer training rows join the reference level, unnamed
    /// ([`crate::options::DEFAULT_MIN_LEVEL_ROWS`]).
    pub min_level_rows: usize,
    /// Significant digits of the training values a model stores beside its parameters (a
    /// tree's thresholds, k-means centres), when `store_reference` is "coarse".
    pub stored_digits: Option<i32>,
    /// Whether the model may keep single training rows' values for its report (a k-means
    /// projection's points): `store_reference` "full".
    pub keep_row_values: bool,
    /// Date columns and their calendar parts (`"dates"`), in the options' order.
    pub dates: Vec<(String, Vec<DatePart>)>,
    /// Text columns and their hashed TF-IDF settings (`"text"`).
    pub text: Vec<(String, TextSpec)>,
}

impl PreprocessOptions {
    /// Numbers and categories only, every level kept that `max_categories` keeps.
    pub fn plain(impute: Impute, max_categories: usize) -> PreprocessOptions {
        PreprocessOptions {
            impute,
            max_categories,
            min_level_rows: 1,
            stored_digits: None,
            keep_row_values: true,
            dates: Vec::new(),
            text: Vec::new(),
        }
    }
}

impl Preprocessor {
    /// Fits imputation, scaling and encodings on the rows `train_rows` of `data`: the
    /// columns `options.dates` names as dates, those `options.text` names as texts.
    pub fn fit(data: &Dataset, train_rows: &[usize], options: &PreprocessOptions) -> Preprocessor {
        let features = data
            .features
            .iter()
            .map(|f| {
                // A median (a sort) or a level count per feature: cancellable between them.
                interrupt::check();
                let date_parts = options.dates.iter().find(|(n, _)| *n == f.name);
                let text = options.text.iter().find(|(n, _)| *n == f.name);
                FeatureTransform {
                    name: f.name.clone(),
                    transform: match (&f.column, date_parts, text) {
                        (Column::Numeric(c), Some((_, parts)), _) => {
                            Transform::Date(fit_date(&c.values, train_rows, parts, options.impute))
                        }
                        (Column::Categorical(c), _, Some((_, spec))) => {
                            Transform::Text(fit_text(c, train_rows, spec))
                        }
                        (Column::Numeric(c), _, _) => {
                            Transform::Numeric(fit_numeric(&c.values, train_rows, options.impute))
                        }
                        (Column::Categorical(c), _, _) => Transform::Categorical(fit_categorical(
                            &c.codes, &c.levels, train_rows, options,
                        )),
                    },
                }
            })
            .collect();
        Preprocessor { features }
    }
}

/// Fits a date feature: its earliest training instant, then each part's imputation and
/// scaling as a numeric feature's.
fn fit_date(seconds: &[f64], rows: &[usize], parts: &[DatePart], impute: Impute) -> DateTransform {
    let origin = rows
        .iter()
        .map(|&i| seconds[i])
        .filter(|s| !s.is_nan())
        .min_by(f64::total_cmp)
        .unwrap_or(0.0);
    let positions: Vec<usize> = (0..rows.len()).collect();
    let parts = parts
        .iter()
        .map(|&part| {
            let values: Vec<f64> = rows
                .iter()
                .map(|&i| match seconds[i] {
                    s if s.is_nan() => f64::NAN,
                    s => part.of(s, origin),
                })
                .collect();
            DatePartTransform {
                part,
                scaling: fit_numeric(&values, &positions, impute),
            }
        })
        .collect();
    DateTransform { origin, parts }
}

/// Fits a text feature's IDF weights from the column's per-level counts, which the design
/// then reads too: each distinct text is tokenized once per dataset.
fn fit_text(c: &CategoricalColumn, rows: &[usize], spec: &TextSpec) -> TextTransform {
    match c.derived_levels(spec.counts_key(), |l| spec.counts(l)) {
        Some(levels) => {
            let empty = SparseCounts::new();
            TextTransform::fit_counts(
                spec.clone(),
                rows.iter().map(|&i| match c.codes[i] {
                    NULL_CODE => &empty,
                    code => &levels[code as usize],
                }),
            )
        }
        None => TextTransform::fit(spec.clone(), rows.iter().map(|&i| c.level(i))),
    }
}

fn fit_numeric(values: &[f64], rows: &[usize], impute: Impute) -> NumericTransform {
    let mut present: Vec<f64> = rows
        .iter()
        .map(|&i| values[i])
        .filter(|v| !v.is_nan())
        .collect();
    let impute_value = if present.is_empty() {
        0.0
    } else {
        match impute {
            Impute::Zero => 0.0,
            Impute::Mean => present.iter().sum::<f64>() / present.len() as f64,
            Impute::Median => median_in_place(&mut present),
        }
    };
    // Scale statistics are taken after imputation, as scikit-learn's
    // Pipeline(SimpleImputer, StandardScaler) does (population standard deviation).
    let n = rows.len().max(1) as f64;
    let filled = || {
        rows.iter().map(|&i| {
            let v = values[i];
            if v.is_nan() {
                impute_value
            } else {
                v
            }
        })
    };
    let mean = filled().sum::<f64>() / n;
    let variance = filled().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    NumericTransform::from_moments(impute_value, mean, variance)
}

/// Median (average of the two middle values for an even count); reorders `values`.
pub fn median_in_place(values: &mut [f64]) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn fit_categorical(
    codes: &[u32],
    levels: &[String],
    rows: &[usize],
    options: &PreprocessOptions,
) -> CategoricalTransform {
    // counts[levels.len()] counts NULLs.
    let mut counts = vec![0usize; levels.len() + 1];
    for &i in rows {
        let code = codes[i];
        let slot = if code == NULL_CODE {
            levels.len()
        } else {
            code as usize
        };
        counts[slot] += 1;
    }
    let named = counts
        .iter()
        .enumerate()
        .map(|(slot, &count)| (levels.get(slot).map(String::as_str), count));
    categorical_from_counts(named, options.max_categories, options.min_level_rows)
}

/// The encoding of a categorical feature from its training rows' count per level (`None`:
/// NULL): in memory from the codes, or from a GROUP BY on the workers. A level seen in fewer
/// than `min_level_rows` rows is not named: it joins the reference level, as levels beyond
/// `max_categories` and unseen ones do. NULL is no customer's value and keeps its column.
pub fn categorical_from_counts<'a>(
    counts: impl IntoIterator<Item = (Option<&'a str>, usize)>,
    max_categories: usize,
    min_level_rows: usize,
) -> CategoricalTransform {
    let name_of = |level: Option<&'a str>| level.unwrap_or(MISSING_LEVEL);
    let rare = |&(level, count): &(Option<&str>, usize)| level.is_some() && count < min_level_rows;
    let mut order: Vec<(Option<&str>, usize)> =
        counts.into_iter().filter(|&(_, c)| c > 0).collect();
    // Most frequent first; ties by name so that the encoding does not depend on row order.
    order.sort_by(|&(a, ca), &(b, cb)| cb.cmp(&ca).then_with(|| name_of(a).cmp(name_of(b))));
    let reference = match order.first() {
        None => MISSING_LEVEL.to_owned(),
        Some(first) if rare(first) => OTHER_LEVEL.to_owned(),
        Some(&(level, _)) => name_of(level).to_owned(),
    };
    let mut kept: Vec<(Option<&str>, usize)> = order
        .iter()
        .skip(1)
        .filter(|level| !rare(level))
        .take(max_categories.saturating_sub(1))
        .copied()
        .collect();
    // Column order by level name makes reports readable; NULL's column goes last.
    kept.sort_by(|&(a, _), &(b, _)| name_of(a).cmp(name_of(b)));
    let named: Vec<(&str, usize)> = kept.iter().filter_map(|&(l, c)| Some((l?, c))).collect();
    let mut transform = CategoricalTransform {
        levels: named.iter().map(|&(l, _)| l.to_owned()).collect(),
        level_rows: named.iter().map(|&(_, c)| c as u64).collect(),
        missing_column: None,
        reference_rows: order
            .first()
            .filter(|first| first.0.is_some() && !rare(first))
            .map(|&(_, count)| count as u64),
        reference,
        index: HashMap::new(),
    };
    if kept.iter().any(|&(level, _)| level.is_none()) {
        transform.missing_column = Some(transform.levels.len());
    }
    transform.rebuild_index();
    transform
}
