//! Optimal binning of one feature for a scorecard, fitted on the training split.
//!
//! The feature's values are first reduced to ordered *atoms*: distinct values in ascending
//! order for a numeric feature, levels in ascending order of event rate for a categorical
//! one. A CART-style pre-binning then cuts the atoms into at most [`MAX_PREBINS`] groups of at
//! least `min_bin_size` rows each, splitting where the Gini impurity drops most (as
//! optbinning's default pre-binning does). Finally a dynamic program merges adjacent pre-bins
//! into at most `max_bins` bins that maximize the information value, subject to a monotonic
//! event rate, the minimum bin size and events, and both classes present in every bin (a
//! finite WoE). A modeller may fix a numeric feature's cut points instead (checked against
//! the trend) and give special codes (-9999) bins of their own.
//! IV is a sum over bins, so the dynamic program finds the exact optimum over all such
//! merges. NULLs always get a bin of their own.

use crate::data::{Column, NULL_CODE};
use crate::data::{RawValue, MISSING_LEVEL};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Required direction of the event rate across the bins of a numeric feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Monotonic {
    /// Whichever of ascending and descending gives the larger information value.
    Auto,
    Ascending,
    Descending,
    None,
}

/// Pre-bins the optimizer starts from (optbinning's `max_n_prebins` default).
pub const MAX_PREBINS: usize = 20;

/// Rows and events (positive class, "bad") of a group of training rows, with their weights
/// in a weighted fit (`class_weight`, `weight_column`): the bins' sizes and event counts are
/// of rows, their event rates, WoE and IV of weights. Unweighted, the weights are the
/// counts, exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub rows: u64,
    pub events: u64,
    /// Total weight of the events ("bads") and of the non-events ("goods").
    pub bad_weight: f64,
    pub good_weight: f64,
    /// True once a row of weight other than 1 was added: rates compare in f64, not exactly.
    pub weighted: bool,
}

impl Counts {
    /// Unweighted counts: `rows` rows of which `events` are events.
    pub fn unweighted(rows: u64, events: u64) -> Counts {
        Counts {
            rows,
            events,
            bad_weight: events as f64,
            good_weight: rows.saturating_sub(events) as f64,
            weighted: false,
        }
    }

    pub fn non_events(&self) -> u64 {
        self.rows - self.events
    }

    pub fn add(&mut self, other: Counts) {
        self.rows += other.rows;
        self.events += other.events;
        self.bad_weight += other.bad_weight;
        self.good_weight += other.good_weight;
        self.weighted |= other.weighted;
    }

    fn minus(self, other: Counts) -> Counts {
        Counts {
            rows: self.rows - other.rows,
            events: self.events - other.events,
            bad_weight: self.bad_weight - other.bad_weight,
            good_weight: self.good_weight - other.good_weight,
            weighted: self.weighted || other.weighted,
        }
    }

    fn has_both_classes(&self) -> bool {
        self.events > 0 && self.non_events() > 0 && self.bad_weight > 0.0 && self.good_weight > 0.0
    }

    /// `self`'s event rate is below `other`'s: exactly, from the counts, when unweighted.
    fn rate_below(&self, other: &Counts) -> bool {
        if self.weighted || other.weighted {
            return self.bad_weight * (other.bad_weight + other.good_weight)
                < other.bad_weight * (self.bad_weight + self.good_weight);
        }
        u128::from(self.events) * u128::from(other.rows)
            < u128::from(other.events) * u128::from(self.rows)
    }

    /// Gini impurity times weight: `w · 2p(1 − p)` (rows and the event rate, unweighted).
    fn weighted_gini(&self) -> f64 {
        let total = self.bad_weight + self.good_weight;
        if total <= 0.0 {
            return 0.0;
        }
        let p = self.bad_weight / total;
        total * 2.0 * p * (1.0 - p)
    }
}

impl std::iter::Sum for Counts {
    fn sum<I: Iterator<Item = Counts>>(iter: I) -> Counts {
        iter.fold(Counts::default(), |mut total, c| {
            total.add(c);
            total
        })
    }
}

/// `prefix[k]` holds the sum of `counts[..k]`, so any range's counts are one subtraction.
fn prefix_sums(counts: &[Counts]) -> Vec<Counts> {
    let mut prefix = vec![Counts::default(); counts.len() + 1];
    for (k, c) in counts.iter().enumerate() {
        prefix[k + 1] = prefix[k];
        prefix[k + 1].add(*c);
    }
    prefix
}

/// A bin's statistics on the training split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    pub rows: u64,
    pub events: u64,
    /// `ln((good_i/G) / (bad_i/B))`; 0 for a bin without both classes.
    pub woe: f64,
    /// `(good_i/G − bad_i/B) · woe`.
    pub iv: f64,
}

impl Bin {
    fn new(counts: Counts, totals: Counts) -> Bin {
        let (woe, iv) = woe_iv(counts, totals);
        Bin {
            rows: counts.rows,
            events: counts.events,
            woe,
            iv,
        }
    }

    pub fn event_rate(&self) -> Option<f64> {
        (self.rows > 0).then(|| self.events as f64 / self.rows as f64)
    }
}

/// Weight of evidence and information value of a bin with `counts` among `totals`
/// (DESIGN.md: WoE_i = ln((good_i/G)/(bad_i/B)), IV_i = (good_i/G − bad_i/B)·WoE_i).
/// A bin without goods or without bads has no finite WoE: it is neutral (0, 0).
pub fn woe_iv(counts: Counts, totals: Counts) -> (f64, f64) {
    if !counts.has_both_classes() || !totals.has_both_classes() {
        return (0.0, 0.0);
    }
    let good_share = counts.good_weight / totals.good_weight;
    let bad_share = counts.bad_weight / totals.bad_weight;
    let woe = (good_share / bad_share).ln();
    (woe, (good_share - bad_share) * woe)
}

