//! Evaluation metrics. Classification metrics take `scores` (probability of the positive
//! class) and `labels` (true = positive); regression metrics take actual and predicted values.
//! Definitions follow scikit-learn's (`roc_auc_score`, `log_loss`, ...); KS and Gini follow
//! the credit-scoring formulas in DESIGN.md (KS = max(TPR − FPR), Gini = 2·AUC − 1).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every metric finml reports, in the order validators read them, with what each is.
pub const METRICS: &[(&str, &str)] = &[
    ("auc", "area under the ROC curve"),
    ("gini", "2 × AUC − 1"),
    ("ks", "Kolmogorov–Smirnov: max(TPR − FPR)"),
    (
        "average_precision",
        "area under the precision-recall curve (PR-AUC), as scikit-learn's average_precision_score",
    ),
    ("accuracy", "share predicted right at the threshold"),
    (
        "precision",
        "share of predicted positives that are positive",
    ),
    ("recall", "share of positives predicted positive"),
    ("f1", "harmonic mean of precision and recall"),
    ("log_loss", "mean cross-entropy"),
    ("brier", "mean (p − y)²"),
    (
        "hosmer_lemeshow",
        "Hosmer–Lemeshow χ² over 10 quantile groups",
    ),
    ("hosmer_lemeshow_p", "its p-value (χ² on groups − 2 df)"),
    ("rmse", "root mean squared error"),
    ("mae", "mean absolute error"),
    ("r2", "coefficient of determination"),
    ("rows", "rows evaluated"),
    ("positives", "rows of the positive class"),
    ("k", "clusters"),
    (
        "inertia",
        "sum of squared distances of the rows to their cluster's centre (standardized units), as scikit-learn's inertia_",
    ),
    (
        "silhouette",
        "mean of (b − a) / max(a, b) on at most 10,000 training rows, as scikit-learn's silhouette_score",
    ),
    (
        "davies_bouldin",
        "mean over clusters of the largest (s_i + s_j) / d(c_i, c_j); lower is better",
    ),
    ("iterations", "Lloyd iterations of the run kept"),
    ("n_trees", "isolation trees"),
    ("sample_size", "training rows each tree isolates"),
    ("threshold", "anomaly score above which a row is flagged"),
    ("flagged_share", "share of the training rows above the threshold"),
];

/// `metrics` as (name, value) in the order of [`METRICS`], any others after them.
pub fn in_report_order(metrics: &BTreeMap<String, f64>) -> Vec<(String, f64)> {
    let known = METRICS
        .iter()
        .filter_map(|(name, _)| metrics.get(*name).map(|&v| ((*name).to_owned(), v)));
    let others = metrics
        .iter()
        .filter(|(name, _)| !METRICS.iter().any(|(known, _)| known == name))
        .map(|(name, &v)| (name.clone(), v));
    known.chain(others).collect()
}

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
                precision: Some(tp / (tp + fp)),
            });
        }
    }
    Some(points)
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
    points.extend(roc_points(scores, labels)?);
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

fn sorted_by_score(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    order
}

/// One band of a gains table: rows ranked by score, riskiest (highest) first.
#[derive(Debug, Clone, PartialEq)]
pub struct GainsBand {
    pub band: usize,
    /// Lowest and highest score in the band (`None`: an empty band of given cutoffs).
    pub min_score: Option<f64>,
    pub max_score: Option<f64>,
    pub rows: u64,
    pub events: u64,
    pub event_rate: Option<f64>,
    /// Share of all events, and of all non-events, in this band and the ones above it.
    pub cum_events_share: f64,
    pub cum_non_events_share: f64,
    /// `cum_events_share − cum_non_events_share`: the ROC curve's TPR − FPR at the band's
    /// lower edge, so the largest is [`ks`] when the bands reach every distinct score.
    pub ks: f64,
    /// Event rate of the band, and of the bands down to it, over the overall event rate.
    pub lift: Option<f64>,
    pub cum_lift: f64,
}

