//! Time series, the services of api/timeseries.rs: the step of the `fin_ema` window
//! aggregate, the repeated-key check a fin_ts_view view makes when it is read, and
//! `fin_ts_view` itself (its options checked against the relation, then pg::views's view of
//! the SQL models/src/timeseries.rs writes).

use crate::error::{fail, report, ErrorKind, OrReport, SqlResult};
use crate::pg::extension::extension_schema;
use crate::pg::relation::{check_time_column, RelationColumn};
use crate::pg::types::ValueKind;
use crate::pg::views::{create_view, first_repeated_key, longest_series, source};
use finml_models::timeseries::{repeated_key, TimeKind, TsViewSpec};
use pgrx::pg_sys::Oid;
use serde_json::Value;

/// fin_ema_step: e ← e + α (x − e), α = 2 / (span + 1), from the first non-NULL x; a NULL x
/// leaves the state as it is.
pub fn ema_step(state: Option<f64>, x: Option<f64>, span: Option<f64>) -> SqlResult<Option<f64>> {
    let span =
        match span {
            Some(s) if s.is_finite() && s >= 1.0 => s,
            other => return Err(fail(
                ErrorKind::InvalidOption,
                format!("fin_ema's span must be a number of at least 1, not {other:?}"),
                "span 12 is a 12-period EMA (α = 2/13); Wilder's n-period smoothing is span 2n − 1",
            )),
        };
    let Some(x) = x else {
        return Ok(state);
    };
    if !x.is_finite() {
        return Err(fail(
            ErrorKind::InvalidData,
            format!("fin_ema was given a non-finite value ({x})"),
            "filter NaN and Infinity out, or replace them with NULL",
        ));
    }
    Ok(Some(match state {
        None => x,
        Some(e) => e + 2.0 / (span + 1.0) * (x - e),
    }))
}

/// fin_ts_repeated_key: 22000 naming the key when `rows` rows of one series share a time,
/// true otherwise.
pub fn check_repeated_key(
    series_column: Option<&str>,
    series: Option<&str>,
    time_column: Option<&str>,
    time: Option<&str>,
    rows: Option<i64>,
) -> SqlResult<bool> {
    match rows {
        Some(rows) if rows > 1 => Err(report(repeated_key(
            series_column.map(|c| (c, series)),
            (time_column.unwrap_or("time"), time),
            rows,
        ))),
        _ => Ok(true),
    }
}

/// The time column's type: its calendar parts depend on it.
fn time_kind(columns: &[RelationColumn], time_column: &str) -> TimeKind {
    match columns.iter().find(|c| c.name == time_column) {
        Some(c) if c.type_name == "date" => TimeKind::Date,
        Some(c) if c.type_name.ends_with("with time zone") => TimeKind::TimestampTz,
        _ => TimeKind::Timestamp,
    }
}

/// fin_ts_view: creates (or replaces) the view `view` over `relation` ordered by
/// `time_column`, with `options`; returns the view's name.
pub fn ts_view(view: &str, relation: Oid, time_column: &str, options: &Value) -> SqlResult<String> {
    let (columns, relation_name) = source(relation)?;
    check_time_column(&columns, time_column, &relation_name)?;
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let spec = TsViewSpec::parse(options, &names, time_kind(&columns, time_column)).or_report()?;
    check_columns(&spec, &columns, &names, &relation_name)?;
    let longest = longest_series(&relation_name, spec.partition_by.as_deref())?;
    let needed = spec.longest_window();
    if needed as i64 > longest {
        return Err(fail(
            ErrorKind::InvalidOption,
            format!(
                "a window of {needed} rows is longer than the longest series of {relation_name} ({longest} rows)"
            ),
            "shorten the windows, spans and lags, or use more history",
        ));
    }
    // The view refuses repeated keys whenever it is read; refusing them here too says so
    // before anything is created.
    let partition = spec.partition_by.as_deref();
    if let Some(key) = first_repeated_key(&relation_name, partition, time_column)? {
        return Err(report(repeated_key(
            partition.map(|p| (p, key.series.as_deref())),
            (time_column, key.time.as_deref()),
            key.rows,
        )));
    }
    let select = spec
        .select_sql(&relation_name, &names, time_column, &extension_schema()?)
        .or_report()?;
    let mut view_columns = names;
    view_columns.extend(spec.added_columns());
    create_view(view, &select, &view_columns)
}

/// The columns the options name: the price, high, low and volume columns exist and are
/// numeric (42703, 42804), and partition_by names a column (42703).
fn check_columns(
    spec: &TsViewSpec,
    columns: &[RelationColumn],
    names: &[String],
    relation_name: &str,
) -> SqlResult<()> {
    for name in spec.numeric_columns() {
        match columns.iter().find(|c| c.name == name) {
            None => {
                return Err(fail(
                    ErrorKind::UnknownColumn,
                    format!("column \"{name}\" does not exist in {relation_name}"),
                    "name the price, high, low and volume columns in options",
                ))
            }
            Some(c) if c.kind != Some(ValueKind::Numeric) => {
                return Err(fail(
                    ErrorKind::WrongType,
                    format!("column \"{name}\" is of type {}, not a number", c.type_name),
                    "price, high, low and volume columns are numeric",
                ))
            }
            Some(_) => {}
        }
    }
    if let Some(p) = &spec.partition_by {
        if !names.contains(p) {
            return Err(fail(
                ErrorKind::UnknownColumn,
                format!("column \"{p}\" does not exist in {relation_name}"),
                "partition_by names the column that tells the series apart (e.g. a symbol)",
            ));
        }
    }
    Ok(())
}