/// Where the value bins of a feature start and end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "lowercase")]
pub enum Edges {
    /// Value bin `k` holds `cuts[k-1] <= x < cuts[k]` (open at both ends).
    Numeric { cuts: Vec<f64> },
    /// The training levels of each value bin. A level not seen in training falls in the
    /// NULL bin: the scorecard has no evidence about it.
    Categorical { levels: Vec<Vec<String>> },
}

/// The fitted binning of one feature: its value bins, one bin per special code, then its
/// NULL bin (always last).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Binning {
    #[serde(flatten)]
    pub edges: Edges,
    pub bins: Vec<Bin>,
    /// Special codes of a numeric feature (e.g. -9999, "no bureau record"), each with a bin of
    /// its own after the value bins (since finml 0.5.0, stored format 4).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub special: Vec<f64>,
    #[serde(skip)]
    level_index: HashMap<String, usize>,
}

impl Binning {
    fn new(edges: Edges, bins: Vec<Bin>) -> Binning {
        let mut binning = Binning {
            edges,
            bins,
            special: Vec::new(),
            level_index: HashMap::new(),
        };
        binning.rebuild_index();
        binning
    }

    /// Number of value bins (before the special and NULL bins).
    pub fn value_bins(&self) -> usize {
        self.bins.len() - 1 - self.special.len()
    }

    /// Rebuilds the level lookup, which is not serialized.
    pub fn rebuild_index(&mut self) {
        self.level_index = match &self.edges {
            Edges::Numeric { .. } => HashMap::new(),
            Edges::Categorical { levels } => levels
                .iter()
                .enumerate()
                .flat_map(|(bin, ls)| ls.iter().map(move |l| (l.clone(), bin)))
                .collect(),
        };
    }

    /// True for a numeric input feature.
    pub fn takes_numbers(&self) -> bool {
        matches!(self.edges, Edges::Numeric { .. })
    }

    /// Index of the NULL bin.
    pub fn missing_bin(&self) -> usize {
        self.bins.len() - 1
    }

    /// The feature's information value.
    pub fn iv(&self) -> f64 {
        self.bins.iter().map(|b| b.iv).sum()
    }

    /// The bin of a numeric value; NaN (NULL) goes to the NULL bin.
    pub fn bin_of_number(&self, x: f64) -> usize {
        if let Some(k) = self.special.iter().position(|&s| s == x) {
            return self.value_bins() + k;
        }
        match &self.edges {
            _ if x.is_nan() => self.missing_bin(),
            Edges::Numeric { cuts } => cuts.partition_point(|&c| c <= x),
            Edges::Categorical { .. } => self.missing_bin(),
        }
    }

    /// The bin of a level; NULL and unseen levels go to the NULL bin.
    pub fn bin_of_level(&self, level: Option<&str>) -> usize {
        level
            .and_then(|l| self.level_index.get(l).copied())
            .unwrap_or_else(|| self.missing_bin())
    }

    /// The bin of one input value, rejecting values of the wrong kind and non-finite numbers.
    pub fn bin_of(&self, feature: &str, value: RawValue<'_>) -> Result<usize> {
        match (value, self.takes_numbers()) {
            (RawValue::Null, _) => Ok(self.missing_bin()),
            (RawValue::Number(x), true) if x.is_finite() => Ok(self.bin_of_number(x)),
            (RawValue::Number(x), true) => Err(crate::data::non_finite_error(feature, x)),
            (RawValue::Text(t), false) => Ok(self.bin_of_level(Some(t))),
            (RawValue::Text(_), true) => {
                Err(crate::data::kind_mismatch(feature, "numeric", "text"))
            }
            (RawValue::Number(_), false) => Err(crate::data::kind_mismatch(
                feature,
                "categorical",
                "numeric",
            )),
        }
    }

    /// The bin of each of `rows` of the training column.
    pub fn bins_of_rows(&self, column: &Column, rows: &[usize]) -> Vec<usize> {
        match column {
            Column::Numeric(c) => rows
                .iter()
                .map(|&i| self.bin_of_number(c.values[i]))
                .collect(),
            Column::Categorical(c) => {
                let by_code: Vec<usize> = c
                    .levels
                    .iter()
                    .map(|l| self.bin_of_level(Some(l)))
                    .collect();
                rows.iter()
                    .map(|&i| match c.codes[i] {
                        NULL_CODE => self.missing_bin(),
                        code => by_code[code as usize],
                    })
                    .collect()
            }
        }
    }

    /// Printable label: `[lower, upper)` for numeric bins, the levels for categorical ones.
    pub fn label(&self, bin: usize) -> String {
        if bin == self.missing_bin() {
            return MISSING_LEVEL.to_owned();
        }
        if let Some(code) = bin
            .checked_sub(self.value_bins())
            .and_then(|k| self.special.get(k))
        {
            return format!("special {}", number_label(*code));
        }
        match &self.edges {
            Edges::Numeric { .. } => {
                let (lower, upper) = self.bounds(bin);
                let open = if lower == f64::NEG_INFINITY { "(" } else { "[" };
                format!("{open}{}, {})", number_label(lower), number_label(upper))
            }
            Edges::Categorical { levels } => levels[bin].join(", "),
        }
    }

