//! Evaluation on labelled rows, the services of api/evaluate.rs: `fin_evaluate`, `fin_roc`,
//! `fin_confusion`, `fin_calibration`, `fin_gains` and `fin_threshold`. Each reads the
//! model's features and its target column from the relation (with the caller's privileges),
//! predicts every row (on the workers or here, pg::scoring), and measures.

use crate::error::{check_argument, required, OrReport, SqlResult};
use crate::gucs;
use crate::pg::cache::with_model;
use crate::pg::relation;
use crate::pg::scoring::{self, Scoring};
use finml_models::evaluate::{check_threshold, top_percents, Scored, DEFAULT_TOP_PERCENTS};
use finml_models::metrics::in_report_order;
use finml_models::Model;
use pgrx::pg_sys::Oid;
use serde_json::Value;

/// fin_threshold's row: the cutoff (NULL: flag nothing), the expected cost per row, the
/// total cost, and the confusion counts at the cutoff (tp, fp, tn, fn).
pub type ThresholdRow = (Option<f64>, f64, f64, i64, i64, i64, i64);
/// fin_roc's row: threshold, tpr, fpr, precision.
pub type RocRow = (f64, f64, f64, Option<f64>);
/// fin_calibration's row: bin, mean predicted, observed rate, count.
pub type CalibrationRow = (i32, f64, f64, i64);
/// fin_gains's row, in its columns' order.
pub type GainsRow = (
    i32,
    Option<f64>,
    Option<f64>,
    i64,
    i64,
    Option<f64>,
    f64,
    f64,
    f64,
    Option<f64>,
    f64,
);

/// Predicts every labelled row of `relation` with `model`, then hands the predictions and
/// labels to `measure`: as `class` against the rest when it names one (checked before a row
/// is read; Scored::for_class).
fn score_relation<R>(
    model: &str,
    relation: Oid,
    class: Option<&str>,
    measure: impl FnOnce(&Model, &Scored) -> SqlResult<R>,
) -> SqlResult<R> {
    let relation_name = relation::relation_name(relation)?;
    // On a distributed table, with the catalog on the workers, the predictions are made in
    // each shard's task and only (prediction, label) pairs come back, not the rows.
    let on_workers = scoring::on_workers(relation)?;
    with_model(model, |m| {
        // A multi-class model's probabilities are computed here: the workers return one
        // prediction a row.
        let on_workers = on_workers && !m.model.is_multi_class();
        if let Some(name) = class {
            m.model.class_index(name).or_report()?;
        }
        let target = relation::target_column(relation, &relation_name, &m.model)?;
        let mut scored = Scored::new(&m.model, gucs::max_training_memory_bytes());
        scoring::score_rows(
            on_workers,
            model,
            m,
            &relation_name,
            &[relation::scanned_column(&target.0, target.1)],
            "predictions",
            |row, label| {
                match row {
                    Scoring::Predicted(prediction) => {
                        scored.add_prediction(&m.model, prediction, label[0])
                    }
                    Scoring::Features(values) => scored.add(&m.model, values, label[0]),
                }
                .or_report()
            },
        )?;
        let scored = scored.for_class(&m.model, class).or_report()?;
        measure(&m.model, &scored)
    })
}

/// fin_evaluate: the metrics at `threshold`, with precision and recall at the top shares of
/// rows that `options` names ("top_percent"; without options, the default share).
pub fn metrics(
    model: &str,
    relation: Oid,
    threshold: f64,
    options: Option<&Value>,
) -> SqlResult<Vec<(String, f64)>> {
    let percents = match options {
        Some(options) => top_percents(options).or_report()?,
        None => DEFAULT_TOP_PERCENTS.to_vec(),
    };
    check_threshold(threshold).or_report()?;
    let metrics = score_relation(model, relation, None, |_, scored| {
        scored.metrics(threshold, &percents).or_report()
    })?;
    Ok(in_report_order(&metrics))
}

