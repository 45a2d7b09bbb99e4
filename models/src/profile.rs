//! Screening candidate features before modelling (`fin_profile`): each column's shape, its
//! information value and univariate AUC binned exactly as a scorecard bins it, the numeric
//! pairs correlated above a threshold, and a suggested action.

use crate::binning::{Binning, RowLabels};
use crate::data::{Column, Dataset, NULL_CODE};
use crate::error::Result;
use crate::interrupt;
use crate::metrics;
use crate::options::TrainOptions;
use crate::scorecard::{bin_feature, ScorecardParams};
use crate::train::binary_labels;

/// Numeric pairs whose |Pearson r| exceeds this are reported, and the weaker one of a pair
/// is suggested for dropping.
pub const CORRELATION_LIMIT: f64 = 0.8;
/// A column NULL in at least this share of rows is "mostly NULL".
pub const MOSTLY_NULL: f64 = 0.95;
/// Rows the correlations are measured on at most (evenly spaced beyond): Pearson's r from
/// 20,000 rows is within ±0.01 of the whole table's for the |r| > 0.8 that matters here.
pub const CORRELATION_SAMPLE_ROWS: usize = 20_000;
/// Levels shown per categorical column.
const TOP_LEVELS: usize = 5;

/// One candidate column's profile.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnProfile {
    pub name: String,
    pub null_share: f64,
    /// Distinct non-NULL values.
    pub distinct: u64,
    /// Numeric columns: the smallest, median (interpolated, as percentile_cont(0.5)) and
    /// largest non-NULL value.
    pub min: Option<f64>,
    pub median: Option<f64>,
    pub max: Option<f64>,
    /// Categorical columns: the most frequent levels with their shares of all rows.
    pub top_levels: Option<String>,
    /// Information value of the scorecard binning on the labelled rows.
    pub iv: f64,
    /// AUC of the bins' weights of evidence as a score (higher risk, lower WoE).
    pub auc: Option<f64>,
    /// Numeric columns correlated beyond [`CORRELATION_LIMIT`], with r.
    pub correlated: Vec<(String, f64)>,
    /// "keep", or "drop: ..." with the reason.
    pub action: String,
}

/// Profiles every feature of `data` against its classification target.
pub fn profile(
    data: &Dataset,
    options: &TrainOptions,
    sc: &ScorecardParams,
) -> Result<Vec<ColumnProfile>> {
    let (rows, y) = binary_labels(data, options)?;
    let mut profiles: Vec<ColumnProfile> = data
        .features
        .iter()
        .map(|feature| {
            interrupt::check();
            let labels = RowLabels {
                y: &y,
                weights: None,
            };
            // Binned as the training would bin it, so that the IV is the training's.
            let binning = bin_feature(feature, &rows, labels, (sc, options.min_level_rows), None)?;
            let mut p = shape(&feature.name, &feature.column);
            p.iv = binning.iv();
            p.auc = woe_auc(&binning, &feature.column, &rows, &y);
            Ok(p)
        })
        .collect::<Result<_>>()?;
    add_correlations(data, &mut profiles);
    suggest_actions(&mut profiles, sc.min_iv);
    Ok(profiles)
}

/// NULL share, distinct count, and the range and median or the top levels, over all rows.
fn shape(name: &str, column: &Column) -> ColumnProfile {
    let mut p = ColumnProfile {
        name: name.to_owned(),
        null_share: 0.0,
        distinct: 0,
        min: None,
        median: None,
        max: None,
        top_levels: None,
        iv: 0.0,
        auc: None,
        correlated: Vec::new(),
        action: String::new(),
    };
    match column {
        Column::Numeric(c) => {
            let total = c.values.len().max(1) as f64;
            let mut values: Vec<f64> = c.values.iter().copied().filter(|v| !v.is_nan()).collect();
            values.sort_by(f64::total_cmp);
            p.null_share = (c.values.len() - values.len()) as f64 / total;
            p.distinct = values.windows(2).filter(|w| w[0] != w[1]).count() as u64
                + u64::from(!values.is_empty());
            p.min = values.first().copied();
            p.max = values.last().copied();
            p.median = percentile_cont(&values, 0.5);
        }
        Column::Categorical(c) => {
            let total = c.codes.len().max(1) as f64;
            let mut counts = vec![0u64; c.levels.len()];
            let mut nulls = 0u64;
            for &code in &c.codes {
                match code {
                    NULL_CODE => nulls += 1,
                    code => counts[code as usize] += 1,
                }
            }
            p.null_share = nulls as f64 / total;
            p.distinct = counts.iter().filter(|&&n| n > 0).count() as u64;
            let mut order: Vec<usize> = (0..counts.len()).filter(|&l| counts[l] > 0).collect();
            order.sort_by(|&a, &b| {
                counts[b]
                    .cmp(&counts[a])
                    .then(c.levels[a].cmp(&c.levels[b]))
            });
            let shown: Vec<String> = order
                .iter()
                .take(TOP_LEVELS)
                .map(|&l| format!("{} {:.4}", c.levels[l], counts[l] as f64 / total))
                .collect();
            p.top_levels = Some(shown.join(", "));
        }
    }
    p
}

