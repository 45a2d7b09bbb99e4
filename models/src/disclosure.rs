//! What a stored model discloses of its training rows (`fin_privacy_report`, the report's
//! Privacy section): each kind of training-data value it keeps, whether as it was or rounded,
//! and the fewest training rows behind one such value, whose minimum over the model is its
//! k-anonymity. Statistics of all training rows (a feature's mean, standard deviation and
//! imputed value, the model's weights) describe the whole population and are not listed; nor
//! is a text feature's hashed vocabulary, which names no word.

use crate::binning::{Binning, Edges};
use crate::data::{MISSING_LEVEL, OTHER_LEVEL};
use crate::dp_sgd::PrivacySpent;
use crate::drift::{
    round_significant, Distribution, DriftReference, COARSE_DIGITS, DRIFT_SAMPLE_ROWS,
};
use crate::explain::Reference;
use crate::html::number;
use crate::preprocess::{Preprocessor, Transform};
use crate::trees::{Combine, Ensemble};

/// Levels a row's detail lists, fewest rows first.
const LISTED_LEVELS: usize = 8;

/// One kind of training-data value a model stores (for one feature, or for the model).
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosure {
    pub kind: &'static str,
    pub feature: Option<String>,
    /// Values of this kind stored.
    pub stored: Option<u64>,
    /// Whether they are training values as they were (false: rounded, or means of groups).
    pub exact: Option<bool>,
    /// Training rows behind the least shared value, as a lower bound: 1 for an exact number,
    /// which may be one row's; `None` where the model does not know.
    pub min_rows: Option<u64>,
    pub detail: String,
}

impl Disclosure {
    pub fn new(kind: &'static str, feature: Option<&str>, stored: usize) -> Disclosure {
        Disclosure {
            kind,
            feature: feature.map(str::to_owned),
            stored: Some(stored as u64),
            exact: Some(true),
            min_rows: None,
            detail: String::new(),
        }
    }

    /// A row of the whole model, not of a kind of values.
    fn summary(kind: &'static str, min_rows: Option<u64>, detail: String) -> Disclosure {
        Disclosure {
            kind,
            feature: None,
            stored: None,
            exact: None,
            min_rows,
            detail,
        }
    }

    /// Numbers `values` of the training rows, stored as they were (one row's at least) or,
    /// when every one is a number of 2 significant digits (`store_reference` "coarse"
    /// rounds them so), rounded. Read from the values, not the options: a version trained
    /// with "coarse" before 0.16.0 rounded its drift deciles only.
    pub fn numbers(mut self, values: impl IntoIterator<Item = f64>, exact_detail: &str) -> Self {
        let rounded = values.into_iter().all(is_round);
        self.exact = Some(!rounded);
        if rounded {
            self.detail =
                "at most 2 significant digits each (rounded, or round in the data)".into();
        } else {
            self.min_rows = Some(1);
            self.detail = exact_detail.into();
        }
        self
    }
}

/// Whether `x` has at most [`COARSE_DIGITS`] significant digits (within the rounding of a
/// conversion between units).
pub fn is_round(x: f64) -> bool {
    (x - round_significant(x, COARSE_DIGITS)).abs() <= 1e-9 * x.abs().max(1.0)
}

/// What the catalog knows of a version beside its model.
#[derive(Debug, Clone, Copy)]
pub struct Storing<'a> {
    pub train_rows: u64,
    pub privacy: Option<&'a PrivacySpent>,
}

impl<'a> Storing<'a> {
    pub fn of_version(train_rows: i64, privacy: Option<&'a PrivacySpent>) -> Self {
        Storing {
            train_rows: u64::try_from(train_rows).unwrap_or(0),
            privacy,
        }
    }
}

/// What a stored model holds beside its estimator's parameters, for [`privacy_report`].
#[derive(Debug, Clone, Copy)]
pub struct StoredParts<'a> {
    pub preprocessor: &'a Preprocessor,
    pub drift: Option<&'a DriftReference>,
    pub reference: Option<&'a Reference>,
}

