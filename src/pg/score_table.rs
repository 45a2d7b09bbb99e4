//! Batch scoring with provenance, the services of api/batch.rs: `fin_score_table`'s run (the
//! model read and pinned to one version, the options and key columns checked, then
//! pg::batch's target and INSERT) and `fin_score_row`'s one row (what the run writes for it).

use crate::error::{check_argument, fail, report, ErrorKind, OrReport, SqlResult};
use crate::pg::batch::{resolve_target, score_into, ScoreRun};
use crate::pg::cache::with_model;
use crate::pg::relation::{self, RelationColumn};
use crate::pg::row::{with_row_values, RecordArg, ScoredFields, ScoredRow};
use crate::pg::scorecard::integer_score;
use finml_models::batch::{decision, default_reasons, ScoreTableOptions};
use finml_models::reference::ModelRef;
use finml_models::{Error, Task};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::pg_sys::Oid;
use serde_json::Value;

/// fin_score_table: scores every row of `source` into `target` with `options`
/// (fin_score_table's, "{}" when NULL); returns the number of rows written.
pub fn score_table(model: &str, source: Oid, target: &str, options: &Value) -> SqlResult<i64> {
    let options = ScoreTableOptions::parse(options).or_report()?;
    let name = ModelRef::parse(model).or_report()?.name;
    // The model is read, and the caller's right to use it checked, before anything is written.
    let (version, task, is_scorecard, classes, multi_class) = with_model(model, |m| {
        let positive = m.model.positive_class.clone().unwrap_or_default();
        let negative = m.model.negative_class_name().unwrap_or_default();
        Ok((
            m.version,
            m.model.task,
            m.model.points().is_some(),
            (positive, negative),
            m.model.is_multi_class(),
        ))
    })?;
    if multi_class && options.cutoff.is_some() {
        return Err(fail(
            ErrorKind::InvalidOption,
            "a cutoff decides between two classes: this model has more",
            "leave out \"cutoff\": a multi-class model's rows get their most probable class",
        ));
    }
    if multi_class && options.reasons.is_some_and(|n| n > 0) {
        return Err(fail(
            ErrorKind::Unsupported,
            "fin_score_table writes no reason codes for a multi-class model yet",
            "leave out \"reasons\", and ask fin_reason_codes(model, row) for the rows that need them",
        ));
    }
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
    let reasons = options.reasons_for(is_scorecard);
    if reasons > 0 && task.is_unsupervised() {
        return Err(no_reasons(task));
    }
    let source_name = relation::relation_name(source)?;
    let key = key_columns(source, &source_name, options.key.as_deref())?;
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
            Task::Survival => "pd",
        },
        score: is_scorecard,
        reasons,
        cutoff: options.cutoff,
        classes,
        multi_class,
    };
    score_into(&run, &target_name, exists)
}

/// Reason codes asked of a model trained without a target (22023).
fn no_reasons(task: Task) -> ErrorReport {
    fail(
        ErrorKind::InvalidOption,
        format!(
            "reason codes explain a supervised model's prediction: this model is {} model",
            finml_models::error::with_article(task.as_str())
        ),
        "leave out \"reasons\" (or give 0) for a model trained without a target",
    )
}

/// The key columns of the source: those named, or its primary key.
fn key_columns(
    source: Oid,
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

/// fin_score_row: one row as fin_score_table writes it, with up to `reasons` reason codes
/// (NULL: fin_score_table's default, 4 for a scorecard and 0 for another model) and the
/// decision at `cutoff`.
pub fn score_row(
    model: &str,
    row: RecordArg,
    reasons: Option<i32>,
    cutoff: Option<f64>,
) -> SqlResult<ScoredRow> {
    let asked = reasons
        .map(|n| {
            check_argument(
                "reasons",
                n,
                0,
                Some(20),
                "regulations ask for up to four principal reasons: NULL is the default (4 for a scorecard, 0 for other models)",
            )
        })
        .transpose()?;
    let fields = with_model(model, |m| {
        m.model.require_single_output("fin_score_row").or_report()?;
        let n = asked.map_or_else(
            || default_reasons(m.model.points().is_some()),
            |n| n as usize,
        );
        if n > 0 && m.model.task.is_unsupervised() {
            return Err(no_reasons(m.model.task));
        }
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
                None => {
                    let reasons = if n > 0 {
                        let names: Vec<&str> = m.model.feature_names().collect();
                        let reasons = m.model.contribution_reasons(values, n).or_report()?;
                        Some(
                            reasons
                                .iter()
                                .map(|r| names[r.feature].to_owned())
                                .collect(),
                        )
                    } else {
                        None
                    };
                    (m.model.predict(values).or_report()?, None, reasons)
                }
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
