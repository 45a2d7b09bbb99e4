//! Evaluating a trained model on labelled rows it is shown after training (a month's
//! applications with their outcomes): predictions and true labels gathered row by row, then
//! the metrics of [`crate::metrics`].

use crate::error::{Error, ErrorKind, Result};
use crate::metrics::{self, CalibrationBin, Confusion, GainsBand, RocPoint};
use crate::model::Model;
use crate::options::Task;
use crate::preprocess::RawValue;
use crate::train::Truth;
use std::collections::BTreeMap;

/// Bytes kept per evaluated row (prediction and label), for the memory budget.
const BYTES_PER_ROW: usize = 16;

/// Predictions and labels of the rows seen so far.
#[derive(Debug, Clone)]
pub struct Scored {
    pub predictions: Vec<f64>,
    pub truth: Truth,
    /// Rows left out because their label is NULL.
    pub unlabelled: u64,
    positive: Option<PositiveClass>,
    max_rows: usize,
}

/// The model's positive class as each kind of target column reads it.
#[derive(Debug, Clone)]
pub(crate) struct PositiveClass {
    text: String,
    number: Option<f64>,
}

impl PositiveClass {
    pub(crate) fn new(text: &str) -> PositiveClass {
        PositiveClass {
            text: text.to_owned(),
            number: text.parse().ok(),
        }
    }

    /// Whether a (non-NULL) label is of the positive class: equal as a number or as text.
    pub(crate) fn matches(&self, label: RawValue<'_>) -> bool {
        match label {
            RawValue::Number(x) => self.number == Some(x),
            RawValue::Text(t) => t == self.text,
            RawValue::Null => false,
        }
    }
}

impl Scored {
    /// An empty evaluation of `model` that refuses to hold more than `budget_bytes`.
    pub fn new(model: &Model, budget_bytes: usize) -> Scored {
        let positive = model.positive_class.as_deref().map(PositiveClass::new);
        // A multi-class row keeps every class's probability and its class code.
        let bytes_per_row = match &model.classes {
            Some(classes) => 8 * classes.len() + 4,
            None => BYTES_PER_ROW,
        };
        Scored {
            predictions: Vec::new(),
            truth: match (model.task, &model.classes) {
                (Task::Classification, Some(classes)) => Truth::MultiClass {
                    y: Vec::new(),
                    classes: classes.len(),
                },
                (Task::Classification | Task::AnomalyDetection | Task::Survival, _) => {
                    Truth::Binary(Vec::new())
                }
                (Task::Regression | Task::Clustering, _) => Truth::Numeric(Vec::new()),
            },
            unlabelled: 0,
            positive,
            max_rows: budget_bytes / bytes_per_row,
        }
    }

