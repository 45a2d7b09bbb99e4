//! The model lifecycle: deploy, roll back, drop, retrain, grant, export and import.

use crate::error::{fail, required, ErrorKind, OrReport};
use crate::pg::audit::with_durable_failure_event;
use crate::pg::catalog::{self, check_access, validate_model_name, Access, ModelRef};
use crate::pg::registry::{self, NewVersion};
use crate::pg::training::{retrain_request, train_version};
use finml_models::export::{export_document, read_export, CLAIMED};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Value};

/// Deploys `version` of `model`: every session's next statement predicts with it.
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
    let previous = registry::deploy(model, version)?;
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
    let (version, previous) = registry::rollback(model)?;
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
    validate_model_name(model)?;
    let overrides = options.map(|o| o.0);
    // Rights first: a role that may not retrain the model writes nothing, neither into the
    // model's history nor through a background worker (that would let any role flood both).
    check_access(model, Access::Manage)?;
    let trained = with_durable_failure_event("retrain", model, || {
        train_version(retrain_request(model, overrides)?)
    })?;
    Ok(TableIterator::once((
        model.to_owned(),
        trained.version,
        trained.decision.deploy,
        trained.policy.as_str().to_owned(),
        trained.decision.metric.to_owned(),
        trained.decision.new_value,
        trained.incumbent,
        trained.decision.deployed_value,
        trained.decision.reason,
    )))
}

/// One version (default: the deployed one) as a self-contained document for fin_import in
/// another database: the model, its preprocessing, the catalog's metadata, a format version
/// and a SHA-256 of the model (models/README.md).
#[pg_extern(stable, parallel_safe)]
fn fin_export(
    model: Option<&str>,
    version: default!(Option<i32>, "NULL"),
) -> Result<JsonB, ErrorReport> {
    let model = required(model, "model")?;
    check_access(model, Access::Manage)?;
    let version = match version {
        Some(v) => v,
        None => catalog::deployed_version(model)?.ok_or_else(|| {
            fail(
                ErrorKind::NotFound,
                format!("model \"{model}\" has no deployed version"),
                "name the version to export: fin_export(model, version)",
            )
        })?,
    };
    let (_, bytes) = catalog::model_bytes(ModelRef {
        name: model,
        version: Some(version),
    })?;
    let metadata = catalog::version_metadata(model, version)?;
    Ok(JsonB(export_document(
        metadata,
        &bytes,
        env!("CARGO_PKG_VERSION"),
    )))
}

/// Stores the version in `payload` (from fin_export) as the next version of `model`, owned by
/// the importing role, and deploys it unless `deploy` is false; returns the new version.
#[pg_extern(volatile, parallel_unsafe)]
fn fin_import(
    model: &str,
    payload: JsonB,
    deploy: default!(bool, "true"),
) -> Result<i32, ErrorReport> {
    validate_model_name(model)?;
    // Refuse another role's model before looking at the document.
    registry::check_may_add_versions(model)?;
    let imported = read_export(&payload.0).or_report()?;
    let meta = &imported.metadata;
    let text = |key: &str| meta.get(key).and_then(Value::as_str).unwrap_or_default();
    let number = |key: &str| meta.get(key).and_then(Value::as_i64).unwrap_or_default();
    let strings = |key: &str| {
        meta.get(key).and_then(Value::as_array).map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
    };
    // What the model itself says (algorithm, task, target, features, coefficients) is taken
    // from it; what only the exporting database knew is kept, and listed as its claim.
    let coefficients = imported.model.coefficients_json().or_report()?;
    let mut claimed: Vec<&str> = CLAIMED
        .iter()
        .copied()
        .filter(|key| meta.contains_key(*key))
        .collect();
    claimed.sort_unstable();
    registry::claim(model)?;
    let version = registry::store_version(NewVersion {
        name: model,
        algorithm: imported.model.algorithm().as_str(),
        task: imported.model.task.as_str(),
        relation: text("relation"),
        target: (!imported.model.target.is_empty()).then_some(imported.model.target.as_str()),
        features: imported.model.feature_names().map(str::to_owned).collect(),
        requested_features: strings("requested_features"),
        options: meta.get("options").cloned().unwrap_or(Value::Null),
        train_rows: number("train_rows"),
        test_rows: number("test_rows"),
        metrics: meta.get("metrics").cloned().unwrap_or(Value::Null),
        coefficients,
        model: imported.bytes.clone(),
        trained: Some((text("trained_at").to_owned(), text("trained_by").to_owned())),
        imported: Some(json!({
            "from": format!("{}@{}", text("name"), number("version")),
            "database": meta.get("exported_from"),
            "exported_at": meta.get("exported_at"),
            "finml_version": meta.get("finml_version"),
            "imported_by": catalog::caller_name()?,
            "claimed_by_export": claimed,
        })),
    })?;
    if deploy {
        registry::set_deployment(model, version)?;
    }
    let detail = format!("from {}@{}", text("name"), number("version"));
    registry::record_event(
        "import",
        model,
        Some(version),
        if deploy { "deployed" } else { "stored" },
        Some(&detail),
    )?;
    Ok(version)
}
