//! What a stored model discloses of its training rows (`fin_privacy_report`, the report's
//! Privacy section): each kind of training-data value it keeps, whether as it was or rounded,
//! and the fewest training rows behind one such value, whose minimum over the model is its
//! k-anonymity. Statistics of all training rows (a feature's mean, standard deviation and
//! imputed value, the model's weights) describe the whole population and are not listed; nor
//! is a text feature's hashed vocabulary, which names no word.

use crate::binning::Edges;
use crate::data::{MISSING_LEVEL, OTHER_LEVEL};
use crate::dp_sgd::PrivacySpent;
use crate::drift::{Distribution, DriftReference, DRIFT_SAMPLE_ROWS};
use crate::explain::Reference;
use crate::html::number;
use crate::preprocess::{Preprocessor, Transform};
use crate::trees::Ensemble;

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

    /// Numbers stored as the training rows had them (one row's at least) or rounded to
    /// `store_reference` "coarse"'s 2 significant digits.
    fn numbers(mut self, coarse: bool, exact_detail: &str) -> Disclosure {
        self.exact = Some(!coarse);
        if coarse {
            self.detail = "rounded to 2 significant digits".into();
        } else {
            self.min_rows = Some(1);
            self.detail = exact_detail.into();
        }
        self
    }
}

/// How the model was stored: options of the version that the model itself does not record.
#[derive(Debug, Clone, Copy)]
pub struct Storing<'a> {
    /// `store_reference` was "coarse".
    pub coarse: bool,
    pub train_rows: u64,
    pub privacy: Option<&'a PrivacySpent>,
}

impl<'a> Storing<'a> {
    /// From the version's stored options (JSON text), training rows and DP budget.
    pub fn of_version(options: &str, train_rows: i64, privacy: Option<&'a PrivacySpent>) -> Self {
        let options: serde_json::Value = serde_json::from_str(options).unwrap_or_default();
        Storing {
            coarse: options.get("store_reference").and_then(|v| v.as_str()) == Some("coarse"),
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
        out.push(Disclosure {
            kind: "dp budget",
            feature: None,
            stored: None,
            exact: None,
            min_rows: None,
            detail: format!(
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
        });
    }
    out.push(k_anonymity(&out));
    out
}

/// The smallest group over the values listed.
fn k_anonymity(listed: &[Disclosure]) -> Disclosure {
    let smallest = listed
        .iter()
        .filter_map(|d| d.min_rows.map(|rows| (rows, d)))
        .min_by_key(|&(rows, _)| rows);
    let detail = match smallest {
        Some((rows, d)) => format!(
            "the fewest training rows behind one stored value: {rows}, of the {}{}",
            d.kind,
            d.feature
                .as_ref()
                .map_or(String::new(), |f| format!(" of \"{f}\""))
        ),
        None => "no stored value is known to be shared by fewer than all training rows".into(),
    };
    Disclosure {
        kind: "k-anonymity",
        feature: None,
        stored: None,
        exact: None,
        min_rows: smallest.map(|(rows, _)| rows),
        detail,
    }
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
                if c.reference != MISSING_LEVEL && c.reference != OTHER_LEVEL {
                    named.push((&c.reference, c.reference_rows));
                }
                out.extend(levels("levels", &f.name, named));
            }
            Transform::Binned(b) => match &b.edges {
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
                    out.push(d.numbers(false, "bin edges between training values"));
                }
                Edges::Numeric { .. } => {}
            },
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
                storing.coarse,
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
pub fn tree_values(
    preprocessor: &Preprocessor,
    ensembles: &[&Ensemble],
    coarse: bool,
) -> Vec<Disclosure> {
    // Design column -> the feature whose number it is (None: an indicator, a hashed text).
    let mut column_feature: Vec<Option<usize>> = Vec::with_capacity(preprocessor.width());
    for (k, f) in preprocessor.features.iter().enumerate() {
        let numeric = matches!(f.transform, Transform::Numeric(_) | Transform::Date(_));
        column_feature.extend(std::iter::repeat_n(
            numeric.then_some(k),
            f.transform.width(),
        ));
    }
    let mut thresholds = vec![0usize; preprocessor.features.len()];
    let (mut leaves, mut fewest) = (0usize, f64::INFINITY);
    for tree in ensembles.iter().flat_map(|e| &e.trees) {
        for node in 0..tree.children_left.len() {
            if tree.children_left[node] < 0 {
                leaves += 1;
                fewest = fewest.min(tree.node_sample_weight.get(node).copied().unwrap_or(0.0));
            } else if let Some(Some(k)) = column_feature.get(tree.features[node] as usize) {
                thresholds[*k] += 1;
            }
        }
    }
    let mut out: Vec<Disclosure> = thresholds
        .iter()
        .zip(&preprocessor.features)
        .filter(|(&n, _)| n > 0)
        .map(|(&n, f)| {
            Disclosure::new("thresholds", Some(&f.name), n)
                .numbers(coarse, "split points halfway between two training values")
        })
        .collect();
    if leaves > 0 {
        let mut d = Disclosure::new("leaves", None, leaves);
        d.exact = Some(false);
        d.min_rows = fewest.is_finite().then(|| fewest.max(0.0).round() as u64);
        d.detail = "each leaf's output comes from the training rows that reach it \
                    (their weight, when rows are weighed)"
            .into();
        out.push(d);
    }
    out
}
