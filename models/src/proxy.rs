//! fin_profile's proxy screen (`options.protected`): how strongly each candidate feature is
//! associated with each protected attribute, so that a feature standing in for one (a postcode
//! for ethnicity, a job for age) is reviewed before a model learns it. Equal Credit
//! Opportunity and the EU AI Act forbid deciding on the attribute; a close proxy decides on it
//! all the same.
//!
//! One measure per pair, by the kinds of the two columns, each in [0, 1] where a table of
//! them can be read together:
//! - categorical feature, grouped attribute: Cramér's V (scipy.stats.contingency.association);
//! - numeric feature, attribute of two groups: the AUC of the feature predicting the group, the
//!   larger of AUC and 1 − AUC (a proxy predicts in either direction);
//! - numeric feature, attribute of more groups: the correlation ratio η (the share of the
//!   feature's variance between the groups, square-rooted);
//! - categorical feature, numeric attribute (unbanded): η of the attribute by the feature's
//!   levels;
//! - numeric feature, numeric attribute: |Pearson r|.
//!
//! Rows where either column is NULL are left out of the pair. A pair is a likely proxy when its
//! strength reaches `proxy_threshold` (default 0.3): V, η and |r| themselves, the AUC's Gini
//! (2·AUC − 1).

use crate::data::{Column, NULL_CODE};
use crate::error::{Error, Result};
use crate::fairness::{band_edges_problem, MAX_GROUPS};
use crate::metrics;
use serde_json::Value;
use std::collections::BTreeMap;

/// The default strength at which a feature is flagged as a likely proxy.
pub const DEFAULT_PROXY_THRESHOLD: f64 = 0.3;

/// The proxy screen's own options beside fin_train's: each numeric attribute's band edges,
/// and the strength at which a feature is flagged.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxySettings {
    pub bands: BTreeMap<String, Vec<f64>>,
    pub threshold: f64,
}

const PROXY_KEYS: &str = "protected ([\"age\", \"marital\"]: the protected attributes, kept out of the candidates and screened against them), bands ({\"age\": [25, 35, 50, 65]}: a numeric attribute's ascending band edges; unbanded, it is screened as a number), proxy_threshold (default 0.3: the strength that flags a likely proxy: Cramér's V, the correlation ratio, |Pearson r| or the AUC's Gini)";

fn invalid(why: impl Into<String>) -> Error {
    Error::invalid_option(format!("invalid fin_profile options: {}", why.into()))
        .with_hint(format!("besides fin_train's options: {PROXY_KEYS}"))
}

/// Splits fin_profile's `options` into fin_train's (with the protected attributes added to
/// `exclude`, so that none is profiled as a candidate) and the proxy screen's settings.
pub fn split_options(options: &Value) -> Result<(Value, ProxySettings)> {
    let Some(object) = options.as_object() else {
        return Ok((options.clone(), default_settings()));
    };
    let mut train = object.clone();
    let protected: Vec<String> = match train.get("protected") {
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(|n| n.as_str())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let threshold = match train.remove("proxy_threshold") {
        None => DEFAULT_PROXY_THRESHOLD,
        Some(v) => match v.as_f64() {
            Some(t) if t > 0.0 && t <= 1.0 => t,
            _ => {
                return Err(invalid(format!(
                    "proxy_threshold must be a number in (0, 1], got {v}"
                )))
            }
        },
    };
    let bands = match train.remove("bands") {
        None => BTreeMap::new(),
        Some(Value::Object(map)) => map
            .into_iter()
            .map(|(key, edges)| Ok((key.clone(), band_edges(&key, &edges, &protected)?)))
            .collect::<Result<_>>()?,
        Some(other) => return Err(invalid(format!("bands must be an object, got {other}"))),
    };
    if !protected.is_empty() {
        let mut exclude = match train.remove("exclude") {
            Some(Value::Array(names)) => names,
            Some(other) => vec![other],
            None => Vec::new(),
        };
        exclude.extend(protected.iter().map(|p| Value::String(p.clone())));
        train.insert("exclude".to_owned(), Value::Array(exclude));
    }
    Ok((Value::Object(train), ProxySettings { bands, threshold }))
}

fn default_settings() -> ProxySettings {
    ProxySettings {
        bands: BTreeMap::new(),
        threshold: DEFAULT_PROXY_THRESHOLD,
    }
}

/// One attribute's band edges, of an attribute named in `protected`
/// (fairness::band_edges_problem says what is wrong with them).
fn band_edges(key: &str, edges: &Value, protected: &[String]) -> Result<Vec<f64>> {
    if !protected.iter().any(|p| p == key) {
        return Err(invalid(format!(
            "bands of \"{key}\", which options.protected does not name"
        )));
    }
    let edges: Vec<f64> = serde_json::from_value(edges.clone())
        .map_err(|_| invalid(format!("the bands of \"{key}\" must be a list of numbers")))?;
    band_edges_problem(key, &edges).map_or(Ok(edges), |problem| Err(invalid(problem)))
}

/// A candidate's associations with every protected attribute, and the attributes it is a
/// likely proxy for (strength at or above `threshold`), strongest first.
pub fn screen(
    candidate: &Column,
    protected: &[Protected],
    threshold: f64,
) -> (Vec<Association>, Vec<String>) {
    let associations: Vec<Association> = protected
        .iter()
        .filter_map(|p| {
            crate::interrupt::check();
            association(candidate, p)
        })
        .collect();
    let mut flagged: Vec<&Association> = associations
        .iter()
        .filter(|a| a.strength() >= threshold)
        .collect();
    flagged.sort_by(|a, b| b.strength().total_cmp(&a.strength()));
    let names = flagged.iter().map(|a| a.protected.clone()).collect();
    (associations, names)
}

/// How a pair's association is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    CramersV,
    CorrelationRatio,
    Auc,
    Pearson,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::CramersV => "cramers_v",
            Measure::CorrelationRatio => "correlation_ratio",
            Measure::Auc => "auc",
            Measure::Pearson => "abs_pearson",
        }
    }
}

