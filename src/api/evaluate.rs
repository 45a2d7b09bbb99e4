//! Evaluation on labelled rows: `fin_evaluate`, `fin_roc`, `fin_confusion`,
//! `fin_calibration`, `fin_gains` and `fin_threshold`. Each reads the model's features and its target column from the
//! relation (with the caller's privileges), predicts every row, and measures.

use crate::error::{check_argument, required, OrReport, SqlResult};
use crate::gucs;
use crate::pg::cache::with_model;
use crate::pg::extension::extension_schema;
use crate::pg::relation;
use crate::pg::row::with_row_values;
use finml_models::evaluate::{check_threshold, top_percents, Scored, DEFAULT_TOP_PERCENTS};
use finml_models::metrics::in_report_order;
use finml_models::reference::ModelRef;
use finml_models::Model;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgLogLevel, PgRelation, PgSqlErrorCode};

/// Predicts every labelled row of `relation` with `model`, then hands the predictions and
/// labels to `measure`.
fn score_relation<R>(
    model: &str,
    relation: &PgRelation,
    measure: impl FnOnce(&Model, &Scored) -> SqlResult<R>,
) -> SqlResult<R> {
    let relation_name = relation::relation_name(relation.oid())?;
    // On a distributed table, with the catalog on the workers, the predictions are made in
    // each shard's task and only (prediction, label) pairs come back, not the rows.
    let on_workers = relation::scores_on_workers(relation.oid())?;
    with_model(model, |m| {
        let target = relation::target_column(relation.oid(), &relation_name, &m.model)?;
        let mut scored = Scored::new(&m.model, gucs::max_training_memory_bytes());
        if on_workers {
            ereport!(
                PgLogLevel::DEBUG1,
                PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
                "finml: predictions made on the workers, shard by shard"
            );
            let name = ModelRef::parse(model).or_report()?.name;
            let pinned = format!("{name}@{}", m.version);
            relation::scan_predictions(
                &relation_name,
                &extension_schema()?,
                &pinned,
                &[relation::scanned_column(&target.0, target.1)],
                |prediction, label| {
                    scored
                        .add_prediction(&m.model, prediction, label[0])
                        .or_report()
                },
            )?;
        } else {
            relation::scan_rows(&relation_name, &[target], |row, label| {
                with_row_values(&m.model, &m.layouts, row, |values| {
                    scored.add(&m.model, values, label[0]).or_report()
                })
            })?;
        }
        measure(&m.model, &scored)
    })
}

/// The model's metrics on the labelled rows of `relation`: for a classifier auc, gini, ks,
/// average_precision (PR-AUC), accuracy, precision, recall, f1 (at `threshold`), log_loss,
/// brier, hosmer_lemeshow and its p-value, rows, positives, and precision and recall at the
/// top 5% of rows by probability; for a regression rmse, mae, r2, rows. Rows whose target is
/// NULL are left out.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_restricted)]
fn fin_evaluate(
    model: &str,
    relation: PgRelation,
    threshold: default!(f64, 0.5),
) -> Result<TableIterator<'static, (name!(metric, String), name!(value, f64))>, ErrorReport> {
    evaluate(model, &relation, threshold, DEFAULT_TOP_PERCENTS)
}

/// [`fin_evaluate`] with options: `{"top_percent": [1, 5]}` sets the shares of rows (in
/// percent, by descending probability) at which precision and recall are reported, as
/// `precision_at_top_1pct`, `recall_at_top_1pct`, ...
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_restricted, name = "fin_evaluate")]
fn fin_evaluate_with_options(
    model: &str,
    relation: PgRelation,
    threshold: f64,
    options: JsonB,
) -> Result<TableIterator<'static, (name!(metric, String), name!(value, f64))>, ErrorReport> {
    let percents = top_percents(&options.0).or_report()?;
    evaluate(model, &relation, threshold, &percents)
}

fn evaluate(
    model: &str,
    relation: &PgRelation,
    threshold: f64,
    top_percents: &[f64],
) -> Result<TableIterator<'static, (String, f64)>, ErrorReport> {
    check_threshold(threshold).or_report()?;
    let metrics = score_relation(model, relation, |_, scored| {
        scored.metrics(threshold, top_percents).or_report()
    })?;
    Ok(TableIterator::new(in_report_order(&metrics)))
}

/// The cutoff that minimizes the expected cost of a classifier's decisions on the labelled
/// rows of `relation`, given what a false positive (`cost_fp`, e.g. a good customer's
/// declined transaction) and a false negative (`cost_fn`, a missed fraud) cost: over every
/// distinct predicted probability (flagging the rows at or above it) and flagging nothing
/// (`threshold` NULL); ties go to the higher cutoff. With the cost per row, the total cost
/// and the confusion counts at that cutoff.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_restricted)]
fn fin_threshold(
    model: &str,
    relation: PgRelation,
    cost_fp: f64,
    cost_fn: f64,
) -> Result<
    TableIterator<
        'static,
        (
            name!(threshold, Option<f64>),
            name!(expected_cost, f64),
            name!(total_cost, f64),
            name!(true_positives, i64),
            name!(false_positives, i64),
            name!(true_negatives, i64),
            name!(false_negatives, i64),
        ),
    >,
    ErrorReport,
