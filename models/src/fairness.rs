//! Fair-lending tests (`fin_fairness`): a two-class model's decisions at a cutoff compared
//! across the groups of protected attributes (age band, marital status, sex), in the terms of
//! fairlearn's `MetricFrame` and of the four-fifths rule of the US Uniform Guidelines.
//!
//! The model scores the probability of its positive class, usually the adverse event
//! (default, fraud): an application is approved when that probability is below the cutoff
//! (`"approve": "below"`), or at or above it for a model of the favourable outcome
//! (`"approve": "above"`). The rates are those of the favourable decision, as fairlearn
//! computes them with `y_pred` = approved and `y_true` = the favourable outcome: the
//! selection rate is the approval rate, the true positive rate the approval rate of the
//! applicants who repaid (equal opportunity), the false positive rate that of those who did
//! not.

use crate::error::{try_reserve, Error, ErrorKind, Result};
use crate::evaluate::PositiveClass;
use crate::metrics::auc;
use crate::model::Model;
use crate::options::Task;
use crate::preprocess::RawValue;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Protected attributes one call may test.
pub const MAX_ATTRIBUTES: usize = 16;
/// Groups one attribute may have: more is an identifier or an unbanded number.
pub const MAX_GROUPS: usize = 100;
/// Bytes of one group's name (a text attribute's value).
pub const MAX_GROUP_NAME_BYTES: usize = 1000;
/// Band edges one numeric attribute may have.
pub const MAX_BAND_EDGES: usize = 99;
/// The four-fifths rule: an adverse impact ratio under 0.8 is evidence of adverse impact.
pub const FOUR_FIFTHS: f64 = 0.8;

pub const FAIRNESS_KEYS: &str = "cutoff (the probability of the model's positive class that decides an application; required), approve (\"below\", the default: rows scored under the cutoff are approved, for a model of the adverse event such as default; \"above\": at or above it, for a model of the favourable outcome), reference ({\"attribute\": \"group\"}, or one group when one attribute is tested; default: each attribute's group with the highest approval rate), bands ({\"age\": [25, 35, 50, 65]}: a numeric attribute's ascending band edges), impact_ratio_threshold (default 0.8, the four-fifths rule)";

/// What `fin_fairness` is asked, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct FairnessOptions {
    pub cutoff: f64,
    /// Approved at or above the cutoff (a model of the favourable outcome), else below it.
    pub approve_above: bool,
    /// The reference group of each attribute that names one.
    pub reference: BTreeMap<String, String>,
    pub bands: BTreeMap<String, Vec<f64>>,
    pub impact_ratio_threshold: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptions {
    cutoff: Option<f64>,
    approve: Option<Approve>,
    reference: Option<ReferenceGroups>,
    #[serde(default)]
    bands: BTreeMap<String, Vec<f64>>,
    impact_ratio_threshold: Option<f64>,
}

#[derive(Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Approve {
    Below,
    Above,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ReferenceGroups {
    One(String),
    PerAttribute(BTreeMap<String, String>),
}

/// A protected column as the relation holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtectedColumn {
    pub name: String,
    /// Read as a number (banded by `options.bands`, else each value a group).
    pub numeric: bool,
}

fn invalid(why: impl Into<String>) -> Error {
    Error::invalid_option(format!("invalid fin_fairness options: {}", why.into()))
        .with_hint(format!("the options are: {FAIRNESS_KEYS}"))
}

