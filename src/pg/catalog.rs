//! The model catalog (tables in schema `finml`): who may do what with a model, reading its
//! versions, and the per-backend model cache.
//!
//! The tables are private to the extension's owner. Every function first checks the caller's
//! rights on the model with the catalog's own SQL functions (`finml.can_use`,
//! `finml.can_manage`, evaluated as the caller), then reads or writes the tables as the
//! extension's owner ([`as_extension_owner`]), the way PostgreSQL's own RI triggers switch user.
//!
//! Cache invalidation uses PostgreSQL's shared-invalidation machinery: a deploy, rollback,
//! drop, grant or revoke calls `CacheInvalidateRelcacheByRelid` on `finml.deployments`, which
//! at commit queues a relcache invalidation for every backend, and each backend's registered
//! relcache callback then drops the cached models no running statement uses. The message is
//! sent after the change became visible, so a statement that starts in between could see the
//! change in SQL and not in the cache: the first use of a model in each statement checks the
//! caller's rights and the version again (cache::still_current), once per model and
//! statement, never per row. Rights and models are read on the catalog as the statement sees
//! it (security::with_latest_snapshot): its own snapshot in READ COMMITTED; in REPEATABLE
//! READ or SERIALIZABLE a snapshot taken then, since the transaction's own would reload,
//! after an invalidation, the state before the change.

use crate::error::{fail, report, ErrorKind, OrReport, SqlResult};
use crate::pg::extension::{as_extension_owner, extension};
use crate::pg::security::{caller, with_latest_snapshot};
use crate::pg::spi::{select_one, select_row};
use finml_models::{format, Model};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{Map, Value};

pub use finml_models::reference::ModelRef;

/// Refuses (22023) a model name that is empty, over 63 bytes or holds '@'.
pub fn validate_model_name(name: &str) -> SqlResult<()> {
    finml_models::reference::validate_model_name(name).or_report()
}

/// What a call needs to be allowed to do with a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Predict, score, explain, inspect: the owner and the roles it granted.
    Use,
    /// Deploy, roll back, retrain, drop, export, grant: the owner (or a member of it, or a
    /// superuser).
    Manage,
}

/// Checks the caller's right to `access` model `name`: 42704 when there is no such model,
/// 42501 when the caller may not.
pub fn check_access(name: &str, access: Access) -> SqlResult<()> {
    if access_if_exists(name, access)? {
        Ok(())
    } else {
        Err(no_such_model(name))
    }
}

/// Like [`check_access`], but `false` (not an error) when there is no model `name`.
pub fn access_if_exists(name: &str, access: Access) -> SqlResult<bool> {
    validate_model_name(name)?;
    extension()?;
    // Evaluated as the caller (can_use and can_manage look at current_user), on the catalog
    // as committed now, whatever the caller's isolation level.
    let rights = with_latest_snapshot(|| {
        select_row(
            "SELECT finml.can_use(o.name), finml.can_manage(o.name)
           FROM finml.model_owners o WHERE o.name = $1",
            &[DatumWithOid::from(name)],
            |row| {
                Ok((
                    row.get::<bool>(1).or_report()?.unwrap_or(false),
                    row.get::<bool>(2).or_report()?.unwrap_or(false),
                ))
            },
        )
    })?;
    let Some((may_use, may_manage)) = rights else {
        return Ok(false);
    };
    let allowed = match access {
        Access::Use => may_use,
        Access::Manage => may_manage,
    };
    if allowed {
        return Ok(true);
    }
    Err(match access {
        Access::Use => fail(
            ErrorKind::PermissionDenied,
            format!("permission denied for model \"{name}\""),
            "its owner can allow you with fin_grant(model, role)",
        ),
        Access::Manage => fail(
            ErrorKind::PermissionDenied,
            format!("must be owner of model \"{name}\""),
            "only the role that trained the model (or a member of it, or a superuser) may do this",
        ),
    })
}

