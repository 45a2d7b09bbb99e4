//! Time-to-default data and what every survival model is measured by: the survival target's
//! checks (events, durations, entries), the Kaplan–Meier estimate, Harrell's concordance
//! (lifelines' `concordance_index`) and the term structure of a survival curve (hazard,
//! cumulative PD and survival by period).

use crate::data::SurvivalColumn;
use crate::error::{Error, Result};

/// The training rows' survival labels, in the order of the rows they were taken for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SurvivalLabels {
    /// True when the default was observed, false when the loan was censored.
    pub events: Vec<bool>,
    /// Periods observed (to the default or to censoring), >= 0.
    pub durations: Vec<f64>,
    /// The period after which each loan was first observed (left truncation), < duration.
    pub entries: Option<Vec<f64>>,
}

impl SurvivalLabels {
    /// The labels of `rows` of a checked column ([`check`]).
    pub fn of_rows(column: &SurvivalColumn, rows: &[usize]) -> SurvivalLabels {
        SurvivalLabels {
            events: rows.iter().map(|&i| column.events[i] == 1.0).collect(),
            durations: rows.iter().map(|&i| column.durations[i]).collect(),
            entries: column
                .entries
                .as_ref()
                .map(|entries| rows.iter().map(|&i| entries[i]).collect()),
        }
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn entry(&self, k: usize) -> f64 {
        self.entries.as_ref().map_or(0.0, |e| e[k])
    }
}

/// The names of a survival target's columns, for the errors that name a row.
#[derive(Debug, Clone, Copy)]
pub struct SurvivalNames<'a> {
    pub event: &'a str,
    pub duration: &'a str,
    pub entry: Option<&'a str>,
}

/// 22000 naming the first row whose event is not 0 or 1 (or NULL), whose duration is
/// negative, NULL or not finite, or whose entry is negative, NULL or not before its duration.
pub fn check(column: &SurvivalColumn, names: SurvivalNames<'_>) -> Result<()> {
    let shown = |v: f64| {
        if v.is_nan() {
            "NULL".to_owned()
        } else {
            v.to_string()
        }
    };
    for (i, (&event, &duration)) in column.events.iter().zip(&column.durations).enumerate() {
        crate::interrupt::check_every(i, 65_536);
        if event != 0.0 && event != 1.0 {
            return Err(Error::invalid_data(format!(
                "event column \"{}\" holds {} in row {}",
                names.event,
                shown(event),
                i + 1
            ))
            .with_hint("the event column of a survival model is boolean or 0/1: true (1) when the default was observed, false (0) when the loan was censored; filter or fix other rows in a view"));
        }
        if !(duration.is_finite() && duration >= 0.0) {
            return Err(Error::invalid_data(format!(
                "duration column \"{}\" holds {} in row {}",
                names.duration,
                shown(duration),
                i + 1
            ))
            .with_hint("options.duration names a numeric column of periods observed (>= 0): to the default, or to the last period the loan was seen"));
        }
        let Some(entries) = &column.entries else {
            continue;
        };
        let entry = entries[i];
        if !(entry.is_finite() && entry >= 0.0 && entry < duration) {
            return Err(Error::invalid_data(format!(
                "entry column \"{}\" holds {} in row {} (its duration is {duration})",
                names.entry.unwrap_or("entry"),
                shown(entry),
                i + 1
            ))
            .with_hint("options.entry names a numeric column of the period after which a loan already on the book was first observed: >= 0 and before its duration (it is at risk from entry to duration)"));
        }
    }
    Ok(())
}

/// One step of a Kaplan–Meier curve: at `time`, the survival just after it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KaplanMeierStep {
    pub time: f64,
    pub at_risk: f64,
    pub events: f64,
    pub survival: f64,
}

