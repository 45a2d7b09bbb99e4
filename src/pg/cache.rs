//! The per-backend model cache: a model is read and decoded once per backend and role, and
//! kept until the catalog announces a change (see catalog.rs for how invalidation travels).

use crate::error::{report, OrReport, SqlResult};
use crate::pg::catalog::{check_access, model_bytes, model_version, Access, ModelRef};
use crate::pg::citus::Statement;
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
    /// The entry used last (reference, role, model), looked at before the map: a statement
    /// applies one model to every row, and the map's hash of the reference cost 5% of a
    /// scoring. Always one of the map's entries (cleared when the map forgets it).
    static LAST: RefCell<Option<(String, Oid, Rc<CachedModel>)>> = const { RefCell::new(None) };
}

/// Forgets the cached models when the catalog changed since they were read, but those the
/// current statement already uses: an invalidation that arrives while a statement runs (a
/// deploy committed meanwhile) must not change the version its later rows see.
fn forget_if_invalidated(statement: Statement) {
    let now = extension::generation();
    if READ_IN.with(Cell::get) != now {
        CACHE.with(|c| {
            c.borrow_mut()
                .retain(|_, (_, entry)| entry.checked_in.get() == statement)
        });
        LAST.with(|last| {
            let mut last = last.borrow_mut();
            if last
                .as_ref()
                .is_some_and(|(_, _, entry)| entry.checked_in.get() != statement)
            {
                *last = None;
            }
        });
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
    /// The statement that last found this entry current (see [`still_current`]).
    checked_in: Cell<Statement>,
}

/// Whether a cached entry is still the model `reference` names, for the caller, in
/// `statement`: one statement, one model state.
///
/// The first use in each statement checks the caller's rights and the referenced version
/// again, on the catalog as the statement sees it (security::with_latest_snapshot): one
/// catalog read per model per statement, never per row. Later uses in the statement keep
/// what that check found, whatever is committed meanwhile, so every row and every finml
/// function of a statement agree. An invalidation alone is not enough: its message is sent
/// after the deploying transaction became visible, so a statement that starts in between
/// would see the new deployment in SQL and the old one in the cache; and on a Citus node, a
/// change made through the coordinator reaches this node's placement of the reference-table
/// catalog without invalidating its backends (pooled by Citus, so they live long).
fn still_current(reference: &str, entry: &CachedModel, statement: Statement) -> SqlResult<bool> {
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
    let statement = Statement::current();
    forget_if_invalidated(statement);
    let user = caller();
    let last = LAST.with(|last| {
        last.borrow()
            .as_ref()
            .filter(|(name, loaded_by, _)| name == reference && *loaded_by == user)
            .map(|(_, _, m)| Rc::clone(m))
    });
    let cached = last.clone().or_else(|| {
        CACHE.with(|c| {
            c.borrow()
                .get(reference)
                .filter(|(loaded_by, _)| *loaded_by == user)
                .map(|(_, m)| Rc::clone(m))
        })
    });
    let current = match cached {
        Some(entry) if still_current(reference, &entry, statement)? => Some(entry),
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
                checked_in: Cell::new(statement),
            });
            CACHE.with(|c| {
                c.borrow_mut()
                    .insert(reference.to_owned(), (user, Rc::clone(&entry)))
            });
            entry
        }
    };
    if !last.is_some_and(|l| Rc::ptr_eq(&l, &entry)) {
        LAST.with(|l| *l.borrow_mut() = Some((reference.to_owned(), user, Rc::clone(&entry))));
    }
    f(&entry)
}

/// Tells every backend (this one at once, the others after commit) that deployments or
/// rights changed.
pub fn invalidate_models() -> SqlResult<()> {
    let deployments = extension::extension()?.deployments;
    // SAFETY: queues an invalidation message for an existing relation.
    unsafe { pg_sys::CacheInvalidateRelcacheByRelid(deployments) };
    CACHE.with(|c| c.borrow_mut().clear());
    LAST.with(|l| *l.borrow_mut() = None);
    Ok(())
}