    /// `[lower, upper)` of a numeric value bin (infinite at the ends).
    pub fn bounds(&self, bin: usize) -> (f64, f64) {
        match &self.edges {
            Edges::Numeric { cuts } if bin < self.value_bins() => (
                if bin == 0 {
                    f64::NEG_INFINITY
                } else {
                    cuts[bin - 1]
                },
                cuts.get(bin).copied().unwrap_or(f64::INFINITY),
            ),
            _ => (f64::NAN, f64::NAN),
        }
    }

    /// Checks a deserialized binning: bin counts agree with the edges.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let value_bins = match &self.edges {
            Edges::Numeric { cuts } => {
                if cuts.windows(2).any(|w| w[0] >= w[1]) || cuts.iter().any(|c| !c.is_finite()) {
                    return Err("cut points are not finite and ascending".into());
                }
                cuts.len() + 1
            }
            Edges::Categorical { levels } => levels.len(),
        };
        if self.bins.len() != value_bins + self.special.len() + 1 {
            return Err(format!(
                "{} bins for {value_bins} value bins, {} special codes and a NULL bin",
                self.bins.len(),
                self.special.len()
            ));
        }
        if self.special.iter().any(|c| !c.is_finite()) {
            return Err("a special code is not a finite number".into());
        }
        // Drift and the report add the bins' rows up; a hand-edited count must not wrap.
        let mut rows = 0u64;
        for (k, bin) in self.bins.iter().enumerate() {
            if bin.events > bin.rows {
                return Err(format!("bin {} has more events than rows", k + 1));
            }
            rows = rows
                .checked_add(bin.rows)
                .ok_or("the bins' rows add up to more than a count holds")?;
        }
        Ok(())
    }
}

fn number_label(x: f64) -> String {
    match x {
        f64::NEG_INFINITY => "-inf".into(),
        f64::INFINITY => "inf".into(),
        _ => format!("{x}"),
    }
}

/// Binning constraints.
#[derive(Debug, Clone, Copy)]
pub struct BinningParams {
    pub monotonic: Monotonic,
    pub max_bins: usize,
    /// Share of the feature's non-NULL training rows each value bin must hold.
    pub min_bin_size: f64,
    /// Events (positive-class rows) each optimized value bin must hold; at least 1.
    pub min_bin_events: u64,
}

/// What a modeller fixes for a numeric feature.
#[derive(Debug, Clone, Copy, Default)]
pub struct NumericControls<'a> {
    /// Values with a meaning of their own (-9999: no record), each given its own bin.
    pub special: &'a [f64],
    /// Fixed cut points (ascending, finite) instead of the optimized ones: bin k holds
    /// `cuts[k-1] <= x < cuts[k]`. Their event rates must follow the trend, unless it is
    /// `none`.
    pub cuts: Option<&'a [f64]>,
}

/// Bins a numeric feature: `values[i]` for the training rows `rows`, `y[k]` the label of
/// `rows[k]`.
pub fn fit_numeric(values: &[f64], rows: &[usize], y: &[bool], params: BinningParams) -> Binning {
    let labels = RowLabels { y, weights: None };
    match fit_numeric_with(values, rows, labels, params, NumericControls::default()) {
        Ok(binning) => binning,
        // Without fixed cut points nothing is checked that could fail.
        Err(_) => unreachable!("an optimized binning always exists"),
    }
}

/// [`fit_numeric`] with special codes and fixed cut points; fails (22023) when fixed cut
/// points break the trend.
pub fn fit_numeric_with(
    values: &[f64],
    rows: &[usize],
    labels: RowLabels<'_>,
    params: BinningParams,
    controls: NumericControls<'_>,
) -> Result<Binning> {
    let mut pairs: Vec<(f64, Counts)> = Vec::with_capacity(rows.len());
    let mut missing = Counts::default();
    let mut special = vec![Counts::default(); controls.special.len()];
    for (k, &i) in rows.iter().enumerate() {
        let v = values[i];
        let row = labels.row(k);
        if v.is_nan() {
            missing.add(row);
        } else if let Some(code) = controls.special.iter().position(|&s| s == v) {
            special[code].add(row);
        } else {
            pairs.push((v, row));
        }
    }
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut atoms: Vec<(f64, Counts)> = Vec::new();
    for (v, row) in pairs {
        match atoms.last_mut() {
            Some((last, counts)) if *last == v => counts.add(row),
            _ => atoms.push((v, row)),
        }
    }
    bin_numeric_atoms(atoms, special, missing, params, controls)
}

/// Bins a numeric feature from its atoms: each distinct value (ascending, no special code)
/// with its counts, the special codes' counts (in `controls.special`'s order) and the NULLs'.
/// In memory from the rows, or from a GROUP BY on the workers.
pub fn bin_numeric_atoms(
    atoms: Vec<(f64, Counts)>,
    special: Vec<Counts>,
    missing: Counts,
    params: BinningParams,
    controls: NumericControls<'_>,
) -> Result<Binning> {
    let counts: Vec<Counts> = atoms.iter().map(|a| a.1).collect();
    let (cuts, groups) = match controls.cuts {
        Some(cuts) => {
            let groups = fixed_groups(&atoms, cuts);
            check_trend(&counts, &groups, params.monotonic)?;
            (cuts.to_vec(), groups)
        }
        None => {
            let groups = optimal_groups(&counts, params, params.monotonic);
            // A cut halfway between the last value of a bin and the first of the next.
            let cuts = groups
                .iter()
                .skip(1)
                .map(|&(start, _)| (atoms[start - 1].0 + atoms[start].0) / 2.0)
                .collect();
            (cuts, groups)
        }
    };
    let mut binning =
        finish_with_special(Edges::Numeric { cuts }, &counts, &groups, &special, missing);
    binning.special = controls.special.to_vec();
    Ok(binning)
}