/// The Kaplan–Meier estimate of the labels: one step per distinct event time, ascending. With
/// left truncation a loan is at risk at t when entry < t <= duration, the Cox fit's risk set
/// (lifelines' `KaplanMeierFitter` counts a loan that enters at t as at risk at t).
pub fn kaplan_meier(labels: &SurvivalLabels) -> Vec<KaplanMeierStep> {
    let mut event_times: Vec<f64> = labels
        .durations
        .iter()
        .zip(&labels.events)
        .filter(|(_, &e)| e)
        .map(|(&t, _)| t)
        .collect();
    event_times.sort_by(f64::total_cmp);
    event_times.dedup();
    let mut exits: Vec<f64> = labels.durations.clone();
    exits.sort_by(f64::total_cmp);
    // Without entries every loan is at risk from the start (a default at duration 0 counts).
    let mut entries: Vec<f64> = match &labels.entries {
        Some(entries) => entries.clone(),
        None => vec![f64::NEG_INFINITY; labels.len()],
    };
    entries.sort_by(f64::total_cmp);
    let mut events_at: Vec<(f64, bool)> = labels
        .durations
        .iter()
        .copied()
        .zip(labels.events.iter().copied())
        .collect();
    events_at.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut survival = 1.0;
    let mut steps = Vec::with_capacity(event_times.len());
    let (mut exited, mut entered, mut seen) = (0usize, 0usize, 0usize);
    for (k, &t) in event_times.iter().enumerate() {
        crate::interrupt::check_every(k, 4096);
        // At risk at t: entered before t, not yet exited before t.
        while exited < exits.len() && exits[exited] < t {
            exited += 1;
        }
        while entered < entries.len() && entries[entered] < t {
            entered += 1;
        }
        let at_risk = entered.saturating_sub(exited) as f64;
        while seen < events_at.len() && events_at[seen].0 < t {
            seen += 1;
        }
        let mut events = 0.0;
        while seen < events_at.len() && events_at[seen].0 == t {
            events += f64::from(u8::from(events_at[seen].1));
            seen += 1;
        }
        if at_risk > 0.0 {
            survival *= 1.0 - events / at_risk;
        }
        steps.push(KaplanMeierStep {
            time: t,
            at_risk,
            events,
            survival,
        });
    }
    steps
}

/// The Kaplan–Meier survival at `time` (1 before the first event).
pub fn survival_at(steps: &[KaplanMeierStep], time: f64) -> f64 {
    let after = steps.partition_point(|s| s.time <= time);
    if after == 0 {
        1.0
    } else {
        steps[after - 1].survival
    }
}

/// Harrell's concordance of `risk` (higher: default sooner) with the labels, as lifelines'
/// `concordance_index(durations, -risk, events)`: a pair is comparable when the shorter
/// duration ended in a default (a censored loan is compared with the defaults up to its own
/// duration, a default with those strictly before); it is concordant when the earlier
/// default has the higher risk, and a tie in risk counts one half. `None` without a
/// comparable pair. O(n log n): a Fenwick tree over the defaults' risk ranks.
pub fn concordance(labels: &SurvivalLabels, risk: &[f64]) -> Option<f64> {
    let mut died: Vec<usize> = (0..labels.len()).filter(|&k| labels.events[k]).collect();
    let mut censored: Vec<usize> = (0..labels.len()).filter(|&k| !labels.events[k]).collect();
    let by_time = |a: &usize, b: &usize| labels.durations[*a].total_cmp(&labels.durations[*b]);
    died.sort_by(by_time);
    censored.sort_by(by_time);
    let mut ranks: Vec<f64> = died.iter().map(|&k| risk[k]).collect();
    ranks.sort_by(f64::total_cmp);
    ranks.dedup();
    let mut pool = RankCounts::new(ranks);
    let (mut pairs, mut correct, mut tied) = (0u64, 0u64, 0u64);
    let (mut d, mut c) = (0usize, 0usize);
    let mut compare = |batch: &[usize], pool: &RankCounts| {
        for &k in batch {
            let (higher, same) = pool.higher_and_same(risk[k]);
            pairs += pool.total;
            correct += higher;
            tied += same;
        }
    };
    while d < died.len() || c < censored.len() {
        crate::interrupt::check_every(d + c, 65_536);
        let died_next = d < died.len()
            && (c >= censored.len() || labels.durations[died[d]] <= labels.durations[censored[c]]);
        let list = if died_next { &died } else { &censored };
        let start = if died_next { d } else { c };
        let time = labels.durations[list[start]];
        let end = start + list[start..].partition_point(|&k| labels.durations[k] == time);
        compare(&list[start..end], &pool);
        if died_next {
            for &k in &died[start..end] {
                pool.insert(risk[k]);
            }
            d = end;
        } else {
            c = end;
        }
    }
    (pairs > 0).then(|| (correct as f64 + 0.5 * tied as f64) / pairs as f64)
}

