//! Credit scorecards: points scaling of a logistic regression on weights of evidence, reason
//! codes, and population stability.
//!
//! Formulas (DESIGN.md): `score = Offset + Factor·ln(odds_good)`, `Factor = pdo / ln 2`,
//! `Offset = base_score − Factor·ln(base_odds)`. The model is `logit P(bad) = β₀ + Σ βⱼ·WoEⱼ`,
//! so `ln(odds_good) = −β₀ − Σ βⱼ·WoEⱼ`, and the intercept is spread evenly over the `n`
//! characteristics: the points of bin `i` of feature `j` are
//! `−Factor·βⱼ·WoEᵢⱼ + (Offset − Factor·β₀)/n`, rounded to an integer when `round` is set.
//! A score is the sum of the applicant's points, one bin per characteristic.

use crate::binning::{
    fit_categorical_with, fit_numeric_with, Binning, BinningParams, Monotonic, NumericControls,
    RowLabels,
};
use crate::data::{Column, Dataset, Feature};
use crate::error::{Error, ErrorKind, Result};
use crate::fit::{
    check_solver_memory, row_weights, FitInput, Limits, TrainLabels, LINEAR_SQUARE_MATRICES,
};
use crate::interrupt;
use crate::json::parse_slice;
use crate::linear::SolverParams;
use crate::linear::{
    fit_logistic_coefficients, logistic_covariance_weighted, weighted_in_table_order, LinearFit,
    SolverDesign,
};
use crate::preprocess::{FeatureTransform, Preprocessor, RowsDesign, Transform};
use crate::scoring_code;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// PSI below this is "stable" (DESIGN.md).
pub const PSI_WATCH: f64 = 0.1;
/// PSI above this is "shifted".
pub const PSI_SHIFTED: f64 = 0.25;
/// Shares are floored here before the PSI's logarithm, so that an empty bin on either side
/// gives a large but finite term (common practice; 0.01% of the rows).
pub const PSI_SHARE_FLOOR: f64 = 1e-4;
/// Score bands of the training split used for the PSI of the total score.
pub const SCORE_BANDS: usize = 10;

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
/// does, with its trend and bin limits.
pub fn bin_feature(
    feature: &Feature,
    rows: &[usize],
    labels: RowLabels<'_>,
    sc: &ScorecardParams,
) -> Result<Binning> {
    let params = sc.binning_params(&feature.name);
    match &feature.column {
        Column::Numeric(c) => {
            let (special, cuts) = sc.numeric_controls(&feature.name);
            let controls = NumericControls {
                special: &special,
                cuts: cuts.as_deref(),
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
pub fn in_feature(name: &str, e: Error) -> Error {
    Error::invalid_option(format!("feature \"{name}\": {}", e.message))
        .with_hint(e.hint.unwrap_or_default())
}

impl ScorecardParams {
    /// The binning parameters of feature `name` (its own trend, if given).
    pub fn binning_params(&self, name: &str) -> BinningParams {
        BinningParams {
            monotonic: self
                .monotonic_by_feature
                .iter()
                .find(|(n, _)| n == name)
                .map_or(self.monotonic, |(_, m)| *m),
            max_bins: self.max_bins,
            min_bin_size: self.min_bin_size,
            min_bin_events: self.min_bin_events,
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

/// What a scorecard training produced: the bins (as the preprocessor), the regression on
/// WoE values, and the points.
pub struct FittedScorecard {
    pub preprocessor: Preprocessor,
    pub fit: LinearFit,
    pub scorecard: Scorecard,
}

/// Bins every feature on the training rows `rows` (`y[k]` the label of `rows[k]`, true for
/// the event; `weights[k]` its weight in a weighted fit), screens the features by IV, fits
/// the logistic regression on WoE values, and scales it to points, within `limits`' memory
/// budget.
pub fn fit(
    data: &Dataset,
    rows: &[usize],
    labels: RowLabels<'_>,
    sc: &ScorecardParams,
    limits: Limits,
    notes: &mut Vec<String>,
) -> Result<FittedScorecard> {
    check_monotonic_names(data, sc)?;
    let mut binned = Vec::with_capacity(data.features.len());
    for feature in &data.features {
        interrupt::check();
        binned.push((
            feature.name.clone(),
            bin_feature(feature, rows, labels, sc)?,
        ));
    }
    let (table_rows, table_y, table_weights) =
        weighted_in_table_order(rows, labels.y, labels.weights);
    let mut woe = WoeInMemory {
        data,
        rows,
        table_rows: &table_rows,
        y: &table_y,
        weights: table_weights.as_deref(),
        limits,
    };
    fit_binned(binned, sc, notes, &mut woe)
}

/// Where the logistic regression on WoE values reads its rows: in memory, or summed where
/// they are stored (summed.rs).
pub trait WoeRows {
    /// The coefficients on `preprocessor`'s WoE design (their covariance comes after).
    fn coefficients(
        &mut self,
        preprocessor: &Preprocessor,
        sc: &ScorecardParams,
    ) -> Result<LinearFit>;
    /// The covariance of the kept fit's coefficients.
    fn covariance(
        &mut self,
        preprocessor: &Preprocessor,
        fit: &LinearFit,
        sc: &ScorecardParams,
    ) -> Option<Array2<f64>>;
    /// Each training row's score (the sum of its bins' points).
    fn scores(&mut self, preprocessor: &Preprocessor, points: &[Vec<f64>]) -> Result<Vec<f64>>;
}

struct WoeInMemory<'a> {
    data: &'a Dataset,
    rows: &'a [usize],
    table_rows: &'a [usize],
    y: &'a [bool],
    weights: Option<&'a [f64]>,
    limits: Limits,
}

impl WoeInMemory<'_> {
    fn design<'p>(&'p self, preprocessor: &'p Preprocessor) -> SolverDesign<'p> {
        // The WoE design, read a block at a time by each pass of the solver (held when the
        // solver is L-BFGS and it fits the budget).
        let columns = RowsDesign {
            preprocessor,
            data: self.data,
            rows: self.table_rows,
        };
        SolverDesign::new(columns, self.data.bytes(), self.limits)
    }
}

impl WoeRows for WoeInMemory<'_> {
    fn coefficients(
        &mut self,
        preprocessor: &Preprocessor,
        sc: &ScorecardParams,
    ) -> Result<LinearFit> {
        let design = self.design(preprocessor);
        fit_logistic_coefficients(
            design.rows(),
            self.y,
            self.weights,
            sc.solver.l2,
            sc.solver.max_iter,
        )
    }

    fn covariance(
        &mut self,
        preprocessor: &Preprocessor,
        fit: &LinearFit,
        sc: &ScorecardParams,
    ) -> Option<Array2<f64>> {
        let design = self.design(preprocessor);
        logistic_covariance_weighted(
            design.rows(),
            self.weights,
            fit.intercept,
            &fit.weights,
            sc.solver.l2,
        )
    }

    fn scores(&mut self, preprocessor: &Preprocessor, points: &[Vec<f64>]) -> Result<Vec<f64>> {
        let mut scores = vec![0.0; self.rows.len()];
        for (f, points) in preprocessor.features.iter().zip(points) {
            let (feature, Transform::Binned(b)) = (self.data.feature(&f.name), &f.transform) else {
                return Err(Error::new(
                    ErrorKind::Internal,
                    format!("feature \"{}\" is not binned", f.name),
                ));
            };
            let feature = feature.ok_or_else(|| {
                Error::new(
                    ErrorKind::Internal,
                    format!("feature \"{}\" vanished", f.name),
                )
            })?;
            for (s, bin) in scores
                .iter_mut()
                .zip(b.bins_of_rows(&feature.column, self.rows))
            {
                *s += points[bin];
            }
        }
        Ok(scores)
    }
}

/// From every feature's binning: screens the features by IV, fits the logistic regression on
/// WoE values (leaving out features whose coefficient has the wrong sign), and scales it to
/// points, reading the rows through `rows`.
pub fn fit_binned(
    binned: Vec<(String, Binning)>,
    sc: &ScorecardParams,
    notes: &mut Vec<String>,
    rows: &mut dyn WoeRows,
) -> Result<FittedScorecard> {
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for (name, binning) in binned {
        let iv = binning.iv();
        if iv < sc.min_iv {
            dropped.push(DroppedFeature {
                name,
                iv,
                reason: format!("information value {iv:.4} is below min_iv {}", sc.min_iv),
            });
        } else {
            kept.push((name, binning));
        }
    }
    if !dropped.is_empty() {
        let list: Vec<String> = dropped
            .iter()
            .map(|d| format!("\"{}\" ({:.4})", d.name, d.iv))
            .collect();
        notes.push(format!(
            "left out for an information value below min_iv {}: {}",
            sc.min_iv,
            list.join(", ")
        ));
    }
    if kept.is_empty() {
        let strongest = dropped
            .iter()
            .max_by(|a, b| a.iv.total_cmp(&b.iv))
            .map(|d| format!(" (the strongest is \"{}\" with {:.4})", d.name, d.iv))
            .unwrap_or_default();
        return Err(Error::invalid_data(format!(
            "no feature reaches min_iv {}{strongest}",
            sc.min_iv
        ))
        .with_hint("lower options.min_iv, or train on features that separate the classes"));
    }
    loop {
        let preprocessor = Preprocessor {
            features: kept
                .iter()
                .map(|(name, b)| FeatureTransform {
                    name: name.clone(),
                    transform: Transform::Binned(b.clone()),
                })
                .collect(),
        };
        // The coefficients decide which features stay; their covariance (O(n·p²) + O(p³)) is
        // computed once, for the fit that is kept.
        let mut fit = rows.coefficients(&preprocessor, sc)?;
        // WoE is ln(good/bad), so a characteristic that agrees with its own bins has a
        // negative coefficient on P(bad). A positive one (collinearity) would award points to
        // the riskier bins: leave the worst such feature out and refit. Features whose wrong
        // coefficient is at least half the worst one's leave in the same round, so that the
        // number of refits grows with the logarithm of the coefficients' range, not with the
        // number of features (600 noisy features would otherwise take hundreds of fits).
        let worst = fit.weights.iter().copied().fold(0.0_f64, f64::max);
        if worst > 0.0 && kept.len() > 1 {
            let weights = &fit.weights;
            let mut leaving: Vec<usize> = (0..kept.len())
                .filter(|&j| weights[j] >= worst / 2.0)
                .collect();
            if leaving.len() == kept.len() {
                // At least one characteristic stays: the worst leaves alone.
                leaving.retain(|&j| weights[j] == worst);
                leaving.truncate(1);
            }
            leaving.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]));
            for &j in &leaving {
                let (name, binning) = &kept[j];
                let w = weights[j];
                notes.push(format!(
                    "\"{name}\" left out: its coefficient on WoE is {w:+.4}, the wrong sign, as other characteristics already carry its information"
                ));
                dropped.push(DroppedFeature {
                    name: name.clone(),
                    iv: binning.iv(),
                    reason: format!("coefficient {w:+.4} on WoE has the wrong sign"),
                });
            }
            let mut position = 0;
            kept.retain(|_| {
                let stays = !leaving.contains(&position);
                position += 1;
                stays
            });
            continue;
        }
        fit.covariance = rows.covariance(&preprocessor, &fit, sc);
        let binnings: Vec<&Binning> = kept.iter().map(|(_, b)| b).collect();
        let mut scorecard = Scorecard::new(&binnings, fit.intercept, &fit.weights, sc, dropped);
        let scores = rows.scores(&preprocessor, &scorecard.points)?;
        scorecard.set_score_bands(&scores);
        return Ok(FittedScorecard {
            preprocessor,
            fit,
            scorecard,
        });
    }
}

/// The scorecard as an estimator: [`fit`] on the training rows of `input`, within the memory
/// budget (one WoE column per feature at most).
pub fn fit_estimator(
    input: &mut FitInput<'_>,
    params: &ScorecardParams,
) -> Result<FittedScorecard> {
    check_solver_memory(
        input.data.bytes(),
        input.data.features.len(),
        LINEAR_SQUARE_MATRICES,
        input.limits,
    )?;
    let TrainLabels::Binary(y) = input.labels else {
        return Err(Error::new(
            ErrorKind::Internal,
            "scorecard on a regression target",
        ));
    };
    let weights = row_weights(input.sample_weights, y, params.solver.class_weight);
    let labels = RowLabels {
        y,
        weights: weights.as_deref(),
    };
    fit(
        input.data,
        input.train,
        labels,
        params,
        input.limits,
        input.notes,
    )
}

/// Per-feature trends, special codes and cut points must name numeric features of the
/// training data.
fn check_monotonic_names(data: &Dataset, sc: &ScorecardParams) -> Result<()> {
    let features: Vec<(&str, bool)> = data
        .features
        .iter()
        .map(|f| (f.name.as_str(), matches!(f.column, Column::Numeric(_))))
        .collect();
    check_feature_names(&features, sc)
}

/// Per-feature trends, special codes and cut points must name numeric features among
/// `features` (name, whether numeric).
pub fn check_feature_names(features: &[(&str, bool)], sc: &ScorecardParams) -> Result<()> {
    let named = sc
        .monotonic_by_feature
        .iter()
        .map(|(name, _)| ("monotonic", name))
        .chain(
            sc.special_codes
                .iter()
                .map(|(name, _)| ("special_codes", name)),
        )
        .chain(sc.user_splits.iter().map(|(name, _)| ("user_splits", name)));
    for (key, name) in named {
        match features.iter().find(|(n, _)| n == name) {
            None => {
                return Err(Error::new(
                    ErrorKind::UnknownColumn,
                    format!("options.{key} names \"{name}\", which is not a feature"),
                )
                .with_hint(format!(
                    "features: {}",
                    features
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
            Some((_, false)) => {
                return Err(Error::invalid_option(format!(
                    "options.{key} names the categorical feature \"{name}\""
                ))
                .with_hint("trends, special codes and cut points apply to numeric features; levels are always grouped in order of event rate"))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// `(Factor, Offset)` of the points scaling.
pub fn scaling(pdo: f64, base_score: f64, base_odds: f64) -> (f64, f64) {
    let factor = pdo / std::f64::consts::LN_2;
    (factor, base_score - factor * base_odds.ln())
}

/// A feature the scorecard does not use, and why (documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroppedFeature {
    pub name: String,
    pub iv: f64,
    pub reason: String,
}

/// The points of a scorecard; the bins themselves are the model's `Binned` transforms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    pub pdo: f64,
    pub base_score: f64,
    pub base_odds: f64,
    pub factor: f64,
    pub offset: f64,
    pub rounded: bool,
    /// Points of each bin (value bins, then the NULL bin) of each feature, in feature order.
    pub points: Vec<Vec<f64>>,
    /// Mean points of each feature over the training split.
    pub average_points: Vec<f64>,
    /// Upper bounds (exclusive) of the training score bands; the last band is open.
    pub score_cuts: Vec<f64>,
    /// Share of the training split in each score band (`score_cuts.len() + 1` of them).
    pub score_shares: Vec<f64>,
    pub dropped: Vec<DroppedFeature>,
}

impl Scorecard {
    /// Points of every bin from the fitted regression on WoE values.
    pub fn new(
        binnings: &[&Binning],
        intercept: f64,
        weights: &[f64],
        options: &ScorecardParams,
        dropped: Vec<DroppedFeature>,
    ) -> Scorecard {
        let (factor, offset) = scaling(options.pdo, options.base_score, options.base_odds);
        let share = (offset - factor * intercept) / binnings.len().max(1) as f64;
        let points = binnings
            .iter()
            .zip(weights)
            .map(|(b, &w)| {
                b.bins
                    .iter()
                    .map(|bin| {
                        let p = -factor * w * bin.woe + share;
                        if options.round {
                            p.round()
                        } else {
                            p
                        }
                    })
                    .collect()
            })
            .collect::<Vec<Vec<f64>>>();
        let average_points = binnings
            .iter()
            .zip(&points)
            .map(|(b, pts)| {
                let rows: u64 = b.bins.iter().map(|bin| bin.rows).sum();
                b.bins
                    .iter()
                    .zip(pts)
                    .map(|(bin, p)| bin.rows as f64 * p)
                    .sum::<f64>()
                    / rows.max(1) as f64
            })
            .collect();
        Scorecard {
            pdo: options.pdo,
            base_score: options.base_score,
            base_odds: options.base_odds,
            factor,
            offset,
            rounded: options.round,
            points,
            average_points,
            score_cuts: Vec::new(),
            score_shares: Vec::new(),
            dropped,
        }
    }

    /// Sets the score bands from the training split's scores: cut at the deciles.
    pub fn set_score_bands(&mut self, scores: &[f64]) {
        let mut sorted = scores.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        let n = sorted.len();
        let mut cuts: Vec<f64> = (1..SCORE_BANDS)
            .filter_map(|k| sorted.get(k * n / SCORE_BANDS).copied())
            .collect();
        cuts.dedup();
        // A cut equal to the lowest score would leave the first band empty.
        cuts.retain(|&c| sorted.first().is_some_and(|&lowest| c > lowest));
        let mut counts = vec![0u64; cuts.len() + 1];
        for &s in scores {
            counts[band_of(&cuts, s)] += 1;
        }
        self.score_shares = counts.iter().map(|&c| c as f64 / n.max(1) as f64).collect();
        self.score_cuts = cuts;
    }

    /// Score of an applicant whose bins are `bins` (one per feature).
    pub fn score(&self, bins: &[usize]) -> f64 {
        self.points.iter().zip(bins).map(|(p, &b)| p[b]).sum()
    }

    /// The total points as one SQL expression, rounded to an integer as fin_score rounds
    /// them (`floor(s + 0.5)`: half away from zero for the positive scores scorecards give).
    pub fn score_sql(&self, binnings: &[(&str, &Binning)]) -> String {
        let terms: Vec<String> = binnings
            .iter()
            .zip(&self.points)
            .map(|((name, binning), points)| {
                scoring_code::bin_case(&scoring_code::column(name), binning, |bin| {
                    scoring_code::float8(points[bin])
                })
            })
            .collect();
        format!(
            "floor(
    {}
  + 0.5::float8)::int",
            terms.join("\n  + ")
        )
    }

    /// Best points of feature `j` among the bins that held training rows.
    pub fn best_points(&self, j: usize, binning: &Binning) -> f64 {
        self.points[j]
            .iter()
            .zip(&binning.bins)
            .filter(|(_, bin)| bin.rows > 0)
            .map(|(&p, _)| p)
            .fold(f64::NEG_INFINITY, f64::max)
    }

    /// The first scaling value or point that is not a finite number, named for the error
    /// message.
    pub fn first_invalid_value(&self) -> Option<String> {
        let scaling = [
            self.pdo,
            self.base_score,
            self.base_odds,
            self.factor,
            self.offset,
        ];
        if scaling.iter().any(|x| !x.is_finite()) || self.base_odds <= 0.0 {
            return Some("the scorecard's scaling (pdo, base_score, base_odds)".to_owned());
        }
        let mut values = self
            .points
            .iter()
            .flatten()
            .chain(&self.average_points)
            .chain(&self.score_cuts)
            .chain(&self.score_shares);
        values
            .any(|x| !x.is_finite())
            .then(|| "the scorecard's points".to_owned())
    }

    /// Checks a deserialized scorecard against its binnings.
    pub fn validate(&self, binnings: &[&Binning]) -> std::result::Result<(), String> {
        if self.points.len() != binnings.len() || self.average_points.len() != binnings.len() {
            return Err(format!(
                "points for {} features, the model has {}",
                self.points.len(),
                binnings.len()
            ));
        }
        if self
            .points
            .iter()
            .zip(binnings)
            .any(|(p, b)| p.len() != b.bins.len())
        {
            return Err("points and bins disagree".into());
        }
        if self.score_shares.len() != self.score_cuts.len() + 1 {
            return Err("score bands and shares disagree".into());
        }
        // A score's band is found by bisection of the cuts.
        if self
            .score_cuts
            .windows(2)
            .any(|w| w[0].partial_cmp(&w[1]) != Some(std::cmp::Ordering::Less))
        {
            return Err("the score bands' cuts do not increase".into());
        }
        Ok(())
    }
}

/// The score band of `score`.
pub fn band_of(cuts: &[f64], score: f64) -> usize {
    cuts.partition_point(|&c| c <= score)
}

/// What reason codes compare an applicant's points with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// The best points attainable on the characteristic.
    Best,
    /// The characteristic's mean points on the training split.
    Average,
}

impl Baseline {
    pub fn parse(name: &str) -> Result<Baseline> {
        match name {
            "best" => Ok(Baseline::Best),
            "average" => Ok(Baseline::Average),
            other => Err(Error::invalid_option(format!(
                "unknown reason-code baseline \"{other}\""
            ))
            .with_hint("use 'best' (points lost against the best bin) or 'average'")),
        }
    }
}

/// One reason for a low score.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    /// Index of the feature in the model.
    pub feature: usize,
    pub bin: usize,
    pub points: f64,
    /// Baseline points minus the applicant's points (> 0).
    pub points_lost: f64,
}

/// The characteristics where the applicant lost points against `baseline`, most points lost
/// first; ties go to the feature with the larger information value, then to the name.
pub fn reasons(
    scorecard: &Scorecard,
    binnings: &[(&str, &Binning)],
    bins: &[usize],
    baseline: Baseline,
) -> Vec<Reason> {
    let mut reasons: Vec<Reason> = binnings
        .iter()
        .enumerate()
        .filter_map(|(j, (_, binning))| {
            let points = scorecard.points[j][bins[j]];
            let reference = match baseline {
                Baseline::Best => scorecard.best_points(j, binning),
                Baseline::Average => scorecard.average_points[j],
            };
            let lost = reference - points;
            (lost > 1e-9).then_some(Reason {
                feature: j,
                bin: bins[j],
                points,
                points_lost: lost,
            })
        })
        .collect();
    reasons.sort_by(|a, b| {
        b.points_lost
            .total_cmp(&a.points_lost)
            .then_with(|| {
                binnings[b.feature]
                    .1
                    .iv()
                    .total_cmp(&binnings[a.feature].1.iv())
            })
            .then_with(|| binnings[a.feature].0.cmp(binnings[b.feature].0))
    });
    reasons
}

/// Population stability index of `actual` counts against `expected` shares:
/// `Σ (A_i − E_i)·ln(A_i/E_i)`, shares floored at [`PSI_SHARE_FLOOR`].
pub fn psi(expected_shares: &[f64], actual_counts: &[u64]) -> f64 {
    let total: u64 = actual_counts.iter().sum();
    expected_shares
        .iter()
        .zip(actual_counts)
        .map(|(&e, &a)| {
            let a = (a as f64 / total.max(1) as f64).max(PSI_SHARE_FLOOR);
            let e = e.max(PSI_SHARE_FLOOR);
            (a - e) * (a / e).ln()
        })
        .sum()
}

/// "stable" below 0.1, "watch" up to 0.25, "shifted" above.
pub fn stability_status(psi: f64) -> &'static str {
    if psi < PSI_WATCH {
        "stable"
    } else if psi <= PSI_SHIFTED {
        "watch"
    } else {
        "shifted"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binning::Monotonic;
    use crate::binning::{fit_numeric, BinningParams};

    #[test]
    fn scaling_by_hand() {
        // Factor = 20 / ln 2 = 28.85390081777927; Offset = 600 − 28.8539·ln 50
        // = 600 − 28.8539·3.912023005428146 = 487.1228762045055.
        let (factor, offset) = scaling(20.0, 600.0, 50.0);
        assert!((factor - 28.85390081777927).abs() < 1e-12);
        assert!((offset - 487.1228762045055).abs() < 1e-9);
        // Odds 50:1 score 600, doubled odds (100:1) score 620.
        assert!((offset + factor * 50f64.ln() - 600.0).abs() < 1e-9);
        assert!((offset + factor * 100f64.ln() - 620.0).abs() < 1e-9);
    }

    fn binning() -> Binning {
        // The hand-worked table of binning.rs: WoE 1.466337, 0.137201, −1.366876 and NULL 0.
        let (values, rows, y) = crate::binning::tests::small_table();
        let params = BinningParams {
            monotonic: Monotonic::Auto,
            max_bins: 3,
            min_bin_size: 0.15,
            min_bin_events: 1,
        };
        fit_numeric(&values, &rows, &y, params)
    }

    #[test]
    fn points_by_hand() {
        // One characteristic, β₀ = −0.5, β = −1, pdo 20, base 600 at 50:1.
        // Points_i = −Factor·β·WoE_i + (Offset − Factor·β₀)/1
        //          = 28.8539·WoE_i + 487.1229 + 14.4270 = 28.8539·WoE_i + 501.5498
        //   bin 1: 28.8539·1.466337 + 501.5498 = 543.861 → 544
        //   bin 2: 28.8539·0.137201 + 501.5498 = 505.509 → 506
        //   bin 3: 28.8539·(−1.366876) + 501.5498 = 462.110 → 462
        //   NULL : 501.5498 → 502
        let b = binning();
        let options = ScorecardParams::default();
        let sc = Scorecard::new(&[&b], -0.5, &[-1.0], &options, vec![]);
        assert_eq!(sc.points, vec![vec![544.0, 506.0, 462.0, 502.0]]);
        // Unrounded, the points of an applicant are exactly the score formula.
        let raw = Scorecard::new(
            &[&b],
            -0.5,
            &[-1.0],
            &ScorecardParams {
                round: false,
                ..options
            },
            vec![],
        );
        let (factor, offset) = scaling(20.0, 600.0, 50.0);
        // ln(odds_good) = −(β₀ + β·WoE) with β₀ = −0.5, β = −1.
        let ln_odds_good = 0.5 + b.bins[0].woe;
        assert!((raw.score(&[0]) - (offset + factor * ln_odds_good)).abs() < 1e-9);
        // Average points: (20·544 + 20·506 + 20·462 + 0·502) / 60 = 504.
        assert!((sc.average_points[0] - 504.0).abs() < 1e-12);
        assert_eq!(sc.best_points(0, &b), 544.0);
    }

    #[test]
    fn reasons_rank_points_lost_and_sum_to_the_gap() {
        let b = binning();
        let sc = Scorecard {
            points: vec![
                vec![544.0, 506.0, 462.0, 502.0],
                vec![30.0, 10.0, 20.0, 0.0],
            ],
            average_points: vec![504.0, 20.0],
            ..Scorecard::new(&[&b, &b], -0.5, &[-1.0, -1.0], &Default::default(), vec![])
        };
        let named = [("a", &b), ("b", &b)];
        // Applicant in bin 3 of "a" (462, 82 below 544) and bin 2 of "b" (10, 20 below 30).
        let r = reasons(&sc, &named, &[2, 1], Baseline::Best);
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].feature, r[0].points_lost), (0, 82.0));
        assert_eq!((r[1].feature, r[1].points_lost), (1, 20.0));
        // Points lost add up to the best attainable score minus the score.
        let best = sc.best_points(0, &b) + sc.best_points(1, &b);
        let lost: f64 = r.iter().map(|r| r.points_lost).sum();
        assert_eq!(best - sc.score(&[2, 1]), lost);
        // Against the average: 504 − 462 = 42 and 20 − 10 = 10.
        let r = reasons(&sc, &named, &[2, 1], Baseline::Average);
        assert_eq!((r[0].points_lost, r[1].points_lost), (42.0, 10.0));
        // An applicant with the best bins has no reasons.
        assert!(reasons(&sc, &named, &[0, 0], Baseline::Best).is_empty());
    }

    #[test]
    fn psi_by_hand() {
        // Expected 50% / 30% / 20%; actual 40 / 40 / 20 of 100 rows:
        //   (0.4 − 0.5)·ln(0.4/0.5) = 0.0223144
        //   (0.4 − 0.3)·ln(0.4/0.3) = 0.0287682
        //   (0.2 − 0.2)·ln(1)       = 0
        //   PSI = 0.0510826 → stable
        let p = psi(&[0.5, 0.3, 0.2], &[40, 40, 20]);
        let expected = -0.1 * 0.8f64.ln() + 0.1 * (4.0f64 / 3.0).ln();
        assert!((p - expected).abs() < 1e-15);
        assert!((p - 0.0510826).abs() < 1e-7);
        assert_eq!(stability_status(p), "stable");
        // A population identical to the expected one has PSI 0, empty bins included.
        assert_eq!(psi(&[0.5, 0.5, 0.0], &[10, 10, 0]), 0.0);
        // Everything moved to the last bin: (0.0001−0.5)·ln(0.0001/0.5)·2 + (1−0.0001)·ln(1/0.0001)... large.
        assert_eq!(
            stability_status(psi(&[0.5, 0.3, 0.2], &[0, 0, 10])),
            "shifted"
        );
        assert_eq!(stability_status(0.1), "watch");
        assert_eq!(stability_status(0.25), "watch");
        assert_eq!(stability_status(0.2501), "shifted");
    }

    #[test]
    fn score_bands_split_the_training_scores_in_tenths() {
        let b = binning();
        let mut sc = Scorecard::new(&[&b], -0.5, &[-1.0], &Default::default(), vec![]);
        let scores: Vec<f64> = (0..100).map(f64::from).collect();
        sc.set_score_bands(&scores);
        assert_eq!(
            sc.score_cuts,
            vec![10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0]
        );
        assert!(sc.score_shares.iter().all(|&s| (s - 0.1).abs() < 1e-12));
        // Few distinct scores: bands merge rather than stay empty.
        sc.set_score_bands(&[1.0, 1.0, 1.0, 2.0]);
        assert_eq!(sc.score_cuts, vec![2.0]);
        assert_eq!(sc.score_shares, vec![0.75, 0.25]);
    }
}
