//! Credit scorecards: points scaling of a logistic regression on weights of evidence, reason
//! codes, and population stability.
//!
//! Formulas (DESIGN.md): `score = Offset + Factor·ln(odds_good)`, `Factor = pdo / ln 2`,
//! `Offset = base_score − Factor·ln(base_odds)`. The model is `logit P(bad) = β₀ + Σ βⱼ·WoEⱼ`,
//! so `ln(odds_good) = −β₀ − Σ βⱼ·WoEⱼ`, and the intercept is spread evenly over the `n`
//! characteristics: the points of bin `i` of feature `j` are
//! `−Factor·βⱼ·WoEᵢⱼ + (Offset − Factor·β₀)/n`, rounded to an integer when `round` is set.
//! A score is the sum of the applicant's points, one bin per characteristic.

pub mod algorithm;
pub mod fit;
mod points;
mod summed;
#[cfg(test)]
mod tests;

pub use points::{
    band_of, psi, reasons, scaling, stability_status, Baseline, DroppedFeature, Reason, Scorecard,
    PSI_SHARE_FLOOR, PSI_SHIFTED, PSI_WATCH, SCORE_BANDS,
};

use crate::binning::{
    fit_categorical_with, fit_numeric_with, Binning, BinningMemory, BinningParams, Monotonic,
    NumericControls, RowLabels,
};
use crate::data::{Column, Feature};
use crate::error::{Error, ErrorKind, Result};
use crate::json::parse_slice;
use crate::linear::SolverParams;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The option keys of algorithm "scorecard": its binning and points scaling, and the
/// solver's keys of its regression on WoE values.
pub const SCORECARD_KEYS: &[&str] = &[
    "l2",
    "max_iter",
    "monotonic",
    "max_bins",
    "min_bin_size",
    "min_iv",
    "pdo",
    "base_score",
    "base_odds",
    "round",
    "special_codes",
    "user_splits",
    "min_bin_events",
    "class_weight",
];

/// Keys of the standardizing preprocessing, which a scorecard replaces by its binning.
pub const NOT_FOR_SCORECARDS: &[&str] = &["impute", "max_categories", "dates", "text"];
pub const NOT_FOR_SCORECARDS_HINT: &str =
    "a scorecard bins every feature: NULLs get their own bin and levels are grouped by event rate; bin a date part or a text flag computed in a view";

/// L2 penalty of a scorecard's regression on WoE values: none.
const SCORECARD_DEFAULT_L2: f64 = 0.0;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScorecard {
    monotonic: Option<Value>,
    max_bins: Option<usize>,
    min_bin_size: Option<f64>,
    min_iv: Option<f64>,
    pdo: Option<f64>,
    base_score: Option<f64>,
    base_odds: Option<f64>,
    round: Option<bool>,
    special_codes: Option<Map<String, Value>>,
    user_splits: Option<Map<String, Value>>,
    min_bin_events: Option<u64>,
    // Read by SolverParams.
    #[serde(rename = "l2")]
    _l2: Option<Value>,
    #[serde(rename = "max_iter")]
    _max_iter: Option<Value>,
    #[serde(rename = "class_weight")]
    _class_weight: Option<Value>,
}

/// Binning and points scaling of a scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorecardParams {
    /// Trend of every numeric feature not in `monotonic_by_feature`; default auto.
    pub monotonic: Monotonic,
    /// Trends set per feature: `"monotonic": {"amount": "ascending"}` (others: auto).
    pub monotonic_by_feature: Vec<(String, Monotonic)>,
    /// Most value bins per feature (the NULL bin comes on top); default 8.
    pub max_bins: usize,
    /// Smallest value bin as a share of the feature's non-NULL training rows; default 0.05.
    pub min_bin_size: f64,
    /// Features whose information value is below this are left out; default 0.02.
    pub min_iv: f64,
    /// Points that double the odds; default 20.
    pub pdo: f64,
    /// Score at `base_odds`; default 600.
    pub base_score: f64,
    /// Good:bad odds at `base_score`; default 50.
    pub base_odds: f64,
    /// Round each attribute's points to an integer; default true.
    pub round: bool,
    /// Special codes per numeric feature, each given a bin of its own:
    /// `"special_codes": {"income": [-9999, -8888]}`.
    pub special_codes: Vec<(String, Vec<f64>)>,
    /// Fixed cut points per numeric feature: `"user_splits": {"amount": [1000, 2500]}`.
    pub user_splits: Vec<(String, Vec<f64>)>,
    /// Events each optimized value bin must hold; default 1.
    pub min_bin_events: u64,
    /// The regression on WoE values (default l2 0: the classic unpenalized maximum
    /// likelihood; WoE columns are few, on one scale, and never separate the classes).
    pub solver: SolverParams,
}

