//! Drift and ongoing monitoring, the services of api/monitor.rs: `fin_psi` (a population
//! against the training split, counted by the aggregate fin_drift_counts) and `fin_monitor`
//! (per period: stability, discrimination, calibration; optionally kept as history in
//! finml.monitoring).

use crate::error::{fail, report, ErrorKind, OrReport, SqlResult};
use crate::gucs;
use crate::pg::cache::{with_model, CachedModel};
use crate::pg::catalog::{check_access, Access, ModelRef};
use crate::pg::drift_aggregate::cells_of;
use crate::pg::extension::extension_schema;
use crate::pg::registry::store_monitoring;
use crate::pg::relation::{self, RelationColumn, SCANNED_ROW};
use crate::pg::scoring::{self, Route, Scoring};
use crate::pg::spi::{select_aggregate, select_all};
use crate::pg::types::{quote_ident, ValueKind};
use finml_models::monitor::{DriftCounts, Monitor, MonitorOptions, PeriodKey, PeriodRow, Truncate};
use finml_models::scorecard::stability_status;
use finml_models::{Error, RawValue};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::Oid;
use serde_json::Value;

/// One row of fin_psi: the feature ('(score)' for the output), its PSI or CSI, its status.
pub type PsiRow = (String, f64, String);

/// One row of fin_monitor, in its columns' order (see [`output_row`]).
pub type MonitorRow = (
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
);

/// fin_psi: the stability of `relation` against `model`'s training split, the output's
/// first, then each feature's.
pub fn psi(model: &str, relation: Oid) -> SqlResult<Vec<PsiRow>> {
    let relation_name = relation::relation_name(relation)?;
    with_model(model, |m| {
        let (numbers, texts) = relation::feature_arrays(relation, &relation_name, &m.model)?;
        // One aggregate over the relation: parallel workers on one node, and Citus's workers
        // on a distributed table, count their rows; only the counts come back. The features
        // go in as arrays of plain types: Citus pushes an aggregate down only when its
        // arguments' types equal the declared ones, which a table's row type never does.
        let cells = select_aggregate::<Vec<Option<i64>>>(
            &format!(
                "SELECT {}.fin_drift_counts($1::pg_catalog.text, {numbers}, {texts})
                   FROM {relation_name} AS {SCANNED_ROW}",
                extension_schema()?
            ),
            &[DatumWithOid::from(model)],
        )?
        .unwrap_or_default();
        let counts = match cells_of(cells.len(), cells.into_iter())? {
            cells if cells.is_empty() => DriftCounts::new(&m.model),
            cells => DriftCounts::from_cells(&m.model, &cells),
        }
        .or_report()?;
        if counts.rows() == 0 {
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
    })
}

/// fin_monitor: one row per period of `relation` by the column `period`, with `options`
/// (fin_monitor's, "{}" when NULL); kept in finml.monitoring with `{"store": true}`.
pub fn monitor(
    model: &str,
    relation: Oid,
    period: &str,
    options: &Value,
) -> SqlResult<Vec<MonitorRow>> {
    let options = MonitorOptions::parse(options).or_report()?;
    let name = ModelRef::parse(model).or_report()?.name;
    if options.store {
        // Only the owner keeps history: refused before the relation is read.
        check_access(name, Access::Manage)?;
    }
    let relation_name = relation::relation_name(relation)?;
    let (version, rows) = with_model(model, |m| {
        let rows = monitor_periods(model, m, relation, &relation_name, period, options.truncate)?;
        Ok((m.version, rows))
    })?;
    if options.store {
        store_monitoring(name, version, &relation_name, &rows)?;
    }
    Ok(rows.into_iter().map(output_row).collect())
}

/// The periods' rows of `relation` under the cached model `m`: each row scored (on the
/// workers or here, pg::scoring) with its period and, where the relation has the target
/// column, its label; on the workers each period's drift counts come back as a partial
/// aggregate per shard task too.
fn monitor_periods(
    model: &str,
    m: &CachedModel,
    relation: Oid,
    relation_name: &str,
    period: &str,
    truncate: Option<Truncate>,
) -> SqlResult<Vec<PeriodRow>> {
    let columns = relation::columns_of(relation)?;
    let period_column = columns.iter().find(|c| c.name == period).ok_or_else(|| {
        report(
            Error::new(
                finml_models::ErrorKind::UnknownColumn,
                format!("column \"{period}\" does not exist in {relation_name}"),
            )
            .with_hint("period names the column that dates each row, e.g. 'application_date'"),
        )
    })?;
    let period_expression = period_expression(period_column, truncate)?;
    let mut extra = vec![period_expression];
    let labelled = columns.iter().any(|c| c.name == m.model.target);
    if labelled {
        let (target, kind) = relation::target_column(relation, relation_name, &m.model)?;
        extra.push(relation::scanned_column(&target, kind));
    } else {
        relation::check_feature_columns(relation, relation_name, &m.model)?;
    }
    let mut monitor = Monitor::new(&m.model, gucs::max_training_memory_bytes()).or_report()?;
    // On the workers: each row's prediction (with its period and label) and each period's
    // drift counts, a partial aggregate per shard task; not the rows.
    // A multi-class model's rows are scored here: the workers give one prediction a row,
    // its evaluation needs every class's probability.
    let route = scoring::score_rows(
        scoring::on_workers(relation)? && !m.model.is_multi_class(),
        model,
        m,
        relation_name,
        &extra,
        "predictions and drift counts",
        |row, extra| {
            let label = if labelled { extra[1] } else { RawValue::Null };
            let period = PeriodKey::of(extra[0]);
            match row {
                Scoring::Predicted(prediction) => {
                    monitor.add_prediction(&m.model, period, prediction, label)
                }
                Scoring::Features(values) => monitor.add(&m.model, period, values, label),
            }
            .or_report()
        },
    )?;
    if let Route::Workers { pinned, schema } = route {
        let parts = drift_on_workers(m, relation, relation_name, &extra[0], &pinned, &schema)?;
        for (period, cells) in parts {
            monitor
                .add_drift_cells(&m.model, period, &cells)
                .or_report()?;
        }
    }
    monitor.rows(&m.model).or_report()
}

/// Each period's drift counts of `relation`, counted by fin_drift_counts on the workers
/// (grouped by `period`, the period's expression and kind).
fn drift_on_workers(
    m: &CachedModel,
    relation: Oid,
    relation_name: &str,
    period: &(String, ValueKind),
    pinned: &str,
    schema: &str,
) -> SqlResult<Vec<(PeriodKey, Vec<u64>)>> {
    let (numbers, texts) = relation::feature_arrays(relation, relation_name, &m.model)?;
    let (period_of, kind) = period;
    let query = format!(
        "SELECT {period_of}, {schema}.fin_drift_counts($1::pg_catalog.text, {numbers}, {texts})
                   FROM {relation_name} AS {SCANNED_ROW} GROUP BY 1"
    );
    select_all(&query, &[DatumWithOid::from(pinned)], |row| {
        let period = match kind {
            ValueKind::Text => row
                .get::<String>(1)
                .or_report()?
                .map_or(PeriodKey::Null, PeriodKey::Text),
            _ => row
                .get::<f64>(1)
                .or_report()?
                .map_or(PeriodKey::Null, PeriodKey::Number),
        };
        let counts = row
            .get::<Vec<Option<i64>>>(2)
            .or_report()?
            .unwrap_or_default();
        let cells = cells_of(counts.len(), counts.into_iter())?;
        Ok((period, cells))
    })
}

/// A period's row as fin_monitor returns it.
fn output_row(r: PeriodRow) -> MonitorRow {
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
