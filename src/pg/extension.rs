//! The installed extension as this backend knows it: the catalog's version checked against
//! the library's, its owner (whose rights read and write the private tables) and the relation
//! whose invalidation announces a change to deployments or rights.

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::pg::security;
use crate::pg::spi::{select_one, select_row};
use pgrx::pg_sys::{self, Oid};
use pgrx::prelude::*;
use std::cell::Cell;

/// What this backend knows about the installed extension, looked up once.
#[derive(Clone, Copy)]
pub struct Extension {
    /// `finml.deployments`, whose relcache invalidation announces a catalog change.
    pub deployments: Oid,
    pub owner: Oid,
}

thread_local! {
    static CALLBACK_REGISTERED: Cell<bool> = const { Cell::new(false) };
    /// Reset on invalidation of all relations (and after DROP/CREATE EXTENSION).
    static EXTENSION: Cell<Option<Extension>> = const { Cell::new(None) };
    /// Counts the invalidations of the catalog seen by this backend, so that the model cache
    /// (cache.rs) can tell it must empty itself.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
}

#[pg_guard]
unsafe extern "C-unwind" fn on_relcache_invalidation(_arg: pg_sys::Datum, relid: Oid) {
    let deployments = EXTENSION.with(Cell::get).map(|e| e.deployments);
    // InvalidOid means "all relations" (e.g. after a cache reset). The catalog's oid is looked
    // up again too: after DROP/CREATE EXTENSION in this session the old one no longer exists.
    if relid == pg_sys::InvalidOid || Some(relid) == deployments {
        EXTENSION.with(|e| e.set(None));
        GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
    }
}

/// The installed extension's catalog, after checking that it is the version this library
/// was built for (between installing new binaries and `ALTER EXTENSION finml UPDATE`, the
/// catalog is the previous version's).
pub fn extension() -> SqlResult<Extension> {
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
        return Err(fail(
            ErrorKind::NotReady,
            "extension \"finml\" is not installed in this database",
            "CREATE EXTENSION finml",
        ));
    };
    let library = env!("CARGO_PKG_VERSION");
    if version != library {
        return Err(fail(
ErrorKind::NotReady,
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

/// How many catalog invalidations this backend has processed; changes whenever cached models
/// may be stale.
pub fn generation() -> u64 {
    GENERATION.with(Cell::get)
}

/// The schema finml's functions live in, quoted.
pub fn extension_schema() -> SqlResult<String> {
    select_one::<String>(
        "SELECT pg_catalog.quote_ident(n.nspname::text)
           FROM pg_catalog.pg_extension e
           JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
          WHERE e.extname = 'finml'",
        &[],
    )?
    .ok_or_else(|| {
        fail(
            ErrorKind::Internal,
            "the finml extension is not installed in this database",
            "CREATE EXTENSION finml",
        )
    })
}
