//! Ongoing monitoring: a population's drift against the training split (`fin_psi`) and, per
//! period, stability, discrimination and calibration (`fin_monitor`).
//!
//! Drift is measured on the buckets the model stored at training. A scorecard's are its
//! own: the training score bands for the score and each characteristic's bins, as
//! credit-scoring practice reads a scorecard's CSI. Every other model's are its drift
//! reference (drift.rs): the deciles of the predicted probability (or value) and of each
//! numeric feature, and the levels of each categorical one.

use crate::drift::DriftReference;
use crate::error::{Error, ErrorKind, Result};
use crate::evaluate::Scored;
use crate::metrics;
use crate::model::Model;
use crate::preprocess::RawValue;
use crate::scorecard::{band_of, psi, stability_status};
use crate::train::Truth;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// The name drift results give the model's output (the score, or the prediction).
pub const OUTPUT_NAME: &str = "(score)";
/// Bytes kept per monitored labelled row (prediction and label), for the memory budget.
const BYTES_PER_LABELLED_ROW: usize = 16;

/// Counts of a population in the model's drift buckets, as one vector of cells: the rows,
/// then the output's buckets, then each feature's. The same cells are the state of the SQL
/// aggregate behind fin_psi, which adds rows into them in place ([`add_to_cells`]) and whose
/// partial counts, from PostgreSQL's parallel workers or Citus's workers, are added with
/// [`add_cells`].
#[derive(Debug, Clone)]
pub struct DriftCounts {
    cells: Vec<u64>,
}

impl DriftCounts {
    /// Empty counts for `model`; 0A000 for a version trained before finml 0.5.0 that is not
    /// a scorecard (it has no drift reference).
    pub fn new(model: &Model) -> Result<DriftCounts> {
        Ok(DriftCounts {
            cells: vec![0; cell_count(model)?],
        })
    }

    /// Counts for `model` read back from [`DriftCounts::cells`]; 22023 when `cells` has
    /// another model's shape.
    pub fn from_cells(model: &Model, cells: &[u64]) -> Result<DriftCounts> {
        check_shape(model, cells)?;
        Ok(DriftCounts {
            cells: cells.to_vec(),
        })
    }

    pub fn cells(&self) -> &[u64] {
        &self.cells
    }

    /// The rows counted.
    pub fn rows(&self) -> u64 {
        self.cells[0]
    }

    /// Counts one row: its values in feature order and the model's prediction for it, asked
    /// for only where the buckets need it (a scorecard's output is its score, from its bins).
    pub fn add(
        &mut self,
        model: &Model,
        values: &[RawValue<'_>],
        prediction: impl FnOnce() -> Result<f64>,
    ) -> Result<()> {
        add_to_cells(model, &mut self.cells, values, prediction)
    }

    /// The PSI of the output (named [`OUTPUT_NAME`]), then the CSI of each feature.
    pub fn stability(&self, model: &Model) -> Result<Vec<(String, f64)>> {
        if self.rows() == 0 {
            return Err(Error::invalid_data(
                "the population has no rows: stability needs at least one",
            )
            .with_hint("pass a relation with the applications to monitor"));
        }
        let expected: Vec<Vec<f64>> = match model.scorecard() {
            Ok((card, binnings)) => std::iter::once(card.score_shares.clone())
                .chain(binnings.iter().map(|(_, b)| {
                    let rows: u64 = b.bins.iter().map(|bin| bin.rows).sum();
                    b.bins
                        .iter()
                        .map(|bin| bin.rows as f64 / rows.max(1) as f64)
                        .collect()
                }))
                .collect(),
            Err(_) => {
                let reference = drift_reference(model)?;
                std::iter::once(reference.prediction.expected())
                    .chain(reference.features.iter().map(|d| d.expected()))
                    .collect()
            }
        };
        let names = std::iter::once(OUTPUT_NAME).chain(model.feature_names());
        let mut rest = &self.cells[1..];
        Ok(names
            .zip(&expected)
            .map(|(name, e)| {
                let (actual, after) = rest.split_at(e.len());
                rest = after;
                (name.to_owned(), psi(e, actual))
            })
            .collect())
    }
}

/// How many cells `model`'s counts have: one for the rows, then one per bucket of the output
/// and of each feature.
pub fn cell_count(model: &Model) -> Result<usize> {
    if let Ok((card, binnings)) = model.scorecard() {
        return Ok(1
            + card.score_shares.len()
            + binnings.iter().map(|(_, b)| b.bins.len()).sum::<usize>());
    }
    let reference = drift_reference(model)?;
    Ok(1 + reference.prediction.buckets()
        + reference
            .features
            .iter()
            .map(|d| d.buckets())
            .sum::<usize>())
}

/// 22023 unless `cells` has the shape of `model`'s counts.
fn check_shape(model: &Model, cells: &[u64]) -> Result<()> {
    let expected = cell_count(model)?;
    if cells.len() == expected {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::InvalidOption,
        format!(
            "drift counts of {} cells do not fit this model's {expected}",
            cells.len()
        ),
    )
    .with_hint("the counts were made with another model or version"))
}

