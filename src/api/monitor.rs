//! Drift and ongoing monitoring: `fin_psi` (a population against the training split) and
//! `fin_monitor` (per period: stability, discrimination, calibration; optionally kept as
//! history in finml.monitoring).

use crate::error::{fail, report, required, ErrorKind, OrReport, SqlResult};
use crate::gucs;
use crate::pg::cache::with_model;
use crate::pg::catalog::{check_access, Access, ModelRef};
use crate::pg::extension::extension_schema;
use crate::pg::registry::store_monitoring;
use crate::pg::relation::{self, RelationColumn, SCANNED_ROW};
use crate::pg::row::with_row_values;
use crate::pg::spi::{select_aggregate, select_all};
use crate::pg::types::{aggregate_context, array_in, quote_ident, reserve_row_values, ValueKind};
use finml_models::error::try_vec;
use finml_models::monitor::{
    add_cells, add_to_cells, DriftCounts, Monitor, MonitorOptions, PeriodKey, PeriodRow, Truncate,
};
use finml_models::scorecard::stability_status;
use finml_models::{Error, RawValue};
use pgrx::array::RawArray;
use pgrx::datum::{Array, DatumWithOid};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{pg_sys, PgLogLevel, PgSqlErrorCode};
use pgrx::{JsonB, PgRelation};
use std::ptr::NonNull;

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
        let (numbers, texts) = relation::feature_arrays(relation.oid(), &relation_name, &m.model)?;
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
    })?;
    Ok(TableIterator::new(rows))
}

/// fin_drift_counts_step(counts int8[], model text, numbers float8[], texts text[]): one row
/// into fin_psi's counts, the transition of the aggregate `fin_drift_counts(model, numbers,
/// texts)` (a row's features as relation::feature_arrays reads them). The counts are the
/// state (finml_models::monitor::DriftCounts's cells), added to in place as `array_append`
/// does inside an aggregate: a copy of every cell per row would cost more than the row.
/// Declared in SQL below (pgrx cannot declare a function that returns its argument).
#[no_mangle]
#[doc(hidden)]
pub extern "C" fn pg_finfo_fin_drift_counts_step() -> &'static pg_sys::Pg_finfo_record {
    const V1: pg_sys::Pg_finfo_record = pg_sys::Pg_finfo_record { api_version: 1 };
    &V1
}

#[no_mangle]
#[doc(hidden)]
#[pg_guard]
pub unsafe extern "C-unwind" fn fin_drift_counts_step(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    match count_row_in_place(fcinfo) {
        Ok(state) => state,
        Err(e) => {
            e.report(PgLogLevel::ERROR);
            unreachable!("an ERROR does not return")
        }
    }
}

/// [`fin_drift_counts_step`]'s work, with errors as values.
///
/// # Safety
/// Called by fmgr with the four declared, non-NULL arguments (the function is STRICT).
unsafe fn count_row_in_place(fcinfo: pg_sys::FunctionCallInfo) -> SqlResult<pg_sys::Datum> {
    let aggregate_context = aggregate_context(
        fcinfo,
        "fin_drift_counts_step",
        "fin_drift_counts",
        "fin_psi(model, relation) runs the aggregate for you",
    )?;
    let arg = |i: usize| (*fcinfo).args.as_slice(4)[i].value;
    let model = <&str>::from_datum(arg(1), false).unwrap_or_default();
    let numbers_array = Array::<f64>::from_datum(arg(2), false);
    let mut numbers: Vec<Option<f64>> = Vec::new();
    if let Some(array) = &numbers_array {
        reserve_row_values(&mut numbers, array.len(), DRIFT_HINT)?;
        numbers.extend(array.iter());
    }
    let texts_array = Array::<&str>::from_datum(arg(3), false);
    let mut texts: Vec<Option<&str>> = Vec::new();
    if let Some(array) = &texts_array {
        reserve_row_values(&mut texts, array.len(), DRIFT_HINT)?;
        texts.extend(array.iter());
    }
    let state = pg_sys::pg_detoast_datum(arg(0).cast_mut_ptr()) as *mut pg_sys::ArrayType;
    let mut state = RawArray::from_ptr(NonNull::new(state).ok_or_else(cells_refused)?);
    with_model(model, |m| {
        let values = relation::values_from_arrays(&m.model, &numbers, &texts)?;
        if state.len() == 0 {
            // The first row: the initial '{}' becomes the model's zero counts, allocated in the
            // aggregate's memory context, where later calls add to them.
            let cells = DriftCounts::new(&m.model).or_report()?;
            let zeros = vec![pg_sys::Datum::from(0i64); cells.cells().len()];
            let fresh = array_in(aggregate_context, &zeros, pg_sys::INT8OID);
            state = RawArray::from_ptr(fresh.ok_or_else(cells_refused)?);
        } else if state.any_nulls() || state.oid() != pg_sys::INT8OID {
            return Err(cells_refused());
        }
        // int8 cells, never negative (made above or by the combine function): read as u64.
        let cells = &mut *(state.data::<u64>().as_ptr());
        add_to_cells(&m.model, cells, &values, || m.model.predict(&values)).or_report()?;
        Ok(pg_sys::Datum::from(state.into_ptr().as_ptr()))
    })
}