/// The gains table of `bands` bands of (nearly) equal row counts, riskiest first. Tied
/// scores stay in one band, so a band ends where the ROC curve has a point and bands can
/// come out fewer than asked. `None` when one class is absent.
pub fn gains(scores: &[f64], labels: &[bool], bands: usize) -> Option<Vec<GainsBand>> {
    let mut order = sorted_by_score(scores);
    order.reverse();
    let n = order.len();
    let mut ends = Vec::new();
    let mut end = 0;
    for k in 1..=bands.max(1) {
        let wanted = (k * n).div_ceil(bands.max(1));
        if wanted <= end {
            continue;
        }
        end = wanted;
        while end < n && scores[order[end]] == scores[order[end - 1]] {
            end += 1;
        }
        ends.push(end);
        if end == n {
            break;
        }
    }
    gains_of_ranked(scores, labels, &order, &ends)
}

/// The gains table of the bands `score >= cutoffs[0]`, `cutoffs[1] <= score < cutoffs[0]`,
/// ..., `score < cutoffs[last]` (cutoffs in any order; empty bands kept).
pub fn gains_at(scores: &[f64], labels: &[bool], cutoffs: &[f64]) -> Option<Vec<GainsBand>> {
    let mut order = sorted_by_score(scores);
    order.reverse();
    let mut cuts = cutoffs.to_vec();
    cuts.sort_by(|a, b| b.total_cmp(a));
    cuts.dedup();
    let mut ends: Vec<usize> = cuts
        .iter()
        .map(|&c| order.partition_point(|&i| scores[i] >= c))
        .collect();
    ends.push(order.len());
    gains_of_ranked(scores, labels, &order, &ends)
}

/// The bands `order[ends[k-1]..ends[k]]` of rows ranked riskiest first.
fn gains_of_ranked(
    scores: &[f64],
    labels: &[bool],
    order: &[usize],
    ends: &[usize],
) -> Option<Vec<GainsBand>> {
    let n_pos = labels.iter().filter(|&&l| l).count() as f64;
    let n_neg = labels.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return None;
    }
    let overall_rate = n_pos / labels.len() as f64;
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut start = 0;
    let mut table = Vec::with_capacity(ends.len());
    for (k, &end) in ends.iter().enumerate() {
        let band = &order[start..end];
        let events = band.iter().filter(|&&i| labels[i]).count() as u64;
        let rows = band.len() as u64;
        tp += events as f64;
        fp += (rows - events) as f64;
        let event_rate = (rows > 0).then(|| events as f64 / rows as f64);
        table.push(GainsBand {
            band: k + 1,
            min_score: band.last().map(|&i| scores[i]),
            max_score: band.first().map(|&i| scores[i]),
            rows,
            events,
            event_rate,
            cum_events_share: tp / n_pos,
            cum_non_events_share: fp / n_neg,
            ks: tp / n_pos - fp / n_neg,
            lift: event_rate.map(|r| r / overall_rate),
            cum_lift: if end > 0 {
                tp / end as f64 / overall_rate
            } else {
                0.0
            },
        });
        start = end;
    }
    Some(table)
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

/// Hosmer and Lemeshow's customary ten groups ("deciles of risk").
pub const HOSMER_LEMESHOW_GROUPS: usize = 10;

/// One group of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// 1-based group number among the `bins` requested (empty groups are left out).
    pub bin: usize,
    pub mean_predicted: f64,
    pub observed_rate: f64,
    pub count: u64,
}

/// Groups of equal population by predicted probability, as scikit-learn's
/// `calibration_curve(strategy="quantile")` forms them: edges at the percentiles
/// (`np.percentile`, linear interpolation), a score on an inner edge in the lower group, and
/// groups that tied scores leave empty left out.
pub fn calibration(scores: &[f64], labels: &[bool], bins: usize) -> Vec<CalibrationBin> {
    let observed: Vec<f64> = labels.iter().map(|&l| f64::from(u8::from(l))).collect();
    grouped_means(scores, &observed, bins)
}

/// A regression's calibration: groups of equal population by predicted value (formed as
/// [`calibration`] forms them), each with its mean predicted and mean actual value
/// (`observed_rate`).
pub fn calibration_of_values(
    predicted: &[f64],
    actual: &[f64],
    bins: usize,
) -> Vec<CalibrationBin> {
    grouped_means(predicted, actual, bins)
}

