//! The model catalog (tables in schema `finml`) and the per-backend model cache.
//!
//! Cache invalidation uses PostgreSQL's own shared-invalidation machinery: deploying a
//! version calls `CacheInvalidateRelcacheByRelid` on `finml.deployments`, which at commit
//! queues a relcache invalidation for every backend, and each backend's registered relcache
//! callback then empties its model cache. Backends process such messages at the start of
//! their next transaction (statement), so a committed deploy is seen by every session's next
//! statement, a rolled-back one by nobody, and predict itself never queries the catalog while
//! its cached model is valid.

use crate::error::{report, sql_error, OrReport, SqlResult};
use crate::pg::row::RowLayouts;
use crate::pg::select_one;
use finml_models::{format, Model};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::{self, Oid};
use pgrx::prelude::*;
use pgrx::{JsonB, PgSqlErrorCode};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

/// A deployed model as cached in this backend.
pub struct CachedModel {
    pub model: Model,
    /// Attribute positions of the row types this model has been applied to.
    pub layouts: RowLayouts,
}

thread_local! {
    /// Deployed models by name, with the role that loaded them (another role re-reads them
    /// under its own privileges).
    static CACHE: RefCell<HashMap<String, (Oid, Rc<CachedModel>)>> = RefCell::new(HashMap::new());
    static CALLBACK_REGISTERED: Cell<bool> = const { Cell::new(false) };
    /// Oid of finml.deployments, looked up once per backend (reset on invalidation of all).
    static DEPLOYMENTS_OID: Cell<Oid> = const { Cell::new(pg_sys::InvalidOid) };
}

#[pg_guard]
unsafe extern "C-unwind" fn on_relcache_invalidation(_arg: pg_sys::Datum, relid: Oid) {
    let deployments = DEPLOYMENTS_OID.with(Cell::get);
    // InvalidOid means "all relations" (e.g. after a cache reset). The table's oid is looked up
    // again too: after DROP/CREATE EXTENSION in this session the old one no longer exists.
    if relid == pg_sys::InvalidOid || relid == deployments {
        CACHE.with(|c| c.borrow_mut().clear());
        DEPLOYMENTS_OID.with(|o| o.set(pg_sys::InvalidOid));
    }
}

fn ensure_callback() -> SqlResult<()> {
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
    if DEPLOYMENTS_OID.with(Cell::get) == pg_sys::InvalidOid {
        let oid = select_one::<Oid>("SELECT 'finml.deployments'::regclass::oid", &[])?
            .unwrap_or(pg_sys::InvalidOid);
        DEPLOYMENTS_OID.with(|o| o.set(oid));
    }
    Ok(())
}

fn current_user() -> Oid {
    // SAFETY: plain read of the backend's current user id.
    unsafe { pg_sys::GetUserId() }
}

/// Runs `f` with the deployed version of `name`, loading and caching it on first use.
pub fn with_deployed<R>(name: &str, f: impl FnOnce(&CachedModel) -> SqlResult<R>) -> SqlResult<R> {
    let user = current_user();
    let cached = CACHE.with(|c| {
        c.borrow()
            .get(name)
            .filter(|(owner, _)| *owner == user)
            .map(|(_, m)| Rc::clone(m))
    });
    let entry = match cached {
        Some(entry) => entry,
        None => {
            ensure_callback()?;
            let entry = Rc::new(load_deployed(name)?);
            CACHE.with(|c| {
                c.borrow_mut()
                    .insert(name.to_owned(), (user, Rc::clone(&entry)))
            });
            entry
        }
    };
    f(&entry)
}

fn load_deployed(name: &str) -> SqlResult<CachedModel> {
    let found = select_one::<Vec<u8>>(
        "SELECT v.model
           FROM finml.deployments d
           JOIN finml.model_versions v ON v.name = d.name AND v.version = d.version
          WHERE d.name = $1",
        &[DatumWithOid::from(name)],
    )?;
    let Some(bytes) = found else {
        return Err(unknown_model(name)?);
    };
    let model = format::from_bytes(&bytes).map_err(report)?;
    Ok(CachedModel {
        model,
        layouts: RowLayouts::default(),
    })
}

