//! The optimizer: its constraints, the CART-style pre-binning and the dynamic program that
//! merges pre-bins into the bins of largest information value.

use super::bins::woe_iv;
use super::counts::{prefix_sums, Counts};
use serde::Deserialize;

/// Required direction of the event rate across the bins of a numeric feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Monotonic {
    /// Whichever of ascending and descending gives the larger information value.
    Auto,
    Ascending,
    Descending,
    None,
}

/// Pre-bins the optimizer starts from (optbinning's `max_n_prebins` default).
pub const MAX_PREBINS: usize = 20;

/// Binning constraints.
#[derive(Debug, Clone, Copy)]
pub struct BinningParams {
    pub monotonic: Monotonic,
    pub max_bins: usize,
    /// Share of the feature's non-NULL training rows each value bin must hold.
    pub min_bin_size: f64,
    /// Events (positive-class rows) each optimized value bin must hold; at least 1.
    pub min_bin_events: u64,
    /// Levels of a categorical feature seen in fewer rows join the bin of NULL and unseen
    /// levels, unnamed (`min_level_rows`); 1 names every level.
    pub min_level_rows: u64,
}

/// Groups the ordered atoms into bins: `(start, end)` atom ranges covering all atoms.
/// Without atoms (an all-NULL feature) there is one empty value bin.
pub(super) fn optimal_groups(
    atoms: &[Counts],
    params: BinningParams,
    trend: Monotonic,
) -> Vec<(usize, usize)> {
    if atoms.is_empty() {
        return vec![(0, 0)];
    }
    let rows: u64 = atoms.iter().map(|a| a.rows).sum();
    let min_rows = ((params.min_bin_size * rows as f64).ceil() as u64).max(1);
    let prebins = cart_prebins(atoms, min_rows, MAX_PREBINS);
    let prebin_counts: Vec<Counts> = prebins
        .iter()
        .map(|&(s, e)| atoms[s..e].iter().copied().sum())
        .collect();
    let candidates: &[Monotonic] = match trend {
        Monotonic::Auto => &[Monotonic::Ascending, Monotonic::Descending],
        Monotonic::Ascending => &[Monotonic::Ascending],
        Monotonic::Descending => &[Monotonic::Descending],
        Monotonic::None => &[Monotonic::None],
    };
    let mut best: Option<(f64, Vec<(usize, usize)>)> = None;
    for &direction in candidates {
        if let Some((iv, merged)) = merge_prebins(
            &prebin_counts,
            params.max_bins,
            min_rows,
            params.min_bin_events,
            direction,
        ) {
            if best.as_ref().is_none_or(|(b, _)| iv > *b + 1e-12) {
                best = Some((iv, merged));
            }
        }
    }
    match best {
        // Map pre-bin ranges back to atom ranges.
        Some((_, merged)) => merged
            .into_iter()
            .map(|(s, e)| (prebins[s].0, prebins[e - 1].1))
            .collect(),
        // No admissible merge (e.g. too few events): one bin, the feature carries no IV.
        None => vec![(0, atoms.len())],
    }
}

/// CART-style pre-binning of ordered atoms: best-first binary splits by Gini decrease,
/// each side holding at least `min_rows` rows, until `max_prebins` ranges or no gain.
fn cart_prebins(atoms: &[Counts], min_rows: u64, max_prebins: usize) -> Vec<(usize, usize)> {
    let prefix = prefix_sums(atoms);
    let range = |s: usize, e: usize| prefix[e].minus(prefix[s]);
    // The best split point of [s, e) and its impurity decrease.
    let best_split = |s: usize, e: usize| -> Option<(usize, f64)> {
        let whole = range(s, e);
        let mut best: Option<(usize, f64)> = None;
        for k in s + 1..e {
            let (left, right) = (range(s, k), range(k, e));
            if left.rows < min_rows || right.rows < min_rows {
                continue;
            }
            let gain = whole.weighted_gini() - left.weighted_gini() - right.weighted_gini();
            if gain > 1e-12 && best.is_none_or(|(_, g)| gain > g) {
                best = Some((k, gain));
            }
        }
        best
    };
    let mut leaves = vec![(0, atoms.len(), best_split(0, atoms.len()))];
    while leaves.len() < max_prebins {
        let candidate = leaves
            .iter()
            .enumerate()
            .filter_map(|(i, (_, _, split))| split.map(|(k, gain)| (i, k, gain)))
            .max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.cmp(&a.0)));
        let Some((i, k, _)) = candidate else { break };
        let (s, e, _) = leaves[i];
        leaves[i] = (s, k, best_split(s, k));
        leaves.insert(i + 1, (k, e, best_split(k, e)));
    }
    leaves.into_iter().map(|(s, e, _)| (s, e)).collect()
}