fn grouped_means(scores: &[f64], observed_values: &[f64], bins: usize) -> Vec<CalibrationBin> {
    if scores.is_empty() || bins == 0 {
        return Vec::new();
    }
    let mut sorted = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    let inner_edges = quantile_edges(&sorted, bins);
    let mut sums = vec![(0.0, 0.0, 0u64); bins];
    for (&p, &value) in scores.iter().zip(observed_values) {
        let group = inner_edges.partition_point(|&edge| edge < p);
        let (predicted, observed, count) = &mut sums[group];
        *predicted += p;
        *observed += value;
        *count += 1;
    }
    sums.iter()
        .enumerate()
        .filter(|(_, &(_, _, count))| count > 0)
        .map(|(k, &(predicted, observed, count))| CalibrationBin {
            bin: k + 1,
            mean_predicted: predicted / count as f64,
            observed_rate: observed / count as f64,
            count,
        })
        .collect()
}

/// The inner edges of `bins` quantile groups, `np.percentile(sorted, np.linspace(0, 1, bins +
/// 1)[1:-1] * 100)`, computed in numpy's order of floating-point operations: with tied scores
/// (scorecards) an edge a rounding below a score moves every row with that score to the next
/// group, so being close is not enough. `sorted` is ascending and not empty.
fn quantile_edges(sorted: &[f64], bins: usize) -> Vec<f64> {
    // numpy's `_compute_virtual_index` with the constants of its "linear" method.
    const ALPHA: f64 = 1.0;
    const BETA: f64 = 1.0;
    let n = sorted.len() as f64;
    let step = 1.0 / bins as f64;
    (1..bins)
        .map(|k| {
            let q = (k as f64 * step * 100.0) / 100.0;
            let virtual_index =
                (n * q + (ALPHA + q * (1.0 - ALPHA - BETA)) - 1.0).clamp(0.0, n - 1.0);
            let below = virtual_index.floor();
            let t = virtual_index - below;
            let a = sorted[below as usize];
            let b = sorted[(below as usize + 1).min(sorted.len() - 1)];
            let difference = b - a;
            if t >= 0.5 {
                b - difference * (1.0 - t)
            } else {
                a + difference * t
            }
        })
        .collect()
}

/// The Hosmer–Lemeshow goodness-of-fit test on calibration groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HosmerLemeshow {
    pub statistic: f64,
    pub degrees_of_freedom: usize,
    pub p_value: f64,
}

/// HL = Σ (observedₖ − nₖ·p̄ₖ)² / (nₖ·p̄ₖ·(1 − p̄ₖ)) over the groups, compared with χ² on
/// groups − 2 degrees of freedom. `None` with fewer than three groups. Groups whose mean
/// probability is exactly 0 or 1 carry no variance and add nothing.
pub fn hosmer_lemeshow(groups: &[CalibrationBin]) -> Option<HosmerLemeshow> {
    let degrees_of_freedom = groups.len().checked_sub(2).filter(|&df| df > 0)?;
    let statistic = groups
        .iter()
        .map(|g| {
            let n = g.count as f64;
            let variance = n * g.mean_predicted * (1.0 - g.mean_predicted);
            let difference = n * (g.observed_rate - g.mean_predicted);
            if variance > 0.0 {
                difference * difference / variance
            } else {
                0.0
            }
        })
        .sum();
    Some(HosmerLemeshow {
        statistic,
        degrees_of_freedom,
        p_value: chi_square_survival(statistic, degrees_of_freedom as f64),
    })
}

/// P(χ²ₖ > x), the upper regularized incomplete gamma function Q(k/2, x/2).
pub fn chi_square_survival(x: f64, k: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    upper_regularized_gamma(k / 2.0, x / 2.0)
}

