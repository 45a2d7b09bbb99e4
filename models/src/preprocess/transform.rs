//! One feature's fitted transform (numeric, categorical, binned, date or text), what its
//! column must hold, its design width, and what training could not have made of it.

use crate::binning::Binning;
use crate::calendar::{DatePart, ALL_PARTS};
use crate::text::TextTransform;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The widest design a preprocessing may give. No training comes near it: a linear model reads
/// its design a block of `design::BLOCK_ROWS` rows at a time, which at this width is 128 GiB,
/// and the widest feature, a text column at `text::MAX_FEATURES_LIMIT`, would need 256 of
/// them. A stored model is edited by hand more easily than it is trained, and prediction
/// allocates a design row of this width.
pub const MAX_DESIGN_WIDTH: usize = 1 << 24;

/// The first instant a PostgreSQL date or timestamp holds (4714-11-24 BC), in seconds since
/// 1970-01-01.
pub const FIRST_INSTANT_SECONDS: f64 = -210_866_803_200.0;
/// The end of PostgreSQL's timestamps (294277-01-01, excluded), in seconds since 1970-01-01.
pub const END_TIMESTAMP_SECONDS: f64 = 9_224_318_016_000.0;
/// The end of PostgreSQL's dates (5874898-01-01, excluded), which reach further than its
/// timestamps, in seconds since 1970-01-01.
pub const END_DATE_SECONDS: f64 = 185_331_707_078_400.0;

/// A numeric feature: `x -> ((x, or impute if NULL) - mean) / scale`; with `keep_missing`
/// (the tree models', which route a NULL by a learned default direction) a NULL stays NaN.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NumericTransform {
    pub impute: f64,
    pub mean: f64,
    pub scale: f64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_missing: bool,
}

impl NumericTransform {
    /// Which part of the standardization cannot be applied, if any: an imputed value or mean
    /// that is not finite (values near 1e308 overflow their sum), or a scale that is not a
    /// finite positive number (standardization divides by it).
    pub fn invalid_part(&self) -> Option<&'static str> {
        if !(self.impute.is_finite() && self.mean.is_finite()) {
            Some("imputed value or mean")
        } else if !(self.scale.is_finite() && self.scale > 0.0) {
            Some("scale")
        } else {
            None
        }
    }

    #[inline]
    pub fn standardize(&self, x: f64) -> f64 {
        let x = if x.is_nan() && !self.keep_missing {
            self.impute
        } else {
            x
        };
        (x - self.mean) / self.scale
    }

    /// The transform of a feature whose filled values (after imputing `impute`) have this
    /// mean and population variance: how every training path ends, in memory or from sums.
    pub fn from_moments(impute: f64, mean: f64, variance: f64) -> NumericTransform {
        let std = variance.sqrt();
        NumericTransform {
            impute,
            mean,
            // A constant column gets scale 1 (as StandardScaler does), not a division by zero.
            scale: if std > 1e-12 { std } else { 1.0 },
            keep_missing: false,
        }
    }
}

/// A categorical feature: one indicator column per kept level.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CategoricalTransform {
    /// Levels with an indicator column, in column order.
    pub levels: Vec<String>,
    /// The training rows of each level of `levels` (since finml 0.16.0; empty before), for
    /// the privacy report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub level_rows: Vec<u64>,
    /// Column of the NULL level, when NULLs were frequent enough in training to get one.
    pub missing_column: Option<usize>,
    /// The reference level (all indicators zero), for reports.
    pub reference: String,
    /// The training rows of the reference level, when it is a level by name (since 0.16.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_rows: Option<u64>,
    #[serde(skip)]
    pub(super) index: HashMap<String, usize>,
}

impl CategoricalTransform {
    pub(super) fn rebuild_index(&mut self) {
        self.index = self
            .levels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.clone(), i))
            .collect();
    }

    /// The indicator column set by `value`, or `None` for the reference level.
    pub(super) fn column_of(&self, value: Option<&str>) -> Option<usize> {
        match value {
            None => self.missing_column,
            Some(text) => self.index.get(text).copied(),
        }
    }

    pub(super) fn width(&self) -> usize {
        self.levels.len() + usize::from(self.missing_column.is_some())
    }
}

/// One calendar part of a date feature and its standardization.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatePartTransform {
    pub part: DatePart,
    #[serde(flatten)]
    pub scaling: NumericTransform,
}

/// A date or timestamp feature (read as seconds since the epoch): one standardized design
/// column per calendar part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DateTransform {
    /// The earliest training instant (seconds since the epoch), which `days_since` counts
    /// from.
    pub origin: f64,
    pub parts: Vec<DatePartTransform>,
}

impl DateTransform {
    /// True when the origin is an instant a PostgreSQL date or timestamp holds (dates reach
    /// further, to 5874897 AD): it is the earliest training instant, and the calendar's day
    /// arithmetic overflows far beyond them.
    pub fn origin_is_valid(&self) -> bool {
        (FIRST_INSTANT_SECONDS..END_DATE_SECONDS).contains(&self.origin)
    }

