//! Metrics of the rows ranked by score: AUC, KS, the ROC curve, average precision and the
//! precision and recall of the top-scored rows.

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
    /// Share of the predicted positives that are positive; `None` when none is predicted.
    pub precision: Option<f64>,
}

/// The ROC curve at every distinct score, highest threshold first. `None` with one class.
pub fn roc_points(scores: &[f64], labels: &[bool]) -> Option<Vec<RocPoint>> {
    let mut points = Vec::new();
    push_roc_points(scores, labels, &mut points)?;
    Some(points)
}

/// [`roc_points`] appended to `points`, which is sized for a point per row at once (pages
/// never written are never resident; finml.max_training_memory counts one point per
/// evaluated row, with no copy). `None` with one class.
fn push_roc_points(scores: &[f64], labels: &[bool], points: &mut Vec<RocPoint>) -> Option<()> {
    let n_pos = labels.iter().filter(|&&l| l).count() as f64;
    let n_neg = labels.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return None;
    }
    let mut order = sorted_by_score(scores);
    order.reverse();
    let (mut tp, mut fp) = (0.0, 0.0);
    points.reserve(order.len());
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
                precision: Some(tp / (tp + fp)),
            });
        }
    }
    Some(())
}

/// The ROC curve as scikit-learn's `roc_curve(drop_intermediate=False)` draws it: a first
/// point at threshold +∞ (nothing predicted positive), then every distinct score, thinned to
/// at most `max_points` (≥ 2) points evenly spaced along the curve, both ends kept.
pub fn roc_curve(scores: &[f64], labels: &[bool], max_points: usize) -> Option<Vec<RocPoint>> {
    let mut points = vec![RocPoint {
        threshold: f64::INFINITY,
        tpr: 0.0,
        fpr: 0.0,
        precision: None,
    }];
    push_roc_points(scores, labels, &mut points)?;
    Some(thin(points, max_points.max(2)))
}

/// At most `max` items of `items` at evenly spaced positions, the first and the last kept.
fn thin<T: Copy>(items: Vec<T>, max: usize) -> Vec<T> {
    if items.len() <= max {
        return items;
    }
    let last = items.len() - 1;
    (0..max)
        .map(|k| items[(k * last + (max - 1) / 2) / (max - 1)])
        .collect()
}

pub(super) fn sorted_by_score(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    order
}

/// Average precision (PR-AUC) as scikit-learn's `average_precision_score`:
/// `Σ_k (R_k − R_{k−1})·P_k` over the distinct scores from the highest down, `R_0 = 0`.
/// `None` without positives or without negatives.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let points = roc_points(scores, labels)?;
    let mut previous_recall = 0.0;
    let mut ap = 0.0;
    for p in points {
        ap += (p.tpr - previous_recall) * p.precision.unwrap_or(0.0);
        previous_recall = p.tpr;
    }
    Some(ap)
}

/// Precision and recall of flagging the `percent`% highest-scored rows: the first
/// ⌈percent/100 · n⌉ rows by score, with every row tied with the last of them. `None`
/// without positives.
pub fn at_top(scores: &[f64], labels: &[bool], percent: f64) -> Option<(f64, f64)> {
    let positives = labels.iter().filter(|&&l| l).count();
    if positives == 0 || scores.is_empty() {
        return None;
    }
    let mut order = sorted_by_score(scores);
    order.reverse();
    let wanted = ((percent / 100.0 * scores.len() as f64).ceil() as usize).clamp(1, scores.len());
    let cut = scores[order[wanted - 1]];
    let flagged: Vec<usize> = order
        .iter()
        .copied()
        .take_while(|&i| scores[i] >= cut)
        .collect();
    let hits = flagged.iter().filter(|&&i| labels[i]).count();
    Some((
        hits as f64 / flagged.len() as f64,
        hits as f64 / positives as f64,
    ))
}