/// One candidate's association with one protected attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Association {
    pub protected: String,
    pub measure: Measure,
    pub value: f64,
}

impl Association {
    /// The value on the threshold's scale: an AUC as its Gini.
    pub fn strength(&self) -> f64 {
        match self.measure {
            Measure::Auc => 2.0 * self.value - 1.0,
            _ => self.value,
        }
    }
}

/// A protected attribute as the screen reads it: its rows' groups (`None`: NULL), or numbers
/// (NaN: NULL) when it is numeric and not banded.
#[derive(Debug, Clone)]
pub enum Protected {
    Groups {
        name: String,
        /// Each row's group, NULL_CODE for NULL.
        codes: Vec<u32>,
        groups: usize,
    },
    Numbers {
        name: String,
        values: Vec<f64>,
    },
}

impl Protected {
    /// The attribute `name` read as `column`: text by value, numbers in the bands under
    /// `bands` (ascending edges; band i holds edge i−1 ≤ x < edge i), or as numbers.
    ///
    /// More than [`MAX_GROUPS`] groups (an identifier, or a number to band) is 22000.
    pub fn new(name: &str, column: &Column, bands: Option<&[f64]>) -> Result<Protected> {
        if let (Column::Categorical(c), _) = (column, bands) {
            if c.levels.len() > MAX_GROUPS {
                return Err(Error::invalid_data(format!(
                    "protected attribute \"{name}\" has more than {MAX_GROUPS} groups"
                ))
                .with_hint("screen an attribute whose values name groups, or group it in a view"));
            }
            if bands.is_some() {
                return Err(invalid(format!(
                    "bands of \"{name}\", which is not numeric: its values are its groups"
                )));
            }
        }
        Ok(match (column, bands) {
            (Column::Categorical(c), _) => Protected::Groups {
                name: name.to_owned(),
                codes: c.codes.clone(),
                groups: c.levels.len(),
            },
            (Column::Numeric(n), Some(edges)) => Protected::Groups {
                name: name.to_owned(),
                codes: n
                    .values
                    .iter()
                    .map(|x| match x.is_nan() {
                        true => NULL_CODE,
                        false => edges.partition_point(|&e| e <= *x) as u32,
                    })
                    .collect(),
                groups: edges.len() + 1,
            },
            (Column::Numeric(n), None) => Protected::Numbers {
                name: name.to_owned(),
                values: n.values.clone(),
            },
        })
    }

    fn name(&self) -> &str {
        match self {
            Protected::Groups { name, .. } | Protected::Numbers { name, .. } => name,
        }
    }
}

