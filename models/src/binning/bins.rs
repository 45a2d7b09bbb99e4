//! The fitted binning of one feature: its bins' statistics, edges and the lookup of a value's
//! bin.

use super::counts::Counts;
use crate::data::{Column, NULL_CODE};
use crate::data::{RawValue, MISSING_LEVEL};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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
    pub(super) fn new(counts: Counts, totals: Counts) -> Bin {
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
    /// A categorical feature's training rows of each level, bin by bin as `levels` (since
    /// finml 0.16.0; empty before), for the privacy report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub level_rows: Vec<Vec<u64>>,
    #[serde(skip)]
    level_index: HashMap<String, usize>,
}

impl Binning {
    pub(super) fn new(edges: Edges, bins: Vec<Bin>) -> Binning {
        let mut binning = Binning {
            edges,
            bins,
            special: Vec::new(),
            level_rows: Vec::new(),
            level_index: HashMap::new(),
        };
        binning.rebuild_index();
        binning
    }

    /// Takes the levels of fewer than `min_rows` training rows out of a categorical feature's
    /// bins: they then score in the NULL bin, as unseen levels do. False when the rows of
    /// each level were not stored (before finml 0.16.0).
    pub fn fold_levels_under(&mut self, min_rows: u64) -> bool {
        let Edges::Categorical { levels } = &mut self.edges else {
            return true;
        };
        if levels.len() != self.level_rows.len() {
            return levels.iter().all(Vec::is_empty);
        }
        for (names, rows) in levels.iter_mut().zip(&mut self.level_rows) {
            let mut kept = rows.iter().map(|&r| r >= min_rows);
            names.retain(|_| kept.next().unwrap_or(false));
            rows.retain(|&r| r >= min_rows);
        }
        self.rebuild_index();
        true
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
            Edges::Numeric { .. } if !self.level_rows.is_empty() => {
                return Err("a numeric feature's binning has level_rows".into());
            }
            Edges::Numeric { cuts } => {
                if cuts.windows(2).any(|w| w[0] >= w[1]) || cuts.iter().any(|c| !c.is_finite()) {
                    return Err("cut points are not finite and ascending".into());
                }
                cuts.len() + 1
            }
            Edges::Categorical { levels } => {
                let shaped = levels.len() == self.level_rows.len()
                    && levels
                        .iter()
                        .zip(&self.level_rows)
                        .all(|(l, r)| l.len() == r.len());
                if !(self.level_rows.is_empty() || shaped) {
                    return Err("level_rows does not list each level's rows bin by bin".into());
                }
                levels.len()
            }
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
