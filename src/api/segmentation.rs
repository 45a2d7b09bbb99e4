//! Segmentation and anomaly detection: `fin_cluster` (a row's cluster), `fin_clusters` (what
//! sets each cluster apart) and `fin_anomaly_score` (a row's isolation-forest score). The
//! same numbers as `fin_predict`, with the model's kind checked (42809 for another kind).

use crate::error::OrReport;
use crate::pg::cache::with_model;
use crate::pg::row::{predict_row, RecordArg};
use finml_models::Task;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// The cluster (1 to k) of one row: the nearest centre of the deployed k-means model.
#[pg_extern(stable, strict, parallel_safe, cost = 100)]
fn fin_cluster(model: &str, row: RecordArg) -> Result<i32, ErrorReport> {
    with_model(model, |m| {
        m.model
            .require_task(Task::Clustering, "kmeans")
            .or_report()?;
        Ok(predict_row(&m.model, &m.layouts, row.0)? as i32)
    })
}

/// The anomaly score (0 to 1, above 0.5 anomalous) of one row under the deployed isolation
/// forest.
#[pg_extern(stable, strict, parallel_safe, cost = 100)]
fn fin_anomaly_score(model: &str, row: RecordArg) -> Result<f64, ErrorReport> {
    with_model(model, |m| {
        m.model
            .require_task(Task::AnomalyDetection, "isolation_forest")
            .or_report()?;
        predict_row(&m.model, &m.layouts, row.0)
    })
}

/// The deployed k-means model's clusters as measured on its training rows: per cluster and
/// design column (a numeric feature, or `feature=level` for a category), the mean in the
/// feature's units (a level's share of the cluster) and its z-score against all training
/// rows; `rank` 1 is the column that sets the cluster apart most.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_safe)]
fn fin_clusters(
    model: &str,
) -> Result<
    TableIterator<
        'static,
        (
            name!(cluster, i32),
            name!(rows, i64),
            name!(share, f64),
            name!(rank, i32),
            name!(term, String),
            name!(mean, f64),
            name!(z_score, f64),
        ),
    >,
    ErrorReport,
> {
    let rows: Vec<_> = with_model(model, |m| {
        let kmeans = m.model.kmeans().or_report()?;
        Ok(kmeans
            .profiles
            .iter()
            .enumerate()
            .flat_map(|(c, p)| {
                p.terms.iter().enumerate().map(move |(r, t)| {
                    (
                        c as i32 + 1,
                        p.rows as i64,
                        p.share,
                        r as i32 + 1,
                        t.term.clone(),
                        t.mean,
                        t.z,
                    )
                })
            })
            .collect())
    })?;
    Ok(TableIterator::new(rows))
}