    /// Adds one row: its features (in feature order) and its label. A row with a NULL label
    /// is counted and left out.
    pub fn add(
        &mut self,
        model: &Model,
        values: &[RawValue<'_>],
        label: RawValue<'_>,
    ) -> Result<()> {
        if label == RawValue::Null {
            self.unlabelled += 1;
            return Ok(());
        }
        if let Truth::MultiClass { .. } = &self.truth {
            return self.add_probabilities(model, &model.predict_proba(values)?, label);
        }
        self.add_prediction(model, model.predict(values)?, label)
    }

    /// Adds one row of a multi-class model: its k probabilities and its label (a NULL label
    /// is counted and left out).
    pub fn add_probabilities(
        &mut self,
        model: &Model,
        probabilities: &[f64],
        label: RawValue<'_>,
    ) -> Result<()> {
        if label == RawValue::Null {
            self.unlabelled += 1;
            return Ok(());
        }
        let class = class_of_label(model, label)?;
        let Truth::MultiClass { y, classes } = &mut self.truth else {
            return Err(Error::new(
                ErrorKind::Internal,
                "class probabilities of a two-class evaluation",
            ));
        };
        if probabilities.len() != *classes {
            return Err(Error::new(
                ErrorKind::Internal,
                "probabilities of another number of classes",
            ));
        }
        y.push(class);
        let rows = y.len();
        self.predictions.extend_from_slice(probabilities);
        self.check_budget(rows)
    }

    /// A multi-class evaluation's probabilities (n × k, row after row), class codes and
    /// k; `None` for another evaluation.
    pub fn class_probabilities(&self) -> Option<(&[f64], &[u32], usize)> {
        match &self.truth {
            Truth::MultiClass { y, classes } => Some((&self.predictions, y, *classes)),
            Truth::Binary(_) | Truth::Numeric(_) => None,
        }
    }

    fn check_budget(&self, rows: usize) -> Result<()> {
        if rows > self.max_rows {
            return Err(Error::new(
                ErrorKind::ResourceLimit,
                format!(
                    "evaluating more than {} rows needs more than finml.max_training_memory",
                    self.max_rows
                ),
            )
            .with_hint("raise finml.max_training_memory, or evaluate a sample"));
        }
        Ok(())
    }

    /// Adds one row's prediction and its label (a NULL label is counted and left out).
    pub fn add_prediction(
        &mut self,
        model: &Model,
        prediction: f64,
        label: RawValue<'_>,
    ) -> Result<()> {
        if label == RawValue::Null {
            self.unlabelled += 1;
            return Ok(());
        }
        let truth_added = match (&mut self.truth, label) {
            (Truth::Binary(labels), label) => {
                let positive = self.positive.as_ref().ok_or_else(|| {
                    Error::new(
                        ErrorKind::CorruptModel,
                        "a classifier without a positive class",
                    )
                })?;
                labels.push(positive.matches(label));
                labels.len()
            }
            (Truth::Numeric(values), RawValue::Number(x)) => {
                values.push(x);
                values.len()
            }
            (Truth::MultiClass { .. }, _) => {
                return Err(Error::new(
                    ErrorKind::Internal,
                    "one prediction of a multi-class model",
                ))
            }
            (Truth::Numeric(_), _) => {
                return Err(Error::new(
                    ErrorKind::WrongType,
                    format!(
                        "the target \"{}\" of a regression must be numeric",
                        model.target
                    ),
                )
                .with_hint("cast the target column to a number in a view"))
            }
        };
        self.check_budget(truth_added)?;
        self.predictions.push(prediction);
        Ok(())
    }

    /// The rows as a two-class evaluation of `class` against the rest (the curves, the
    /// calibration and the cost threshold of one class): a multi-class model's probability
    /// of that class, or a two-class model's of its negative class (1 − p) when `class`
    /// names it; `None` leaves the evaluation as it is. 22023 for a name that is not one of
    /// the model's classes.
    pub fn for_class(
        &self,
        model: &Model,
        class: Option<&str>,
    ) -> Result<std::borrow::Cow<'_, Scored>> {
        use std::borrow::Cow;
        let Some(name) = class else {
            return Ok(Cow::Borrowed(self));
        };
        let index = model.class_index(name)?;
        let (predictions, labels): (Vec<f64>, Vec<bool>) = match &self.truth {
            Truth::MultiClass { y, classes } => self
                .predictions
                .chunks(*classes)
                .zip(y)
                .map(|(p, &c)| (p[index], c as usize == index))
                .unzip(),
            Truth::Binary(_) if index == 1 => return Ok(Cow::Borrowed(self)),
            Truth::Binary(labels) => self
                .predictions
                .iter()
                .zip(labels)
                .map(|(&p, &l)| (1.0 - p, !l))
                .unzip(),
            Truth::Numeric(_) => return Ok(Cow::Borrowed(self)),
        };
        Ok(Cow::Owned(Scored {
            predictions,
            truth: Truth::Binary(labels),
            unlabelled: self.unlabelled,
            positive: None,
            max_rows: self.max_rows,
        }))
    }

