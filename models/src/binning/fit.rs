//! Fitting a numeric or categorical feature's binning, from its rows or from its atoms'
//! counts (a GROUP BY on the workers).

use super::bins::{Bin, Binning, Edges};
use super::counts::{Counts, RowLabels};
use super::optimal::{optimal_groups, BinningParams, Monotonic};
use crate::data::NULL_CODE;
use crate::error::{Error, ErrorKind, Result};
use std::cell::Cell;

/// What a modeller fixes for a numeric feature.
#[derive(Debug, Clone, Copy, Default)]
pub struct NumericControls<'a> {
    /// Values with a meaning of their own (-9999: no record), each given its own bin.
    pub special: &'a [f64],
    /// Fixed cut points (ascending, finite) instead of the optimized ones: bin k holds
    /// `cuts[k-1] <= x < cuts[k]`. Their event rates must follow the trend, unless it is
    /// `none`.
    pub cuts: Option<&'a [f64]>,
    /// finml.max_training_memory's count of the binning (none: not counted).
    pub memory: Option<&'a BinningMemory>,
}

/// finml.max_training_memory's count of numeric binnings: the bytes one may hold beyond
/// what its caller holds, and the most one held.
#[derive(Debug)]
pub struct BinningMemory {
    room: usize,
    peak: Cell<usize>,
}

impl BinningMemory {
    pub fn new(room: usize) -> BinningMemory {
        BinningMemory {
            room,
            peak: Cell::new(0),
        }
    }

    /// The most a binning held.
    pub fn peak(&self) -> usize {
        self.peak.get()
    }

    /// 54000 unless a binning may hold `bytes` more.
    fn hold(&self, bytes: usize) -> Result<()> {
        if bytes > self.room {
            return Err(Error::new(
                ErrorKind::ResourceLimit,
                format!(
                    "binning a feature needs {:.1} MB beyond the data, more than finml.max_training_memory leaves ({:.1} MB)",
                    bytes as f64 / 1048576.0,
                    self.room as f64 / 1048576.0
                ),
            )
            .with_hint("raise finml.max_training_memory, or train on a sample"));
        }
        self.peak.set(self.peak.get().max(bytes));
        Ok(())
    }
}

/// Bytes binning a numeric feature of `rows` rows and `atoms` distinct values holds: each
/// row's value and counts (its atoms, merged in place), then each atom's counts and their
/// running sums.
pub fn numeric_binning_bytes(rows: usize, atoms: usize) -> usize {
    rows.saturating_mul(std::mem::size_of::<(f64, Counts)>())
        .saturating_add(atoms.saturating_mul(2 * std::mem::size_of::<Counts>()))
}

/// Bins a numeric feature: `values[i]` for the training rows `rows`, `y[k]` the label of
/// `rows[k]`.
pub fn fit_numeric(values: &[f64], rows: &[usize], y: &[bool], params: BinningParams) -> Binning {
    let labels = RowLabels { y, weights: None };
    match fit_numeric_with(values, rows, labels, params, NumericControls::default()) {
        Ok(binning) => binning,
        // Without fixed cut points nothing is checked that could fail.
        Err(_) => unreachable!("an optimized binning always exists"),
    }
}

/// [`fit_numeric`] with special codes and fixed cut points; fails (22023) when fixed cut
/// points break the trend.
pub fn fit_numeric_with(
    values: &[f64],
    rows: &[usize],
    labels: RowLabels<'_>,
    params: BinningParams,
    controls: NumericControls<'_>,
) -> Result<Binning> {
    let hold = |atoms| match controls.memory {
        Some(memory) => memory.hold(numeric_binning_bytes(rows.len(), atoms)),
        None => Ok(()),
    };
    hold(0)?;
    let mut pairs: Vec<(f64, Counts)> = Vec::with_capacity(rows.len());
    let mut missing = Counts::default();
    let mut special = vec![Counts::default(); controls.special.len()];
    for (k, &i) in rows.iter().enumerate() {
        let v = values[i];
        let row = labels.row(k);
        if v.is_nan() {
            missing.add(row);
        } else if let Some(code) = controls.special.iter().position(|&s| s == v) {
            special[code].add(row);
        } else {
            pairs.push((v, row));
        }
    }
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut atoms = pairs;
    atoms.dedup_by(|next, kept| {
        let same = next.0 == kept.0;
        if same {
            kept.1.add(next.1);
        }
        same
    });
    hold(atoms.len())?;
    bin_numeric_atoms(atoms, special, missing, params, controls)
}

