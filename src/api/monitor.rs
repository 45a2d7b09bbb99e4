//! Drift and ongoing monitoring: `fin_psi` (a population against the training split) and
//! `fin_monitor` (per period: stability, discrimination, calibration; optionally kept as
//! history in finml.monitoring).

use crate::error::{fail, report, required, ErrorKind, OrReport, SqlResult};
use crate::gucs;
use crate::pg::cache::with_model;
use crate::pg::catalog::{check_access, Access, ModelRef};
use crate::pg::registry::store_monitoring;
use crate::pg::relation::{self, RelationColumn, SCANNED_ROW};
use crate::pg::row::with_row_values;
use crate::pg::types::{quote_ident, ValueKind};
use finml_models::monitor::{DriftCounts, Monitor, MonitorOptions, PeriodKey, PeriodRow, Truncate};
use finml_models::scorecard::stability_status;
use finml_models::{Error, RawValue};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};

/// Population stability of `relation` against the training split: the PSI of the model's
/// output (feature '(score)': a scorecard's score over its training score bands, another
/// model's prediction over its training deciles) and the characteristic stability index of
/// each feature (a scorecard's over its bins; otherwise over the training deciles, or
/// levels); status stable < 0.1 <= watch <= 0.25 < shifted. Versions trained before finml
/// 0.5.0 that are not scorecards: 0A000 (retrain to measure them).
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_restricted)]
fn fin_psi(
    model: &str,
    relation: PgRelation,
) -> Result<
    TableIterator<
        'static,
        (
            name!(feature, String),
            name!(psi, f64),
            name!(status, String),
        ),
    >,
    ErrorReport,
> {
    let relation_name = relation::relation_name(relation.oid())?;
    let rows = with_model(model, |m| {
        let mut counts = DriftCounts::new(&m.model).or_report()?;
        relation::check_feature_columns(relation.oid(), &relation_name, &m.model)?;
        relation::scan_rows(&relation_name, &[], |row, _| {
            with_row_values(&m.model, &m.layouts, row, |values| {
                counts
                    .add(&m.model, values, || m.model.predict(values))
                    .or_report()
            })
        })?;
        if counts.rows == 0 {
            return Err(fail(
                ErrorKind::InvalidData,
                format!("{relation_name} has no rows"),
                "stability compares a population with the training split: pass a relation with the applications to monitor",
            ));
        }
        let stability = counts.stability(&m.model).or_report()?;
        Ok(stability
            .into_iter()
            .map(|(name, psi)| (name, psi, stability_status(psi).to_owned()))
            .collect::<Vec<_>>())
    })?;
    Ok(TableIterator::new(rows))
}