impl FairnessOptions {
    /// The options of a test of `attributes` (named once each, checked by the caller).
    pub fn parse(options: &Value, attributes: &[ProtectedColumn]) -> Result<FairnessOptions> {
        let raw: RawOptions =
            serde_json::from_value(options.clone()).map_err(|e| invalid(e.to_string()))?;
        let cutoff = raw.cutoff.ok_or_else(|| {
            invalid("cutoff is required").with_hint(
                "name the probability at which applications are declined, e.g. {\"cutoff\": 0.2}; fin_threshold finds the cutoff of least expected cost",
            )
        })?;
        if !(0.0..=1.0).contains(&cutoff) {
            return Err(invalid(format!(
                "cutoff must be a probability, got {cutoff:?}"
            )));
        }
        let impact_ratio_threshold = raw.impact_ratio_threshold.unwrap_or(FOUR_FIFTHS);
        if !(impact_ratio_threshold > 0.0 && impact_ratio_threshold <= 1.0) {
            return Err(invalid(format!(
                "impact_ratio_threshold must be above 0 and at most 1, got {impact_ratio_threshold:?}"
            )));
        }
        let named = |key: &str, what: &str| -> Result<()> {
            if attributes.iter().any(|a| a.name == key) {
                return Ok(());
            }
            Err(invalid(format!(
                "{what} names \"{key}\", which is not among the protected attributes"
            )))
        };
        let reference = match raw.reference {
            None => BTreeMap::new(),
            Some(ReferenceGroups::PerAttribute(groups)) => {
                for key in groups.keys() {
                    named(key, "reference")?;
                }
                groups
            }
            Some(ReferenceGroups::One(group)) => match attributes {
                [only] => BTreeMap::from([(only.name.clone(), group)]),
                _ => {
                    return Err(invalid("one reference group for several attributes")
                        .with_hint("name each attribute's reference group: {\"reference\": {\"marital\": \"married\"}}"))
                }
            },
        };
        for (key, edges) in &raw.bands {
            named(key, "bands")?;
            check_band_edges(key, edges, attributes)?;
        }
        Ok(FairnessOptions {
            cutoff,
            approve_above: raw.approve == Some(Approve::Above),
            reference,
            bands: raw.bands,
            impact_ratio_threshold,
        })
    }
}

fn check_band_edges(key: &str, edges: &[f64], attributes: &[ProtectedColumn]) -> Result<()> {
    if attributes.iter().any(|a| a.name == key && !a.numeric) {
        return Err(invalid(format!(
            "bands of \"{key}\", which is not numeric: its values are its groups"
        )));
    }
    band_edges_problem(key, edges).map_or(Ok(()), |problem| Err(invalid(problem)))
}

/// What is wrong with a numeric attribute's band edges (fin_fairness's and fin_profile's
/// `bands`), if anything: 1 to [`MAX_BAND_EDGES`] edges, strictly ascending.
pub fn band_edges_problem(key: &str, edges: &[f64]) -> Option<String> {
    if edges.is_empty() || edges.len() > MAX_BAND_EDGES {
        return Some(format!(
            "the bands of \"{key}\" need 1 to {MAX_BAND_EDGES} edges, got {}",
            edges.len()
        ));
    }
    edges
        .windows(2)
        .any(|w| w[0] >= w[1])
        .then(|| format!("the band edges of \"{key}\" must be strictly ascending"))
}

/// One row's group within an attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum GroupKey {
    /// The attribute is NULL (or NaN).
    Missing,
    /// The band under edge i (i = the number of edges: at or above the last edge).
    Band(usize),
    /// An unbanded number, by its bits (−0 read as 0).
    Number(u64),
    Text(String),
}

/// The groups one attribute's rows fall in, numbered by first appearance.
#[derive(Debug, Clone)]
struct Grouping {
    name: String,
    bands: Option<Vec<f64>>,
    keys: Vec<GroupKey>,
    codes: HashMap<GroupKey, u32>,
}

impl Grouping {
    fn key(&self, value: RawValue<'_>) -> GroupKey {
        match (value, &self.bands) {
            (RawValue::Number(x), _) if x.is_nan() => GroupKey::Missing,
            (RawValue::Number(x), Some(edges)) => {
                GroupKey::Band(edges.partition_point(|&e| e <= x))
            }
            (RawValue::Number(x), None) => GroupKey::Number((x + 0.0).to_bits()),
            (RawValue::Text(t), _) => GroupKey::Text(t.to_owned()),
            (RawValue::Null, _) => GroupKey::Missing,
        }
    }