pub fn no_such_model(name: &str) -> ErrorReport {
    let hint = "train it with fin_train, or list the models you may use in finml.models";
    fail(
        ErrorKind::NotFound,
        format!("model \"{name}\" does not exist"),
        if crate::pg::citus::is_loaded() {
            // On a worker, the usual cause: the catalog never reached it.
            format!("{hint}; on a Citus cluster, SELECT fin_distribute_catalog() on the coordinator makes models reach the workers")
        } else {
            hint.to_owned()
        },
    )
}

pub fn no_such_version(name: &str, version: i32) -> ErrorReport {
    fail(
        ErrorKind::NotFound,
        format!("model \"{name}\" has no version {version}"),
        "list its versions in finml.models",
    )
}

/// The referenced version's number and stored bytes (the deployed version when none is
/// named). The caller's right to use the model has been checked.
pub fn model_bytes(model: ModelRef<'_>) -> SqlResult<(i32, Vec<u8>)> {
    referenced_version(model, "v.model")
}

/// The referenced version's number (the deployed one's for a bare name), without its bytes:
/// for checking that a cached model is still the one a reference names.
pub fn model_version(model: ModelRef<'_>) -> SqlResult<i32> {
    referenced_version(model, "''::pg_catalog.bytea").map(|(version, _)| version)
}

/// The referenced version's number and `bytes_column` (an expression over `v`).
fn referenced_version(model: ModelRef<'_>, bytes_column: &str) -> SqlResult<(i32, Vec<u8>)> {
    let name = DatumWithOid::from(model.name);
    let read = |row: &pgrx::spi::SpiTupleTable<'_>| -> SqlResult<Option<(i32, Vec<u8>)>> {
        let version = row.get::<i32>(1).or_report()?;
        let bytes = row.get::<Vec<u8>>(2).or_report()?;
        Ok(version.zip(bytes))
    };
    // The version as committed now (see security::with_latest_snapshot): a model cached
    // from an old snapshot would outlive the invalidation that emptied the cache.
    let found = with_latest_snapshot(|| {
        as_extension_owner(|| match model.version {
            Some(version) => select_row(
                &format!(
                    "SELECT v.version, {bytes_column} FROM finml.model_versions v
                      WHERE v.name = $1 AND v.version = $2"
                ),
                &[name, DatumWithOid::from(version)],
                read,
            ),
            None => select_row(
                &format!(
                    "SELECT v.version, {bytes_column}
                       FROM finml.deployments d
                       JOIN finml.model_versions v ON v.name = d.name AND v.version = d.version
                      WHERE d.name = $1"
                ),
                &[name],
                read,
            ),
        })
    })?
    .flatten();
    found.ok_or_else(|| match model.version {
        Some(version) => no_such_version(model.name, version),
        None => fail(
            ErrorKind::NotFound,
            format!("model \"{}\" has no deployed version", model.name),
            "deploy one with fin_deploy(model, version); its versions are in finml.models",
        ),
    })
}

/// One version's model, read afresh (not cached: for comparing a new version against it).
/// Access has been checked.
pub fn load_version(name: &str, version: i32) -> SqlResult<Model> {
    let (_, bytes) = model_bytes(ModelRef {
        name,
        version: Some(version),
    })?;
    format::from_bytes(&bytes).map_err(report)
}