    pub fn rows(&self) -> usize {
        match &self.truth {
            Truth::MultiClass { y, .. } => y.len(),
            Truth::Binary(_) | Truth::Numeric(_) => self.predictions.len(),
        }
    }

    fn labels(&self, what: &str) -> Result<&[bool]> {
        match &self.truth {
            Truth::Binary(labels) => Ok(labels),
            Truth::Numeric(_) => Err(Error::new(
                ErrorKind::WrongModelKind,
                format!("{what} needs a classification model; this one is a regression"),
            )
            .with_hint("fin_evaluate gives rmse, mae and r2 for a regression")),
            Truth::MultiClass { .. } => Err(Error::new(
                ErrorKind::WrongModelKind,
                format!("{what} needs a two-class model, or one class of a multi-class model"),
            )
            .with_hint("name the class: class => 'B' gives that class against the rest; fin_evaluate gives accuracy, F1, log loss and one-vs-rest AUC, fin_confusion the class-by-class counts")),
        }
    }

    fn require_rows(&self) -> Result<()> {
        if self.rows() == 0 {
            return Err(Error::invalid_data(if self.unlabelled > 0 {
                format!(
                    "no labelled rows: the target of all {} rows is NULL",
                    self.unlabelled
                )
            } else {
                "no rows to evaluate".to_owned()
            })
            .with_hint("evaluate on rows whose outcome is known"));
        }
        Ok(())
    }

    /// Every metric of the model's task (classification at `threshold`, with precision
    /// and recall at the top `top_percents`% of the rows by probability).
    pub fn metrics(&self, threshold: f64, top_percents: &[f64]) -> Result<BTreeMap<String, f64>> {
        self.require_rows()?;
        Ok(match &self.truth {
            Truth::Binary(labels) => {
                let mut m = metrics::classification_report(&self.predictions, labels, threshold);
                for &percent in top_percents {
                    if let Some((p, r)) = metrics::at_top(&self.predictions, labels, percent) {
                        m.insert(format!("precision_at_top_{percent}pct"), p);
                        m.insert(format!("recall_at_top_{percent}pct"), r);
                    }
                }
                m
            }
            Truth::MultiClass { y, classes } => {
                metrics::multiclass_report(&self.predictions, y, *classes)
            }
            Truth::Numeric(actual) => metrics::regression_report(actual, &self.predictions),
        })
    }

    /// A multi-class model's k×k counts: row the actual class, column the most probable.
    pub fn class_confusion(&self) -> Result<Vec<Vec<u64>>> {
        let Truth::MultiClass { y, classes } = &self.truth else {
            return Err(Error::new(
                ErrorKind::Internal,
                "class counts of a two-class evaluation",
            ));
        };
        self.require_rows()?;
        Ok(metrics::multiclass_confusion(
            &self.predictions,
            y,
            *classes,
        ))
    }

    /// The cutoff minimizing `cost_fp·FP + cost_fn·FN` on these rows (metrics::cost_threshold).
    pub fn cost_threshold(&self, cost_fp: f64, cost_fn: f64) -> Result<(f64, f64, Confusion)> {
        let labels = self.labels("a cost-minimizing threshold")?;
        self.require_rows()?;
        let valid = |c: f64| c.is_finite() && c >= 0.0;
        if !(valid(cost_fp) && valid(cost_fn)) || cost_fp + cost_fn <= 0.0 {
            return Err(Error::invalid_option(format!(
                "costs must be finite, >= 0 and not both 0, got cost_fp {cost_fp} and cost_fn {cost_fn}"
            ))
            .with_hint("give what a false alarm and a missed event each cost, e.g. 1 and 50"));
        }
        Ok(metrics::cost_threshold(
            &self.predictions,
            labels,
            cost_fp,
            cost_fn,
        ))
    }