    /// The standardized part values of one instant (NaN: NULL, each part imputed).
    pub(super) fn design(&self, seconds: f64) -> impl Iterator<Item = f64> + '_ {
        self.parts.iter().map(move |p| {
            let value = if seconds.is_nan() {
                f64::NAN
            } else {
                p.part.of(seconds, self.origin)
            };
            p.scaling.standardize(value)
        })
    }
}

/// How one feature becomes design-matrix columns.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Transform {
    Numeric(NumericTransform),
    Categorical(CategoricalTransform),
    /// A scorecard characteristic: one column, the weight of evidence of the value's bin.
    Binned(Binning),
    /// Calendar parts of a date (model format 6).
    Date(DateTransform),
    /// Hashed TF-IDF of a text (model format 6).
    Text(TextTransform),
}

/// What a feature's column must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Number,
    /// Text or boolean (a category, or a text for TF-IDF).
    Text,
    /// A date or timestamp.
    Date,
}

impl Transform {
    /// What the feature's column holds.
    pub fn input(&self) -> Input {
        match self {
            Transform::Numeric(_) => Input::Number,
            Transform::Categorical(_) | Transform::Text(_) => Input::Text,
            Transform::Binned(b) if b.takes_numbers() => Input::Number,
            Transform::Binned(_) => Input::Text,
            Transform::Date(_) => Input::Date,
        }
    }

    /// True when the feature's input is a number (else text, boolean or a date).
    pub fn takes_numbers(&self) -> bool {
        self.input() == Input::Number
    }

    /// The design columns of the feature.
    pub fn width(&self) -> usize {
        match self {
            Transform::Numeric(_) | Transform::Binned(_) => 1,
            Transform::Categorical(c) => c.width(),
            Transform::Date(d) => d.parts.len(),
            Transform::Text(t) => t.width(),
        }
    }

    /// True for the feature kinds that model format 6 added.
    pub fn needs_format_6(&self) -> bool {
        matches!(self, Transform::Date(_) | Transform::Text(_))
    }

    /// True for a date's hour or minute part, which model format 7 added: finml 0.6.1 to
    /// 0.9.0 read format 6 and would call such a model corrupt, not newer.
    pub fn needs_format_7(&self) -> bool {
        matches!(self, Transform::Date(d) if d.parts.iter().any(|p| matches!(p.part, DatePart::Hour | DatePart::Minute)))
    }

    /// What training could not have made of feature `name`'s transform (see
    /// [`Preprocessor::structure_problem`](super::Preprocessor::structure_problem)).
    pub(super) fn structure_problem(&self, name: &str) -> Option<String> {
        match self {
            // Its numbers are checked as parameters (model::first_invalid_parameter).
            Transform::Numeric(_) => None,
            Transform::Categorical(c) => {
                if let Some(column) = c.missing_column {
                    // Training gives NULL the column after the levels; another would share
                    // a level's indicator, or lie past the feature's width.
                    if column != c.levels.len() {
                        return Some(format!(
                            "the missing_column of \"{name}\" is {column}, not {} (the column after its {} levels)",
                            c.levels.len(),
                            c.levels.len()
                        ));
                    }
                }
                if !c.level_rows.is_empty() && c.level_rows.len() != c.levels.len() {
                    return Some(format!(
                        "\"{name}\" has {} level_rows for {} levels",
                        c.level_rows.len(),
                        c.levels.len()
                    ));
                }
                let mut seen = std::collections::HashSet::with_capacity(c.levels.len());
                c.levels
                    .iter()
                    .find(|l| !seen.insert(l.as_str()))
                    .map(|l| format!("the levels of \"{name}\" list \"{l}\" twice"))
            }
            Transform::Binned(b) => b
                .validate()
                .err()
                .map(|why| format!("the binning of \"{name}\": {why}")),
            Transform::Date(d) => {
                if !d.origin_is_valid() {
                    return Some(format!(
                        "the origin of \"{name}\" ({:e}) is not an instant a PostgreSQL date or timestamp holds",
                        d.origin
                    ));
                }
                if d.parts.is_empty() || d.parts.len() > ALL_PARTS.len() {
                    return Some(format!(
                        "the date feature \"{name}\" has {} parts; there are 1 to {}",
                        d.parts.len(),
                        ALL_PARTS.len()
                    ));
                }
                d.parts
                    .iter()
                    .enumerate()
                    .find(|(k, p)| d.parts[..*k].iter().any(|q| q.part == p.part))
                    .map(|(_, p)| {
                        format!(
                            "the part \"{}\" of \"{name}\" is listed twice",
                            p.part.as_str()
                        )
                    })
            }
            Transform::Text(t) => t.problem(name),
        }
    }
}

/// A feature of a trained model: its column name and its fitted transform.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeatureTransform {
    pub name: String,
    #[serde(flatten)]
    pub transform: Transform,
}