/// Q(a, x) by its series below a + 1 and its continued fraction above (Numerical Recipes
/// §6.2), to double precision.
fn upper_regularized_gamma(a: f64, x: f64) -> f64 {
    const EPS: f64 = 1e-15;
    const MAX_TERMS: usize = 1000;
    let log_prefactor = a * x.ln() - x - libm::lgamma(a);
    if x < a + 1.0 {
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..MAX_TERMS {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * EPS {
                break;
            }
        }
        1.0 - sum * log_prefactor.exp()
    } else {
        // Modified Lentz's method.
        let tiny = f64::MIN_POSITIVE / EPS;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..MAX_TERMS {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let step = d * c;
            h *= step;
            if (step - 1.0).abs() < EPS {
                break;
            }
        }
        log_prefactor.exp() * h
    }
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
    m.insert("rows".into(), n);
    if sst > 0.0 {
        m.insert("r2".into(), 1.0 - sse / sst);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_precision_matches_scikit_learn_with_and_without_ties() {
        // scikit-learn 1.9.1 average_precision_score: 0.9166666666666665 and, with tied
        // scores, 0.4666666666666667 (tolerance 1e-15).
        let ap = average_precision(
            &[0.9, 0.8, 0.7, 0.6, 0.5, 0.4],
            &[true, true, false, true, false, false],
        );
        assert!((ap.unwrap() - 0.9166666666666665).abs() < 1e-15);
        let ap = average_precision(
            &[0.9, 0.9, 0.5, 0.5, 0.5, 0.1],
            &[true, false, true, false, false, true],
        );
        assert!((ap.unwrap() - 0.4666666666666667).abs() < 1e-15);
        assert_eq!(average_precision(&[0.5, 0.4], &[false, false]), None);
    }

    #[test]
    fn top_share_and_cost_threshold_by_hand() {
        let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
        let labels = [true, true, false, true, false, false];
        // Top 34%: ⌈2.04⌉ = 3 rows, 2 events: precision 2/3, recall 2/3.
        let (p, r) = at_top(&scores, &labels, 34.0).unwrap();
        assert!((p - 2.0 / 3.0).abs() < 1e-15 && (r - 2.0 / 3.0).abs() < 1e-15);
        // Ties join the flagged rows: top 1 of [0.9, 0.9, ...] flags both.
        let (p, _) = at_top(&[0.9, 0.9, 0.1], &[true, false, false], 1.0).unwrap();
        assert_eq!(p, 0.5);
        // Costs FP 1, FN 5: flag none 15; ≥0.9: 10; ≥0.8: 5; ≥0.7: 6; ≥0.6: 1; ≥0.5: 2; ≥0.4: 3.
        let (t, cost, c) = cost_threshold(&scores, &labels, 1.0, 5.0);
        assert_eq!((t, cost), (0.6, 1.0));
        assert_eq!((c.tp, c.fp, c.tn, c.fn_), (3, 1, 2, 0));
        // False alarms dear: FP 10, FN 1 → none 3; ≥0.9: 2; ≥0.8: 1; ≥0.7: 11; ...
        let (t, cost, _) = cost_threshold(&scores, &labels, 10.0, 1.0);
        assert_eq!((t, cost), (0.8, 1.0));
        // A tie in cost goes to the higher cutoff: none 1, ≥0.9 2, ≥0.1 1 → flag nothing.
        let (t, cost, _) = cost_threshold(&[0.9, 0.1], &[false, true], 1.0, 1.0);
        assert_eq!((t, cost), (f64::INFINITY, 1.0));
    }

    #[test]
    fn gains_bands_by_hand_and_their_largest_ks_is_the_ks() {
        // Scores 0.9 (event), 0.8 (event), 0.7 (non), 0.6 (event), 0.5 (non), 0.4 (non):
        // 3 events, 3 non-events, overall rate 0.5. Two bands of three:
        //   band 1 = {0.9, 0.8, 0.7}: 2 events, rate 2/3, TPR 2/3, FPR 1/3, KS 1/3, lift 4/3;
        //   band 2 = {0.6, 0.5, 0.4}: 1 event, rate 1/3, TPR 1, FPR 1, KS 0, lift 2/3.
        let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
        let labels = [true, true, false, true, false, false];
        let table = gains(&scores, &labels, 2).unwrap();
        assert_eq!(table.len(), 2);
        let b = &table[0];
        assert_eq!(
            (b.rows, b.events, b.min_score, b.max_score),
            (3, 2, Some(0.7), Some(0.9))
        );
        assert!((b.ks - 1.0 / 3.0).abs() < 1e-15 && (b.lift.unwrap() - 4.0 / 3.0).abs() < 1e-15);
        assert!((table[1].cum_events_share - 1.0).abs() < 1e-15 && table[1].ks.abs() < 1e-15);
        // One band per row reaches every ROC point: KS = max(TPR − FPR) = 2/3 after 0.8.
        let fine = gains(&scores, &labels, 6).unwrap();
        let best = fine.iter().map(|b| b.ks).fold(f64::MIN, f64::max);
        assert_eq!(best, ks(&scores, &labels).unwrap());
        // Ties stay together: four tied scores cannot be split into two bands of three.
        let tied = gains(&[0.5, 0.5, 0.5, 0.5, 0.1, 0.1], &labels, 2).unwrap();
        assert_eq!(tied.iter().map(|b| b.rows).collect::<Vec<_>>(), [4, 2]);
        // Given cutoffs, an empty band is kept with no event rate.
        let cut = gains_at(&scores, &labels, &[0.95, 0.65]).unwrap();
        assert_eq!(cut.iter().map(|b| b.rows).collect::<Vec<_>>(), [0, 3, 3]);
        assert_eq!(cut[0].event_rate, None);
        assert!(gains(&scores, &[true; 6], 2).is_none());
    }

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
    fn roc_curve_matches_scikit_learn() {
        // sklearn roc_curve(Y, P, drop_intermediate=False).
        let fpr = [0.0, 0.0, 0.0, 0.2, 0.2, 0.4, 0.6, 0.6, 0.8, 1.0];
        let tpr = [0.0, 0.2, 0.4, 0.4, 0.6, 0.8, 0.8, 1.0, 1.0, 1.0];
        let thresholds = [f64::INFINITY, 0.9, 0.8, 0.7, 0.65, 0.5, 0.4, 0.35, 0.2, 0.1];
        let curve = roc_curve(&P, &Y, 100).unwrap();
        assert_eq!(curve.len(), 10);
        for (k, point) in curve.iter().enumerate() {
            assert_eq!(point.threshold, thresholds[k]);
            close(point.fpr, fpr[k]);
            close(point.tpr, tpr[k]);
        }
        // Precision at 0.5 is sklearn's precision_score at p >= 0.5 (above: 4 of 6).
        close(curve[5].precision.unwrap(), 0.6666666666666666);
        assert_eq!(curve[0].precision, None);
    }

    #[test]
    fn roc_curve_thinning_keeps_both_ends() {
        let curve = roc_curve(&P, &Y, 4).unwrap();
        assert_eq!(curve.len(), 4);
        assert_eq!(curve[0].threshold, f64::INFINITY);
        assert_eq!((curve[3].tpr, curve[3].fpr), (1.0, 1.0));
        assert!(curve.windows(2).all(|w| w[0].threshold > w[1].threshold));
    }

    #[test]
    fn calibration_matches_scikit_learn() {
        // sklearn calibration_curve(Y, P, n_bins, strategy="quantile") → (prob_true,
        // prob_pred); counts from np.bincount of its bin ids.
        let three = calibration(&P, &Y, 3);
        let expected = [
            (0.3333333333333333, 0.21666666666666667, 3),
            (0.3333333333333333, 0.4666666666666667, 3),
            (0.75, 0.7625, 4),
        ];
        assert_eq!(three.len(), 3);
        for (bin, (observed, predicted, count)) in three.iter().zip(expected) {
            close(bin.observed_rate, observed);
            close(bin.mean_predicted, predicted);
            assert_eq!(bin.count, count);
        }
        let five = calibration(&P, &Y, 5);
        let observed = [0.0, 0.5, 0.5, 0.5, 1.0];
        let predicted = [0.15, 0.375, 0.5, 0.675, 0.85];
        for (k, bin) in five.iter().enumerate() {
            assert_eq!((bin.bin, bin.count), (k + 1, 2));
            close(bin.observed_rate, observed[k]);
            close(bin.mean_predicted, predicted[k]);
        }
    }

    #[test]
    fn calibration_with_tied_scores_matches_scikit_learn() {
        // Six distinct probabilities, as a scorecard gives: the groups are decided by where
        // numpy's percentile edges fall against the ties. sklearn calibration_curve(n_bins=10,
        // strategy="quantile") on these 40 rows (numpy default_rng(7)).
        let p = [
            0.6, 0.3, 0.45, 0.6, 0.3, 0.45, 0.6, 0.1, 0.05, 0.1, 0.1, 0.6, 0.6, 0.05, 0.2, 0.45,
            0.05, 0.45, 0.05, 0.2, 0.45, 0.1, 0.2, 0.1, 0.45, 0.1, 0.6, 0.2, 0.2, 0.3, 0.3, 0.3,
            0.3, 0.6, 0.45, 0.45, 0.45, 0.3, 0.2, 0.6,
        ];
        let y = [
            1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0,
            0, 1, 0, 1, 1, 1, 1, 0, 1, 0, 1,
        ]
        .map(|v| v == 1);
        let groups = calibration(&p, &y, 10);
        let observed = [
            0.0,
            0.0,
            0.16666666666666666,
            0.7142857142857143,
            0.6666666666666666,
            1.0,
        ];
        let predicted = [0.05, 0.1, 0.2, 0.3, 0.45, 0.6];
        let counts = [4, 6, 6, 7, 9, 8];
        let bins = [1, 2, 3, 5, 6, 9];
        assert_eq!(groups.len(), 6);
        for (k, g) in groups.iter().enumerate() {
            assert_eq!((g.bin, g.count), (bins[k], counts[k]));
            close(g.observed_rate, observed[k]);
            close(g.mean_predicted, predicted[k]);
        }
    }

    #[test]
    fn calibration_leaves_out_groups_that_ties_empty() {
        // Edges 0.2, 0.2, 0.2 for four groups: everything at 0.2 falls in the first.
        let bins = calibration(
            &[0.2, 0.2, 0.2, 0.2, 0.9],
            &[false, true, false, false, true],
            4,
        );
        assert_eq!(bins.iter().map(|b| b.bin).collect::<Vec<_>>(), [1, 4]);
        assert_eq!(bins[0].count, 4);
    }

    #[test]
    fn hosmer_lemeshow_matches_its_formula_and_scipy() {
        // Reference: HL computed with numpy on calibration_curve's quantile groups, p-value
        // scipy.stats.chi2.sf(HL, groups − 2) (scipy 1.17.1).
        let hl = hosmer_lemeshow(&calibration(&P, &Y, 3)).unwrap();
        close(hl.statistic, 0.4583261634002368);
        assert_eq!(hl.degrees_of_freedom, 1);
        close(hl.p_value, 0.4984072835825153);
        let hl = hosmer_lemeshow(&calibration(&P, &Y, 5)).unwrap();
        close(hl.statistic, 1.118417965476789);
        assert_eq!(hl.degrees_of_freedom, 3);
        close(hl.p_value, 0.772629876815941);
        assert_eq!(hosmer_lemeshow(&calibration(&P, &Y, 2)), None);
    }

    #[test]
    fn chi_square_survival_matches_scipy() {
        // scipy.stats.chi2.sf(x, k); relative tolerance 1e-10.
        for (x, k, expected) in [
            (0.5, 1.0, 0.47950012218695337),
            (3.2, 2.0, 0.2018965179946554),
            (10.0, 5.0, 0.07523524614651217),
            (25.0, 8.0, 0.001554557843011069),
            (1e-3, 3.0, 0.9999915920809419),
            (40.0, 3.0, 1.065509033425585e-08),
        ] {
            let got = chi_square_survival(x, k);
            assert!(
                ((got - expected) / expected).abs() < 1e-10,
                "chi2.sf({x}, {k}) = {expected}, got {got}"
            );
        }
    }

    #[test]
    fn class_histogram_counts_each_class() {
        let h = class_histogram(&P, &Y, 4);
        // Bins [0, .25) [.25, .5) [.5, .75) [.75, 1]
        assert_eq!(h.negatives, [2, 1, 2, 0]);
        assert_eq!(h.positives, [0, 1, 2, 2]);
    }

    #[test]
    fn auc_counts_ties_as_one_half() {
        close(auc(&[0.5, 0.5], &[true, false]).unwrap(), 0.5);
    }
}