impl Default for ScorecardParams {
    fn default() -> Self {
        ScorecardParams {
            monotonic: Monotonic::Auto,
            monotonic_by_feature: Vec::new(),
            max_bins: 8,
            min_bin_size: 0.05,
            min_iv: 0.02,
            pdo: 20.0,
            base_score: 600.0,
            base_odds: 50.0,
            round: true,
            special_codes: Vec::new(),
            user_splits: Vec::new(),
            min_bin_events: 1,
            solver: SolverParams {
                l2: SCORECARD_DEFAULT_L2,
                max_iter: 100,
                class_weight: None,
            },
        }
    }
}

/// Largest pdo, |base_score| and base_odds a scorecard accepts.
const SCALING_LIMIT: f64 = 1e6;

impl ScorecardParams {
    /// Reads the scorecard's keys of the options object.
    pub fn from_options(options: &Map<String, Value>) -> Result<ScorecardParams> {
        let raw: RawScorecard = parse_slice(options, "scorecard", SCORECARD_KEYS)?;
        let solver = SolverParams::from_options(options, "scorecard", SCORECARD_DEFAULT_L2)?;
        scorecard_params(&raw, solver)
    }
}

fn scorecard_params(raw: &RawScorecard, solver: SolverParams) -> Result<ScorecardParams> {
    let defaults = ScorecardParams::default();
    let max_bins = raw.max_bins.unwrap_or(defaults.max_bins);
    if !(2..=100).contains(&max_bins) {
        return Err(Error::invalid_option(format!(
            "max_bins must be between 2 and 100, got {max_bins}"
        ))
        .with_hint("the default is 8 value bins per feature"));
    }
    let min_bin_size = raw.min_bin_size.unwrap_or(defaults.min_bin_size);
    if !(min_bin_size > 0.0 && min_bin_size <= 0.5) {
        return Err(Error::invalid_option(format!(
            "min_bin_size must be a share in (0, 0.5], got {min_bin_size}"
        ))
        .with_hint("the default 0.05 asks every bin to hold 5% of the training rows"));
    }
    let min_iv = raw.min_iv.unwrap_or(defaults.min_iv);
    if !(min_iv.is_finite() && min_iv >= 0.0) {
        return Err(
            Error::invalid_option(format!("min_iv must be a number >= 0, got {min_iv}"))
                .with_hint("0 keeps every feature; the default 0.02 drops unpredictive ones"),
        );
    }
    // Bounded so that every score fits fin_score's integer: credit practice uses a pdo of
    // 20-100, base scores of a few hundred and odds up to a few thousand.
    let positive = |key: &str, value: Option<f64>, default: f64| -> Result<f64> {
        let v = value.unwrap_or(default);
        if v.is_finite() && v > 0.0 && v <= SCALING_LIMIT {
            Ok(v)
        } else {
            Err(Error::invalid_option(format!(
                "{key} must be a number in (0, {SCALING_LIMIT}], got {v:e}"
            ))
            .with_hint(format!("the default is {default}")))
        }
    };
    let base_score = raw.base_score.unwrap_or(defaults.base_score);
    if !(base_score.is_finite() && base_score.abs() <= SCALING_LIMIT) {
        return Err(Error::invalid_option(format!(
            "base_score must be a number in [-{SCALING_LIMIT}, {SCALING_LIMIT}], got {base_score:e}"
        ))
        .with_hint("the default is 600"));
    }
    let (monotonic, monotonic_by_feature) = match &raw.monotonic {
        None => (defaults.monotonic, Vec::new()),
        Some(Value::Object(map)) => (
            Monotonic::Auto,
            map.iter()
                .map(|(k, v)| parse_monotonic(v).map(|m| (k.clone(), m)))
                .collect::<Result<_>>()?,
        ),
        Some(v) => (parse_monotonic(v)?, Vec::new()),
    };
    Ok(ScorecardParams {
        monotonic,
        monotonic_by_feature,
        max_bins,
        min_bin_size,
        min_iv,
        pdo: positive("pdo", raw.pdo, defaults.pdo)?,
        base_score,
        base_odds: positive("base_odds", raw.base_odds, defaults.base_odds)?,
        round: raw.round.unwrap_or(defaults.round),
        special_codes: numbers_by_feature(raw.special_codes.as_ref(), "special_codes", false)?,
        user_splits: numbers_by_feature(raw.user_splits.as_ref(), "user_splits", true)?,
        min_bin_events: match raw.min_bin_events {
            None => defaults.min_bin_events,
            Some(n) if n >= 1 => n,
            Some(n) => {
                return Err(Error::invalid_option(format!(
                    "min_bin_events must be at least 1, got {n}"
                ))
                .with_hint("every bin holds at least one event (a finite WoE); the default is 1"))
            }
        },
        solver,
    })
}

