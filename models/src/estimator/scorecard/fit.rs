//! A scorecard's fit: every feature binned, screened by IV, the regression on WoE values and its points.

use super::*;
use crate::binning::{Binning, BinningMemory, RowLabels};
use crate::data::{Column, Dataset};
use crate::design::table_order_bytes;
use crate::error::{Error, ErrorKind, Result};
use crate::fit::{
    check_solver_memory, row_weights, FitInput, Limits, TrainLabels, DENSE_BLOCKS,
    LINEAR_SQUARE_MATRICES,
};
use crate::interrupt;
use crate::linear::{
    fit_logistic_coefficients, logistic_covariance_weighted, truncated_newton_bytes,
    weighted_in_table_order, LinearFit, SolverDesign,
};
use crate::preprocess::{FeatureTransform, Preprocessor, RowsDesign, Transform};
use ndarray::Array2;

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
    (sc, min_level_rows): (&ScorecardParams, usize),
    (limits, memory): (Limits, &BinningMemory),
    notes: &mut Vec<String>,
) -> Result<FittedScorecard> {
    check_monotonic_names(data, sc)?;
    let mut binned = Vec::with_capacity(data.features.len());
    for feature in &data.features {
        interrupt::check();
        binned.push((
            feature.name.clone(),
            bin_feature(feature, rows, labels, (sc, min_level_rows), Some(memory))?,
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
    fn design<'p>(&'p self, preprocessor: &'p Preprocessor) -> Result<SolverDesign<'p>> {
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
        let design = self.design(preprocessor)?;
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
        let design = self.design(preprocessor).ok()?;
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
    // After the binning: the rows in table order with their labels, then truncated Newton's
    // (where Newton's steps do not descend) or the training rows' scores, bins and sorted
    // scores (the score bands).
    let rows = input.train.len();
    let weighted = input.sample_weights.is_some() || params.solver.class_weight.is_some();
    let label_bytes = 1 + if weighted { 8 } else { 0 };
    let per_row = table_order_bytes(rows, label_bytes)
        .saturating_add(truncated_newton_bytes(rows).max(rows.saturating_mul(3 * 8)));
    let solver = check_solver_memory(
        input.data_bytes().saturating_add(per_row),
        input.data.features.len(),
        (LINEAR_SQUARE_MATRICES, DENSE_BLOCKS),
        input.limits,
    )?;
    input.claim(solver);
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
    let weight_bytes = weights.as_ref().map_or(0, |w| w.len() * 8);
    let held = input.data_bytes().saturating_add(weight_bytes);
    let binning = BinningMemory::new(input.limits.max_memory_bytes.saturating_sub(held));
    let fitted = fit(
        input.data,
        input.train,
        labels,
        (params, input.preprocess.min_level_rows),
        (input.limits, &binning),
        input.notes,
    );
    input.claim(held.saturating_add(binning.peak()));
    fitted
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

/// The points are scaled as the scorecard's parameters say (pdo, base score and odds, rounding).
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
}