/// fin_threshold: the cutoff of least expected cost given the costs of a false positive and
/// of a false negative.
pub fn cost_threshold(
    model: &str,
    relation: Oid,
    (cost_fp, cost_fn): (f64, f64),
    class: Option<&str>,
) -> SqlResult<ThresholdRow> {
    let (threshold, total, c, rows) = score_relation(model, relation, class, |_, scored| {
        let (t, total, c) = scored.cost_threshold(cost_fp, cost_fn).or_report()?;
        Ok((t, total, c, scored.rows()))
    })?;
    Ok((
        threshold.is_finite().then_some(threshold),
        total / rows as f64,
        total,
        c.tp as i64,
        c.fp as i64,
        c.tn as i64,
        c.fn_ as i64,
    ))
}

/// fin_roc: the ROC curve in at most `points` rows (of `class` against the rest when named).
pub fn roc(model: &str, relation: Oid, points: i32, class: Option<&str>) -> SqlResult<Vec<RocRow>> {
    check_argument(
        "points",
        points,
        2,
        Some(100_000),
        "the default, 100 points, draws a smooth curve",
    )?;
    let curve = score_relation(model, relation, class, |_, scored| {
        scored.roc(points as usize).or_report()
    })?;
    Ok(curve
        .into_iter()
        .map(|p| (p.threshold, p.tpr, p.fpr, p.precision))
        .collect())
}

/// fin_confusion: the four cells (actual, predicted, count) at `threshold`; a multi-class
/// model's k×k cells of the most probable class (no threshold).
pub fn confusion(
    model: &str,
    relation: Oid,
    threshold: f64,
) -> SqlResult<Vec<(String, String, i64)>> {
    check_threshold(threshold).or_report()?;
    score_relation(model, relation, None, |model, scored| {
        if let Some(classes) = &model.classes {
            // Every (actual, most probable) pair of classes, in class order.
            let counts = scored.class_confusion().or_report()?;
            return Ok(classes
                .iter()
                .zip(&counts)
                .flat_map(|(actual, row)| {
                    classes
                        .iter()
                        .zip(row)
                        .map(|(predicted, &n)| (actual.clone(), predicted.clone(), n as i64))
                })
                .collect());
        }
        let c = scored.confusion(threshold).or_report()?;
        let positive = model.positive_class.clone().unwrap_or_default();
        let negative = model.negative_class_name().unwrap_or_default();
        Ok(vec![
            (positive.clone(), positive.clone(), c.tp as i64),
            (positive.clone(), negative.clone(), c.fn_ as i64),
            (negative.clone(), positive, c.fp as i64),
            (negative.clone(), negative, c.tn as i64),
        ])
    })
}

/// fin_calibration: `bins` groups of equal size by predicted probability (of `class` when
/// named: one class's calibration against the rest).
pub fn calibration(
    model: &str,
    relation: Oid,
    bins: i32,
    class: Option<&str>,
) -> SqlResult<Vec<CalibrationRow>> {
    check_argument(
        "bins",
        bins,
        1,
        Some(1000),
        "ten groups (deciles of risk) is the custom, and the default",
    )?;
    let groups = score_relation(model, relation, class, |_, scored| {
        scored.calibration(bins as usize).or_report()
    })?;
    Ok(groups
        .into_iter()
        .map(|g| {
            (
                g.bin as i32,
                g.mean_predicted,
                g.observed_rate,
                g.count as i64,
            )
        })
        .collect())
}

/// fin_gains: the gains table in `bands` bands (NULL refused), or in those of `cutoffs` (of
/// `class` against the rest when named).
pub fn gains(
    model: &str,
    relation: Oid,
    (bands, cutoffs): (Option<i32>, Option<&[f64]>),
    class: Option<&str>,
) -> SqlResult<Vec<GainsRow>> {
    let bands = check_argument(
        "bands",
        required(bands, "bands")?,
        1,
        Some(1_000_000),
        "ten bands (deciles of risk) is the custom, and the default",
    )?;
    let table = score_relation(model, relation, class, |_, scored| {
        scored.gains(bands as usize, cutoffs).or_report()
    })?;
    Ok(table
        .into_iter()
        .map(|b| {
            (
                b.band as i32,
                b.min_score,
                b.max_score,
                b.rows as i64,
                b.events as i64,
                b.event_rate,
                b.cum_events_share,
                b.cum_non_events_share,
                b.ks,
                b.lift,
                b.cum_lift,
            )
        })
        .collect())
}