/// Bins a numeric feature from its atoms: each distinct value (ascending, no special code)
/// with its counts, the special codes' counts (in `controls.special`'s order) and the NULLs'.
/// In memory from the rows, or from a GROUP BY on the workers.
pub fn bin_numeric_atoms(
    atoms: Vec<(f64, Counts)>,
    special: Vec<Counts>,
    missing: Counts,
    params: BinningParams,
    controls: NumericControls<'_>,
) -> Result<Binning> {
    let counts: Vec<Counts> = atoms.iter().map(|a| a.1).collect();
    let (cuts, groups) = match controls.cuts {
        Some(cuts) => {
            let groups = fixed_groups(&atoms, cuts);
            check_trend(&counts, &groups, params.monotonic)?;
            (cuts.to_vec(), groups)
        }
        None => {
            let groups = optimal_groups(&counts, params, params.monotonic);
            // A cut halfway between the last value of a bin and the first of the next.
            let cuts = groups
                .iter()
                .skip(1)
                .map(|&(start, _)| (atoms[start - 1].0 + atoms[start].0) / 2.0)
                .collect();
            (cuts, groups)
        }
    };
    let mut binning =
        finish_with_special(Edges::Numeric { cuts }, &counts, &groups, &special, missing);
    binning.special = controls.special.to_vec();
    Ok(binning)
}

/// The atom ranges of fixed cut points (empty ranges for bins no training value falls in).
fn fixed_groups(atoms: &[(f64, Counts)], cuts: &[f64]) -> Vec<(usize, usize)> {
    let mut groups = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for &cut in cuts {
        let end = start + atoms[start..].partition_point(|(v, _)| *v < cut);
        groups.push((start, end));
        start = end;
    }
    groups.push((start, atoms.len()));
    groups
}

/// Fixed bins must keep the event rate strictly ascending or descending (as `trend` asks;
/// `auto` either), empty bins aside.
fn check_trend(atoms: &[Counts], groups: &[(usize, usize)], trend: Monotonic) -> Result<()> {
    let bins: Vec<Counts> = groups
        .iter()
        .map(|&(s, e)| atoms[s..e].iter().copied().sum::<Counts>())
        .filter(|c| c.rows > 0)
        .collect();
    let ascending = bins.windows(2).all(|w| w[0].rate_below(&w[1]));
    let descending = bins.windows(2).all(|w| w[1].rate_below(&w[0]));
    let holds = match trend {
        Monotonic::None => true,
        Monotonic::Ascending => ascending,
        Monotonic::Descending => descending,
        Monotonic::Auto => ascending || descending,
    };
    if holds {
        return Ok(());
    }
    let rates: Vec<String> = bins
        .iter()
        .map(|c| format!("{:.4}", c.bad_weight / (c.bad_weight + c.good_weight)))
        .collect();
    Err(crate::error::Error::invalid_option(format!(
        "the fixed cut points give event rates {} across their bins, which are not monotonic",
        rates.join(", ")
    ))
    .with_hint("move or remove cut points, or allow any shape with \"monotonic\": {\"<feature>\": \"none\"}"))
}

/// Bins a categorical feature: levels ordered by event rate, grouped into adjacent bins
/// (rare levels join a neighbour of similar rate through the minimum bin size).
pub fn fit_categorical(
    codes: &[u32],
    levels: &[String],
    rows: &[usize],
    y: &[bool],
    params: BinningParams,
) -> Binning {
    fit_categorical_with(codes, levels, rows, RowLabels { y, weights: None }, params)
}

