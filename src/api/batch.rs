//! Batch scoring with provenance: `fin_score_table` (score a whole relation into a table,
//! with the model version that produced every number), `fin_score_row` (what it writes for
//! one row) and `fin_version` (which version a model name resolves to, for plain
//! `INSERT … SELECT fin_predict(...)` jobs that record it). The services are
//! pg/score_table.rs's.

use crate::error::required;
use crate::pg::cache::with_model;
use crate::pg::row::{RecordArg, ScoredRow};
use crate::pg::score_table::{score_row, score_table};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};

/// The version `model` names now: its deployed version, or the pinned one ('name@3').
#[pg_extern(stable, strict, parallel_safe)]
fn fin_version(model: &str) -> Result<i32, ErrorReport> {
    with_model(model, |m| Ok(m.version))
}

/// Scores every row of `source` into the table `target` (created when missing, appended to
/// otherwise): the key column(s), the probability (or regression value), for a scorecard the
/// score, the principal reason codes (`reasons`: 4 by default for a scorecard, 0 for other
/// models, whose reasons explain each row), the decision at `cutoff` when one is given, the
/// model's name and the version that scored the rows, and the time. One version scores the
/// whole run, even if another is deployed meanwhile. Returns the number of rows written.
#[pg_extern(volatile, parallel_unsafe)]
fn fin_score_table(
    model: Option<&str>,
    source: Option<PgRelation>,
    target: Option<&str>,
    options: default!(Option<JsonB>, "'{}'"),
) -> Result<i64, ErrorReport> {
    let model = required(model, "model")?;
    let source = required(source, "source")?;
    let target = required(target, "target")?;
    let options = options.map_or(serde_json::json!({}), |o| o.0);
    score_table(model, source.oid(), target, &options)
}

/// One row as fin_score_table writes it, as a `finml.scored_row`: the probability (or
/// regression value), a scorecard's score, up to `reasons` principal reason codes (a
/// scorecard's features, most points lost first; another supervised model's, the features
/// that raised its output most; NULL: 4 for a scorecard, 0 for other models), and the
/// decision at `cutoff` (NULL without one).
/// `SELECT (r).* FROM (SELECT fin_score_row('m', a) AS r FROM applications a OFFSET 0) s`
/// computes each row once.
#[pg_extern(stable, parallel_safe, cost = 100)]
fn fin_score_row(
    model: Option<&str>,
    row: Option<RecordArg>,
    reasons: default!(Option<i32>, "NULL"),
    cutoff: default!(Option<f64>, "NULL"),
) -> Result<ScoredRow, ErrorReport> {
    score_row(
        required(model, "model")?,
        required(row, "row")?,
        reasons,
        cutoff,
    )
}