/// Counts one row into `cells` (the layout of [`DriftCounts`]), allocating nothing for a
/// model that is not a scorecard: the aggregate behind fin_psi calls it once per row.
pub fn add_to_cells(
    model: &Model,
    cells: &mut [u64],
    values: &[RawValue<'_>],
    prediction: impl FnOnce() -> Result<f64>,
) -> Result<()> {
    check_shape(model, cells)?;
    cells[0] += 1;
    let mut start = 1;
    if let Some(card) = model.points() {
        let (_, binnings) = model.scorecard()?;
        let bins = model.bins_of(values)?;
        cells[start + band_of(&card.score_cuts, card.score(&bins))] += 1;
        start += card.score_shares.len();
        for ((_, binning), &b) in binnings.iter().zip(&bins) {
            cells[start + b] += 1;
            start += binning.bins.len();
        }
        return Ok(());
    }
    let reference = drift_reference(model)?;
    cells[start + reference.prediction.bucket_of_number(prediction()?)] += 1;
    start += reference.prediction.buckets();
    for (d, &v) in reference.features.iter().zip(values) {
        cells[start + d.bucket_of(v)] += 1;
        start += d.buckets();
    }
    Ok(())
}

/// Two partial counts of one model, added; an empty side (an aggregate's initial state)
/// gives the other. 22023 when their shapes differ.
pub fn add_cells(mut a: Vec<u64>, b: &[u64]) -> Result<Vec<u64>> {
    if b.is_empty() {
        return Ok(a);
    }
    if a.is_empty() {
        return Ok(b.to_vec());
    }
    if a.len() != b.len() {
        return Err(Error::new(
            ErrorKind::InvalidOption,
            format!(
                "cannot add drift counts of {} and {} cells",
                a.len(),
                b.len()
            ),
        )
        .with_hint("both counts must come from the same model version"));
    }
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
    Ok(a)
}

fn drift_reference(model: &Model) -> Result<&DriftReference> {
    model.drift.as_ref().ok_or_else(|| {
        Error::new(
            ErrorKind::Unsupported,
            "this version keeps no training distributions to measure drift against: it was trained with options.store_reference \"none\", exported redacted, or trained before finml 0.5.0",
        )
        .with_hint("retrain it with store_reference \"full\" or \"coarse\" (fin_retrain(model, '{\"store_reference\": \"coarse\"}')) to monitor its drift; scorecards of any version can be measured")
    })
}

/// The worse of two stability statuses' PSI values, as one status.
pub fn worst_status(psi: f64, max_csi: Option<f64>) -> &'static str {
    stability_status(max_csi.map_or(psi, |c| c.max(psi)))
}

/// One period's key: its label and how it sorts (numbers numerically, then text; NULL last).
#[derive(Debug, Clone, PartialEq)]
pub enum PeriodKey {
    Number(f64),
    Text(String),
    Null,
}

impl PeriodKey {
    pub fn of(value: RawValue<'_>) -> PeriodKey {
        match value {
            RawValue::Number(x) => PeriodKey::Number(x),
            RawValue::Text(t) => PeriodKey::Text(t.to_owned()),
            RawValue::Null => PeriodKey::Null,
        }
    }

    /// The period as text; `None` for the rows whose period is NULL.
    pub fn label(&self) -> Option<String> {
        match self {
            PeriodKey::Number(x) => Some(format!("{x}")),
            PeriodKey::Text(t) => Some(t.clone()),
            PeriodKey::Null => None,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            PeriodKey::Number(_) => 0,
            PeriodKey::Text(_) => 1,
            PeriodKey::Null => 2,
        }
    }
}