/// The atom ranges of fixed cut points (empty ranges for bins no training value falls in).
fn fixed_groups(atoms: &[(f64, Counts)], cuts: &[f64]) -> Vec<(usize, usize)> {
    let mut groups = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for &cut in cuts {
        let end = start + atoms[start..].partition_point(|(v, _)| *v < cut);
        groups.push((start, end));
        start = end;
    }
    groups.push((start, atoms.len()));
    groups
}

/// Fixed bins must keep the event rate strictly ascending or descending (as `trend` asks;
/// `auto` either), empty bins aside.
fn check_trend(atoms: &[Counts], groups: &[(usize, usize)], trend: Monotonic) -> Result<()> {
    let bins: Vec<Counts> = groups
        .iter()
        .map(|&(s, e)| atoms[s..e].iter().copied().sum::<Counts>())
        .filter(|c| c.rows > 0)
        .collect();
    let ascending = bins.windows(2).all(|w| w[0].rate_below(&w[1]));
    let descending = bins.windows(2).all(|w| w[1].rate_below(&w[0]));
    let holds = match trend {
        Monotonic::None => true,
        Monotonic::Ascending => ascending,
        Monotonic::Descending => descending,
        Monotonic::Auto => ascending || descending,
    };
    if holds {
        return Ok(());
    }
    let rates: Vec<String> = bins
        .iter()
        .map(|c| format!("{:.4}", c.bad_weight / (c.bad_weight + c.good_weight)))
        .collect();
    Err(crate::error::Error::invalid_option(format!(
        "the fixed cut points give event rates {} across their bins, which are not monotonic",
        rates.join(", ")
    ))
    .with_hint("move or remove cut points, or allow any shape with \"monotonic\": {\"<feature>\": \"none\"}"))
}

/// Bins a categorical feature: levels ordered by event rate, grouped into adjacent bins
/// (rare levels join a neighbour of similar rate through the minimum bin size).
pub fn fit_categorical(
    codes: &[u32],
    levels: &[String],
    rows: &[usize],
    y: &[bool],
    params: BinningParams,
) -> Binning {
    fit_categorical_with(codes, levels, rows, RowLabels { y, weights: None }, params)
}

/// [`fit_categorical`] with weighted rows.
pub fn fit_categorical_with(
    codes: &[u32],
    levels: &[String],
    rows: &[usize],
    labels: RowLabels<'_>,
    params: BinningParams,
) -> Binning {
    let mut per_level = vec![Counts::default(); levels.len()];
    let mut missing = Counts::default();
    for (k, &i) in rows.iter().enumerate() {
        match codes[i] {
            NULL_CODE => missing.add(labels.row(k)),
            code => per_level[code as usize].add(labels.row(k)),
        }
    }
    bin_levels(levels, &per_level, missing, params)
}

/// Bins a categorical feature from each level's counts (`per_level[l]` of `levels[l]`) and the
/// NULLs': in memory from the rows, or from a GROUP BY on the workers.
pub fn bin_levels(
    levels: &[String],
    per_level: &[Counts],
    missing: Counts,
    params: BinningParams,
) -> Binning {
    let mut order: Vec<usize> = (0..levels.len())
        .filter(|&l| per_level[l].rows > 0)
        .collect();
    order.sort_by(|&a, &b| {
        let (ca, cb) = (per_level[a], per_level[b]);
        if ca.rate_below(&cb) {
            std::cmp::Ordering::Less
        } else if cb.rate_below(&ca) {
            std::cmp::Ordering::Greater
        } else {
            levels[a].cmp(&levels[b])
        }
    });
    let counts: Vec<Counts> = order.iter().map(|&l| per_level[l]).collect();
    let groups = optimal_groups(&counts, params, Monotonic::Ascending);
    let grouped_levels = groups
        .iter()
        .map(|&(start, end)| {
            let mut names: Vec<String> = order[start..end]
                .iter()
                .map(|&l| levels[l].clone())
                .collect();
            names.sort();
            names
        })
        .collect();
    finish(
        Edges::Categorical {
            levels: grouped_levels,
        },
        &counts,
        &groups,
        missing,
    )
}

/// The labels of the rows being binned (`y[k]` of `rows[k]`, true for an event) and, in a
/// weighted fit, each row's weight.
#[derive(Debug, Clone, Copy)]
pub struct RowLabels<'a> {
    pub y: &'a [bool],
    pub weights: Option<&'a [f64]>,
}

impl RowLabels<'_> {
    /// The counts of row `k` alone.
    fn row(&self, k: usize) -> Counts {
        let event = self.y[k];
        let weight = self.weights.map_or(1.0, |w| w[k]);
        Counts {
            rows: 1,
            events: u64::from(event),
            bad_weight: if event { weight } else { 0.0 },
            good_weight: if event { 0.0 } else { weight },
            weighted: weight != 1.0,
        }
    }
}

/// Builds the bins' statistics from the atom groups and the NULL counts.
fn finish(edges: Edges, atoms: &[Counts], groups: &[(usize, usize)], missing: Counts) -> Binning {
    finish_with_special(edges, atoms, groups, &[], missing)
}

/// [`finish`] with a bin per special code between the value bins and the NULL bin.
fn finish_with_special(
    edges: Edges,
    atoms: &[Counts],
    groups: &[(usize, usize)],
    special: &[Counts],
    missing: Counts,
) -> Binning {
    let totals: Counts = atoms
        .iter()
        .copied()
        .chain(special.iter().copied())
        .chain([missing])
        .sum();
    let mut bins: Vec<Bin> = groups
        .iter()
        .map(|&(start, end)| Bin::new(atoms[start..end].iter().copied().sum(), totals))
        .collect();
    bins.extend(special.iter().map(|&c| Bin::new(c, totals)));
    bins.push(Bin::new(missing, totals));
    Binning::new(edges, bins)
}