/// Merges adjacent pre-bins into at most `max_bins` groups maximizing the total IV, each
/// group with at least `min_rows` rows, `min_events` events and both classes, event rates strictly ordered as
/// `direction` says. Returns the IV and the groups as pre-bin ranges, or `None` when no
/// grouping satisfies the constraints.
///
/// `best[k][i][j]`: the largest IV of pre-bins `0..=j` in `k + 1` groups whose last group is
/// `i..=j`. Its predecessor is a grouping of `0..i` in `k` groups ending with some `h..=i-1`.
fn merge_prebins(
    prebins: &[Counts],
    max_bins: usize,
    min_rows: u64,
    min_events: u64,
    direction: Monotonic,
) -> Option<(f64, Vec<(usize, usize)>)> {
    let m = prebins.len();
    let prefix = prefix_sums(prebins);
    let totals = prefix[m];
    let group = |i: usize, j: usize| prefix[j + 1].minus(prefix[i]);
    let admissible =
        |c: &Counts| c.rows >= min_rows && c.has_both_classes() && c.events >= min_events;
    let ordered = |before: &Counts, after: &Counts| match direction {
        Monotonic::Ascending => before.rate_below(after),
        Monotonic::Descending => after.rate_below(before),
        Monotonic::None | Monotonic::Auto => true,
    };
    let at = |k: usize, i: usize, j: usize| (k * m + i) * m + j;
    let mut best: Vec<Option<(f64, usize)>> = vec![None; max_bins * m * m];
    for j in 0..m {
        let g = group(0, j);
        if admissible(&g) {
            best[at(0, 0, j)] = Some((woe_iv(g, totals).1, usize::MAX));
        }
    }
    for k in 1..max_bins {
        for j in 0..m {
            for i in 1..=j {
                let last = group(i, j);
                if !admissible(&last) {
                    continue;
                }
                let iv_last = woe_iv(last, totals).1;
                let mut choice: Option<(f64, usize)> = None;
                for h in 0..i {
                    if let Some((iv, _)) = best[at(k - 1, h, i - 1)] {
                        if ordered(&group(h, i - 1), &last)
                            && choice.is_none_or(|(c, _)| iv + iv_last > c)
                        {
                            choice = Some((iv + iv_last, h));
                        }
                    }
                }
                best[at(k, i, j)] = choice;
            }
        }
    }
    // The best final state; fewer bins win ties.
    let mut end: Option<(f64, usize, usize)> = None;
    for k in 0..max_bins {
        for i in 0..m {
            if let Some((iv, _)) = best[at(k, i, m - 1)] {
                if end.is_none_or(|(e, _, _)| iv > e + 1e-12) {
                    end = Some((iv, k, i));
                }
            }
        }
    }
    let (iv, mut k, mut i) = end?;
    let mut j = m - 1;
    let mut groups = Vec::with_capacity(k + 1);
    loop {
        groups.push((i, j + 1));
        let (_, h) = best[at(k, i, j)]?;
        if k == 0 {
            break;
        }
        j = i - 1;
        i = h;
        k -= 1;
    }
    groups.reverse();
    Some((iv, groups))
}