> {
    let (threshold, total, c, rows) = score_relation(model, &relation, |_, scored| {
        let (t, total, c) = scored.cost_threshold(cost_fp, cost_fn).or_report()?;
        Ok((t, total, c, scored.rows()))
    })?;
    Ok(TableIterator::once((
        threshold.is_finite().then_some(threshold),
        total / rows as f64,
        total,
        c.tp as i64,
        c.fp as i64,
        c.tn as i64,
        c.fn_ as i64,
    )))
}

/// The ROC curve of a classifier on `relation`: from threshold +Infinity (nothing predicted
/// positive) down to the lowest score, at most `points` rows evenly spaced along the curve.
/// `precision` is NULL where no row is predicted positive.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_restricted)]
fn fin_roc(
    model: &str,
    relation: PgRelation,
    points: default!(i32, 100),
) -> Result<
    TableIterator<
        'static,
        (
            name!(threshold, f64),
            name!(tpr, f64),
            name!(fpr, f64),
            name!(precision, Option<f64>),
        ),
    >,
    ErrorReport,
> {
    check_argument(
        "points",
        points,
        2,
        Some(100_000),
        "the default, 100 points, draws a smooth curve",
    )?;
    let curve = score_relation(model, &relation, |_, scored| {
        scored.roc(points as usize).or_report()
    })?;
    Ok(TableIterator::new(
        curve
            .into_iter()
            .map(|p| (p.threshold, p.tpr, p.fpr, p.precision)),
    ))
}

/// The confusion matrix of a classifier on `relation` at `threshold` (predicted positive
/// when the probability is at least the threshold): four rows, zero counts included.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_restricted)]
fn fin_confusion(
    model: &str,
    relation: PgRelation,
    threshold: default!(f64, 0.5),
) -> Result<
    TableIterator<
        'static,
        (
            name!(actual, String),
            name!(predicted, String),
            name!(count, i64),
        ),
    >,
    ErrorReport,
> {
    check_threshold(threshold).or_report()?;
    let rows = score_relation(model, &relation, |model, scored| {
        let c = scored.confusion(threshold).or_report()?;
        let positive = model.positive_class.clone().unwrap_or_default();
        let negative = model.negative_class_name().unwrap_or_default();
        Ok(vec![
            (positive.clone(), positive.clone(), c.tp as i64),
            (positive.clone(), negative.clone(), c.fn_ as i64),
            (negative.clone(), positive, c.fp as i64),
            (negative.clone(), negative, c.tn as i64),
        ])
    })?;
    Ok(TableIterator::new(rows))
}

/// Reliability of a classifier's probabilities on `relation`: `bins` groups of equal size by
/// predicted probability (scikit-learn's calibration_curve, strategy 'quantile'), each with
/// its mean prediction, observed positive rate and row count. Groups that tied
/// probabilities leave empty are left out.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_restricted)]
fn fin_calibration(
    model: &str,
    relation: PgRelation,
    bins: default!(i32, 10),
) -> Result<
    TableIterator<
        'static,
        (
            name!(bin, i32),
            name!(mean_predicted, f64),
            name!(observed_rate, f64),
            name!(count, i64),
        ),
    >,
    ErrorReport,
> {
    check_argument(
        "bins",
        bins,
        1,
        Some(1000),
        "ten groups (deciles of risk) is the custom, and the default",
    )?;
    let groups = score_relation(model, &relation, |_, scored| {
        scored.calibration(bins as usize).or_report()
    })?;
    Ok(TableIterator::new(groups.into_iter().map(|g| {
        (
            g.bin as i32,
            g.mean_predicted,
            g.observed_rate,
            g.count as i64,
        )
    })))
}

/// The gains table of a classifier on `relation`: rows ranked by predicted probability,
/// riskiest first, in `bands` bands of equal size (tied probabilities stay in one band, so
/// there can be fewer), or in the bands of the probability `cutoffs` when given. Per band:
/// the probability range, rows, events, event rate, the cumulative shares of events and of
/// non-events captured, KS at the band's lower edge, lift and cumulative lift. With bands
/// fine enough to reach every distinct probability, the largest KS is fin_evaluate's KS.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, parallel_restricted)]
fn fin_gains(
    model: Option<&str>,
    relation: Option<PgRelation>,
    bands: default!(Option<i32>, 10),
    cutoffs: default!(Option<Vec<f64>>, "NULL"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(band, i32),
            name!(min_probability, Option<f64>),
            name!(max_probability, Option<f64>),
            name!(rows, i64),
            name!(events, i64),
            name!(event_rate, Option<f64>),
            name!(cum_events_share, f64),
            name!(cum_non_events_share, f64),
            name!(ks, f64),
            name!(lift, Option<f64>),
            name!(cum_lift, f64),
        ),
    >,
    ErrorReport,
> {
    let model = required(model, "model")?;
    let relation = required(relation, "relation")?;
    let bands = check_argument(
        "bands",
        required(bands, "bands")?,
        1,
        Some(1_000_000),
        "ten bands (deciles of risk) is the custom, and the default",
    )?;
    let table = score_relation(model, &relation, |_, scored| {
        scored.gains(bands as usize, cutoffs.as_deref()).or_report()
    })?;
    Ok(TableIterator::new(table.into_iter().map(|b| {
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
    })))
}