/// Groups the ordered atoms into bins: `(start, end)` atom ranges covering all atoms.
/// Without atoms (an all-NULL feature) there is one empty value bin.
fn optimal_groups(
    atoms: &[Counts],
    params: BinningParams,
    trend: Monotonic,
) -> Vec<(usize, usize)> {
    if atoms.is_empty() {
        return vec![(0, 0)];
    }
    let rows: u64 = atoms.iter().map(|a| a.rows).sum();
    let min_rows = ((params.min_bin_size * rows as f64).ceil() as u64).max(1);
    let prebins = cart_prebins(atoms, min_rows, MAX_PREBINS);
    let prebin_counts: Vec<Counts> = prebins
        .iter()
        .map(|&(s, e)| atoms[s..e].iter().copied().sum())
        .collect();
    let candidates: &[Monotonic] = match trend {
        Monotonic::Auto => &[Monotonic::Ascending, Monotonic::Descending],
        Monotonic::Ascending => &[Monotonic::Ascending],
        Monotonic::Descending => &[Monotonic::Descending],
        Monotonic::None => &[Monotonic::None],
    };
    let mut best: Option<(f64, Vec<(usize, usize)>)> = None;
    for &direction in candidates {
        if let Some((iv, merged)) = merge_prebins(
            &prebin_counts,
            params.max_bins,
            min_rows,
            params.min_bin_events,
            direction,
        ) {
            if best.as_ref().is_none_or(|(b, _)| iv > *b + 1e-12) {
                best = Some((iv, merged));
            }
        }
    }
    match best {
        // Map pre-bin ranges back to atom ranges.
        Some((_, merged)) => merged
            .into_iter()
            .map(|(s, e)| (prebins[s].0, prebins[e - 1].1))
            .collect(),
        // No admissible merge (e.g. too few events): one bin, the feature carries no IV.
        None => vec![(0, atoms.len())],
    }
}

/// CART-style pre-binning of ordered atoms: best-first binary splits by Gini decrease,
/// each side holding at least `min_rows` rows, until `max_prebins` ranges or no gain.
fn cart_prebins(atoms: &[Counts], min_rows: u64, max_prebins: usize) -> Vec<(usize, usize)> {
    let prefix = prefix_sums(atoms);
    let range = |s: usize, e: usize| prefix[e].minus(prefix[s]);
    // The best split point of [s, e) and its impurity decrease.
    let best_split = |s: usize, e: usize| -> Option<(usize, f64)> {
        let whole = range(s, e);
        let mut best: Option<(usize, f64)> = None;
        for k in s + 1..e {
            let (left, right) = (range(s, k), range(k, e));
            if left.rows < min_rows || right.rows < min_rows {
                continue;
            }
            let gain = whole.weighted_gini() - left.weighted_gini() - right.weighted_gini();
            if gain > 1e-12 && best.is_none_or(|(_, g)| gain > g) {
                best = Some((k, gain));
            }
        }
        best
    };
    let mut leaves = vec![(0, atoms.len(), best_split(0, atoms.len()))];
    while leaves.len() < max_prebins {
        let candidate = leaves
            .iter()
            .enumerate()
            .filter_map(|(i, (_, _, split))| split.map(|(k, gain)| (i, k, gain)))
            .max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.cmp(&a.0)));
        let Some((i, k, _)) = candidate else { break };
        let (s, e, _) = leaves[i];
        leaves[i] = (s, k, best_split(s, k));
        leaves.insert(i + 1, (k, e, best_split(k, e)));
    }
    leaves.into_iter().map(|(s, e, _)| (s, e)).collect()
}