    fn code(&mut self, value: RawValue<'_>) -> Result<u32> {
        if let RawValue::Text(t) = value {
            if t.len() > MAX_GROUP_NAME_BYTES {
                return Err(Error::invalid_data(format!(
                    "protected attribute \"{}\" has a value of {} bytes: more than {MAX_GROUP_NAME_BYTES} is free text or an identifier, not a group",
                    self.name,
                    t.len()
                ))
                .with_hint("test an attribute whose values name groups, or group it in a view"));
            }
        }
        let key = self.key(value);
        if let Some(&code) = self.codes.get(&key) {
            return Ok(code);
        }
        if self.keys.len() == MAX_GROUPS {
            return Err(Error::invalid_data(format!(
                "protected attribute \"{}\" has more than {MAX_GROUPS} groups",
                self.name
            ))
            .with_hint(format!(
                "band a numeric attribute ({{\"bands\": {{\"{}\": [25, 35, 50, 65]}}}}), or group its values in a view",
                self.name
            )));
        }
        let code = self.keys.len() as u32;
        self.codes.insert(key.clone(), code);
        self.keys.push(key);
        Ok(code)
    }

    /// A group's name: a band as "<25", "[25,35)", ">=65"; NULL for the missing.
    fn label(&self, key: &GroupKey) -> Option<String> {
        match key {
            GroupKey::Missing => None,
            GroupKey::Band(i) => {
                let edges = self.bands.as_deref().unwrap_or_default();
                Some(match (i.checked_sub(1).map(|k| edges[k]), edges.get(*i)) {
                    (None, Some(high)) => format!("<{high}"),
                    (Some(low), Some(high)) => format!("[{low},{high})"),
                    (Some(low), None) => format!(">={low}"),
                    (None, None) => String::new(),
                })
            }
            GroupKey::Number(bits) => Some(f64::from_bits(*bits).to_string()),
            GroupKey::Text(t) => Some(t.clone()),
        }
    }

    /// The group codes in report order: bands in order, numbers ascending, text by name,
    /// the missing last.
    fn report_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.keys.len()).collect();
        order.sort_by(|&a, &b| {
            use std::cmp::Ordering;
            match (&self.keys[a], &self.keys[b]) {
                (GroupKey::Missing, GroupKey::Missing) => Ordering::Equal,
                (GroupKey::Missing, _) => Ordering::Greater,
                (_, GroupKey::Missing) => Ordering::Less,
                (GroupKey::Band(x), GroupKey::Band(y)) => x.cmp(y),
                (GroupKey::Number(x), GroupKey::Number(y)) => {
                    f64::from_bits(*x).total_cmp(&f64::from_bits(*y))
                }
                (GroupKey::Text(x), GroupKey::Text(y)) => x.cmp(y),
                // One attribute's keys are of one kind: banded, numeric or text.
                _ => Ordering::Equal,
            }
        });
        order
    }
}

/// The labelled rows seen so far: each row's score, outcome and group in each attribute.
#[derive(Debug, Clone)]
pub struct FairnessSample {
    options: FairnessOptions,
    positive: PositiveClass,
    groupings: Vec<Grouping>,
    scores: Vec<f64>,
    events: Vec<bool>,
    /// Row-major: row i's group in attribute a is `codes[i * attributes + a]`.
    codes: Vec<u32>,
    /// Rows left out because their label is NULL.
    pub unlabelled: u64,
    max_rows: usize,
}

/// The positive class of a two-class classifier, whose decisions at a cutoff are tested;
/// 42809 for another model.
pub fn positive_class_of(model: &Model) -> Result<&str> {
    match (model.task, &model.classes, &model.positive_class) {
        (Task::Classification, None, Some(text)) => Ok(text),
        _ => Err(Error::new(
            ErrorKind::WrongModelKind,
            format!(
                "fin_fairness tests a two-class model's decisions at a cutoff: this is {}",
                match model.classes {
                    Some(_) => "a multi-class model".to_owned(),
                    None => crate::error::with_article(model.task.as_str()) + " model",
                }
            ),
        )
        .with_hint("test a classifier of the adverse outcome (e.g. default) against the rest")),
    }
}