/// Every kind of training-data value a model stores (its parts, then what its estimator
/// stores: `estimator_values`), then its DP budget (if any) and its k-anonymity.
pub fn privacy_report(
    parts: StoredParts<'_>,
    estimator_values: Vec<Disclosure>,
    storing: Storing<'_>,
) -> Vec<Disclosure> {
    let mut out = preprocessing(parts.preprocessor);
    if let Some(drift) = parts.drift {
        for (f, distribution) in parts.preprocessor.features.iter().zip(&drift.features) {
            out.extend(drift_values(&f.name, distribution, storing));
        }
    }
    out.extend(estimator_values);
    if let Some(reference) = parts.reference {
        let points: usize = reference.summary.iter().map(|s| s.value.len()).sum();
        if points > 0 {
            let mut d = Disclosure::new("row values", None, points);
            d.min_rows = Some(1);
            d.detail = "single training rows' values with their SHAP contributions, for the \
                        report's summary chart; store_reference \"coarse\" or \"none\" keeps none"
                .into();
            out.push(d);
        }
    }
    if let Some(p) = storing.privacy {
        out.push(Disclosure::summary(
            "dp budget",
            None,
            format!(
                "DP-SGD: (ε, δ) = ({}, {}) spent of a target ε {}, noise multiplier {}, \
                 max_grad_norm {}, {} steps at sample rate {} ({} accountant); it covers the \
                 weights, not the values listed here",
                number(p.epsilon),
                number(p.delta),
                number(p.target_epsilon),
                number(p.noise_multiplier),
                number(p.max_grad_norm),
                p.steps,
                number(p.sample_rate),
                p.accountant
            ),
        ));
    }
    out.push(k_anonymity(&out));
    out
}

/// The smallest group over the values listed; "unknown" when levels were stored without their
/// rows (before 0.16.0), which may each be one row's.
fn k_anonymity(listed: &[Disclosure]) -> Disclosure {
    let smallest = listed
        .iter()
        .filter_map(|d| d.min_rows.map(|rows| (rows, d)))
        .min_by_key(|&(rows, _)| rows);
    let uncounted = listed
        .iter()
        .find(|d| d.exact == Some(true) && d.min_rows.is_none());
    let detail = match (uncounted, smallest) {
        (Some(d), _) => format!(
            "unknown: the {} of \"{}\" were stored without their training rows{}",
            d.kind,
            d.feature.as_deref().unwrap_or_default(),
            smallest.map_or(String::new(), |(rows, _)| format!(
                ", and {rows} is the fewest behind a counted value"
            ))
        ),
        (None, Some((rows, d))) => format!(
            "the fewest training rows behind one stored value: {rows}, of the {}{}",
            d.kind,
            d.feature
                .as_ref()
                .map_or(String::new(), |f| format!(" of \"{f}\""))
        ),
        (None, None) => {
            "no stored value is known to be shared by fewer than all training rows".into()
        }
    };
    Disclosure::summary("k-anonymity", smallest.map(|(rows, _)| rows), detail)
}

/// Levels by name and a date's earliest day, feature by feature.
fn preprocessing(preprocessor: &Preprocessor) -> Vec<Disclosure> {
    let mut out = Vec::new();
    for f in &preprocessor.features {
        match &f.transform {
            Transform::Categorical(c) => {
                let mut named: Vec<(&str, Option<u64>)> = c
                    .levels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (l.as_str(), c.level_rows.get(i).copied()))
                    .collect();
                let named_reference = c.reference != MISSING_LEVEL && c.reference != OTHER_LEVEL;
                if c.reference_rows.is_some() || named_reference {
                    named.push((&c.reference, c.reference_rows));
                }
                out.extend(levels("levels", &f.name, named));
            }
            Transform::Binned(b) => {
                out.extend(scorecard_bins(&f.name, b));
                match &b.edges {
                    Edges::Categorical { levels: bins } => {
                        let named = bins
                            .iter()
                            .enumerate()
                            .flat_map(|(bin, names)| {
                                names.iter().enumerate().map(move |(i, l)| {
                                    let rows = b.level_rows.get(bin).and_then(|r| r.get(i));
                                    (l.as_str(), rows.copied())
                                })
                            })
                            .collect();
                        out.extend(levels("scorecard levels", &f.name, named));
                    }
                    Edges::Numeric { cuts } if !cuts.is_empty() => {
                        let d = Disclosure::new("scorecard cut points", Some(&f.name), cuts.len());
                        out.push(
                            d.numbers(cuts.iter().copied(), "bin edges between training values"),
                        );
                    }
                    Edges::Numeric { .. } => {}
                }
            }
            Transform::Date(_) => {
                let mut d = Disclosure::new("date origin", Some(&f.name), 1);
                d.min_rows = Some(1);
                d.detail = "the earliest training date, which parts count days from".into();
                out.push(d);
            }
            Transform::Numeric(_) | Transform::Text(_) => {}
        }
    }
    out
}

/// A scorecard's bins: each keeps its training rows and events (its default rate), so a bin
/// of few rows tells those rows' outcomes.
fn scorecard_bins(feature: &str, binning: &Binning) -> Option<Disclosure> {
    let counted: Vec<u64> = binning
        .bins
        .iter()
        .map(|b| b.rows)
        .filter(|&r| r > 0)
        .collect();
    let fewest = counted.iter().copied().min()?;
    let mut d = Disclosure::new("scorecard bins", Some(feature), counted.len());
    d.exact = Some(false);
    d.min_rows = Some(fewest);
    d.detail = "each bin's training rows and events (its default rate)".into();
    Some(d)
}