/// Merges adjacent pre-bins into at most `max_bins` groups maximizing the total IV, each
/// group with at least `min_rows` rows, `min_events` events and both classes, event rates strictly ordered as
/// `direction` says. Returns the IV and the groups as pre-bin ranges, or `None` when no
/// grouping satisfies the constraints.
///
/// `best[k][i][j]`: the largest IV of pre-bins `0..=j` in `k + 1` groups whose last group is
/// `i..=j`. Its predecessor is a grouping of `0..i` in `k` groups ending with some `h..=i-1`.
fn merge_prebins(
    prebins: &[Counts],
    max_bins: usize,
    min_rows: u64,
    min_events: u64,
    direction: Monotonic,
) -> Option<(f64, Vec<(usize, usize)>)> {
    let m = prebins.len();
    let prefix = prefix_sums(prebins);
    let totals = prefix[m];
    let group = |i: usize, j: usize| prefix[j + 1].minus(prefix[i]);
    let admissible =
        |c: &Counts| c.rows >= min_rows && c.has_both_classes() && c.events >= min_events;
    let ordered = |before: &Counts, after: &Counts| match direction {
        Monotonic::Ascending => before.rate_below(after),
        Monotonic::Descending => after.rate_below(before),
        Monotonic::None | Monotonic::Auto => true,
    };
    let at = |k: usize, i: usize, j: usize| (k * m + i) * m + j;
    let mut best: Vec<Option<(f64, usize)>> = vec![None; max_bins * m * m];
    for j in 0..m {
        let g = group(0, j);
        if admissible(&g) {
            best[at(0, 0, j)] = Some((woe_iv(g, totals).1, usize::MAX));
        }
    }
    for k in 1..max_bins {
        for j in 0..m {
            for i in 1..=j {
                let last = group(i, j);
                if !admissible(&last) {
                    continue;
                }
                let iv_last = woe_iv(last, totals).1;
                let mut choice: Option<(f64, usize)> = None;
                for h in 0..i {
                    if let Some((iv, _)) = best[at(k - 1, h, i - 1)] {
                        if ordered(&group(h, i - 1), &last)
                            && choice.is_none_or(|(c, _)| iv + iv_last > c)
                        {
                            choice = Some((iv + iv_last, h));
                        }
                    }
                }
                best[at(k, i, j)] = choice;
            }
        }
    }
    // The best final state; fewer bins win ties.
    let mut end: Option<(f64, usize, usize)> = None;
    for k in 0..max_bins {
        for i in 0..m {
            if let Some((iv, _)) = best[at(k, i, m - 1)] {
                if end.is_none_or(|(e, _, _)| iv > e + 1e-12) {
                    end = Some((iv, k, i));
                }
            }
        }
    }
    let (iv, mut k, mut i) = end?;
    let mut j = m - 1;
    let mut groups = Vec::with_capacity(k + 1);
    loop {
        groups.push((i, j + 1));
        let (_, h) = best[at(k, i, j)]?;
        if k == 0 {
            break;
        }
        j = i - 1;
        i = h;
        k -= 1;
    }
    groups.reverse();
    Some((iv, groups))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn c(rows: u64, events: u64) -> Counts {
        Counts {
            rows,
            events,
            bad_weight: events as f64,
            good_weight: (rows - events) as f64,
            weighted: false,
        }
    }

    fn params(max_bins: usize, min_bin_size: f64, monotonic: Monotonic) -> BinningParams {
        BinningParams {
            monotonic,
            max_bins,
            min_bin_size,
            min_bin_events: 1,
        }
    }

    #[test]
    fn woe_and_iv_by_hand() {
        // G = 80 goods, B = 20 bads. Bin with 30 goods and 10 bads:
        // good share 30/80 = 0.375, bad share 10/20 = 0.5,
        // WoE = ln(0.375 / 0.5) = ln 0.75 = −0.2876820724517809,
        // IV  = (0.375 − 0.5) · (−0.2876820724517809) = 0.03596025905647261.
        let (woe, iv) = woe_iv(c(40, 10), c(100, 20));
        assert!((woe - 0.75f64.ln()).abs() < 1e-15);
        assert!((woe + 0.2876820724517809).abs() < 1e-15);
        assert!((iv - 0.03596025905647261).abs() < 1e-15);
        // A bin without bads has no finite WoE: neutral.
        assert_eq!(woe_iv(c(5, 0), c(100, 20)), (0.0, 0.0));
    }

    #[test]
    fn special_codes_get_their_own_bins_between_the_value_bins_and_null() {
        // The small table plus ten rows of -9999 with 9 events: without the code they would
        // be the lowest values; with it they are one bin of 10 rows, 9 events.
        let (mut values, mut rows, mut y) = small_table();
        for r in 0..10 {
            values.push(-9999.0);
            rows.push(values.len() - 1);
            y.push(r < 9);
        }
        let controls = NumericControls {
            special: &[-9999.0, -8888.0],
            cuts: None,
        };
        let b = fit_numeric_with(
            &values,
            &rows,
            RowLabels {
                y: &y,
                weights: None,
            },
            params(3, 0.15, Monotonic::Auto),
            controls,
        )
        .unwrap();
        let value_bins = b.value_bins();
        assert_eq!(b.bins.len(), value_bins + 3);
        assert_eq!(b.bin_of_number(-9999.0), value_bins);
        assert_eq!(b.bin_of_number(-8888.0), value_bins + 1);
        assert_eq!(b.bin_of_number(f64::NAN), value_bins + 2);
        assert_eq!(
            b.bin_of_number(-9998.0),
            0,
            "not a code: the lowest value bin"
        );
        let special = &b.bins[value_bins];
        assert_eq!((special.rows, special.events), (10, 9));
        // WoE by hand: the table has 34 goods and 26 bads, plus the code's 1 and 9: goods 1 of
        // 35, bads 9 of 35 → ln((1/35)/(9/35)) = ln(1/9).
        assert!((special.woe - (1.0f64 / 9.0).ln()).abs() < 1e-12);
        assert_eq!(
            b.bins[value_bins + 1].rows,
            0,
            "a code without training rows: neutral"
        );
        assert_eq!(b.label(value_bins), "special -9999");
        assert!(b.bounds(value_bins).0.is_nan());
        assert!(b.validate().is_ok());
        // The value bins are the ones the table gets without the code.
        let plain = fit_numeric(
            &small_table().0,
            &small_table().1,
            &small_table().2,
            params(3, 0.15, Monotonic::Auto),
        );
        assert_eq!(b.edges, plain.edges);
    }

    #[test]
    fn fixed_cut_points_are_kept_and_checked_against_the_trend() {
        let (values, rows, y) = small_table();
        let controls = |cuts: &'static [f64]| NumericControls {
            special: &[],
            cuts: Some(cuts),
        };
        // Cuts at 2.5 and 4.5: bins {1, 2} 3 events, {3, 4} 8, {5, 6} 15 of 20: ascending.
        let b = fit_numeric_with(
            &values,
            &rows,
            RowLabels {
                y: &y,
                weights: None,
            },
            params(8, 0.05, Monotonic::Auto),
            controls(&[2.5, 4.5]),
        )
        .unwrap();
        assert_eq!(
            b.edges,
            Edges::Numeric {
                cuts: vec![2.5, 4.5]
            }
        );
        let counts: Vec<(u64, u64)> = b.bins.iter().map(|bin| (bin.rows, bin.events)).collect();
        assert_eq!(counts, [(20, 3), (20, 8), (20, 15), (0, 0)]);
        // Descending asked, ascending found: refused, naming the rates.
        let e = fit_numeric_with(
            &values,
            &rows,
            RowLabels {
                y: &y,
                weights: None,
            },
            params(8, 0.05, Monotonic::Descending),
            controls(&[2.5, 4.5]),
        )
        .unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::InvalidOption);
        assert!(
            e.message.contains("0.1500, 0.4000, 0.7500"),
            "{}",
            e.message
        );
        // "none" accepts any shape.
        assert!(fit_numeric_with(
            &values,
            &rows,
            RowLabels {
                y: &y,
                weights: None
            },
            params(8, 0.05, Monotonic::None),
            controls(&[2.5, 4.5])
        )
        .is_ok());
    }

    #[test]
    fn every_optimized_bin_holds_min_bin_events() {
        let (values, rows, y) = small_table();
        let mut p = params(8, 0.05, Monotonic::Auto);
        p.min_bin_events = 6;
        let b = fit_numeric(&values, &rows, &y, p);
        let value_bins = &b.bins[..b.value_bins()];
        assert!(
            value_bins.iter().all(|bin| bin.events >= 6),
            "{value_bins:?}"
        );
        assert!(value_bins.len() >= 2, "still binned: {value_bins:?}");
        p.min_bin_events = 1;
        assert!(fit_numeric(&values, &rows, &y, p).bins.len() > b.bins.len());
    }

    #[test]
    fn a_row_of_weight_two_counts_as_two_rows() {
        // Weight 2 on the rows of value 6 bins like the table with those ten rows twice:
        // the same cuts, WoE and IV (frequency weights); the bins still count rows.
        let (values, rows, y) = small_table();
        let weights: Vec<f64> = values
            .iter()
            .map(|&v| if v == 6.0 { 2.0 } else { 1.0 })
            .collect();
        let labels = RowLabels {
            y: &y,
            weights: Some(&weights),
        };
        let p = params(4, 0.05, Monotonic::Auto);
        let weighted =
            fit_numeric_with(&values, &rows, labels, p, NumericControls::default()).unwrap();
        let (mut values2, mut rows2, mut y2) = (values.clone(), rows.clone(), y.clone());
        for k in 0..values.len() {
            if values[k] == 6.0 {
                values2.push(6.0);
                rows2.push(values2.len() - 1);
                y2.push(y[k]);
            }
        }
        let duplicated = fit_numeric(&values2, &rows2, &y2, p);
        assert_eq!(weighted.edges, duplicated.edges);
        for (a, b) in weighted.bins.iter().zip(&duplicated.bins) {
            assert!((a.woe - b.woe).abs() < 1e-12 && (a.iv - b.iv).abs() < 1e-12);
        }
        assert_eq!(weighted.bins.iter().map(|b| b.rows).sum::<u64>(), 60);
        // Class weights cancel in WoE: every event weighing 3 changes no bin.
        let class: Vec<f64> = y.iter().map(|&e| if e { 3.0 } else { 1.0 }).collect();
        let labels = RowLabels {
            y: &y,
            weights: Some(&class),
        };
        let balanced =
            fit_numeric_with(&values, &rows, labels, p, NumericControls::default()).unwrap();
        let plain = fit_numeric(&values, &rows, &y, p);
        assert_eq!(balanced.edges, plain.edges);
        for (a, b) in balanced.bins.iter().zip(&plain.bins) {
            assert!((a.woe - b.woe).abs() < 1e-12);
        }
    }

    /// Ten rows per value 1..=6; events per value 1, 2, 3, 5, 7, 8 (26 of 60).
    pub(crate) fn small_table() -> (Vec<f64>, Vec<usize>, Vec<bool>) {
        let events = [1, 2, 3, 5, 7, 8];
        let mut values = Vec::new();
        let mut y = Vec::new();
        for (k, &e) in events.iter().enumerate() {
            for r in 0..10 {
                values.push((k + 1) as f64);
                y.push(r < e);
            }
        }
        let rows = (0..values.len()).collect();
        (values, rows, y)
    }

    #[test]
    fn numeric_binning_by_hand() {
        // Event rates per value rise: 0.1 0.2 0.3 0.5 0.7 0.8, so every contiguous grouping is
        // ascending. G = 34 goods, B = 26 bads. min_bin_size 0.15 → bins of ≥ ceil(9) rows, so
        // each value is its own pre-bin. The two-bin groupings (cut after value k):
        //   k  goods/bads left | right      IV
        //   1   9/1  | 25/25               0.497110
        //   2  17/3  | 17/23               0.783416
        //   3  24/6  | 10/20               0.987970   ← best of two bins
        //   4  29/11 |  5/15               0.888965
        //   5  32/18 |  2/8                0.488196
        // e.g. k = 3: WoE_left = ln((24/34)/(6/26)) = 1.118030, WoE_right = ln((10/34)/(20/26))
        // = −0.961411, IV = (24/34 − 6/26)·1.118030 + (10/34 − 20/26)·(−0.961411) = 0.987970.
        // The best three bins are {1,2} {3,4} {5,6}:
        //   {1,2}: 17/3,  WoE = ln((17/34)/(3/26))  =  1.466337, IV_i = 0.563976
        //   {3,4}: 12/8,  WoE = ln((12/34)/(8/26))  =  0.137201, IV_i = 0.006208
        //   {5,6}:  5/15, WoE = ln((5/34)/(15/26))  = −1.366876, IV_i = 0.587571
        //   IV = 1.157755
        let (values, rows, y) = small_table();
        let two = fit_numeric(&values, &rows, &y, params(2, 0.15, Monotonic::Auto));
        assert_eq!(two.edges, Edges::Numeric { cuts: vec![3.5] });
        assert!(
            (two.iv() - 0.9879699632415511).abs() < 1e-12,
            "{}",
            two.iv()
        );

        let b = fit_numeric(&values, &rows, &y, params(3, 0.15, Monotonic::Auto));
        assert_eq!(
            b.edges,
            Edges::Numeric {
                cuts: vec![2.5, 4.5]
            }
        );
        let woes: Vec<f64> = b.bins.iter().map(|b| b.woe).collect();
        let expected = [
            1.466337068793427,
            0.13720112151348496,
            -1.366876275262789,
            0.0,
        ];
        for (w, e) in woes.iter().zip(expected) {
            assert!((w - e).abs() < 1e-12, "{woes:?}");
        }
        assert!((b.iv() - 1.1577552407807288).abs() < 1e-12, "{}", b.iv());
        assert_eq!(b.label(0), "(-inf, 2.5)");
        assert_eq!(b.label(1), "[2.5, 4.5)");
        assert_eq!(b.label(3), "(missing)");
        assert_eq!(b.bin_of_number(2.5), 1);
        assert_eq!(b.bin_of_number(f64::NAN), 3);
        assert_eq!(b.bin_of_number(1e9), 2);

        // With min_bin_size 0.3 (≥ 18 rows) the pre-binning's first split is the largest Gini
        // decrease (rows·2p(1−p) summed): whole 29.467; cut after 2: 5.1 + 19.55 (gain 4.82),
        // after 3: 9.6 + 13.33 (gain 6.53), after 4: 15.95 + 7.5 (gain 6.02). Halves of 30 rows
        // cannot split again, so two bins remain whatever max_bins allows.
        let coarse = fit_numeric(&values, &rows, &y, params(8, 0.3, Monotonic::Auto));
        assert_eq!(coarse.edges, Edges::Numeric { cuts: vec![3.5] });
    }

    #[test]
    fn monotonic_constraint_is_respected() {
        // Event rates 0.5 0.1 0.5 0.9 per value: not monotonic. With descending required the
        // optimum must have falling rates; with ascending rising ones.
        let events = [5, 1, 5, 9];
        let mut values = Vec::new();
        let mut y = Vec::new();
        for (k, &e) in events.iter().enumerate() {
            for r in 0..10 {
                values.push(k as f64);
                y.push(r < e);
            }
        }
        let rows: Vec<usize> = (0..values.len()).collect();
        for (direction, rising) in [(Monotonic::Ascending, true), (Monotonic::Descending, false)] {
            let b = fit_numeric(&values, &rows, &y, params(4, 0.1, direction));
            let rates: Vec<f64> = b.bins[..b.missing_bin()]
                .iter()
                .filter_map(Bin::event_rate)
                .collect();
            assert!(
                rates.windows(2).all(|w| (w[0] < w[1]) == rising),
                "{direction:?}: {rates:?}"
            );
        }
        // Without the constraint every value keeps its own bin (splitting never lowers IV).
        let b = fit_numeric(&values, &rows, &y, params(4, 0.1, Monotonic::None));
        assert_eq!(b.bins.len(), 5);
    }

    #[test]
    fn nulls_get_their_own_bin_and_sizes_are_enforced() {
        let (mut values, rows, y) = small_table();
        values[0] = f64::NAN; // an event (first row of value 1)
        values[15] = f64::NAN; // a non-event (sixth row of value 2)
        let b = fit_numeric(&values, &rows, &y, params(8, 0.25, Monotonic::Auto));
        let missing = &b.bins[b.missing_bin()];
        assert_eq!((missing.rows, missing.events), (2, 1));
        let min_rows = (0.25f64 * 58.0).ceil() as u64;
        assert!(b.bins[..b.missing_bin()].iter().all(|b| b.rows >= min_rows));
        assert_eq!(b.bins.iter().map(|b| b.rows).sum::<u64>(), 60);
    }

    #[test]
    fn categorical_levels_are_grouped_by_event_rate() {
        // Levels a..d with event rates 0.6, 0.1, 0.55, 0.15 (20 rows each) and a rare level
        // "r" (2 rows, 1 event). Two bins: the low-rate levels {b, d} and the high ones.
        let spec = [
            ("a", 20, 12),
            ("b", 20, 2),
            ("c", 20, 11),
            ("d", 20, 3),
            ("r", 2, 1),
        ];
        let mut column = crate::data::CategoricalColumn::default();
        let mut y = Vec::new();
        for (level, n, e) in spec {
            for r in 0..n {
                column.push(Some(level));
                y.push(r < e);
            }
        }
        column.push(None);
        y.push(false);
        let rows: Vec<usize> = (0..y.len()).collect();
        let b = fit_categorical(
            &column.codes,
            &column.levels,
            &rows,
            &y,
            params(2, 0.1, Monotonic::Auto),
        );
        let Edges::Categorical { levels } = &b.edges else {
            panic!()
        };
        assert_eq!(levels, &vec![vec!["b", "d"], vec!["a", "c", "r"]]);
        assert_eq!(b.bin_of_level(Some("c")), 1);
        assert_eq!(b.bin_of_level(Some("never seen")), b.missing_bin());
        assert_eq!(b.bins[b.missing_bin()].rows, 1);
    }

    #[test]
    fn too_few_events_give_one_bin() {
        let values: Vec<f64> = (0..50).map(f64::from).collect();
        let y: Vec<bool> = (0..50).map(|i| i == 7).collect();
        let rows: Vec<usize> = (0..50).collect();
        let b = fit_numeric(&values, &rows, &y, params(8, 0.05, Monotonic::Auto));
        assert_eq!(b.bins.len(), 2);
        assert_eq!(b.iv(), 0.0);
    }
}
