//! Batch scoring with provenance: `fin_score_table` (score a whole relation into a table,
//! with the model version that produced every number), `fin_score_row` (what it writes for
//! one row) and `fin_version` (which version a model name resolves to, for plain
//! `INSERT … SELECT fin_predict(...)` jobs that record it).

use crate::api::scorecard::integer_score;
use crate::error::{fail, report, required, ErrorKind, OrReport, SqlResult};
use crate::pg::batch::{resolve_target, score_into, ScoreRun};
use crate::pg::cache::with_model;
use crate::pg::relation::{self, RelationColumn};
use crate::pg::row::{with_row_values, RecordArg, ScoredFields, ScoredRow};
use finml_models::batch::{decision, ScoreTableOptions};
use finml_models::reference::ModelRef;
use finml_models::{Error, Task};
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
/// score and the principal reason codes, the decision at `cutoff` when one is given, the
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
    let options =
        ScoreTableOptions::parse(&options.map_or(serde_json::json!({}), |o| o.0)).or_report()?;
    let name = ModelRef::parse(model).or_report()?.name;
    // The model is read, and the caller's right to use it checked, before anything is written.
    let (version, task, is_scorecard, classes) = with_model(model, |m| {
        let positive = m.model.positive_class.clone().unwrap_or_default();
        let negative = m.model.negative_class_name().unwrap_or_default();
        Ok((
            m.version,
            m.model.task,
            m.model.points().is_some(),
            (positive, negative),
        ))
    })?;
    if options.cutoff.is_some() && task != Task::Classification {
        return Err(fail(
            ErrorKind::InvalidOption,
            format!(
                "a cutoff decides between classes: this model is {} model",
                finml_models::error::with_article(task.as_str())
            ),
            format!(
                "leave out \"cutoff\" for {} model",
                finml_models::error::with_article(task.as_str())
            ),
        ));
    }
    let source_name = relation::relation_name(source.oid())?;
    let key = key_columns(source.oid(), &source_name, options.key.as_deref())?;
    let (target_name, exists) = resolve_target(target)?;
    let pinned = format!("{name}@{version}");
    let run = ScoreRun {
        pinned_model: &pinned,
        model_name: name,
        version,
        source: &source_name,
        key: &key,
        prediction_column: match task {
            Task::Classification => "probability",
            Task::Regression => "prediction",
            Task::Clustering => "cluster",
            Task::AnomalyDetection => "anomaly_score",
        },
        score: is_scorecard,
        reasons: options.reasons,
        cutoff: options.cutoff,
        classes,
    };
    score_into(&run, &target_name, exists)
}

/// The key columns of the source: those named, or its primary key.
fn key_columns(
    source: pgrx::pg_sys::Oid,
    source_name: &str,
    named: Option<&[String]>,
) -> SqlResult<Vec<RelationColumn>> {
    let names = match named {
        Some(names) => names.to_vec(),
        None => relation::primary_key_of(source)?,
    };
    if names.is_empty() {
        return Err(fail(
            ErrorKind::InvalidOption,
            format!("{source_name} has no primary key to identify the scored rows"),
            "name the key column(s): options => '{\"key\": [\"id\"]}'",
        ));
    }
    let columns = relation::columns_of(source)?;
    names
        .iter()
        .map(|name| {
            columns
                .iter()
                .find(|c| &c.name == name)
                .cloned()
                .ok_or_else(|| {
                    report(
                        Error::new(
                            ErrorKind::UnknownColumn,
                            format!("column \"{name}\" does not exist in {source_name}"),
                        )
                        .with_hint("the key names columns of the source that identify each row"),
                    )
                })
        })
        .collect()
}

/// One row as fin_score_table writes it, as a `finml.scored_row`: the probability (or
/// regression value), a scorecard's score and up to `reasons` principal reason codes
/// (features, most points lost first), and the decision at `cutoff` (NULL without one).
/// `SELECT (r).* FROM (SELECT fin_score_row('m', a) AS r FROM applications a OFFSET 0) s`
/// computes each row once.
#[pg_extern(stable, parallel_safe, cost = 100)]
fn fin_score_row(
    model: Option<&str>,
    row: Option<RecordArg>,
    reasons: default!(Option<i32>, 4),
    cutoff: default!(Option<f64>, "NULL"),
) -> Result<ScoredRow, ErrorReport> {
    let model = required(model, "model")?;
    let row = required(row, "row")?;
    let n = crate::error::check_argument(
        "reasons",
        required(reasons, "reasons")?,
        0,
        Some(20),
        "regulations ask for up to four principal reasons: the default is 4",
    )? as usize;
    let fields = with_model(model, |m| {
        with_row_values(&m.model, &m.layouts, row.0, |values| {
            let (prediction, score, reasons) = match m.model.points() {
                Some(_) => {
                    let (prediction, points, reasons) =
                        m.model.scorecard_row(values, n).or_report()?;
                    let names: Vec<&str> = m.model.feature_names().collect();
                    let reasons = reasons.iter().map(|r| names[r.feature].to_owned());
                    (
                        prediction,
                        Some(integer_score(points)?),
                        (n > 0).then(|| reasons.collect()),
                    )
                }
                None => (m.model.predict(values).or_report()?, None, None),
            };
            let classes = m
                .model
                .positive_class
                .as_ref()
                .zip(m.model.negative_class_name());
            let decision = match (cutoff, classes) {
                (None, _) => None,
                (Some(c), Some((positive, negative))) if (0.0..=1.0).contains(&c) => {
                    Some(decision(prediction, c, positive, &negative).to_owned())
                }
                (Some(c), _) => {
                    return Err(fail(
                        ErrorKind::InvalidOption,
                        format!("cutoff {c} is not a probability, or the model has no classes"),
                        "give a cutoff between 0 and 1 for a classifier",
                    ))
                }
            };
            Ok(ScoredFields {
                prediction,
                score,
                reasons,
                decision,
            })
        })
    })?;
    ScoredRow::new(fields)
}