/// One row per period of `relation`: the rows of the period column `period` (a date or
/// timestamp truncated to the month by default, see options "truncate"; any other column by
/// its values) with rows, labelled rows (where the model's target column is present and not
/// NULL), event rate, mean predicted probability, AUC, KS, Gini, Brier and the
/// Hosmer–Lemeshow p-value of the labelled rows, the PSI of the output against the training
/// split, the feature with the highest CSI, and the worse status of the two. With
/// `{"store": true}` (the model's owner only) the rows are kept in finml.monitoring.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_unsafe)]
fn fin_monitor(
    model: Option<&str>,
    relation: Option<PgRelation>,
    period: Option<&str>,
    options: default!(Option<JsonB>, "'{}'"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(period, Option<String>),
            name!(rows, i64),
            name!(labelled_rows, i64),
            name!(event_rate, Option<f64>),
            name!(mean_predicted, f64),
            name!(auc, Option<f64>),
            name!(ks, Option<f64>),
            name!(gini, Option<f64>),
            name!(brier, Option<f64>),
            name!(hosmer_lemeshow_p, Option<f64>),
            name!(psi, f64),
            name!(max_csi_feature, Option<String>),
            name!(max_csi, Option<f64>),
            name!(status, String),
        ),
    >,
    ErrorReport,
> {
    let model = required(model, "model")?;
    let relation = required(relation, "relation")?;
    let period = required(period, "period")?;
    let options =
        MonitorOptions::parse(&options.map_or(serde_json::json!({}), |o| o.0)).or_report()?;
    let name = ModelRef::parse(model).or_report()?.name;
    if options.store {
        // Only the owner keeps history: refused before the relation is read.
        check_access(name, Access::Manage)?;
    }
    let relation_name = relation::relation_name(relation.oid())?;
    let (version, rows) = with_model(model, |m| {
        let columns = relation::columns_of(relation.oid())?;
        let period_column = columns.iter().find(|c| c.name == period).ok_or_else(|| {
            report(
                Error::new(
                    finml_models::ErrorKind::UnknownColumn,
                    format!("column \"{period}\" does not exist in {relation_name}"),
                )
                .with_hint("period names the column that dates each row, e.g. 'application_date'"),
            )
        })?;
        let period_expression = period_expression(period_column, options.truncate)?;
        let mut extra = vec![period_expression];
        let labelled = columns.iter().any(|c| c.name == m.model.target);
        if labelled {
            let (target, kind) = relation::target_column(relation.oid(), &relation_name, &m.model)?;
            extra.push(relation::scanned_column(&target, kind));
        } else {
            relation::check_feature_columns(relation.oid(), &relation_name, &m.model)?;
        }
        let mut monitor = Monitor::new(&m.model, gucs::max_training_memory_bytes()).or_report()?;
        relation::scan_rows_with(&relation_name, &extra, |row, extra| {
            with_row_values(&m.model, &m.layouts, row, |values| {
                let label = if labelled { extra[1] } else { RawValue::Null };
                monitor
                    .add(&m.model, PeriodKey::of(extra[0]), values, label)
                    .or_report()
            })
        })?;
        Ok((m.version, monitor.rows(&m.model).or_report()?))
    })?;
    if options.store {
        store_monitoring(name, version, &relation_name, &rows)?;
    }
    Ok(TableIterator::new(rows.into_iter().map(output_row)))
}

#[allow(clippy::type_complexity)]
fn output_row(
    r: PeriodRow,
) -> (
    Option<String>,
    i64,
    i64,
    Option<f64>,
    f64,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    f64,
    Option<String>,
    Option<f64>,
    String,
) {
    (
        r.period,
        r.rows as i64,
        r.labelled_rows as i64,
        r.event_rate,
        r.mean_predicted,
        r.auc,
        r.ks,
        r.gini,
        r.brier,
        r.hosmer_lemeshow_p,
        r.psi,
        r.max_csi_feature,
        r.max_csi,
        r.status.to_owned(),
    )
}

/// The select-list expression that labels each row's period, and the kind it reads as.
fn period_expression(
    column: &RelationColumn,
    truncate: Option<Truncate>,
) -> SqlResult<(String, ValueKind)> {
    let reference = format!("{SCANNED_ROW}.{}", quote_ident(&column.name));
    let with_time = match column.kind {
        Some(ValueKind::Date) => Some(column.type_name != "date"),
        _ => None,
    };
    match (with_time, column.kind, truncate) {
        (Some(with_time), _, truncate) => {
            let pattern = truncate.unwrap_or(Truncate::Month).pattern(with_time);
            Ok((
                format!("pg_catalog.to_char({reference}, '{pattern}')"),
                ValueKind::Text,
            ))
        }
        (None, Some(ValueKind::Numeric), None) => {
            Ok((format!("{reference}::float8"), ValueKind::Numeric))
        }
        (None, Some(ValueKind::Text | ValueKind::Boolean), None) => {
            Ok((format!("{reference}::text"), ValueKind::Text))
        }
        (None, _, _) => Err(fail(
            ErrorKind::WrongType,
            format!(
                "period column \"{}\" is of type {}",
                column.name, column.type_name
            ),
            if truncate.is_some() {
                "\"truncate\" applies to a date or timestamp column: leave it out to group by the column's values"
            } else {
                "the period is a date or timestamp column, or a number or text that names the period (e.g. a cohort)"
            },
        )),
    }
}
