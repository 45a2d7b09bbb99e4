//! Time series: `fin_ts_view` (a view of point-in-time features and forward-looking targets
//! over a price series, models/src/timeseries.rs) and the `fin_ema` window aggregate it uses.

use crate::error::{fail, report, ErrorKind, OrReport};
use crate::pg::extension::extension_schema;
use crate::pg::relation::{check_time_column, RelationColumn};
use crate::pg::types::ValueKind;
use crate::pg::views::{create_view, first_repeated_key, longest_series, source};
use finml_models::timeseries::{repeated_key, TimeKind, TsViewSpec};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};

/// The step of `fin_ema(x, span)`: e ← e + α (x − e), α = 2 / (span + 1), starting from the
/// first non-NULL x (pandas' `ewm(span, adjust=False)`); a NULL x leaves the state as it is.
#[pg_extern(immutable, parallel_safe)]
fn fin_ema_step(
    state: Option<f64>,
    x: Option<f64>,
    span: Option<f64>,
) -> Result<Option<f64>, ErrorReport> {
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

pgrx::extension_sql!(
    r#"
CREATE AGGREGATE fin_ema(x float8, span float8) (
    SFUNC = fin_ema_step,
    STYPE = float8,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE fin_ema(float8, float8) IS
    'exponential moving average (pandas ewm(span, adjust=False)); as a window function, O(1) per row';
"#,
    name = "fin_ema_aggregate",
    requires = [fin_ema_step]
);

/// Raises 22000 naming the key when `rows` rows of one series share a time (returns true
/// otherwise): the check every view fin_ts_view makes runs on such rows when it is read
/// (models/src/timeseries.rs), since their order, and with it every feature near them, would
/// be the rows' physical order. `series_column` and `series` are NULL without partition_by.
#[pg_extern(immutable, parallel_safe)]
fn fin_ts_repeated_key(
    series_column: Option<&str>,
    series: Option<&str>,
    time_column: Option<&str>,
    time: Option<&str>,
    rows: Option<i64>,
) -> Result<bool, ErrorReport> {
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

/// Creates (or replaces) the view `view` over `relation`: its columns and, per series
/// (`options.partition_by`) ordered by `time_column`, features that read only rows at or
/// before their own time and targets that read only later rows. Returns the view's name.
/// Regenerating a view keeps its grants and comments (pg/views.rs).
#[pg_extern(volatile, parallel_unsafe)]
fn fin_ts_view(
    view: &str,
    relation: PgRelation,
    time_column: &str,
    options: default!(JsonB, "'{}'"),
) -> Result<String, ErrorReport> {
    let (columns, relation_name) = source(relation.oid())?;
    check_time_column(&columns, time_column, &relation_name)?;
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let spec =
        TsViewSpec::parse(&options.0, &names, time_kind(&columns, time_column)).or_report()?;
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