/// `{"feature": [numbers]}`: finite numbers per feature, distinct (and ascending when
/// `ascending`, as cut points are).
fn numbers_by_feature(
    map: Option<&Map<String, Value>>,
    key: &str,
    ascending: bool,
) -> Result<Vec<(String, Vec<f64>)>> {
    let example = if ascending {
        r#"{"amount": [1000, 2500]}"#
    } else {
        r#"{"income": [-9999, -8888]}"#
    };
    let invalid = |why: String| {
        Error::invalid_option(format!("invalid {key}: {why}")).with_hint(format!(
            "give finite numbers per numeric feature: \"{key}\": {example}"
        ))
    };
    let Some(map) = map else {
        return Ok(Vec::new());
    };
    map.iter()
        .map(|(feature, value)| {
            let numbers: Vec<f64> = value
                .as_array()
                .map(|a| a.iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect())
                .unwrap_or_default();
            if numbers.is_empty() || numbers.iter().any(|x| !x.is_finite()) {
                return Err(invalid(format!(
                    "\"{feature}\" needs an array of finite numbers"
                )));
            }
            let increasing = numbers.windows(2).all(|w| w[0] < w[1]);
            let mut sorted = numbers.clone();
            sorted.sort_by(f64::total_cmp);
            sorted.dedup();
            if (ascending && !increasing) || sorted.len() != numbers.len() {
                return Err(invalid(format!(
                    "the numbers of \"{feature}\" must be distinct{}",
                    if ascending { " and ascending" } else { "" }
                )));
            }
            Ok((feature.clone(), numbers))
        })
        .collect()
}

fn parse_monotonic(value: &Value) -> Result<Monotonic> {
    serde_json::from_value(value.clone()).map_err(|_| {
        Error::invalid_option(format!("invalid monotonic {value}")).with_hint(
            r#"use "auto", "ascending", "descending" or "none", for all numeric features or per feature: {"amount": "ascending"}"#,
        )
    })
}

/// Bins one feature on the rows `rows` (`y[k]` the label of `rows[k]`) as a scorecard
/// does, with its trend and bin limits, naming only levels seen in `min_level_rows` rows.
pub fn bin_feature(
    feature: &Feature,
    rows: &[usize],
    labels: RowLabels<'_>,
    (sc, min_level_rows): (&ScorecardParams, usize),
    memory: Option<&BinningMemory>,
) -> Result<Binning> {
    let params = sc.binning_params(&feature.name, min_level_rows);
    match &feature.column {
        Column::Numeric(c) => {
            let (special, cuts) = sc.numeric_controls(&feature.name);
            let controls = NumericControls {
                special: &special,
                cuts: cuts.as_deref(),
                memory,
            };
            fit_numeric_with(&c.values, rows, labels, params, controls)
                .map_err(|e| in_feature(&feature.name, e))
        }
        Column::Categorical(c) => Ok(fit_categorical_with(
            &c.codes, &c.levels, rows, labels, params,
        )),
    }
}

/// An error of fixed cut points, naming the feature.
/// A fixed cut point's error is the options' (22023); the memory budget's keeps its 54000.
pub fn in_feature(name: &str, e: Error) -> Error {
    let message = format!("feature \"{name}\": {}", e.message);
    let named = match e.kind {
        ErrorKind::ResourceLimit => Error::new(ErrorKind::ResourceLimit, message),
        _ => Error::invalid_option(message),
    };
    named.with_hint(e.hint.unwrap_or_default())
}

impl ScorecardParams {
    /// The binning parameters of feature `name` (its own trend, if given), naming only levels
    /// seen in `min_level_rows` rows.
    pub fn binning_params(&self, name: &str, min_level_rows: usize) -> BinningParams {
        BinningParams {
            monotonic: self
                .monotonic_by_feature
                .iter()
                .find(|(n, _)| n == name)
                .map_or(self.monotonic, |(_, m)| *m),
            max_bins: self.max_bins,
            min_bin_size: self.min_bin_size,
            min_bin_events: self.min_bin_events,
            min_level_rows: min_level_rows as u64,
        }
    }

    /// Numeric feature `name`'s special codes and fixed cut points, if given.
    pub fn numeric_controls(&self, name: &str) -> (Vec<f64>, Option<Vec<f64>>) {
        let of = |list: &[(String, Vec<f64>)]| {
            list.iter()
                .find(|(n, _)| n == name)
                .map(|(_, numbers)| numbers.clone())
        };
        (
            of(&self.special_codes).unwrap_or_default(),
            of(&self.user_splits),
        )
    }
}
