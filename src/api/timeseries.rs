//! Time series: `fin_ts_view` (a view of point-in-time features and forward-looking targets
//! over a price series, models/src/timeseries.rs) and the `fin_ema` window aggregate it uses
//! (pg/timeseries.rs).

use crate::pg::timeseries;
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
    timeseries::ema_step(state, x, span)
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
    timeseries::check_repeated_key(series_column, series, time_column, time, rows)
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
    timeseries::ts_view(view, relation.oid(), time_column, &options.0)
}