/// The cumulative/dynamic AUC at `horizon` (Heagerty, Lumley and Pepe's definition, without
/// censoring weights): how often a loan that defaulted by the horizon has a higher risk
/// than one still on the book after it, ties counting one half. Loans censored before the
/// horizon are neither. `None` without both kinds.
pub fn auc_at(labels: &SurvivalLabels, risk: &[f64], horizon: f64) -> Option<f64> {
    let (mut scores, mut cases) = (Vec::new(), Vec::new());
    for ((&event, &duration), &r) in labels.events.iter().zip(&labels.durations).zip(risk) {
        let case = event && duration <= horizon;
        if case || duration > horizon {
            scores.push(r);
            cases.push(case);
        }
    }
    crate::metrics::auc(&scores, &cases)
}

/// Counts of the defaults' risks inserted so far, by rank (a Fenwick tree).
struct RankCounts {
    values: Vec<f64>,
    tree: Vec<u64>,
    total: u64,
}

impl RankCounts {
    fn new(values: Vec<f64>) -> RankCounts {
        let n = values.len();
        RankCounts {
            values,
            tree: vec![0; n + 1],
            total: 0,
        }
    }

    fn insert(&mut self, value: f64) {
        let mut i = self.values.partition_point(|v| *v < value) + 1;
        while i < self.tree.len() {
            self.tree[i] += 1;
            i += i & i.wrapping_neg();
        }
        self.total += 1;
    }

    /// How many inserted values are at most rank `i` (1-based, inclusive).
    fn prefix(&self, mut i: usize) -> u64 {
        let mut sum = 0;
        while i > 0 {
            sum += self.tree[i];
            i -= i & i.wrapping_neg();
        }
        sum
    }

    /// How many inserted risks (earlier exits) are above `value`'s and how many equal to it:
    /// an earlier default of higher risk is a concordant pair.
    fn higher_and_same(&self, value: f64) -> (u64, u64) {
        let below = self.values.partition_point(|v| *v < value);
        let through = self.values.partition_point(|v| *v <= value);
        let at_most = self.prefix(through);
        (self.total - at_most, at_most - self.prefix(below))
    }
}

/// One period of a PD term structure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TermPoint {
    /// 1, 2, ... periods from now.
    pub period: u32,
    /// The probability of default in this period for a loan that survived the previous ones.
    pub hazard: f64,
    /// The probability of default by the end of this period.
    pub cumulative_pd: f64,
    pub survival: f64,
}

/// The term structure of the survival probabilities `survival[t-1]` = S(t), t = 1..: each
/// period's conditional hazard, cumulative PD and survival (clamped to [0, 1], monotone).
pub fn term_structure(survival: &[f64]) -> Vec<TermPoint> {
    let mut previous = 1.0_f64;
    survival
        .iter()
        .enumerate()
        .map(|(t, &s)| {
            // max and min, not clamp: a NaN (refused before, by the callers) must not panic.
            let s = s.max(0.0).min(previous);
            let hazard = if previous > 0.0 {
                1.0 - s / previous
            } else {
                0.0
            };
            previous = s;
            TermPoint {
                period: u32::try_from(t + 1).unwrap_or(u32::MAX),
                hazard,
                cumulative_pd: 1.0 - s,
                survival: s,
            }
        })
        .collect()
}