/// PostgreSQL's percentile_cont over sorted values: linear interpolation between the
/// values at positions ⌊f⌋ and ⌈f⌉, f = q·(n − 1).
fn percentile_cont(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let f = q * last as f64;
    let (lo, hi) = (f.floor() as usize, f.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (f - lo as f64))
}

/// AUC of ranking the labelled rows by their bin's WoE (ascending WoE = riskier first).
fn woe_auc(binning: &Binning, column: &Column, rows: &[usize], y: &[bool]) -> Option<f64> {
    let scores: Vec<f64> = binning
        .bins_of_rows(column, rows)
        .into_iter()
        .map(|b| -binning.bins[b].woe)
        .collect();
    metrics::auc(&scores, y)
}

/// Pearson's r of every pair of numeric columns over the rows where both are non-NULL (as
/// PostgreSQL's corr()), on at most [`CORRELATION_SAMPLE_ROWS`] rows.
fn add_correlations(data: &Dataset, profiles: &mut [ColumnProfile]) {
    let n = data.n_rows();
    let step = n.div_ceil(CORRELATION_SAMPLE_ROWS).max(1);
    let numeric: Vec<(usize, Vec<f64>)> = data
        .features
        .iter()
        .enumerate()
        .filter_map(|(k, f)| match &f.column {
            Column::Numeric(c) => Some((k, c.values.iter().step_by(step).copied().collect())),
            Column::Categorical(_) => None,
        })
        .collect();
    for (i, (a, x)) in numeric.iter().enumerate() {
        interrupt::check();
        for (b, z) in &numeric[i + 1..] {
            if let Some(r) = pearson(x, z).filter(|r| r.abs() > CORRELATION_LIMIT) {
                let (name_a, name_b) = (profiles[*a].name.clone(), profiles[*b].name.clone());
                profiles[*a].correlated.push((name_b, r));
                profiles[*b].correlated.push((name_a, r));
            }
        }
    }
}

/// Pearson's r over the pairs where neither is NaN; `None` when either side is constant.
pub fn pearson(x: &[f64], z: &[f64]) -> Option<f64> {
    let pairs = || x.iter().zip(z).filter(|(a, b)| !a.is_nan() && !b.is_nan());
    let n = pairs().count() as f64;
    if n < 2.0 {
        return None;
    }
    let (mx, mz) = pairs().fold((0.0, 0.0), |(sx, sz), (a, b)| (sx + a, sz + b));
    let (mx, mz) = (mx / n, mz / n);
    let (mut sxz, mut sxx, mut szz) = (0.0, 0.0, 0.0);
    for (a, b) in pairs() {
        sxz += (a - mx) * (b - mz);
        sxx += (a - mx) * (a - mx);
        szz += (b - mz) * (b - mz);
    }
    (sxx > 0.0 && szz > 0.0).then(|| sxz / (sxx * szz).sqrt())
}