/// [`fit_categorical`] with weighted rows.
pub fn fit_categorical_with(
    codes: &[u32],
    levels: &[String],
    rows: &[usize],
    labels: RowLabels<'_>,
    params: BinningParams,
) -> Binning {
    let mut per_level = vec![Counts::default(); levels.len()];
    let mut missing = Counts::default();
    for (k, &i) in rows.iter().enumerate() {
        match codes[i] {
            NULL_CODE => missing.add(labels.row(k)),
            code => per_level[code as usize].add(labels.row(k)),
        }
    }
    bin_levels(levels, &per_level, missing, params)
}

/// Bins a categorical feature from each level's counts (`per_level[l]` of `levels[l]`) and the
/// NULLs': in memory from the rows, or from a GROUP BY on the workers. A level seen in fewer
/// than `params.min_level_rows` rows is counted in the NULL bin, where scoring puts the
/// levels it has not seen: the stored bins never name it.
pub fn bin_levels(
    levels: &[String],
    per_level: &[Counts],
    mut missing: Counts,
    params: BinningParams,
) -> Binning {
    let mut order: Vec<usize> = Vec::with_capacity(levels.len());
    for (l, counts) in per_level.iter().enumerate().take(levels.len()) {
        if counts.rows >= params.min_level_rows.max(1) {
            order.push(l);
        } else {
            missing.add(*counts);
        }
    }
    order.sort_by(|&a, &b| {
        let (ca, cb) = (per_level[a], per_level[b]);
        if ca.rate_below(&cb) {
            std::cmp::Ordering::Less
        } else if cb.rate_below(&ca) {
            std::cmp::Ordering::Greater
        } else {
            levels[a].cmp(&levels[b])
        }
    });
    let counts: Vec<Counts> = order.iter().map(|&l| per_level[l]).collect();
    let groups = optimal_groups(&counts, params, Monotonic::Ascending);
    // Each bin's levels by name, with their rows.
    let grouped: Vec<Vec<(String, u64)>> = groups
        .iter()
        .map(|&(start, end)| {
            let mut named: Vec<(String, u64)> = order[start..end]
                .iter()
                .map(|&l| (levels[l].clone(), per_level[l].rows))
                .collect();
            named.sort();
            named
        })
        .collect();
    let level_rows = grouped
        .iter()
        .map(|bin| bin.iter().map(|&(_, rows)| rows).collect())
        .collect();
    let grouped_levels = grouped
        .into_iter()
        .map(|bin| bin.into_iter().map(|(name, _)| name).collect())
        .collect();
    let mut binning = finish(
        Edges::Categorical {
            levels: grouped_levels,
        },
        &counts,
        &groups,
        missing,
    );
    binning.level_rows = level_rows;
    binning
}

/// Builds the bins' statistics from the atom groups and the NULL counts.
fn finish(edges: Edges, atoms: &[Counts], groups: &[(usize, usize)], missing: Counts) -> Binning {
    finish_with_special(edges, atoms, groups, &[], missing)
}

/// [`finish`] with a bin per special code between the value bins and the NULL bin.
fn finish_with_special(
    edges: Edges,
    atoms: &[Counts],
    groups: &[(usize, usize)],
    special: &[Counts],
    missing: Counts,
) -> Binning {
    let totals: Counts = atoms
        .iter()
        .copied()
        .chain(special.iter().copied())
        .chain([missing])
        .sum();
    let mut bins: Vec<Bin> = groups
        .iter()
        .map(|&(start, end)| Bin::new(atoms[start..end].iter().copied().sum(), totals))
        .collect();
    bins.extend(special.iter().map(|&c| Bin::new(c, totals)));
    bins.push(Bin::new(missing, totals));
    Binning::new(edges, bins)
}