    /// The ROC curve, at most `max_points` points (`None`: one class only).
    pub fn roc(&self, max_points: usize) -> Result<Vec<RocPoint>> {
        let labels = self.labels("a ROC curve")?;
        self.require_rows()?;
        metrics::roc_curve(&self.predictions, labels, max_points).ok_or_else(|| {
            Error::invalid_data("a ROC curve needs rows of both classes")
                .with_hint("evaluate on rows with both outcomes")
        })
    }

    pub fn confusion(&self, threshold: f64) -> Result<Confusion> {
        let labels = self.labels("a confusion matrix")?;
        self.require_rows()?;
        Ok(metrics::confusion(&self.predictions, labels, threshold))
    }

    pub fn calibration(&self, bins: usize) -> Result<Vec<CalibrationBin>> {
        let labels = self.labels("a calibration table")?;
        self.require_rows()?;
        Ok(metrics::calibration(&self.predictions, labels, bins))
    }
}

impl Scored {
    /// The gains table: `bands` bands of equal row counts, or the bands of `cutoffs` (on
    /// the predicted probability) when given.
    pub fn gains(&self, bands: usize, cutoffs: Option<&[f64]>) -> Result<Vec<GainsBand>> {
        let labels = self.labels("a gains table")?;
        self.require_rows()?;
        if let Some(c) = cutoffs.and_then(|c| c.iter().find(|c| !(0.0..=1.0).contains(*c))) {
            return Err(
                Error::invalid_option(format!("cutoffs are probabilities, got {c}"))
                    .with_hint("give cutoffs between 0 and 1, e.g. ARRAY[0.05, 0.1, 0.2]"),
            );
        }
        let table = match cutoffs {
            Some(cutoffs) => metrics::gains_at(&self.predictions, labels, cutoffs),
            None => metrics::gains(&self.predictions, labels, bands),
        };
        table.ok_or_else(|| {
            Error::invalid_data("a gains table needs rows of both classes")
                .with_hint("evaluate on rows with both outcomes")
        })
    }
}

/// The class code of a multi-class model's label (text, or a number as its class name);
/// 22000 for a label that is not one of its classes.
fn class_of_label(model: &Model, label: RawValue<'_>) -> Result<u32> {
    // Once per evaluated row: the model's classes are read in place, a text label compared
    // as it is.
    let Some(classes) = model.classes.as_deref() else {
        return Err(Error::new(
            ErrorKind::Internal,
            "a class code of a model that is not multi-class",
        ));
    };
    let found = match label {
        RawValue::Text(t) => classes.iter().position(|c| c == t),
        RawValue::Number(x) => {
            let name = x.to_string();
            classes.iter().position(|c| *c == name)
        }
        RawValue::Null => None,
    };
    found.map(|k| k as u32).ok_or_else(|| {
        let name = match label {
            RawValue::Text(t) => t.to_owned(),
            RawValue::Number(x) => x.to_string(),
            RawValue::Null => String::new(),
        };
        Error::invalid_data(format!(
            "\"{name}\" is not a class of the model's target \"{}\"",
            model.target
        ))
        .with_hint(format!(
            "the model's classes are {}; leave out (or relabel) rows of other classes",
            classes.join(", ")
        ))
    })
}

/// The shares of rows, in percent, that fin_evaluate reports precision and recall at
/// without options.
pub const DEFAULT_TOP_PERCENTS: &[f64] = &[5.0];