/// The error for a name with no deployed version, saying which case it is.
fn unknown_model(name: &str) -> SqlResult<pgrx::pg_sys::panic::ErrorReport> {
    let versions = select_one::<i64>(
        "SELECT count(*) FROM finml.model_versions WHERE name = $1",
        &[DatumWithOid::from(name)],
    )?
    .unwrap_or(0);
    Ok(if versions == 0 {
        sql_error(
            PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT,
            format!("model \"{name}\" does not exist"),
            "train it with fin_train, or list the models in finml.models",
        )
    } else {
        sql_error(
            PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT,
            format!("model \"{name}\" has no deployed version"),
            "its versions were trained with \"deploy\": false; train again with deploy, or deploy a version",
        )
    })
}

/// What is recorded for one trained version.
pub struct NewVersion<'a> {
    pub name: &'a str,
    pub algorithm: &'a str,
    pub task: &'a str,
    pub relation: &'a str,
    pub target: &'a str,
    pub features: Vec<String>,
    pub options: serde_json::Value,
    pub train_rows: i64,
    pub test_rows: i64,
    pub metrics: serde_json::Value,
    pub coefficients: serde_json::Value,
    pub model: Vec<u8>,
    pub deploy: bool,
}

/// Stores a new version of `v.name` (the next number) and deploys it if asked; returns the
/// version number. Concurrent trainings of one name are serialized by an advisory lock held
/// to the end of the transaction, so version numbers never collide.
pub fn store_version(v: NewVersion<'_>) -> SqlResult<i32> {
    let version = Spi::connect_mut(|client| -> SqlResult<i32> {
        client
            .update(
                "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('finml.model:' || $1))",
                None,
                &[DatumWithOid::from(v.name)],
            )
            .or_report()?;
        let version = client
            .select(
                "SELECT coalesce(max(version), 0) + 1 FROM finml.model_versions WHERE name = $1",
                None,
                &[DatumWithOid::from(v.name)],
            )
            .or_report()?
            .first()
            .get_one::<i32>()
            .or_report()?
            .unwrap_or(1);
        client
            .update(
                "INSERT INTO finml.model_versions
                   (name, version, algorithm, task, relation, target, features, options,
                    train_rows, test_rows, metrics, coefficients, model)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                None,
                &[
                    DatumWithOid::from(v.name),
                    DatumWithOid::from(version),
                    DatumWithOid::from(v.algorithm),
                    DatumWithOid::from(v.task),
                    DatumWithOid::from(v.relation),
                    DatumWithOid::from(v.target),
                    DatumWithOid::from(v.features.clone()),
                    DatumWithOid::from(JsonB(v.options.clone())),
                    DatumWithOid::from(v.train_rows),
                    DatumWithOid::from(v.test_rows),
                    DatumWithOid::from(JsonB(v.metrics.clone())),
                    DatumWithOid::from(JsonB(v.coefficients.clone())),
                    DatumWithOid::from(v.model.as_slice()),
                ],
            )
            .or_report()?;
        if v.deploy {
            client
                .update(
                    "INSERT INTO finml.deployments (name, version) VALUES ($1, $2)
                     ON CONFLICT (name) DO UPDATE
                        SET version = EXCLUDED.version, deployed_at = now(), deployed_by = current_user",
                    None,
                    &[DatumWithOid::from(v.name), DatumWithOid::from(version)],
                )
                .or_report()?;
        }
        Ok(version)
    })?;
    if v.deploy {
        invalidate_deployments()?;
    }
    Ok(version)
}

/// Tells every backend (this one at its next command, the others after commit) that
/// deployments changed.
fn invalidate_deployments() -> SqlResult<()> {
    ensure_callback()?;
    let oid = DEPLOYMENTS_OID.with(Cell::get);
    // SAFETY: queues an invalidation message for an existing relation.
    unsafe { pg_sys::CacheInvalidateRelcacheByRelid(oid) };
    CACHE.with(|c| c.borrow_mut().clear());
    Ok(())
}