/// The levels of one feature stored by name, with their rows where the model knows them.
fn levels(
    kind: &'static str,
    feature: &str,
    mut named: Vec<(&str, Option<u64>)>,
) -> Option<Disclosure> {
    if named.is_empty() {
        return None;
    }
    let mut d = Disclosure::new(kind, Some(feature), named.len());
    let counted = named.iter().all(|(_, rows)| rows.is_some());
    if counted {
        named.sort_by_key(|&(l, rows)| (rows, l));
        d.min_rows = named.first().and_then(|&(_, rows)| rows);
        let listed: Vec<String> = named
            .iter()
            .take(LISTED_LEVELS)
            .map(|(l, rows)| format!("{l} ({})", rows.unwrap_or_default()))
            .collect();
        let more = named.len().saturating_sub(LISTED_LEVELS);
        d.detail = format!(
            "fewest rows first: {}{}",
            listed.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    } else {
        d.detail = "rows per level not stored (trained before finml 0.16.0)".into();
    }
    Some(d)
}

/// What the drift reference keeps of one feature: its deciles, or its levels' shares of a
/// sample of the training rows.
fn drift_values(
    feature: &str,
    distribution: &Distribution,
    storing: Storing<'_>,
) -> Option<Disclosure> {
    match distribution {
        Distribution::Numeric { edges, .. } if !edges.is_empty() => Some(
            Disclosure::new("quantile edges", Some(feature), edges.len()).numbers(
                edges.iter().copied(),
                "deciles of the drift reference, each a training row's value",
            ),
        ),
        Distribution::Levels { levels, shares, .. } if !levels.is_empty() => {
            let sample = storing.train_rows.min(DRIFT_SAMPLE_ROWS as u64);
            let fewest = shares.iter().copied().fold(f64::INFINITY, f64::min);
            let mut d = Disclosure::new("drift levels", Some(feature), levels.len());
            d.min_rows = Some((fewest * sample as f64).round() as u64);
            d.detail = format!("level shares of {sample} training rows, for drift");
            Some(d)
        }
        _ => None,
    }
}

/// The thresholds trees split numbers at (feature by feature) and their leaves.
pub fn tree_values(preprocessor: &Preprocessor, ensembles: &[&Ensemble]) -> Vec<Disclosure> {
    // Design column -> the feature whose number it is (None: an indicator, a hashed text).
    let mut column_feature: Vec<Option<usize>> = Vec::with_capacity(preprocessor.width());
    for (k, f) in preprocessor.features.iter().enumerate() {
        let numeric = matches!(f.transform, Transform::Numeric(_) | Transform::Date(_));
        column_feature.extend(std::iter::repeat_n(
            numeric.then_some(k),
            f.transform.width(),
        ));
    }
    let mut thresholds: Vec<Vec<f64>> = vec![Vec::new(); preprocessor.features.len()];
    let (mut leaves, mut fewest) = (0usize, f64::INFINITY);
    for tree in ensembles.iter().flat_map(|e| &e.trees) {
        for node in 0..tree.children_left.len() {
            if tree.children_left[node] < 0 {
                leaves += 1;
                fewest = fewest.min(tree.node_sample_weight.get(node).copied().unwrap_or(0.0));
            } else if let Some(Some(k)) = column_feature.get(tree.features[node] as usize) {
                thresholds[*k].push(tree.thresholds.get(node).copied().unwrap_or(0.0));
            }
        }
    }
    let mut out: Vec<Disclosure> = thresholds
        .iter()
        .zip(&preprocessor.features)
        .filter(|(t, _)| !t.is_empty())
        .map(|(t, f)| {
            Disclosure::new("thresholds", Some(&f.name), t.len()).numbers(
                t.iter().copied(),
                "split points halfway between two training values",
            )
        })
        .collect();
    if leaves > 0 {
        // A forest's trees grow on bootstrap draws, where a row drawn twice counts twice: a
        // leaf of any weight may hold one row.
        let averaged = ensembles
            .iter()
            .any(|e| e.combine == Combine::Mean && e.trees.len() > 1);
        let mut d = Disclosure::new("leaves", None, leaves);
        d.exact = Some(false);
        d.min_rows = if averaged {
            Some(1)
        } else {
            fewest.is_finite().then(|| fewest.max(0.0).round() as u64)
        };
        d.detail = if averaged {
            "each leaf's output is the mean target of the bootstrap draws that reach it"
        } else {
            "each leaf's output comes from the training rows that reach it (their weight, when \
             rows are weighed)"
        }
        .into();
        out.push(d);
    }
    out
}
