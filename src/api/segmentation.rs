//! Segmentation and anomaly detection: `fin_cluster` (a row's cluster), `fin_clusters` (what
//! sets each cluster apart) and `fin_anomaly_score` (a row's isolation-forest score). The
//! same numbers as `fin_predict`, with the model's kind checked (42809 for another kind;
//! pg/segmentation.rs).

use crate::pg::row::RecordArg;
use crate::pg::segmentation;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// The cluster (1 to k) of one row: the nearest centre of the deployed k-means model.
#[pg_extern(stable, strict, parallel_safe, cost = 100)]
fn fin_cluster(model: &str, row: RecordArg) -> Result<i32, ErrorReport> {
    segmentation::cluster(model, row)
}

/// The anomaly score (0 to 1, above 0.5 anomalous) of one row under the deployed isolation
/// forest.
#[pg_extern(stable, strict, parallel_safe, cost = 100)]
fn fin_anomaly_score(model: &str, row: RecordArg) -> Result<f64, ErrorReport> {
    segmentation::anomaly_score(model, row)
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
    Ok(TableIterator::new(segmentation::clusters(model)?))
}
