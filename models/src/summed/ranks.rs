//! Exact medians from sums: radix selection of ranks over the numbers' order keys.

use super::pass::{state_refused, RankTarget, SumsPass, BYTE_GROUPS, GROUP_CELLS};
use crate::error::{Error, ErrorKind, Result};

/// The search for ranks of numbers by radix selection: each pass fixes one more byte of
/// each unfound rank's order key, and a rank is found when its byte's values are all equal.
#[derive(Debug, Clone)]
pub struct RankSearch {
    shift: u32,
    ranks: Vec<Rank>,
}

#[derive(Debug, Clone, Copy)]
struct Rank {
    number: usize,
    /// 0-based among the values with the prefix.
    rank: u64,
    prefix: u64,
    value: Option<f64>,
}

impl RankSearch {
    /// Searches, for each `(number, rank)`, the value at that 0-based rank among the
    /// number's present values.
    pub fn new(ranks: &[(usize, u64)]) -> RankSearch {
        RankSearch {
            shift: 64,
            ranks: ranks
                .iter()
                .map(|&(number, rank)| Rank {
                    number,
                    rank,
                    prefix: 0,
                    value: None,
                })
                .collect(),
        }
    }

    /// The next pass, or `None` when every rank is found.
    pub fn next_pass(&self) -> Option<SumsPass> {
        let targets: Vec<RankTarget> = self
            .ranks
            .iter()
            .filter(|r| r.value.is_none())
            .map(|r| RankTarget {
                number: r.number,
                prefix: r.prefix,
            })
            .collect();
        (!targets.is_empty() && self.shift >= 8).then_some(SumsPass::Ranks {
            shift: self.shift,
            targets,
        })
    }

    /// Reads the cells of the pass [`RankSearch::next_pass`] gave.
    pub fn absorb(&mut self, cells: &[f64]) -> Result<()> {
        let Some(SumsPass::Ranks { targets, .. }) = self.next_pass() else {
            return Ok(());
        };
        if cells.len() != 1 + targets.len() * BYTE_GROUPS * GROUP_CELLS {
            return Err(state_refused());
        }
        let next_shift = self.shift - 8;
        let unfound = self.ranks.iter_mut().filter(|r| r.value.is_none());
        for (t, rank) in unfound.enumerate() {
            let groups = cells[1 + t * BYTE_GROUPS * GROUP_CELLS..][..BYTE_GROUPS * GROUP_CELLS]
                .chunks(GROUP_CELLS);
            let mut before = 0u64;
            let mut found = false;
            for (byte, group) in groups.enumerate() {
                let count = group[0] as u64;
                if rank.rank < before + count {
                    rank.rank -= before;
                    rank.prefix = if self.shift == 64 {
                        byte as u64
                    } else {
                        (rank.prefix << 8) | byte as u64
                    };
                    if group[1] == group[2] || next_shift == 0 {
                        rank.value = Some(group[1]);
                    }
                    found = true;
                    break;
                }
                before += count;
            }
            if !found {
                return Err(Error::new(
                    ErrorKind::Internal,
                    format!(
                        "rank {} of number {} is beyond its {before} values",
                        rank.rank, rank.number
                    ),
                ));
            }
        }
        self.shift = next_shift;
        Ok(())
    }

    /// The values found, in the order the ranks were given.
    pub fn values(&self) -> Option<Vec<f64>> {
        self.ranks.iter().map(|r| r.value).collect()
    }
}

/// The 0-based ranks whose mean is the median of `present` values (numpy's median).
pub fn median_ranks(present: u64) -> (u64, u64) {
    if present % 2 == 1 {
        (present / 2, present / 2)
    } else {
        (present / 2 - 1, present / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summed::order_key;

    /// Radix selection finds exactly the value a sort puts at each rank, with negative numbers,
    /// both zeros, repeated values and extremes among them, in a few passes of bytes.
    #[test]
    fn rank_search_finds_what_a_sort_finds() {
        let mut values: Vec<f64> =
            vec![-0.0, 0.0, 1e308, -1e308, 5e-324, -3.5, 2.0, 2.0, 2.0, 7.25];
        let mut x = 0.123_f64;
        for _ in 0..500 {
            x = (x * 997.0 + 0.31).fract();
            values.push(((x - 0.5) * 1e4).round() / 8.0);
        }
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        for w in sorted.windows(2) {
            assert!(order_key(w[0]) <= order_key(w[1]), "{} {}", w[0], w[1]);
        }
        let n = values.len() as u64;
        let (low, high) = median_ranks(n);
        let ranks = [(0, 0), (0, low), (0, high), (0, n - 1), (0, 7)];
        let mut search = RankSearch::new(&ranks);
        let mut passes = 0;
        while let Some(pass) = search.next_pass() {
            let mut cells = pass.zero_cells();
            for &v in &values {
                pass.add_row(&mut cells, &[Some(v)], &[], 0.0).unwrap();
            }
            search.absorb(&cells).unwrap();
            passes += 1;
        }
        assert!(passes <= 8);
        let found = search.values().unwrap();
        for (&(_, rank), value) in ranks.iter().zip(found) {
            assert_eq!(
                value.to_bits(),
                sorted[rank as usize].to_bits(),
                "rank {rank}"
            );
        }
    }
}
