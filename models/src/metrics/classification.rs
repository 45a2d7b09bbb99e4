//! Classification metrics at a threshold (confusion counts, log loss, Brier), the report of
//! them all, the cost-minimizing cutoff and the class histogram.

use super::calibration::{calibration, hosmer_lemeshow, HOSMER_LEMESHOW_GROUPS};
use super::ranking::{auc, average_precision, ks, sorted_by_score};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counts at a threshold (positive when `score >= threshold`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Confusion {
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    pub fn_: u64,
}

pub fn confusion(scores: &[f64], labels: &[bool], threshold: f64) -> Confusion {
    let mut c = Confusion::default();
    for (&s, &l) in scores.iter().zip(labels) {
        match (s >= threshold, l) {
            (true, true) => c.tp += 1,
            (true, false) => c.fp += 1,
            (false, false) => c.tn += 1,
            (false, true) => c.fn_ += 1,
        }
    }
    c
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Mean cross-entropy with probabilities clipped to [1e-15, 1 − 1e-15].
pub fn log_loss(scores: &[f64], labels: &[bool]) -> f64 {
    let eps = 1e-15;
    let total: f64 = scores
        .iter()
        .zip(labels)
        .map(|(&p, &l)| {
            let p = p.clamp(eps, 1.0 - eps);
            if l {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    total / scores.len() as f64
}

/// Mean squared difference between probability and outcome.
pub fn brier(scores: &[f64], labels: &[bool]) -> f64 {
    let total: f64 = scores
        .iter()
        .zip(labels)
        .map(|(&p, &l)| (p - f64::from(u8::from(l))).powi(2))
        .sum();
    total / scores.len() as f64
}

/// Every classification metric finml reports, at `threshold`. Metrics undefined on this data
/// (AUC with one class, precision with no predicted positive) are left out.
pub fn classification_report(
    scores: &[f64],
    labels: &[bool],
    threshold: f64,
) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    if scores.is_empty() {
        return m;
    }
    if let Some(auc) = auc(scores, labels) {
        m.insert("auc".into(), auc);
        m.insert("gini".into(), 2.0 * auc - 1.0);
    }
    if let Some(ks) = ks(scores, labels) {
        m.insert("ks".into(), ks);
    }
    if let Some(ap) = average_precision(scores, labels) {
        m.insert("average_precision".into(), ap);
    }
    let c = confusion(scores, labels, threshold);
    let n = scores.len() as u64;
    m.insert("accuracy".into(), (c.tp + c.tn) as f64 / n as f64);
    let precision = ratio(c.tp, c.tp + c.fp);
    let recall = ratio(c.tp, c.tp + c.fn_);
    if let Some(p) = precision {
        m.insert("precision".into(), p);
    }
    if let Some(r) = recall {
        m.insert("recall".into(), r);
    }
    if let (Some(p), Some(r)) = (precision, recall) {
        m.insert(
            "f1".into(),
            if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            },
        );
    }
    m.insert("log_loss".into(), log_loss(scores, labels));
    m.insert("brier".into(), brier(scores, labels));
    m.insert("rows".into(), n as f64);
    m.insert("positives".into(), (c.tp + c.fn_) as f64);
    if let Some(hl) = hosmer_lemeshow(&calibration(scores, labels, HOSMER_LEMESHOW_GROUPS)) {
        m.insert("hosmer_lemeshow".into(), hl.statistic);
        m.insert("hosmer_lemeshow_p".into(), hl.p_value);
    }
    m
}

/// The cutoff that minimizes `cost_fp·FP + cost_fn·FN` (predicting positive when the score
/// is at least the cutoff), over every distinct score and +∞ (nothing flagged); ties go to
/// the higher cutoff (fewer rows flagged). Returns the cutoff, the total cost and the
/// confusion counts there.
pub fn cost_threshold(
    scores: &[f64],
    labels: &[bool],
    cost_fp: f64,
    cost_fn: f64,
) -> (f64, f64, Confusion) {
    let positives = labels.iter().filter(|&&l| l).count() as u64;
    let negatives = labels.len() as u64 - positives;
    let mut order = sorted_by_score(scores);
    order.reverse();
    let cost = |tp: u64, fp: u64| cost_fp * fp as f64 + cost_fn * (positives - tp) as f64;
    let mut best = (f64::INFINITY, cost(0, 0), 0u64, 0u64);
    let (mut tp, mut fp) = (0u64, 0u64);
    for (k, &i) in order.iter().enumerate() {
        if labels[i] {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_tie = order
            .get(k + 1)
            .is_none_or(|&next| scores[next] != scores[i]);
        if last_of_tie && cost(tp, fp) < best.1 {
            best = (scores[i], cost(tp, fp), tp, fp);
        }
    }
    let (threshold, total, tp, fp) = best;
    (
        threshold,
        total,
        Confusion {
            tp,
            fp,
            tn: negatives - fp,
            fn_: positives - tp,
        },
    )
}

/// Counts of each class's predicted probabilities in `bins` equal-width bins over [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassHistogram {
    pub positives: Vec<u64>,
    pub negatives: Vec<u64>,
}

pub fn class_histogram(scores: &[f64], labels: &[bool], bins: usize) -> ClassHistogram {
    let bins = bins.max(1);
    let mut h = ClassHistogram {
        positives: vec![0; bins],
        negatives: vec![0; bins],
    };
    for (&p, &l) in scores.iter().zip(labels) {
        let bin = ((p.clamp(0.0, 1.0) * bins as f64) as usize).min(bins - 1);
        if l {
            h.positives[bin] += 1;
        } else {
            h.negatives[bin] += 1;
        }
    }
    h
}