/// 42809 for a term structure asked of a model that is not a survival model.
pub fn not_a_survival_model(algorithm: &str) -> Error {
    Error::new(
        crate::error::ErrorKind::WrongModelKind,
        format!(
            "{} model predicts one probability, not a PD term structure",
            crate::error::with_article(algorithm)
        ),
    )
    .with_hint("a classifier's probability is its PD over the window its target was defined on (fin_pd with that horizon); train algorithm => 'cox' with options.duration for PD curves")
}

/// 0A000 for a survival model in fin_cross_validate, fin_tune or fin_backtest, whose folds
/// measure one prediction against one outcome.
pub fn not_measured_yet() -> Error {
    Error::new(
        crate::error::ErrorKind::Unsupported,
        "fin_cross_validate, fin_tune and fin_backtest do not measure survival models yet",
    )
    .with_hint("train the model with fin_train: its held-out concordance, AUC and PD against Kaplan-Meier are in finml.model_versions.metrics")
}

/// The most periods a term structure may span (a 100-year loan in months).
pub const MAX_HORIZON: i64 = 1200;

/// 22023 for a horizon outside 1..=[`MAX_HORIZON`].
pub fn check_horizon(horizon: i64, what: &str) -> Result<usize> {
    if (1..=MAX_HORIZON).contains(&horizon) {
        return Ok(horizon as usize);
    }
    Err(Error::invalid_option(format!(
        "{what} must be between 1 and {MAX_HORIZON} periods, got {horizon}"
    ))
    .with_hint("a horizon counts periods of the model's duration column: 12 for a 12-month PD on monthly data, the remaining term for a lifetime PD"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(durations: &[f64], events: &[bool]) -> SurvivalLabels {
        SurvivalLabels {
            events: events.to_vec(),
            durations: durations.to_vec(),
            entries: None,
        }
    }

    fn brute_force_concordance(labels: &SurvivalLabels, risk: &[f64]) -> f64 {
        let (mut pairs, mut score) = (0.0, 0.0);
        for i in 0..labels.len() {
            for j in 0..labels.len() {
                let (ti, tj) = (labels.durations[i], labels.durations[j]);
                // i defaulted first; j outlived it (or was censored at the same time).
                let comparable = labels.events[i] && (ti < tj || (ti == tj && !labels.events[j]));
                if comparable {
                    pairs += 1.0;
                    score += if risk[i] > risk[j] {
                        1.0
                    } else if risk[i] == risk[j] {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
        }
        score / pairs
    }

    #[test]
    fn concordance_equals_the_pairwise_definition_with_ties_in_times_and_risks() {
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        for _ in 0..20 {
            let n = 60;
            let durations: Vec<f64> = (0..n).map(|_| (next() * 12.0).floor()).collect();
            let events: Vec<bool> = (0..n).map(|_| next() < 0.4).collect();
            let risk: Vec<f64> = (0..n).map(|_| (next() * 5.0).floor()).collect();
            let l = labels(&durations, &events);
            let fast = concordance(&l, &risk).unwrap();
            assert!((fast - brute_force_concordance(&l, &risk)).abs() < 1e-12);
        }
    }

    #[test]
    fn a_perfect_ranking_has_concordance_one_and_its_reverse_zero() {
        let l = labels(&[1.0, 2.0, 3.0, 4.0], &[true, true, true, false]);
        assert_eq!(concordance(&l, &[4.0, 3.0, 2.0, 1.0]), Some(1.0));
        assert_eq!(concordance(&l, &[1.0, 2.0, 3.0, 4.0]), Some(0.0));
        assert_eq!(concordance(&labels(&[1.0], &[false]), &[0.0]), None);
    }

    #[test]
    fn the_auc_at_a_horizon_compares_defaults_by_it_with_loans_past_it() {
        // Defaults at 1 and 3, a censoring at 2 (neither at horizon 2), survivors to 5.
        let l = labels(&[1.0, 2.0, 3.0, 5.0], &[true, false, true, false]);
        // At horizon 2: the case is loan 1; the controls loans 3 and 4.
        assert_eq!(auc_at(&l, &[0.9, 0.0, 0.5, 0.1], 2.0), Some(1.0));
        assert_eq!(auc_at(&l, &[0.2, 0.0, 0.5, 0.1], 2.0), Some(0.5));
        assert_eq!(auc_at(&l, &[0.2, 0.0, 0.5, 0.1], 0.5), None);
    }

    #[test]
    fn kaplan_meier_is_the_product_limit_formula() {
        // Durations 1,2,2,3,4 with events at 1, 2 (one of two), 4: S = 4/5, ·3/4, ·1/1.
        let l = labels(
            &[1.0, 2.0, 2.0, 3.0, 4.0],
            &[true, true, false, false, true],
        );
        let steps = kaplan_meier(&l);
        let s: Vec<f64> = steps.iter().map(|s| s.survival).collect();
        assert_eq!(
            steps.iter().map(|s| s.time).collect::<Vec<_>>(),
            [1.0, 2.0, 4.0]
        );
        assert!((s[0] - 0.8).abs() < 1e-15 && (s[1] - 0.6).abs() < 1e-15 && s[2] == 0.0);
        assert_eq!(survival_at(&steps, 0.5), 1.0);
        assert!((survival_at(&steps, 3.0) - 0.6).abs() < 1e-15);
    }

    #[test]
    fn left_truncated_loans_join_the_risk_set_after_their_entry() {
        let mut l = labels(&[2.0, 5.0, 5.0], &[true, true, false]);
        l.entries = Some(vec![0.0, 3.0, 0.0]);
        let steps = kaplan_meier(&l);
        // At 2 only loans 1 and 3 are at risk; at 5 loans 2 and 3.
        assert_eq!(steps[0].at_risk, 2.0);
        assert_eq!(steps[1].at_risk, 2.0);
        assert!((steps[1].survival - 0.25).abs() < 1e-15);
    }

    #[test]
    fn the_term_structure_chains_hazards_into_the_cumulative_pd() {
        let points = term_structure(&[0.9, 0.81, 0.81]);
        assert!((points[1].hazard - 0.1).abs() < 1e-15);
        assert!((points[1].cumulative_pd - 0.19).abs() < 1e-15);
        assert_eq!(points[2].hazard, 0.0);
        assert!(check_horizon(0, "horizon").is_err());
        assert!(check_horizon(1201, "horizon").is_err());
        assert_eq!(check_horizon(12, "horizon").unwrap(), 12);
    }

    #[test]
    fn a_bad_event_duration_or_entry_is_named_with_its_row() {
        let names = SurvivalNames {
            event: "default",
            duration: "months",
            entry: Some("seen_from"),
        };
        let column =
            |events: Vec<f64>, durations: Vec<f64>, entries: Option<Vec<f64>>| SurvivalColumn {
                events,
                durations,
                entries,
            };
        let e = check(&column(vec![1.0, 2.0], vec![1.0, 1.0], None), names).unwrap_err();
        assert_eq!(e.message, "event column \"default\" holds 2 in row 2");
        let e = check(&column(vec![1.0, 0.0], vec![1.0, -3.0], None), names).unwrap_err();
        assert_eq!(e.message, "duration column \"months\" holds -3 in row 2");
        let e = check(&column(vec![f64::NAN], vec![1.0], None), names).unwrap_err();
        assert_eq!(e.message, "event column \"default\" holds NULL in row 1");
        let e = check(&column(vec![1.0], vec![4.0], Some(vec![5.0])), names).unwrap_err();
        assert_eq!(
            e.message,
            "entry column \"seen_from\" holds 5 in row 1 (its duration is 4)"
        );
        assert!(check(
            &column(vec![1.0, 0.0], vec![1.0, 7.5], Some(vec![0.0, 2.0])),
            names
        )
        .is_ok());
        assert!(check(&column(vec![1.0], vec![0.0], None), names).is_ok());
    }
}