/// The association of `candidate` with `protected`; `None` when it is undefined (fewer than
/// two groups or levels with rows, no variance).
pub fn association(candidate: &Column, protected: &Protected) -> Option<Association> {
    let measured = match (candidate, protected) {
        (Column::Categorical(c), Protected::Groups { codes, groups, .. }) => {
            let pairs = c
                .codes
                .iter()
                .zip(codes)
                .filter(|(&f, &g)| f != NULL_CODE && g != NULL_CODE)
                .map(|(&f, &g)| (f as usize, g as usize));
            cramers_v(pairs, c.levels.len(), *groups).map(|v| (Measure::CramersV, v))
        }
        (Column::Numeric(n), Protected::Groups { codes, groups, .. }) => {
            let pairs: Vec<(usize, f64)> = codes
                .iter()
                .zip(&n.values)
                .filter(|(&g, x)| g != NULL_CODE && !x.is_nan())
                .map(|(&g, &x)| (g as usize, x))
                .collect();
            let present = present_groups(pairs.iter().map(|(g, _)| *g), *groups);
            if present.len() == 2 {
                let values: Vec<f64> = pairs.iter().map(|(_, x)| *x).collect();
                let labels: Vec<bool> = pairs.iter().map(|(g, _)| *g == present[1]).collect();
                metrics::auc(&values, &labels).map(|a| (Measure::Auc, a.max(1.0 - a)))
            } else {
                correlation_ratio(&pairs, *groups).map(|e| (Measure::CorrelationRatio, e))
            }
        }
        (Column::Categorical(c), Protected::Numbers { values, .. }) => {
            let pairs: Vec<(usize, f64)> = c
                .codes
                .iter()
                .zip(values)
                .filter(|(&code, x)| code != NULL_CODE && !x.is_nan())
                .map(|(&code, &x)| (code as usize, x))
                .collect();
            correlation_ratio(&pairs, c.levels.len()).map(|e| (Measure::CorrelationRatio, e))
        }
        (Column::Numeric(n), Protected::Numbers { values, .. }) => {
            pearson(&n.values, values).map(|r| (Measure::Pearson, r.abs()))
        }
    };
    let (measure, value) = measured.filter(|(_, v)| v.is_finite())?;
    Some(Association {
        protected: protected.name().to_owned(),
        measure,
        value: value.clamp(0.0, 1.0),
    })
}

/// The groups (of `groups`) that hold at least one row, ascending.
fn present_groups(codes: impl Iterator<Item = usize>, groups: usize) -> Vec<usize> {
    let mut seen = vec![false; groups];
    codes.for_each(|g| seen[g] = true);
    (0..groups).filter(|&g| seen[g]).collect()
}

/// Cramér's V of the (level, group) pairs: √(χ² / (n (min(r, c) − 1))) over the levels and
/// groups that hold rows, χ² without continuity correction. The table is kept sparse (a text
/// feature may have a level per row): χ² = Σ O²/E − n over the cells that hold rows.
fn cramers_v(
    pairs: impl Iterator<Item = (usize, usize)>,
    levels: usize,
    groups: usize,
) -> Option<f64> {
    let mut table: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    let (mut row_totals, mut column_totals) = (vec![0f64; levels], vec![0f64; groups]);
    let mut n = 0f64;
    for (level, group) in pairs {
        *table.entry((level, group)).or_default() += 1.0;
        row_totals[level] += 1.0;
        column_totals[group] += 1.0;
        n += 1.0;
    }
    let rows = row_totals.iter().filter(|&&t| t > 0.0).count();
    let columns = column_totals.iter().filter(|&&t| t > 0.0).count();
    if rows < 2 || columns < 2 {
        return None;
    }
    let scaled: f64 = table
        .iter()
        .map(|(&(level, group), observed)| {
            observed * observed * n / (row_totals[level] * column_totals[group])
        })
        .sum();
    let chi2 = (scaled - n).max(0.0);
    Some((chi2 / (n * (rows.min(columns) - 1) as f64)).sqrt())
}

/// The correlation ratio η of the values by their groups: √(Σ n_g (ȳ_g − ȳ)² / Σ (y − ȳ)²).
fn correlation_ratio(pairs: &[(usize, f64)], groups: usize) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let mean = pairs.iter().map(|(_, y)| y).sum::<f64>() / n;
    let (mut sums, mut counts) = (vec![0f64; groups], vec![0f64; groups]);
    for &(g, y) in pairs {
        sums[g] += y;
        counts[g] += 1.0;
    }
    if counts.iter().filter(|&&c| c > 0.0).count() < 2 {
        return None;
    }
    let total: f64 = pairs.iter().map(|(_, y)| (y - mean).powi(2)).sum();
    if total <= 0.0 {
        return None;
    }
    let between: f64 = sums
        .iter()
        .zip(&counts)
        .filter(|(_, &c)| c > 0.0)
        .map(|(s, c)| c * (s / c - mean).powi(2))
        .sum();
    Some((between / total).sqrt())
}

/// Pearson's r over the rows where both are non-NULL.
fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .map(|(&a, &b)| (a, b))
        .collect();
    let n = pairs.len() as f64;
    if pairs.len() < 2 {
        return None;
    }
    let (mx, my) = (
        pairs.iter().map(|p| p.0).sum::<f64>() / n,
        pairs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in pairs {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}
