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
//! relcache callback then empties its model cache. Backends process such messages at the start
//! of their next transaction (statement), so a committed change is seen by every session's
//! next statement, a rolled-back one by nobody, and predict itself never queries the catalog
//! while its cached model is valid. Rights and models are read with a snapshot taken at the
//! call (security::with_latest_snapshot): in REPEATABLE READ or SERIALIZABLE the transaction's
//! own snapshot would reload, after an invalidation, the state before the change, and the
//! cache would keep it after the transaction ends.

use crate::error::{report, sql_error, OrReport, SqlResult};
use crate::pg::row::RowLayouts;
use crate::pg::security::{self, with_latest_snapshot};
use crate::pg::{select_one, select_row};

pub use crate::pg::security::caller;
use finml_models::{format, Model};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::pg_sys::{self, Oid};
use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

/// A model as cached in this backend.
pub struct CachedModel {
    pub model: Model,
    /// Attribute positions of the row types this model has been applied to.
    pub layouts: RowLayouts,
}

/// What this backend knows about the installed extension, looked up once.
#[derive(Clone, Copy)]
struct Extension {
    deployments: Oid,
    owner: Oid,
}

thread_local! {
    /// Models by reference text ('name' or 'name@3'), with the role that loaded them (another
    /// role is checked again).
    static CACHE: RefCell<HashMap<String, (Oid, Rc<CachedModel>)>> = RefCell::new(HashMap::new());
    static CALLBACK_REGISTERED: Cell<bool> = const { Cell::new(false) };
    /// Reset on invalidation of all relations (and after DROP/CREATE EXTENSION).
    static EXTENSION: Cell<Option<Extension>> = const { Cell::new(None) };
}

#[pg_guard]
unsafe extern "C-unwind" fn on_relcache_invalidation(_arg: pg_sys::Datum, relid: Oid) {
    let deployments = EXTENSION.with(Cell::get).map(|e| e.deployments);
    // InvalidOid means "all relations" (e.g. after a cache reset). The catalog's oid is looked
    // up again too: after DROP/CREATE EXTENSION in this session the old one no longer exists.
    if relid == pg_sys::InvalidOid || Some(relid) == deployments {
        CACHE.with(|c| c.borrow_mut().clear());
        EXTENSION.with(|e| e.set(None));
    }
}

/// The installed extension's catalog, after checking that it is the version this library
/// was built for (between installing new binaries and `ALTER EXTENSION finml UPDATE`, the
/// catalog is the previous version's).
fn extension() -> SqlResult<Extension> {
    if !CALLBACK_REGISTERED.with(Cell::get) {
        // SAFETY: registered once per backend; the callback only touches thread-locals.
        unsafe {
            pg_sys::CacheRegisterRelcacheCallback(
                Some(on_relcache_invalidation),
                pg_sys::Datum::from(0),
            );
        }
        CALLBACK_REGISTERED.with(|r| r.set(true));
    }
    if let Some(known) = EXTENSION.with(Cell::get) {
        return Ok(known);
    }
    let found = select_row(
        "SELECT 'finml.deployments'::regclass::oid, e.extowner, e.extversion
           FROM pg_catalog.pg_extension e WHERE e.extname = 'finml'",
        &[],
        |row| {
            Ok((
                row.get::<Oid>(1).or_report()?.unwrap_or(pg_sys::InvalidOid),
                row.get::<Oid>(2).or_report()?.unwrap_or(pg_sys::InvalidOid),
                row.get::<String>(3).or_report()?.unwrap_or_default(),
            ))
        },
    )?;
    let Some((deployments, owner, version)) = found else {
        return Err(sql_error(
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            "extension \"finml\" is not installed in this database",
            "CREATE EXTENSION finml",
        ));
    };
    let library = env!("CARGO_PKG_VERSION");
    if version != library {
        return Err(sql_error(
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            format!("finml's catalog in this database is version {version}, its library is version {library}"),
            format!("run ALTER EXTENSION finml UPDATE TO '{library}'"),
        ));
    }
    let known = Extension { deployments, owner };
    EXTENSION.with(|e| e.set(Some(known)));
    Ok(known)
}

/// Runs `f` as the extension's owner (see [`security::as_role`]), for the private catalog
/// tables once the caller's rights have been checked.
pub fn as_extension_owner<R>(f: impl FnOnce() -> SqlResult<R>) -> SqlResult<R> {
    security::as_role(extension()?.owner, f)
}

/// A model named in a call: 'credit_risk' (its deployed version) or 'credit_risk@3'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelRef<'a> {
    pub name: &'a str,
    pub version: Option<i32>,
}

