//! The gains table: rows ranked by score in bands, riskiest first, with each band's event
//! rate, cumulative shares, KS and lift.

use super::ranking::sorted_by_score;

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
    /// lower edge, so the largest is [`ks`](super::ks) when the bands reach every distinct
    /// score.
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