/// Reads the private tables as the extension's owner (rights already checked).
fn read<T: FromDatum + IntoDatum>(query: &str, args: &[DatumWithOid<'_>]) -> SqlResult<Option<T>> {
    as_extension_owner(|| select_one::<T>(query, args))
}

/// The name of the role running the statement.
pub fn caller_name() -> SqlResult<String> {
    role_name(caller())
}

/// The name of the role `role` (as pg_get_userbyid gives it).
pub fn role_name(role: pgrx::pg_sys::Oid) -> SqlResult<String> {
    Ok(select_one::<String>(
        "SELECT pg_catalog.pg_get_userbyid($1)::text",
        &[DatumWithOid::from(role)],
    )?
    .unwrap_or_default())
}

/// The deployed version of `name`, if any.
pub fn deployed_version(name: &str) -> SqlResult<Option<i32>> {
    read::<i32>(
        "SELECT version FROM finml.deployments WHERE name = $1",
        &[DatumWithOid::from(name)],
    )
}

/// Whether `version` of `name` exists (rights already checked).
pub fn version_exists(name: &str, version: i32) -> SqlResult<bool> {
    Ok(read::<bool>(
        "SELECT true FROM finml.model_versions WHERE name = $1 AND version = $2",
        &[DatumWithOid::from(name), DatumWithOid::from(version)],
    )?
    .is_some())
}

/// A version's approval status: 'unreviewed', 'pending', 'approved' or 'rejected'.
pub fn approval_status(name: &str, version: i32) -> SqlResult<String> {
    Ok(read::<String>(
        "SELECT status FROM finml.approvals WHERE name = $1 AND version = $2",
        &[DatumWithOid::from(name), DatumWithOid::from(version)],
    )?
    .unwrap_or_else(|| "unreviewed".to_owned()))
}

/// Refuses (55000) to deploy a version that is not approved while finml.require_approval is
/// on: it is how fin_deploy and fin_rollback keep the four-eyes rule (pg/approval.rs).
pub fn check_approved_for_deployment(name: &str, version: i32) -> SqlResult<()> {
    if !crate::gucs::require_approval() {
        return Ok(());
    }
    let status = approval_status(name, version)?;
    if status == "approved" {
        return Ok(());
    }
    Err(fail(
        ErrorKind::NotReady,
        format!("version {version} of model \"{name}\" is not approved ({status}); finml.require_approval is on"),
        format!(
            "a member of {} other than the version's developer approves it with fin_approve('{name}', {version}, comment)",
            crate::gucs::validator_role()
        ),
    ))
}

/// What a version was trained from, to train it again.
pub struct TrainingSpec {
    pub version: i32,
    pub relation: String,
    /// `None` for an unsupervised model.
    pub target: Option<String>,
    pub algorithm: String,
    pub requested_features: Option<Vec<String>>,
    pub options: Value,
}

/// The specification of the deployed version of `name` (the latest one when none is deployed).
pub fn training_spec(name: &str) -> SqlResult<TrainingSpec> {
    let spec = as_extension_owner(|| {
        select_row(
            "SELECT v.version, v.relation, v.target, v.algorithm, v.requested_features, v.options
               FROM finml.model_versions v
               LEFT JOIN finml.deployments d ON d.name = v.name
              WHERE v.name = $1
              ORDER BY v.version = d.version DESC NULLS LAST, v.version DESC
              LIMIT 1",
            &[DatumWithOid::from(name)],
            |row| {
                Ok(TrainingSpec {
                    version: row.get::<i32>(1).or_report()?.unwrap_or(0),
                    relation: row.get::<String>(2).or_report()?.unwrap_or_default(),
                    target: row.get::<String>(3).or_report()?,
                    algorithm: row.get::<String>(4).or_report()?.unwrap_or_default(),
                    requested_features: row.get::<Vec<String>>(5).or_report()?,
                    options: row
                        .get::<JsonB>(6)
                        .or_report()?
                        .map_or(Value::Null, |j| j.0),
                })
            },
        )
    })?;
    spec.ok_or_else(|| no_such_model(name))
}

/// What the catalog records of one version, as the object fin_export puts beside the model
/// (access checked by the caller).
pub fn version_metadata(name: &str, version: i32) -> SqlResult<Map<String, Value>> {
    let metadata = read::<JsonB>(
        "SELECT jsonb_build_object(
                  'name', name, 'version', version, 'algorithm', algorithm, 'task', task,
                  'relation', relation, 'target', target, 'features', features,
                  'requested_features', requested_features, 'options', options,
                  'metrics', metrics, 'coefficients', coefficients,
                  'train_rows', train_rows, 'test_rows', test_rows,
                  'trained_at', trained_at, 'trained_by', trained_by, 'imported', imported,
                  'exported_at', now(), 'exported_from', current_database())
           FROM finml.model_versions WHERE name = $1 AND version = $2",
        &[DatumWithOid::from(name), DatumWithOid::from(version)],
    )?;
    match metadata {
        Some(JsonB(Value::Object(metadata))) => Ok(metadata),
        _ => Err(no_such_model(name)),
    }
}
