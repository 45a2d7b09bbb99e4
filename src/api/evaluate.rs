//! Evaluation on labelled rows: `fin_evaluate`, `fin_roc`, `fin_confusion`,
//! `fin_calibration`, `fin_gains` and `fin_threshold`. Each reads the model's features and its target column from the
//! relation (with the caller's privileges), predicts every row, and measures (pg/evaluate.rs).

use crate::error::required;
use crate::pg::evaluate;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};

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
    Ok(TableIterator::new(evaluate::metrics(
        model,
        relation.oid(),
        threshold,
        None,
    )?))
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
    let metrics = evaluate::metrics(model, relation.oid(), threshold, Some(&options.0))?;
    Ok(TableIterator::new(metrics))
}

/// The cutoff that minimizes the expected cost of a classifier's decisions on the labelled
/// rows of `relation`, given what a false positive (`cost_fp`, e.g. a good customer's
/// declined transaction) and a false negative (`cost_fn`, a missed fraud) cost: over every
/// distinct predicted probability (flagging the rows at or above it) and flagging nothing
/// (`threshold` NULL); ties go to the higher cutoff. With the cost per row, the total cost
/// and the confusion counts at that cutoff.
/// `class` names one class of the model (a multi-class model's, or a two-class model's
/// negative class): that class against the rest, its probability the score. A multi-class
/// model needs it (42809 without); NULL is the positive class of a two-class model. Not
/// STRICT, so that `class` can default to NULL: a NULL model or relation is 22004.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, parallel_restricted)]
fn fin_threshold(
    model: Option<&str>,
    relation: Option<PgRelation>,
    cost_fp: Option<f64>,
    cost_fn: Option<f64>,
    class: default!(Option<&str>, "NULL"),
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
    let costs = (required(cost_fp, "cost_fp")?, required(cost_fn, "cost_fn")?);
    let relation = required(relation, "relation")?;
    let row = evaluate::cost_threshold(required(model, "model")?, relation.oid(), costs, class)?;
    Ok(TableIterator::once(row))
}

/// The ROC curve of a classifier on `relation`: from threshold +Infinity (nothing predicted
/// positive) down to the lowest score, at most `points` rows evenly spaced along the curve.
/// `precision` is NULL where no row is predicted positive.
/// `class` names one class of the model (a multi-class model's, or a two-class model's
/// negative class): that class against the rest, its probability the score. A multi-class
/// model needs it (42809 without); NULL is the positive class of a two-class model. Not
/// STRICT, so that `class` can default to NULL: a NULL model or relation is 22004.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, parallel_restricted)]
fn fin_roc(
    model: Option<&str>,
    relation: Option<PgRelation>,
    points: default!(Option<i32>, 100),
    class: default!(Option<&str>, "NULL"),
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
    Ok(TableIterator::new(evaluate::roc(
        required(model, "model")?,
        required(relation, "relation")?.oid(),
        required(points, "points")?,
        class,
    )?))
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
    Ok(TableIterator::new(evaluate::confusion(
        model,
        relation.oid(),
        threshold,
    )?))
}

/// Reliability of a classifier's probabilities on `relation`: `bins` groups of equal size by
/// predicted probability (scikit-learn's calibration_curve, strategy 'quantile'), each with
/// its mean prediction, observed positive rate and row count. Groups that tied
/// probabilities leave empty are left out.
/// `class` names one class of the model (a multi-class model's, or a two-class model's
/// negative class): that class against the rest, its probability the score. A multi-class
/// model needs it (42809 without); NULL is the positive class of a two-class model. Not
/// STRICT, so that `class` can default to NULL: a NULL model or relation is 22004.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, parallel_restricted)]
fn fin_calibration(
    model: Option<&str>,
    relation: Option<PgRelation>,
    bins: default!(Option<i32>, 10),
    class: default!(Option<&str>, "NULL"),
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
    Ok(TableIterator::new(evaluate::calibration(
        required(model, "model")?,
        required(relation, "relation")?.oid(),
        required(bins, "bins")?,
        class,
    )?))
}

/// The gains table of a classifier on `relation`: rows ranked by predicted probability,
/// riskiest first, in `bands` bands of equal size (tied probabilities stay in one band, so
/// there can be fewer), or in the bands of the probability `cutoffs` when given. Per band:
/// the probability range, rows, events, event rate, the cumulative shares of events and of
/// non-events captured, KS at the band's lower edge, lift and cumulative lift. With bands
/// fine enough to reach every distinct probability, the largest KS is fin_evaluate's KS.
/// `class` names one class of the model (a multi-class model's, or a two-class model's
/// negative class): that class against the rest, its probability the score. A multi-class
/// model needs it (42809 without); NULL is the positive class of a two-class model.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, parallel_restricted)]
fn fin_gains(
    model: Option<&str>,
    relation: Option<PgRelation>,
    bands: default!(Option<i32>, 10),
    cutoffs: default!(Option<Vec<f64>>, "NULL"),
    class: default!(Option<&str>, "NULL"),
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
    let table = evaluate::gains(model, relation.oid(), (bands, cutoffs.as_deref()), class)?;
    Ok(TableIterator::new(table))
}
