//! The row and event counts (and weights) of a group of training rows, which every bin,
//! pre-bin and level is summed from.

/// Rows and events (positive class, "bad") of a group of training rows, with their weights
/// in a weighted fit (`class_weight`, `weight_column`): the bins' sizes and event counts are
/// of rows, their event rates, WoE and IV of weights. Unweighted, the weights are the
/// counts, exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub rows: u64,
    pub events: u64,
    /// Total weight of the events ("bads") and of the non-events ("goods").
    pub bad_weight: f64,
    pub good_weight: f64,
    /// True once a row of weight other than 1 was added: rates compare in f64, not exactly.
    pub weighted: bool,
}

impl Counts {
    /// Unweighted counts: `rows` rows of which `events` are events.
    pub fn unweighted(rows: u64, events: u64) -> Counts {
        Counts {
            rows,
            events,
            bad_weight: events as f64,
            good_weight: rows.saturating_sub(events) as f64,
            weighted: false,
        }
    }

    pub fn non_events(&self) -> u64 {
        self.rows - self.events
    }

    pub fn add(&mut self, other: Counts) {
        self.rows += other.rows;
        self.events += other.events;
        self.bad_weight += other.bad_weight;
        self.good_weight += other.good_weight;
        self.weighted |= other.weighted;
    }

    pub(super) fn minus(self, other: Counts) -> Counts {
        Counts {
            rows: self.rows - other.rows,
            events: self.events - other.events,
            bad_weight: self.bad_weight - other.bad_weight,
            good_weight: self.good_weight - other.good_weight,
            weighted: self.weighted || other.weighted,
        }
    }

    pub(super) fn has_both_classes(&self) -> bool {
        self.events > 0 && self.non_events() > 0 && self.bad_weight > 0.0 && self.good_weight > 0.0
    }

    /// `self`'s event rate is below `other`'s: exactly, from the counts, when unweighted.
    pub(super) fn rate_below(&self, other: &Counts) -> bool {
        if self.weighted || other.weighted {
            return self.bad_weight * (other.bad_weight + other.good_weight)
                < other.bad_weight * (self.bad_weight + self.good_weight);
        }
        u128::from(self.events) * u128::from(other.rows)
            < u128::from(other.events) * u128::from(self.rows)
    }

    /// Gini impurity times weight: `w · 2p(1 − p)` (rows and the event rate, unweighted).
    pub(super) fn weighted_gini(&self) -> f64 {
        let total = self.bad_weight + self.good_weight;
        if total <= 0.0 {
            return 0.0;
        }
        let p = self.bad_weight / total;
        total * 2.0 * p * (1.0 - p)
    }
}

impl std::iter::Sum for Counts {
    fn sum<I: Iterator<Item = Counts>>(iter: I) -> Counts {
        iter.fold(Counts::default(), |mut total, c| {
            total.add(c);
            total
        })
    }
}

/// `prefix[k]` holds the sum of `counts[..k]`, so any range's counts are one subtraction.
pub(super) fn prefix_sums(counts: &[Counts]) -> Vec<Counts> {
    let mut prefix = vec![Counts::default(); counts.len() + 1];
    for (k, c) in counts.iter().enumerate() {
        prefix[k + 1] = prefix[k];
        prefix[k + 1].add(*c);
    }
    prefix
}

/// The labels of the rows being binned (`y[k]` of `rows[k]`, true for an event) and, in a
/// weighted fit, each row's weight.
#[derive(Debug, Clone, Copy)]
pub struct RowLabels<'a> {
    pub y: &'a [bool],
    pub weights: Option<&'a [f64]>,
}

impl RowLabels<'_> {
    /// The counts of row `k` alone.
    pub(super) fn row(&self, k: usize) -> Counts {
        let event = self.y[k];
        let weight = self.weights.map_or(1.0, |w| w[k]);
        Counts {
            rows: 1,
            events: u64::from(event),
            bad_weight: if event { weight } else { 0.0 },
            good_weight: if event { 0.0 } else { weight },
            weighted: weight != 1.0,
        }
    }
}