/// fin_evaluate's options: `{"top_percent": 1}` or `{"top_percent": [1, 5]}` (each in
/// (0, 100]).
pub fn top_percents(options: &serde_json::Value) -> Result<Vec<f64>> {
    let invalid = |why: String| {
        Error::invalid_option(format!("invalid fin_evaluate options: {why}"))
            .with_hint(r#"the options are: top_percent, a share of rows in percent or a list: {"top_percent": [1, 5]}"#)
    };
    let Some(map) = options.as_object() else {
        return Err(invalid("options must be a JSON object".into()));
    };
    if let Some(key) = map.keys().find(|k| *k != "top_percent") {
        return Err(invalid(format!("unknown option \"{key}\"")));
    }
    let values: Vec<&serde_json::Value> = match map.get("top_percent") {
        None => return Ok(DEFAULT_TOP_PERCENTS.to_vec()),
        Some(serde_json::Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    };
    values
        .into_iter()
        .map(|v| match v.as_f64() {
            Some(p) if p > 0.0 && p <= 100.0 => Ok(p),
            _ => Err(invalid(format!("top_percent must be in (0, 100], got {v}"))),
        })
        .collect()
}

/// Checks a classification threshold: a probability.
pub fn check_threshold(threshold: f64) -> Result<()> {
    if (0.0..=1.0).contains(&threshold) {
        Ok(())
    } else {
        Err(Error::invalid_option(format!(
            "threshold must be between 0 and 1, got {threshold}"
        ))
        .with_hint(
            "the threshold is the probability at or above which a row is predicted positive",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_data::{dataset, options, row, LIMITS};
    use crate::train::train;

    fn model() -> Model {
        train(&dataset(), crate::registry::LOGISTIC, &options(), LIMITS)
            .unwrap()
            .model
    }

    #[test]
    fn labels_are_read_as_the_model_names_its_positive_class() {
        let model = model();
        assert_eq!(model.positive_class.as_deref(), Some("true"));
        assert_eq!(model.negative_class.as_deref(), Some("false"));
        let mut scored = Scored::new(&model, 1 << 20);
        let row = [RawValue::Number(40.0), RawValue::Text("north")];
        scored.add(&model, &row, RawValue::Text("true")).unwrap();
        scored.add(&model, &row, RawValue::Text("false")).unwrap();
        scored.add(&model, &row, RawValue::Null).unwrap();
        assert_eq!(scored.rows(), 2);
        assert_eq!(scored.unlabelled, 1);
        let Truth::Binary(labels) = &scored.truth else {
            panic!("a classifier keeps binary labels")
        };
        assert_eq!(labels, &[true, false]);
        let p = model.predict(&row).unwrap();
        assert_eq!(scored.predictions, [p, p]);
    }

    #[test]
    fn evaluating_the_training_rows_gives_the_training_metrics() {
        let data = dataset();
        let outcome = train(&data, crate::registry::LOGISTIC, &options(), LIMITS).unwrap();
        let model = &outcome.model;
        let mut scored = Scored::new(model, 1 << 20);
        for i in 0..data.n_rows() {
            let (row, positive) = row(&data, i);
            let label = if positive { "true" } else { "false" };
            scored.add(model, &row, RawValue::Text(label)).unwrap();
        }
        let metrics = scored.metrics(0.5, &[]).unwrap();
        assert_eq!(outcome.evaluated_on, "train");
        for (name, value) in &outcome.metrics {
            assert!((metrics[name] - value).abs() < 1e-12, "{name}");
        }
    }

    #[test]
    fn the_budget_and_the_model_kind_are_enforced() {
        let model = model();
        let mut scored = Scored::new(&model, 2 * BYTES_PER_ROW);
        let row = [RawValue::Number(40.0), RawValue::Text("north")];
        scored.add(&model, &row, RawValue::Text("true")).unwrap();
        scored.add(&model, &row, RawValue::Text("true")).unwrap();
        let err = scored
            .add(&model, &row, RawValue::Text("true"))
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::ResourceLimit);
        assert!(scored.roc(10).is_err(), "one class only");
        assert_eq!(
            Scored::new(&model, 1024)
                .metrics(0.5, &[])
                .unwrap_err()
                .kind,
            ErrorKind::InvalidData
        );
        assert!(check_threshold(f64::NAN).is_err() && check_threshold(1.5).is_err());
        assert!(check_threshold(0.0).is_ok());
    }
}
