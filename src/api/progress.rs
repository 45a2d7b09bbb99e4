//! `fin_progress` and the view `finml.progress`: the trainings running or waiting for a slot
//! on this server, from any session (pg/progress.rs).

use crate::pg::progress;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// One row per training that runs or waits: its backend, database, role, model (NULL for a
/// backtest), algorithm, phase, rows read of the planner's estimate, epoch of epochs and
/// training loss (MLP), when it started, seconds since, and the seconds its current phase
/// needs still at the pace so far. Another role's training shows only its pid and database,
/// unless the caller has that role's privileges or pg_read_all_stats's.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile)]
fn fin_progress() -> Result<
    TableIterator<
        'static,
        (
            name!(pid, i32),
            name!(database, Option<String>),
            name!(role, Option<String>),
            name!(model, Option<String>),
            name!(algorithm, Option<String>),
            name!(phase, Option<&'static str>),
            name!(rows_read, Option<i64>),
            name!(rows_estimated, Option<i64>),
            name!(epoch, Option<i32>),
            name!(epochs, Option<i32>),
            name!(loss, Option<f64>),
            name!(started_at, Option<TimestampWithTimeZone>),
            name!(elapsed_seconds, Option<f64>),
            name!(seconds_left, Option<f64>),
        ),
    >,
    ErrorReport,
> {
    Ok(TableIterator::new(progress::row_columns()?))
}

extension_sql!(
    r#"
CREATE VIEW finml.progress AS
SELECT pid, database, role, model, algorithm, phase, rows_read, rows_estimated, epoch, epochs,
       loss, started_at, elapsed_seconds, seconds_left
  FROM fin_progress()
 ORDER BY started_at, pid;
GRANT SELECT ON finml.progress TO PUBLIC;
"#,
    name = "progress_view",
    requires = [fin_progress]
);
