//! A scorecard's points: scaling, score bands, reason codes and population stability.

use crate::binning::Binning;
use crate::error::{Error, Result};
use crate::scoring_code;
use serde::{Deserialize, Serialize};

/// PSI below this is "stable" (DESIGN.md).
pub const PSI_WATCH: f64 = 0.1;
/// PSI above this is "shifted".
pub const PSI_SHIFTED: f64 = 0.25;
/// Shares are floored here before the PSI's logarithm, so that an empty bin on either side
/// gives a large but finite term (common practice; 0.01% of the rows).
pub const PSI_SHARE_FLOOR: f64 = 1e-4;
/// Score bands of the training split used for the PSI of the total score.
pub const SCORE_BANDS: usize = 10;

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
