//! Segmentation and anomaly detection, the services of api/segmentation.rs: a row's cluster,
//! a row's anomaly score (fin_predict's numbers, with the model's kind checked: 42809 for
//! another kind), and what sets each cluster apart.

use crate::error::{OrReport, SqlResult};
use crate::pg::cache::with_model;
use crate::pg::row::{predict_row, RecordArg};
use finml_models::Task;

/// fin_clusters's row: cluster, rows, share, rank, term, mean, z-score.
pub type ClusterRow = (i32, i64, f64, i32, String, f64, f64);

/// fin_cluster: the cluster (1 to k) of one row under a k-means model.
pub fn cluster(model: &str, row: RecordArg) -> SqlResult<i32> {
    with_model(model, |m| {
        m.model
            .require_task(Task::Clustering, "kmeans")
            .or_report()?;
        Ok(predict_row(&m.model, &m.layouts, row.0)? as i32)
    })
}

/// fin_anomaly_score: one row's score under an isolation forest.
pub fn anomaly_score(model: &str, row: RecordArg) -> SqlResult<f64> {
    with_model(model, |m| {
        m.model
            .require_task(Task::AnomalyDetection, "isolation_forest")
            .or_report()?;
        predict_row(&m.model, &m.layouts, row.0)
    })
}

/// fin_clusters: per cluster, its design columns ranked by how far they set it apart.
pub fn clusters(model: &str) -> SqlResult<Vec<ClusterRow>> {
    with_model(model, |m| {
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
    })
}
