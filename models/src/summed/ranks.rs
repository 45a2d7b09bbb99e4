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

    /// The first pass, before any rank is known: the first byte of every one of `numbers`
    /// (a rank searched later in number k reads target k), with `with` riding along.
    pub fn first_bytes(numbers: usize, with: Option<SumsPass>) -> SumsPass {
        SumsPass::Ranks {
            shift: 64,
            targets: (0..numbers)
                .map(|number| RankTarget { number, prefix: 0 })
                .collect(),
            with: with.map(Box::new),
        }
    }

    /// The next pass, with `with` riding along, or `None` when every rank is found. Ranks
    /// whose values share a prefix (a median's two middle ranks, mostly) share a target.
    pub fn next_pass(&self, with: Option<SumsPass>) -> Option<SumsPass> {
        let mut targets: Vec<RankTarget> = Vec::new();
        for rank in self.ranks.iter().filter(|r| r.value.is_none()) {
            let target = RankTarget {
                number: rank.number,
                prefix: rank.prefix,
            };
            if !targets.contains(&target) {
                targets.push(target);
            }
        }
        (!targets.is_empty() && self.shift >= 8).then(|| SumsPass::Ranks {
            shift: self.shift,
            targets,
            with: with.map(Box::new),
        })
    }

    /// Reads the cells of `pass`, a ranks pass at the search's byte whose targets include
    /// every unfound rank's (from [`RankSearch::next_pass`] or [`RankSearch::first_bytes`]).
    pub fn absorb(&mut self, pass: &SumsPass, cells: &[f64]) -> Result<()> {
        let SumsPass::Ranks { shift, targets, .. } = pass else {
            return Err(state_refused());
        };
        let groups = pass.ranks_state(cells);
        if *shift != self.shift
            || self.shift < 8
            || groups.len() != 1 + targets.len() * BYTE_GROUPS * GROUP_CELLS
        {
            return Err(state_refused());
        }
        let next_shift = self.shift - 8;
        for rank in self.ranks.iter_mut().filter(|r| r.value.is_none()) {
            let t = targets
                .iter()
                .position(|t| t.number == rank.number && t.prefix == rank.prefix)
                .ok_or_else(state_refused)?;
            let groups = groups[1 + t * BYTE_GROUPS * GROUP_CELLS..][..BYTE_GROUPS * GROUP_CELLS]
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
        while let Some(pass) = search.next_pass(None) {
            let mut cells = pass.zero_cells();
            for &v in &values {
                pass.add_row(&mut cells, &[Some(v)], &[], 0.0).unwrap();
            }
            search.absorb(&pass, &cells).unwrap();
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
