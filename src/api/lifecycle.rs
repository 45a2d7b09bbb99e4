//! The model lifecycle: deploy, roll back, drop, retrain, grant, export and import
//! (pg/registry.rs, pg/train.rs, pg/transfer.rs).

use crate::error::required;
use crate::pg::approval;
use crate::pg::registry;
use crate::pg::train::retrain;
use crate::pg::transfer::{export, import};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::JsonB;

/// Deploys `version` of `model`: every session's next statement predicts with it. Under
/// finml.require_approval only an approved version (fin_approve).
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, strict, parallel_unsafe)]
fn fin_deploy(
    model: &str,
    version: i32,
) -> Result<
    TableIterator<
        'static,
        (
            name!(model, String),
            name!(version, i32),
            name!(previous_version, Option<i32>),
        ),
    >,
    ErrorReport,
> {
    let previous = approval::deploy(model, version)?;
    Ok(TableIterator::once((model.to_owned(), version, previous)))
}

/// Deploys again the version that was deployed before the current one.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, strict, parallel_unsafe)]
fn fin_rollback(
    model: &str,
) -> Result<
    TableIterator<
        'static,
        (
            name!(model, String),
            name!(version, i32),
            name!(previous_version, Option<i32>),
        ),
    >,
    ErrorReport,
> {
    let (version, previous) = approval::rollback(model)?;
    Ok(TableIterator::once((
        model.to_owned(),
        version,
        Some(previous),
    )))
}

/// Drops one version of `model` (not the deployed one), or with `version` NULL the whole
/// model; returns the number of versions dropped.
#[pg_extern(volatile, parallel_unsafe)]
fn fin_drop_model(
    model: Option<&str>,
    version: default!(Option<i32>, "NULL"),
) -> Result<i64, ErrorReport> {
    registry::drop_model(required(model, "model")?, version)
}

/// Allows `role` (or 'public') to predict with, score with and inspect `model`.
#[pg_extern(volatile, strict, parallel_unsafe)]
fn fin_grant(model: &str, role: &str) -> Result<(), ErrorReport> {
    registry::set_grant(model, role, true)
}

/// Withdraws what fin_grant allowed; the role's next statement is refused.
#[pg_extern(volatile, strict, parallel_unsafe)]
fn fin_revoke(model: &str, role: &str) -> Result<(), ErrorReport> {
    registry::set_grant(model, role, false)
}

/// Gives `model` to `role`, as ALTER ... OWNER TO does (before dropping the role that owns
/// it, or to give an orphaned model an owner).
#[pg_extern(volatile, strict, parallel_unsafe)]
fn fin_set_owner(model: &str, role: &str) -> Result<(), ErrorReport> {
    registry::set_owner(model, role)
}

/// Trains `model` again with the specification of its deployed version (relation, target,
/// features, algorithm, options, with `options` merged over them) on the relation's current
/// rows, and deploys the new version as the deploy policy says (default if_better). A failure
/// leaves the deployed version as it was and is recorded in finml.events.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_unsafe)]
fn fin_retrain(
    model: Option<&str>,
    options: default!(Option<JsonB>, "NULL"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(model, String),
            name!(version, i32),
            name!(deployed, bool),
            name!(policy, String),
            name!(metric, String),
            name!(new_value, Option<f64>),
            name!(deployed_version, Option<i32>),
            name!(deployed_value, Option<f64>),
            name!(reason, String),
        ),
    >,
    ErrorReport,
> {
    let model = required(model, "model")?;
    Ok(TableIterator::once(retrain(model, options.map(|o| o.0))?))
}

/// One version (default: the deployed one) as a self-contained document for fin_import in
/// another database: the model, its preprocessing, the catalog's metadata, a format version
/// and a SHA-256 of the model (models/README.md). `options` `{"redact": true}` leaves out
/// the drift reference and single rows' values, and names no level of fewer than
/// `min_level_rows` (default 10) training rows.
#[pg_extern(stable, parallel_safe)]
fn fin_export(
    model: Option<&str>,
    version: default!(Option<i32>, "NULL"),
    options: default!(Option<JsonB>, "NULL"),
) -> Result<JsonB, ErrorReport> {
    let options = options.map_or(serde_json::Value::Null, |o| o.0);
    Ok(JsonB(export(required(model, "model")?, version, &options)?))
}

/// Stores the version in `payload` (from fin_export) as the next version of `model`, owned by
/// the importing role, and deploys it unless `deploy` is false; returns the new version.
#[pg_extern(volatile, parallel_unsafe)]
fn fin_import(
    model: &str,
    payload: JsonB,
    deploy: default!(bool, "true"),
) -> Result<i32, ErrorReport> {
    import(model, &payload.0, deploy)
}