impl<'a> ModelRef<'a> {
    pub fn parse(text: &'a str) -> SqlResult<ModelRef<'a>> {
        let Some((name, version)) = text.rsplit_once('@') else {
            return Ok(ModelRef {
                name: text,
                version: None,
            });
        };
        match version.parse::<i32>() {
            Ok(v) if v > 0 && !name.is_empty() => Ok(ModelRef {
                name,
                version: Some(v),
            }),
            _ => Err(sql_error(
                PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                format!("invalid model reference \"{text}\""),
                "name a model ('credit_risk', its deployed version) or one version ('credit_risk@3')",
            )),
        }
    }
}

/// Model names are free text, but not empty, not over 63 bytes, and without '@' (reserved to
/// pin a version: 'name@3'). Checked by every function that takes a model, before anything
/// is read or written.
pub fn validate_model_name(name: &str) -> SqlResult<()> {
    if name.is_empty() || name.len() > 63 || name.contains('@') {
        // A hostile name may be megabytes long: the message shows its start only.
        let shown: String = name.chars().take(63).collect();
        let more = if shown.len() < name.len() { "..." } else { "" };
        return Err(sql_error(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("invalid model name \"{shown}{more}\""),
            "use 1 to 63 bytes without '@', e.g. 'credit_risk'",
        ));
    }
    Ok(())
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
        Access::Use => sql_error(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            format!("permission denied for model \"{name}\""),
            "its owner can allow you with fin_grant(model, role)",
        ),
        Access::Manage => sql_error(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            format!("must be owner of model \"{name}\""),
            "only the role that trained the model (or a member of it, or a superuser) may do this",
        ),
    })
}

pub fn no_such_model(name: &str) -> ErrorReport {
    sql_error(
        PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT,
        format!("model \"{name}\" does not exist"),
        "train it with fin_train, or list the models you may use in finml.models",
    )
}

pub fn no_such_version(name: &str, version: i32) -> ErrorReport {
    sql_error(
        PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT,
        format!("model \"{name}\" has no version {version}"),
        "list its versions in finml.models",
    )
}

/// Runs `f` with the model `reference` names, loading and caching it on first use.
pub fn with_model<R>(
    reference: &str,
    f: impl FnOnce(&CachedModel) -> SqlResult<R>,
) -> SqlResult<R> {
    let user = caller();
    let cached = CACHE.with(|c| {
        c.borrow()
            .get(reference)
            .filter(|(loaded_by, _)| *loaded_by == user)
            .map(|(_, m)| Rc::clone(m))
    });
    let entry = match cached {
        Some(entry) => entry,
        None => {
            let parsed = ModelRef::parse(reference)?;
            check_access(parsed.name, Access::Use)?;
            let bytes = model_bytes(parsed)?;
            let entry = Rc::new(CachedModel {
                model: format::from_bytes(&bytes).map_err(report)?,
                layouts: RowLayouts::default(),
            });
            CACHE.with(|c| {
                c.borrow_mut()
                    .insert(reference.to_owned(), (user, Rc::clone(&entry)))
            });
            entry
        }
    };
    f(&entry)
}

/// The stored bytes of the referenced version (the deployed one when none is named). The
/// caller's right to use the model has been checked.
pub fn model_bytes(model: ModelRef<'_>) -> SqlResult<Vec<u8>> {
    let name = DatumWithOid::from(model.name);
    // The version as committed now (see security::with_latest_snapshot): a model cached
    // from an old snapshot would outlive the invalidation that emptied the cache.
    let found = with_latest_snapshot(|| {
        as_extension_owner(|| match model.version {
            Some(version) => select_one::<Vec<u8>>(
                "SELECT model FROM finml.model_versions WHERE name = $1 AND version = $2",
                &[name, DatumWithOid::from(version)],
            ),
            None => select_one::<Vec<u8>>(
                "SELECT v.model
               FROM finml.deployments d
               JOIN finml.model_versions v ON v.name = d.name AND v.version = d.version
              WHERE d.name = $1",
                &[name],
            ),
        })
    })?;
    found.ok_or_else(|| match model.version {
        Some(version) => no_such_version(model.name, version),
        None => sql_error(
            PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT,
            format!("model \"{}\" has no deployed version", model.name),
            "deploy one with fin_deploy(model, version); its versions are in finml.models",
        ),
    })
}

/// One version's model, read afresh (not cached: for comparing a new version against it).
/// Access has been checked.
pub fn load_version(name: &str, version: i32) -> SqlResult<Model> {
    let bytes = model_bytes(ModelRef {
        name,
        version: Some(version),
    })?;
    format::from_bytes(&bytes).map_err(report)
}

/// Tells every backend (this one at once, the others after commit) that deployments or
/// rights changed.
pub fn invalidate_models() -> SqlResult<()> {
    let deployments = extension()?.deployments;
    // SAFETY: queues an invalidation message for an existing relation.
    unsafe { pg_sys::CacheInvalidateRelcacheByRelid(deployments) };
    CACHE.with(|c| c.borrow_mut().clear());
    Ok(())
}