impl Eq for PeriodKey {}

impl Ord for PeriodKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PeriodKey::Number(a), PeriodKey::Number(b)) => a.total_cmp(b),
            (PeriodKey::Text(a), PeriodKey::Text(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for PeriodKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// What one period holds while rows are added.
struct Period {
    rows: u64,
    prediction_sum: f64,
    scored: Scored,
    drift: DriftCounts,
}

/// One period's monitoring row.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodRow {
    pub period: Option<String>,
    pub rows: u64,
    pub labelled_rows: u64,
    pub event_rate: Option<f64>,
    pub mean_predicted: f64,
    pub auc: Option<f64>,
    pub ks: Option<f64>,
    pub gini: Option<f64>,
    pub brier: Option<f64>,
    pub hosmer_lemeshow_p: Option<f64>,
    pub psi: f64,
    pub max_csi_feature: Option<String>,
    pub max_csi: Option<f64>,
    pub status: &'static str,
}

/// One row's prediction: one number, or a multi-class model's class probabilities.
#[derive(Clone, Copy)]
enum Predicted<'a> {
    One(f64),
    Classes(&'a [f64]),
}

/// Bytes a period holds besides its drift cells: its entry, key and evaluation state.
const BYTES_PER_PERIOD: usize = 256;

/// Rows of a relation grouped by period, monitored against the model's training split.
pub struct Monitor {
    periods: BTreeMap<PeriodKey, Period>,
    labelled: usize,
    /// What one labelled row holds: [`BYTES_PER_LABELLED_ROW`], or a multi-class row's
    /// probabilities.
    labelled_row_bytes: usize,
    /// finml.max_training_memory: the labelled rows and the periods' cells together.
    budget_bytes: usize,
    /// What one period holds: its drift cells (8 bytes each) and [`BYTES_PER_PERIOD`].
    period_bytes: usize,
    /// The periods' text labels (a text column's values can be long).
    label_bytes: usize,
}

impl Monitor {
    /// An empty monitor of `model` that keeps at most `budget_bytes` of labelled rows and
    /// periods (a period per row, of a model with thousands of drift cells, is gigabytes).
    pub fn new(model: &Model, budget_bytes: usize) -> Result<Monitor> {
        let cells = DriftCounts::new(model)?.cells().len();
        // A multi-class row keeps its k probabilities and its class code.
        let labelled_row_bytes = model
            .classes
            .as_ref()
            .map_or(BYTES_PER_LABELLED_ROW, |c| 8 * c.len() + 4);
        Ok(Monitor {
            periods: BTreeMap::new(),
            labelled: 0,
            labelled_row_bytes,
            budget_bytes,
            period_bytes: cells.saturating_mul(8).saturating_add(BYTES_PER_PERIOD),
            label_bytes: 0,
        })
    }

    /// 54000 unless `labelled` rows and `periods` periods fit the budget.
    fn check_budget(&self, labelled: usize, periods: usize) -> Result<()> {
        let held = labelled
            .saturating_mul(self.labelled_row_bytes)
            .saturating_add(periods.saturating_mul(self.period_bytes))
            .saturating_add(self.label_bytes);
        if held <= self.budget_bytes {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::ResourceLimit,
            format!(
                "monitoring {labelled} labelled rows in {periods} periods needs more than finml.max_training_memory ({} MB)",
                self.budget_bytes >> 20
            ),
        )
        .with_hint("raise finml.max_training_memory, monitor fewer periods at a time, or group by a coarser period"))
    }

    /// Adds one row: its period, its values in feature order, and its label (`Null` when
    /// the outcome is not known yet, or the relation has no target column).
    pub fn add(
        &mut self,
        model: &Model,
        period: PeriodKey,
        values: &[RawValue<'_>],
        label: RawValue<'_>,
    ) -> Result<()> {
        if model.is_multi_class() {
            let probabilities = model.predict_proba(values)?;
            return self.record(
                model,
                period,
                Predicted::Classes(&probabilities),
                label,
                Some(values),
            );
        }
        let prediction = model.predict(values)?;
        self.record(
            model,
            period,
            Predicted::One(prediction),
            label,
            Some(values),
        )
    }

    /// Adds one row's prediction (made where the row is) and label to its period, without
    /// its features: the period's drift counts come from [`Monitor::add_drift_cells`].
    pub fn add_prediction(
        &mut self,
        model: &Model,
        period: PeriodKey,
        prediction: f64,
        label: RawValue<'_>,
    ) -> Result<()> {
        if model.is_multi_class() {
            return Err(Error::new(
                ErrorKind::Internal,
                "one prediction of a multi-class model to monitor",
            ));
        }
        self.record(model, period, Predicted::One(prediction), label, None)
    }

    /// Adds a part of a period's drift counts (DriftCounts::cells, as the aggregate
    /// fin_drift_counts sums them where the rows are).
    pub fn add_drift_cells(
        &mut self,
        model: &Model,
        period: PeriodKey,
        cells: &[u64],
    ) -> Result<()> {
        let entry = self.period(model, period)?;
        let sum = add_cells(entry.drift.cells().to_vec(), cells)?;
        entry.drift = DriftCounts::from_cells(model, &sum)?;
        Ok(())
    }

    /// One row into its period: its prediction and label, and with its feature `values` its
    /// drift counts.
    fn record(
        &mut self,
        model: &Model,
        period: PeriodKey,
        predicted: Predicted<'_>,
        label: RawValue<'_>,
        values: Option<&[RawValue<'_>]>,
    ) -> Result<()> {
        if label != RawValue::Null {
            self.labelled += 1;
            self.check_budget(self.labelled, self.periods.len())?;
        }
        let entry = self.period(model, period)?;
        // What drift tracks, and what the period's mean prediction adds up: the prediction,
        // or a multi-class row's most probable class and its probability.
        let (tracked, mean_part) = match predicted {
            Predicted::One(p) => (p, p),
            Predicted::Classes(p) => {
                let class = metrics::most_probable(p);
                (class as f64, p[class])
            }
        };
        if let Some(values) = values {
            entry.drift.add(model, values, || Ok(tracked))?;
        }
        entry.rows += 1;
        entry.prediction_sum += mean_part;
        match predicted {
            Predicted::One(p) => entry.scored.add_prediction(model, p, label),
            Predicted::Classes(p) => entry.scored.add_probabilities(model, p, label),
        }
    }

    /// The period's entry, made empty on its first row.
    fn period(&mut self, model: &Model, period: PeriodKey) -> Result<&mut Period> {
        if !self.periods.contains_key(&period) {
            if let PeriodKey::Text(label) = &period {
                self.label_bytes = self.label_bytes.saturating_add(label.len());
            }
            self.check_budget(self.labelled, self.periods.len() + 1)?;
        }
        Ok(match self.periods.entry(period) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => e.insert(Period {
                rows: 0,
                prediction_sum: 0.0,
                scored: Scored::new(model, usize::MAX),
                drift: DriftCounts::new(model)?,
            }),
        })
    }

    /// One row per period, in period order.
    pub fn rows(&self, model: &Model) -> Result<Vec<PeriodRow>> {
        if self.periods.is_empty() {
            return Err(
                Error::invalid_data("the relation has no rows to monitor").with_hint(
                    "monitor a relation (a table or a view of recent applications) with rows",
                ),
            );
        }
        // Predictions and drift counts made where the rows are come from two reads: a row
        // written between them would leave a period's two counts apart.
        if let Some((key, _)) = self
            .periods
            .iter()
            .find(|(_, period)| period.rows != period.drift.rows())
        {
            return Err(Error::invalid_data(format!(
                "period {} changed while it was monitored",
                key.label().unwrap_or_else(|| "NULL".to_owned())
            ))
            .with_hint("monitor again, or a view of rows that no longer change"));
        }
        self.periods
            .iter()
            .map(|(key, period)| period_row(model, key, period))
            .collect()
    }
}

fn period_row(model: &Model, key: &PeriodKey, period: &Period) -> Result<PeriodRow> {
    let stability = period.drift.stability(model)?;
    let psi_of_output = stability[0].1;
    let worst_feature = stability[1..]
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
    let labelled = period.scored.rows() as u64;
    let mut row = PeriodRow {
        period: key.label(),
        rows: period.rows,
        labelled_rows: labelled,
        event_rate: None,
        mean_predicted: period.prediction_sum / period.rows as f64,
        auc: None,
        ks: None,
        gini: None,
        brier: None,
        hosmer_lemeshow_p: None,
        psi: psi_of_output,
        max_csi_feature: worst_feature.map(|(name, _)| name.clone()),
        max_csi: worst_feature.map(|(_, csi)| *csi),
        status: worst_status(psi_of_output, worst_feature.map(|(_, c)| *c)),
    };
    if let (Some((p, y, k)), true) = (period.scored.class_probabilities(), labelled > 0) {
        // A multi-class period: one-vs-rest macro AUC and its Gini, and the Brier score
        // over the classes, mean Σ_c (p_c − [y = c])²; mean_predicted is the mean
        // probability of the most probable class.
        row.auc = metrics::multiclass_report(p, y, k).get("auc").copied();
        row.gini = row.auc.map(|a| 2.0 * a - 1.0);
        row.brier = Some(multiclass_brier(p, y, k));
    }
    if let (Truth::Binary(labels), true) = (&period.scored.truth, labelled > 0) {
        let p = &period.scored.predictions;
        let events = labels.iter().filter(|&&l| l).count();
        row.event_rate = Some(events as f64 / labelled as f64);
        row.brier = Some(metrics::brier(p, labels));
        row.auc = metrics::auc(p, labels);
        row.gini = row.auc.map(|a| 2.0 * a - 1.0);
        row.ks = metrics::ks(p, labels);
        let groups = metrics::calibration(p, labels, metrics::HOSMER_LEMESHOW_GROUPS);
        row.hosmer_lemeshow_p = metrics::hosmer_lemeshow(&groups).map(|hl| hl.p_value);
    }
    Ok(row)
}

/// The Brier score of k class probabilities (n × k, row after row) against class codes
/// `y`: the mean over the rows of Σ_c (p_c − [y = c])² (Brier's original definition, twice
/// scikit-learn's `brier_score_loss` of a two-class model).
pub fn multiclass_brier(p: &[f64], y: &[u32], k: usize) -> f64 {
    let total: f64 = p
        .chunks(k)
        .zip(y)
        .map(|(row, &class)| {
            row.iter()
                .enumerate()
                .map(|(c, &pc)| {
                    let hit = f64::from(u8::from(c == class as usize));
                    (pc - hit) * (pc - hit)
                })
                .sum::<f64>()
        })
        .sum();
    total / y.len().max(1) as f64
}

/// How a date or timestamp period column is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Truncate {
    Day,
    Week,
    Month,
    Quarter,
    Year,
    None,
}

