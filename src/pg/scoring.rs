//! Scoring every row of a relation with a cached model, on the workers or here: on a Citus
//! distributed table with finml's catalog on the workers (fin_distribute_catalog), each row's
//! prediction is made in its shard's task and only the predictions (with the caller's extra
//! values: a label, a period) come back, not the rows; elsewhere each row is decoded here as
//! fin_predict decodes it. fin_evaluate's family and fin_monitor measure through this one
//! route.

use crate::error::{OrReport, SqlResult};
use crate::pg::cache::CachedModel;
use crate::pg::extension::extension_schema;
use crate::pg::relation;
use crate::pg::row::with_row_values;
use crate::pg::types::ValueKind;
use finml_models::reference::ModelRef;
use finml_models::RawValue;
use pgrx::pg_sys::Oid;
use pgrx::prelude::*;
use pgrx::{PgLogLevel, PgSqlErrorCode};

/// What a row gives the measure: its prediction, made on a worker, or its features,
/// decoded here (in the model's feature order).
pub enum Scoring<'v, 'a> {
    Predicted(f64),
    Features(&'v [RawValue<'a>]),
}

/// Where the rows were scored.
pub enum Route {
    Here,
    /// On the workers, with the model pinned to the version that scored ('name@3') and
    /// finml's schema (quoted), for further queries pushed to the workers.
    Workers {
        pinned: String,
        schema: String,
    },
}

/// Whether a scan of `relation` scores on the workers (see the module's doc): asked once,
/// before the scan, where the caller's checks put it.
pub fn on_workers(relation: Oid) -> SqlResult<bool> {
    relation::scores_on_workers(relation)
}

/// Scores every row of `relation_name` with `m` (which `model`, the reference as the caller
/// gave it, names), on the workers when `on_workers` (see [`on_workers`]), and hands each
/// row's [`Scoring`] and the values of the `extra` select-list expressions over
/// [`relation::SCANNED_ROW`] to `on_row`. `made` says what the workers make, for the DEBUG1
/// line that tells them apart ("predictions"). Returns where the rows were scored.
pub fn score_rows(
    on_workers: bool,
    model: &str,
    m: &CachedModel,
    relation_name: &str,
    extra: &[(String, ValueKind)],
    made: &str,
    mut on_row: impl FnMut(Scoring<'_, '_>, &[RawValue<'_>]) -> SqlResult<()>,
) -> SqlResult<Route> {
    if !on_workers {
        relation::scan_rows_with(relation_name, extra, |row, extra| {
            with_row_values(&m.model, &m.layouts, row, |values| {
                on_row(Scoring::Features(values), extra)
            })
        })?;
        return Ok(Route::Here);
    }
    ereport!(
        PgLogLevel::DEBUG1,
        PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
        format!("finml: {made} made on the workers, shard by shard")
    );
    let name = ModelRef::parse(model).or_report()?.name;
    let pinned = format!("{name}@{}", m.version);
    let schema = extension_schema()?;
    relation::scan_predictions(
        relation_name,
        &schema,
        &pinned,
        extra,
        |prediction, extra| on_row(Scoring::Predicted(prediction), extra),
    )?;
    Ok(Route::Workers { pinned, schema })
}