/// One group's rates and their differences from the reference group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFairness {
    pub attribute: String,
    /// NULL for the rows whose attribute is NULL.
    pub group: Option<String>,
    pub is_reference: bool,
    pub rows: u64,
    /// Rows of the model's positive class (the observed events).
    pub events: u64,
    /// fairlearn's selection rate of the approvals.
    pub approval_rate: f64,
    /// Approval rate over the reference group's; `None` when the reference approves none.
    pub adverse_impact_ratio: Option<f64>,
    /// The adverse impact ratio is under `impact_ratio_threshold` (the four-fifths rule).
    pub adverse_impact: Option<bool>,
    /// Approval rate minus the reference group's.
    pub parity_difference: f64,
    /// Approval rate of the applicants with the favourable outcome; `None` without one.
    pub true_positive_rate: Option<f64>,
    /// Approval rate of the applicants with the adverse outcome; `None` without one.
    pub false_positive_rate: Option<f64>,
    /// True positive rate minus the reference group's.
    pub equal_opportunity_difference: Option<f64>,
    /// The mean of the differences in true and false positive rate from the reference group.
    pub average_odds_difference: Option<f64>,
    /// AUC of the score for the model's positive class within the group.
    pub auc: Option<f64>,
    pub mean_predicted: f64,
    pub observed_rate: f64,
    /// Cohen's d of the scores against the reference group's (pooled standard deviation).
    pub standardized_mean_difference: Option<f64>,
    pub summary: AttributeSummary,
}

/// One attribute's disparities over all its groups, as fairlearn's between-groups worst
/// case: `demographic_parity_difference`/`_ratio`, `equalized_odds_difference`/`_ratio`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AttributeSummary {
    pub demographic_parity_difference: Option<f64>,
    pub demographic_parity_ratio: Option<f64>,
    pub equalized_odds_difference: Option<f64>,
    pub equalized_odds_ratio: Option<f64>,
}

/// One group's counts and scores.
#[derive(Debug, Clone, Default)]
struct GroupRows {
    scores: Vec<f64>,
    events: Vec<bool>,
    /// Rows of the model's positive class.
    event_count: u64,
    approved: u64,
    favourable: u64,
    favourable_approved: u64,
    adverse_approved: u64,
}

impl GroupRows {
    fn rows(&self) -> u64 {
        self.scores.len() as u64
    }
    fn approval_rate(&self) -> f64 {
        self.approved as f64 / self.rows() as f64
    }
    fn true_positive_rate(&self) -> Option<f64> {
        ratio(self.favourable_approved, self.favourable)
    }
    fn false_positive_rate(&self) -> Option<f64> {
        ratio(self.adverse_approved, self.rows() - self.favourable)
    }
    /// The mean score and the sum of squared deviations from it, once per group.
    fn moments(&self) -> Moments {
        let mean = self.scores.iter().sum::<f64>() / self.scores.len() as f64;
        let squared_deviations = self.scores.iter().map(|s| (s - mean) * (s - mean)).sum();
        Moments {
            rows: self.rows(),
            mean,
            squared_deviations,
        }
    }
}

/// A group's scores summarized for Cohen's d.
#[derive(Debug, Clone, Copy)]
struct Moments {
    rows: u64,
    mean: f64,
    squared_deviations: f64,
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Cohen's d of group `g` against the reference `r`: the difference of mean scores over the
/// pooled standard deviation sqrt((SS_g + SS_r) / (n_g + n_r − 2)).
fn standardized_mean_difference(g: Moments, r: Moments) -> Option<f64> {
    let dof = (g.rows + r.rows).checked_sub(2).filter(|&d| d > 0)? as f64;
    let pooled = ((g.squared_deviations + r.squared_deviations) / dof).sqrt();
    (pooled > 0.0).then(|| (g.mean - r.mean) / pooled)
}

impl FairnessSample {
    /// An empty test of a two-class model whose positive class is `positive` (see
    /// [`positive_class_of`]) over `attributes`, refusing to hold more than `budget_bytes`.
    pub fn new(
        positive: &str,
        attributes: &[ProtectedColumn],
        options: FairnessOptions,
        budget_bytes: usize,
    ) -> Result<FairnessSample> {
        let positive = PositiveClass::new(positive);
        if attributes.is_empty() || attributes.len() > MAX_ATTRIBUTES {
            return Err(Error::invalid_option(format!(
                "fin_fairness tests 1 to {MAX_ATTRIBUTES} protected attributes, got {}",
                attributes.len()
            ))
            .with_hint("name the protected columns: ARRAY['age', 'marital']"));
        }
        let groupings = attributes
            .iter()
            .map(|a| Grouping {
                name: a.name.clone(),
                bands: options.bands.get(&a.name).cloned(),
                keys: Vec::new(),
                codes: HashMap::new(),
            })
            .collect();
        // A row's score, outcome, its group in each attribute, and the same again while
        // the groups are measured.
        let bytes_per_row = 2 * (8 + 1) + 4 * attributes.len();
        Ok(FairnessSample {
            options,
            positive,
            groupings,
            scores: Vec::new(),
            events: Vec::new(),
            codes: Vec::new(),
            unlabelled: 0,
            max_rows: budget_bytes / bytes_per_row,
        })
    }

