//! Evaluation metrics. Classification metrics take `scores` (probability of the positive
//! class) and `labels` (true = positive); regression metrics take actual and predicted values.
//! Definitions follow scikit-learn's (`roc_auc_score`, `log_loss`, ...); KS and Gini follow
//! the credit-scoring formulas in DESIGN.md (KS = max(TPR − FPR), Gini = 2·AUC − 1).

use std::collections::BTreeMap;

/// Area under the ROC curve by the Mann–Whitney statistic (ties count one half).
/// `None` when one class is absent.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let order = sorted_by_score(scores);
    let n_pos = labels.iter().filter(|&&l| l).count() as f64;
    let n_neg = labels.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return None;
    }
    // Sum of the (average) ranks of the positives.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += average_rank * order[i..=j].iter().filter(|&&k| labels[k]).count() as f64;
        i = j + 1;
    }
    Some((rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg))
}

/// Kolmogorov–Smirnov statistic: the largest TPR − FPR over all thresholds.
pub fn ks(scores: &[f64], labels: &[bool]) -> Option<f64> {
    roc_points(scores, labels)
        .map(|points| points.iter().map(|p| p.tpr - p.fpr).fold(0.0, f64::max))
}

/// One point of the ROC curve: predicting positive when `score >= threshold`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RocPoint {
    pub threshold: f64,
    pub tpr: f64,
    pub fpr: f64,
}

/// The ROC curve at every distinct score, highest threshold first. `None` with one class.
pub fn roc_points(scores: &[f64], labels: &[bool]) -> Option<Vec<RocPoint>> {
    let n_pos = labels.iter().filter(|&&l| l).count() as f64;
    let n_neg = labels.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return None;
    }
    let mut order = sorted_by_score(scores);
    order.reverse();
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut points = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        if labels[i] {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        let last_of_tie = order
            .get(k + 1)
            .is_none_or(|&next| scores[next] != scores[i]);
        if last_of_tie {
            points.push(RocPoint {
                threshold: scores[i],
                tpr: tp / n_pos,
                fpr: fp / n_neg,
            });
        }
    }
    Some(points)
}

fn sorted_by_score(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    order
}

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
    m
}

fn sum_squared_errors(actual: &[f64], predicted: &[f64]) -> f64 {
    actual
        .iter()
        .zip(predicted)
        .map(|(a, p)| (a - p).powi(2))
        .sum()
}

/// Root mean squared error; `None` without rows.
pub fn rmse(actual: &[f64], predicted: &[f64]) -> Option<f64> {
    (!actual.is_empty())
        .then(|| (sum_squared_errors(actual, predicted) / actual.len() as f64).sqrt())
}

/// rmse, mae and r2 (r2 left out when the actual values are constant).
pub fn regression_report(actual: &[f64], predicted: &[f64]) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    let Some(rmse) = rmse(actual, predicted) else {
        return m;
    };
    let n = actual.len() as f64;
    let sse = sum_squared_errors(actual, predicted);
    let sae: f64 = actual
        .iter()
        .zip(predicted)
        .map(|(a, p)| (a - p).abs())
        .sum();
    let mean = actual.iter().sum::<f64>() / n;
    let sst: f64 = actual.iter().map(|a| (a - mean).powi(2)).sum();
    m.insert("rmse".into(), rmse);
    m.insert("mae".into(), sae / n);
    if sst > 0.0 {
        m.insert("r2".into(), 1.0 - sse / sst);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values: scikit-learn 1.9.1 on these arrays
    // (roc_auc_score, roc_curve → max(tpr − fpr), accuracy/precision/recall/f1 on p >= 0.5,
    // log_loss, brier_score_loss); tolerance 1e-12.
    const Y: [bool; 10] = [
        false, false, true, true, false, true, false, true, true, false,
    ];
    const P: [f64; 10] = [0.1, 0.4, 0.35, 0.8, 0.5, 0.5, 0.2, 0.9, 0.65, 0.7];

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn classification_metrics_match_scikit_learn() {
        let m = classification_report(&P, &Y, 0.5);
        close(m["auc"], 0.78);
        close(m["gini"], 0.56);
        close(m["ks"], 0.4);
        close(m["accuracy"], 0.7);
        close(m["precision"], 0.6666666666666666);
        close(m["recall"], 0.8);
        close(m["f1"], 0.7272727272727273);
        close(m["log_loss"], 0.5238705963747021);
        close(m["brier"], 0.17950000000000002);
    }

    #[test]
    fn regression_metrics_match_scikit_learn() {
        // sklearn: sqrt(mean_squared_error), mean_absolute_error, r2_score.
        let m = regression_report(&[3.0, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0]);
        close(m["rmse"], 0.6123724356957945);
        close(m["mae"], 0.5);
        close(m["r2"], 0.9486081370449679);
    }

    #[test]
    fn undefined_metrics_are_left_out() {
        let m = classification_report(&[0.2, 0.3], &[false, false], 0.5);
        assert!(!m.contains_key("auc") && !m.contains_key("precision"));
        assert!(m.contains_key("accuracy"));
    }

    #[test]
    fn ks_by_hand() {
        // Scores (higher = riskier) and labels, sorted by score descending:
        //   score 0.9 0.8 0.7 0.6 0.5 0.4 0.3 0.2
        //   label  1   1   0   1   0   0   1   0      (4 events, 4 non-events)
        // Cumulative TPR after each:  .25 .50 .50 .75 .75 .75 1.0 1.0
        // Cumulative FPR after each:  0   0   .25 .25 .50 .75 .75 1.0
        // TPR − FPR:                  .25 .50 .25 .50 .25 0   .25 0   → KS = 0.5
        let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
        let labels = [true, true, false, true, false, false, true, false];
        close(ks(&scores, &labels).unwrap(), 0.5);
        // AUC: pairs (event, non-event) ranked correctly: 4+4+3+1 of 16 = 0.75; Gini 0.5.
        close(auc(&scores, &labels).unwrap(), 0.75);
    }

    #[test]
    fn auc_counts_ties_as_one_half() {
        close(auc(&[0.5, 0.5], &[true, false]).unwrap(), 0.5);
    }
}