impl Truncate {
    /// The `to_char` pattern that labels a period: labels sort in time order as text.
    pub fn pattern(self, with_time: bool) -> &'static str {
        match self {
            Truncate::Day => "YYYY-MM-DD",
            Truncate::Week => "IYYY-\"W\"IW",
            Truncate::Month => "YYYY-MM",
            Truncate::Quarter => "YYYY-\"Q\"Q",
            Truncate::Year => "YYYY",
            Truncate::None if with_time => "YYYY-MM-DD HH24:MI:SS",
            Truncate::None => "YYYY-MM-DD",
        }
    }
}

/// fin_monitor's options.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorOptions {
    /// `None`: month for a date or timestamp column; a column of another type is grouped by
    /// its values and refuses a truncation.
    pub truncate: Option<Truncate>,
    /// Keep the rows in finml.monitoring.
    pub store: bool,
}

pub const MONITOR_KEYS: &str = "truncate (day, week, month, quarter, year or none, for a date or timestamp period column; default month), store (true keeps the rows in finml.monitoring)";

impl MonitorOptions {
    pub fn parse(options: &serde_json::Value) -> Result<MonitorOptions> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            truncate: Option<Truncate>,
            store: Option<bool>,
        }
        let raw: Raw = serde_json::from_value(options.clone()).map_err(|e| {
            Error::invalid_option(format!("invalid fin_monitor options: {e}"))
                .with_hint(format!("the options are: {MONITOR_KEYS}"))
        })?;
        Ok(MonitorOptions {
            truncate: raw.truncate,
            store: raw.store.unwrap_or(false),
        })
    }
}