    /// Adds one row: the model's probability of its positive class, the row's label and its
    /// protected values (in the attributes' order). A row with a NULL label is counted and
    /// left out.
    pub fn add(
        &mut self,
        score: f64,
        label: RawValue<'_>,
        protected: &[RawValue<'_>],
    ) -> Result<()> {
        if label == RawValue::Null {
            self.unlabelled += 1;
            return Ok(());
        }
        let event = self.positive.matches(label);
        if protected.len() != self.groupings.len() || !score.is_finite() {
            return Err(Error::new(
                ErrorKind::Internal,
                "a fairness row without its protected values or with a non-finite score",
            ));
        }
        if self.scores.len() == self.max_rows {
            return Err(Error::new(
                ErrorKind::ResourceLimit,
                format!(
                    "testing more than {} rows needs more than finml.max_training_memory",
                    self.max_rows
                ),
            )
            .with_hint("raise finml.max_training_memory, or test a sample"));
        }
        try_reserve(&mut self.codes, protected.len(), "the protected groups")?;
        let first = self.codes.len();
        for (grouping, &value) in self.groupings.iter_mut().zip(protected) {
            match grouping.code(value) {
                Ok(code) => self.codes.push(code),
                Err(e) => {
                    // The row is not added: its other attributes' codes go too.
                    self.codes.truncate(first);
                    return Err(e);
                }
            }
        }
        try_reserve(&mut self.scores, 1, "the scores")?;
        try_reserve(&mut self.events, 1, "the outcomes")?;
        self.scores.push(score);
        self.events.push(event);
        Ok(())
    }

    pub fn rows(&self) -> usize {
        self.scores.len()
    }

    fn approved(&self, score: f64) -> bool {
        (score >= self.options.cutoff) == self.options.approve_above
    }

    /// Every attribute's groups, in the attributes' order and each attribute's report order.
    pub fn report(&self) -> Result<Vec<GroupFairness>> {
        if self.scores.is_empty() {
            return Err(Error::invalid_data(if self.unlabelled > 0 {
                format!(
                    "no labelled rows: the target of all {} rows is NULL",
                    self.unlabelled
                )
            } else {
                "no rows to test".to_owned()
            })
            .with_hint("test on rows whose outcome is known"));
        }
        let mut report = Vec::new();
        for a in 0..self.groupings.len() {
            report.extend(self.attribute_report(a)?);
        }
        Ok(report)
    }

    fn group_rows(&self, attribute: usize) -> Vec<GroupRows> {
        let attributes = self.groupings.len();
        let mut groups = vec![GroupRows::default(); self.groupings[attribute].keys.len()];
        for (i, (&score, &event)) in self.scores.iter().zip(&self.events).enumerate() {
            let g = &mut groups[self.codes[i * attributes + attribute] as usize];
            let approved = self.approved(score);
            // The favourable outcome is the negative class of a model of the adverse event.
            let favourable = event == self.options.approve_above;
            g.scores.push(score);
            g.events.push(event);
            g.event_count += event as u64;
            g.approved += approved as u64;
            g.favourable += favourable as u64;
            g.favourable_approved += (approved && favourable) as u64;
            g.adverse_approved += (approved && !favourable) as u64;
        }
        groups
    }

    fn attribute_report(&self, attribute: usize) -> Result<Vec<GroupFairness>> {
        let grouping = &self.groupings[attribute];
        let groups = self.group_rows(attribute);
        let order = grouping.report_order();
        let reference = match self.options.reference.get(&grouping.name) {
            Some(name) => order
                .iter()
                .copied()
                .find(|&g| grouping.label(&grouping.keys[g]).as_deref() == Some(name.as_str()))
                .ok_or_else(|| {
                    let names: Vec<String> = order
                        .iter()
                        .filter_map(|&g| grouping.label(&grouping.keys[g]))
                        .collect();
                    invalid(format!(
                        "reference group \"{name}\" of \"{}\" is not among its groups",
                        grouping.name
                    ))
                    .with_hint(format!("its groups are: {}", names.join(", ")))
                })?,
            // The first in report order of the groups with the highest approval rate.
            None => order.iter().copied().fold(order[0], |best, g| {
                if groups[g].approval_rate() > groups[best].approval_rate() {
                    g
                } else {
                    best
                }
            }),
        };
        let summary = summarize(&groups);
        let r = &groups[reference];
        let moments: Vec<Moments> = groups.iter().map(GroupRows::moments).collect();
        Ok(order
            .iter()
            .map(|&g| {
                let rows = &groups[g];
                let tpr = rows.true_positive_rate();
                let fpr = rows.false_positive_rate();
                let tpr_difference = tpr.zip(r.true_positive_rate()).map(|(a, b)| a - b);
                let fpr_difference = fpr.zip(r.false_positive_rate()).map(|(a, b)| a - b);
                let impact_ratio =
                    (r.approved > 0).then(|| rows.approval_rate() / r.approval_rate());
                GroupFairness {
                    attribute: grouping.name.clone(),
                    group: grouping.label(&grouping.keys[g]),
                    is_reference: g == reference,
                    rows: rows.rows(),
                    events: rows.event_count,
                    approval_rate: rows.approval_rate(),
                    adverse_impact_ratio: impact_ratio,
                    adverse_impact: impact_ratio.map(|x| x < self.options.impact_ratio_threshold),
                    parity_difference: rows.approval_rate() - r.approval_rate(),
                    true_positive_rate: tpr,
                    false_positive_rate: fpr,
                    equal_opportunity_difference: tpr_difference,
                    average_odds_difference: tpr_difference
                        .zip(fpr_difference)
                        .map(|(t, f)| (t + f) / 2.0),
                    auc: auc(&rows.scores, &rows.events),
                    mean_predicted: moments[g].mean,
                    observed_rate: rows.event_count as f64 / rows.rows() as f64,
                    standardized_mean_difference: standardized_mean_difference(
                        moments[g],
                        moments[reference],
                    ),
                    summary,
                }
            })
            .collect())
    }
}

/// fairlearn's between-groups worst case of a rate: the largest minus the smallest, and the
/// smallest over the largest, over the groups where it is defined.
fn spread(rates: impl Iterator<Item = Option<f64>>) -> (Option<f64>, Option<f64>) {
    let (low, high) = rates
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
    if low > high {
        return (None, None);
    }
    (Some(high - low), (high > 0.0).then(|| low / high))
}

/// The attribute's disparities: demographic parity over every group, equalized odds over the
/// groups where both rates are defined (a group without applicants of one outcome has no
/// rate for it; fairlearn would count it as 0).
fn summarize(groups: &[GroupRows]) -> AttributeSummary {
    let (dp_difference, dp_ratio) = spread(groups.iter().map(|g| Some(g.approval_rate())));
    let both: Vec<(f64, f64)> = groups
        .iter()
        .filter_map(|g| g.true_positive_rate().zip(g.false_positive_rate()))
        .collect();
    let (tpr_difference, tpr_ratio) = spread(both.iter().map(|&(tpr, _)| Some(tpr)));
    let (fpr_difference, fpr_ratio) = spread(both.iter().map(|&(_, fpr)| Some(fpr)));
    let worst = |a: Option<f64>, b: Option<f64>, pick: fn(f64, f64) -> f64| match (a, b) {
        (Some(a), Some(b)) => Some(pick(a, b)),
        (a, b) => a.or(b),
    };
    AttributeSummary {
        demographic_parity_difference: dp_difference,
        demographic_parity_ratio: dp_ratio,
        equalized_odds_difference: worst(tpr_difference, fpr_difference, f64::max),
        equalized_odds_ratio: worst(tpr_ratio, fpr_ratio, f64::min),
    }
}