/// keep, or drop: mostly NULL, constant, IV below `min_iv`, or a duplicate of a stronger
/// correlated column that is kept (columns considered from the highest IV down).
fn suggest_actions(profiles: &mut [ColumnProfile], min_iv: f64) {
    let mut order: Vec<usize> = (0..profiles.len()).collect();
    order.sort_by(|&a, &b| {
        profiles[b]
            .iv
            .total_cmp(&profiles[a].iv)
            .then(profiles[a].name.cmp(&profiles[b].name))
    });
    let mut kept: Vec<String> = Vec::new();
    for k in order {
        let p = &profiles[k];
        let duplicate = p.correlated.iter().find(|(other, _)| kept.contains(other));
        let action = if p.null_share >= MOSTLY_NULL {
            format!("drop: mostly NULL ({:.1}%)", 100.0 * p.null_share)
        } else if p.distinct <= 1 {
            "drop: constant".to_owned()
        } else if p.iv < min_iv {
            format!("drop: IV {:.4} is below {min_iv}", p.iv)
        } else if let Some((other, r)) = duplicate {
            format!("drop: duplicate of {other} (r = {r:.3})")
        } else {
            kept.push(p.name.clone());
            "keep".to_owned()
        };
        profiles[k].action = action;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{CategoricalColumn, Feature, NumericColumn, TargetColumn};

    fn numeric(name: &str, values: Vec<f64>) -> Feature {
        Feature {
            name: name.into(),
            column: Column::Numeric(NumericColumn { values }),
        }
    }

    fn dataset() -> Dataset {
        // 200 rows: x predicts the event (x > 100, flipped every 7th row), x2 = 2x + 1 duplicates it,
        // c is constant, n is NULL except in 3 rows, level is unrelated to the event.
        let x: Vec<f64> = (0..200).map(f64::from).collect();
        let mut level = CategoricalColumn::default();
        for i in 0..200 {
            level.push(Some(if i % 4 == 0 { "a" } else { "b" }));
        }
        let target: Vec<Option<bool>> = (0..200).map(|i| Some((i > 100) != (i % 7 == 0))).collect();
        Dataset {
            features: vec![
                numeric("x", x.clone()),
                numeric("x2", x.iter().map(|v| 2.0 * v + 1.0).collect()),
                numeric("c", vec![3.0; 200]),
                numeric(
                    "n",
                    (0..200)
                        .map(|i| [5.0, 1.0, 9.0].get(i).copied().unwrap_or(f64::NAN))
                        .collect(),
                ),
                Feature {
                    name: "level".into(),
                    column: Column::Categorical(level),
                },
            ],
            target_name: "event".into(),
            target: TargetColumn::Boolean(target),
            test_mask: None,
            times: None,
            weights: None,
        }
    }

    #[test]
    fn shapes_actions_and_correlations_by_hand() {
        let data = dataset();
        let options = TrainOptions::from_json(&serde_json::Value::Null).unwrap();
        let sc = ScorecardParams::default();
        let profiles = profile(&data, &options, &sc).unwrap();
        let by = |name: &str| profiles.iter().find(|p| p.name == name).unwrap();
        let x = by("x");
        // 0..199: median (99 + 100) / 2 = 99.5 as percentile_cont gives.
        assert_eq!(
            (x.min, x.median, x.max, x.distinct),
            (Some(0.0), Some(99.5), Some(199.0), 200)
        );
        assert_eq!(x.action, "keep");
        assert!(x.auc.unwrap() > 0.8, "x ranks the classes");
        // x and x2 tie on IV; "x" sorts first and is kept, x2 duplicates it (r = 1).
        assert_eq!(by("x2").action, "drop: duplicate of x (r = 1.000)");
        assert_eq!(x.correlated, [("x2".to_owned(), 1.0)]);
        assert_eq!(by("c").action, "drop: constant");
        assert_eq!(by("n").null_share, 0.985);
        assert_eq!(by("n").action, "drop: mostly NULL (98.5%)");
        let level = by("level");
        assert_eq!(level.top_levels.as_deref(), Some("b 0.7500, a 0.2500"));
        assert!(level.action.starts_with("drop: IV"), "{}", level.action);
    }

    #[test]
    fn percentile_cont_and_pearson_by_hand() {
        assert_eq!(percentile_cont(&[1.0, 2.0, 3.0, 10.0], 0.5), Some(2.5));
        assert_eq!(percentile_cont(&[], 0.5), None);
        // r of (1,2,3) and (1,2,4): cov 1.5, sd 1 and sqrt(7/3): r = 1.5/sqrt(7/3)/... by hand
        // Σdx·dz = 3, Σdx² = 2, Σdz² = 14/3: r = 3 / sqrt(28/3) = 0.98198.
        let r = pearson(&[1.0, 2.0, 3.0, f64::NAN], &[1.0, 2.0, 4.0, 9.0]).unwrap();
        assert!((r - 3.0 / (28.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(pearson(&[1.0, 1.0], &[2.0, 3.0]), None);
    }
}