pgrx::extension_sql!(
    r#"
CREATE FUNCTION fin_drift_counts_step(counts int8[], model text, numbers float8[], texts text[])
RETURNS int8[] STABLE STRICT PARALLEL SAFE COST 100
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_drift_counts_step';
"#,
    name = "fin_drift_counts_step_function"
);

/// Two partial counts of `fin_drift_counts` added: its combine function, with which
/// PostgreSQL's parallel workers and Citus's workers each count a part of the rows.
#[pg_extern(immutable, strict, parallel_safe)]
fn fin_drift_counts_add(a: Array<'_, i64>, b: Array<'_, i64>) -> Result<Vec<i64>, ErrorReport> {
    let sum = add_cells(cells_of(a.len(), a.iter())?, &cells_of(b.len(), b.iter())?).or_report()?;
    Ok(sum.into_iter().map(|c| c as i64).collect())
}

/// The most cells a drift state holds (a model's buckets: ten and a NULL bucket per number,
/// a hundred levels and a rest per category); a longer array is a state a caller made up,
/// refused before it is copied.
const MAX_DRIFT_CELLS: usize = 1 << 23;

const DRIFT_HINT: &str =
    "pass the state fin_drift_counts made; fin_psi(model, relation) does this for you";

fn cells_refused() -> ErrorReport {
    fail(
        ErrorKind::InvalidOption,
        "drift counts hold a NULL or negative count",
        "pass the state fin_drift_counts made; fin_psi(model, relation) does this for you",
    )
}

/// Counts as the aggregate's state holds them; 22023 for a NULL or negative one, or more
/// than [`MAX_DRIFT_CELLS`] (a state a caller made up); the copy is allocated fallibly.
fn cells_of(len: usize, counts: impl Iterator<Item = Option<i64>>) -> SqlResult<Vec<u64>> {
    if len > MAX_DRIFT_CELLS {
        return Err(fail(
            ErrorKind::InvalidOption,
            format!(
                "drift counts of {len} cells are more than any model's ({MAX_DRIFT_CELLS} at most)"
            ),
            DRIFT_HINT,
        ));
    }
    let mut cells = try_vec(len, "drift counts").or_report()?;
    for cell in counts {
        cells.push(
            cell.and_then(|c| u64::try_from(c).ok())
                .ok_or_else(cells_refused)?,
        );
    }
    Ok(cells)
}

pgrx::extension_sql!(
    r#"
CREATE AGGREGATE fin_drift_counts(model text, numbers float8[], texts text[]) (
    SFUNC = fin_drift_counts_step,
    STYPE = int8[],
    INITCOND = '{}',
    COMBINEFUNC = fin_drift_counts_add,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE fin_drift_counts(text, float8[], text[]) IS
    'the counts behind fin_psi of rows given as their numeric and text features (rows, then the output''s and each feature''s buckets); parallel and Citus workers count parts, added by fin_drift_counts_add';
"#,
    name = "fin_drift_counts_aggregate",
    requires = ["fin_drift_counts_step_function", fin_drift_counts_add]
);

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
        if relation::scores_on_workers(relation.oid())? {
            // On the workers: each row's prediction (with its period and label) and each
            // period's drift counts, a partial aggregate per shard task; not the rows.
            ereport!(
                PgLogLevel::DEBUG1,
                PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
                "finml: predictions and drift counts made on the workers, shard by shard"
            );
            let pinned = format!("{name}@{}", m.version);
            let schema = extension_schema()?;
            relation::scan_predictions(
                &relation_name,
                &schema,
                &pinned,
                &extra,
                |prediction, extra| {
                    let label = if labelled { extra[1] } else { RawValue::Null };
                    monitor
                        .add_prediction(&m.model, PeriodKey::of(extra[0]), prediction, label)
                        .or_report()
                },
            )?;
            let (numbers, texts) =
                relation::feature_arrays(relation.oid(), &relation_name, &m.model)?;
            let (period_of, kind) = &extra[0];
            let query = format!(
                "SELECT {period_of}, {schema}.fin_drift_counts($1::pg_catalog.text, {numbers}, {texts})
                   FROM {relation_name} AS {SCANNED_ROW} GROUP BY 1"
            );
            let parts = select_all(&query, &[DatumWithOid::from(pinned.as_str())], |row| {
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
            })?;
            for (period, cells) in parts {
                monitor
                    .add_drift_cells(&m.model, period, &cells)
                    .or_report()?;
            }
        } else {
            relation::scan_rows_with(&relation_name, &extra, |row, extra| {
                with_row_values(&m.model, &m.layouts, row, |values| {
                    let label = if labelled { extra[1] } else { RawValue::Null };
                    monitor
                        .add(&m.model, PeriodKey::of(extra[0]), values, label)
                        .or_report()
                })
            })?;
        }
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
