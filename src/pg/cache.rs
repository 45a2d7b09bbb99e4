//! The per-backend model cache: a model is read and decoded once per backend and role, and
//! kept until the catalog announces a change (see catalog.rs for how invalidation travels).

use crate::error::{report, OrReport, SqlResult};
use crate::pg::catalog::{check_access, model_bytes, model_version, Access, ModelRef};
use crate::pg::citus::{self, Statement};
use crate::pg::extension;
use crate::pg::row::RowLayouts;
use crate::pg::security::caller;
use finml_models::{format, Model};
use pgrx::pg_sys::{self, Oid};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

thread_local! {
    /// Models by reference text ('name' or 'name@3'), with the role that loaded them (another
    /// role is checked again).
    static CACHE: RefCell<HashMap<String, (Oid, Rc<CachedModel>)>> = RefCell::new(HashMap::new());
    /// The catalog generation the cached models were read in.
    static READ_IN: Cell<u64> = const { Cell::new(0) };
}

/// Empties the cache when the catalog changed since its models were read.
fn forget_if_invalidated() {
    let now = extension::generation();
    if READ_IN.with(Cell::get) != now {
        CACHE.with(|c| c.borrow_mut().clear());
        READ_IN.with(|r| r.set(now));
    }
}

/// A model as cached in this backend.
pub struct CachedModel {
    pub model: Model,
    /// The version the reference named when the model was read (the deployed one for a bare
    /// name): the provenance of every number computed with it.
    pub version: i32,
    /// Attribute positions of the row types this model has been applied to.
    pub layouts: RowLayouts,
    /// The statement that last found this entry current (on a Citus node, see
    /// [`still_current`]).
    checked_in: Cell<Statement>,
}

/// Whether a cached entry is still the model `reference` names, for the caller.
///
/// On one node, yes until an invalidation emptied the cache. On a Citus node, a deploy,
/// rollback, drop or revoke made through the coordinator reaches this node's placement of the
/// reference-table catalog without invalidating this node's backends (pooled by Citus, so they
/// live long). There the first use in each statement checks the caller's rights and the
/// referenced version again: one catalog read per model per statement, so the next statement
/// on any node sees a committed change.
fn still_current(reference: &str, entry: &CachedModel) -> SqlResult<bool> {
    if !citus::is_loaded() {
        return Ok(true);
    }
    let statement = Statement::current();
    if entry.checked_in.get() == statement {
        return Ok(true);
    }
    let reference = ModelRef::parse(reference).or_report()?;
    check_access(reference.name, Access::Use)?;
    if model_version(reference)? != entry.version {
        return Ok(false);
    }
    entry.checked_in.set(statement);
    Ok(true)
}

/// Runs `f` with the model `reference` names, loading and caching it on first use.
pub fn with_model<R>(
    reference: &str,
    f: impl FnOnce(&CachedModel) -> SqlResult<R>,
) -> SqlResult<R> {
    forget_if_invalidated();
    let user = caller();
    let cached = CACHE.with(|c| {
        c.borrow()
            .get(reference)
            .filter(|(loaded_by, _)| *loaded_by == user)
            .map(|(_, m)| Rc::clone(m))
    });
    let current = match cached {
        Some(entry) if still_current(reference, &entry)? => Some(entry),
        _ => None,
    };
    let entry = match current {
        Some(entry) => entry,
        None => {
            let parsed = ModelRef::parse(reference).or_report()?;
            check_access(parsed.name, Access::Use)?;
            let (version, bytes) = model_bytes(parsed)?;
            let entry = Rc::new(CachedModel {
                model: format::from_bytes(&bytes).map_err(report)?,
                version,
                layouts: RowLayouts::default(),
                checked_in: Cell::new(Statement::current()),
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

/// Tells every backend (this one at once, the others after commit) that deployments or
/// rights changed.
pub fn invalidate_models() -> SqlResult<()> {
    let deployments = extension::extension()?.deployments;
    // SAFETY: queues an invalidation message for an existing relation.
    unsafe { pg_sys::CacheInvalidateRelcacheByRelid(deployments) };
    CACHE.with(|c| c.borrow_mut().clear());
    Ok(())
}
