//! Who finml acts as, and with which name resolution and snapshot (DESIGN.md, principle 2).
//!
//! - Every SQL statement finml runs through SPI, as the caller or as the extension's owner,
//!   runs with `search_path = pg_catalog, pg_temp` ([`with_pinned_search_path`]): a role that
//!   plants `=(name, name)`, `||`, `lower(text)` or `pg_has_role` in a schema ahead of
//!   pg_catalog on its own search_path can neither run its code inside finml's statements nor
//!   change what they decide (CVE-2018-1058 and the attack in tests/pg_regress/sql/attacks.sql).
//! - The private catalog tables are read and written as the extension's owner
//!   ([`as_extension_owner`]), after the caller's rights were checked, the way a SECURITY
//!   DEFINER function with `SET search_path` runs (fmgr_security_definer).
//! - Access decisions and cached models are read with a fresh snapshot
//!   ([`with_latest_snapshot`]), as PostgreSQL reads its own catalogs: a REPEATABLE READ or
//!   SERIALIZABLE transaction sees a committed revoke or deploy at its next statement, and
//!   cannot reload a model from its old snapshot into the per-backend cache.

use crate::error::SqlResult;
use pgrx::pg_sys::{self, Oid};

/// The role running the current statement.
pub fn caller() -> Oid {
    // SAFETY: plain read of the backend's current user id.
    unsafe { pg_sys::GetUserId() }
}

/// The session's login role (before any SET ROLE or SECURITY DEFINER switch).
pub fn session_user() -> Oid {
    // SAFETY: plain read of the backend's session user id.
    unsafe { pg_sys::GetSessionUserId() }
}

/// Undoes a GUC nest level (and a user switch) when dropped, also while unwinding.
struct Restore {
    user_and_context: Option<(Oid, i32)>,
    guc_nest_level: i32,
}

impl Drop for Restore {
    fn drop(&mut self) {
        // SAFETY: puts back the values read before the switch, as fmgr_security_definer does.
        unsafe {
            pg_sys::AtEOXact_GUC(true, self.guc_nest_level);
            if let Some((user, context)) = self.user_and_context {
                pg_sys::SetUserIdAndSecContext(user, context);
            }
        }
    }
}

/// Opens a GUC nest level with `search_path = pg_catalog, pg_temp` (and, with `owner`, the
/// user switched to it), closed by the returned guard.
fn enter(owner: Option<Oid>) -> Restore {
    // SAFETY: what a SECURITY DEFINER function with SET search_path does (fmgr.c): switch the
    // user id with SECURITY_LOCAL_USERID_CHANGE and save-and-set the GUC at a new nest level
    // (allowed in parallel mode); both restored by the guard.
    unsafe {
        let guc_nest_level = pg_sys::NewGUCNestLevel();
        let user_and_context = owner.map(|owner| {
            let mut user = pg_sys::InvalidOid;
            let mut context = 0;
            pg_sys::GetUserIdAndSecContext(&mut user, &mut context);
            pg_sys::SetUserIdAndSecContext(
                owner,
                context | pg_sys::SECURITY_LOCAL_USERID_CHANGE as i32,
            );
            (user, context)
        });
        let restore = Restore {
            user_and_context,
            guc_nest_level,
        };
        save_setting(c"search_path", c"pg_catalog, pg_temp");
        // On a Citus node, finml's catalog reads also run inside a shard's query (citus.rs).
        if crate::pg::citus::is_loaded() {
            save_setting(crate::pg::citus::NESTED_EXECUTION, c"on");
        }
        restore
    }
}

/// Sets `name` to `value` at the current GUC nest level, as a function's `SET` clause does.
///
/// # Safety
/// Called inside a GUC nest level that the caller closes (`AtEOXact_GUC` restores the value).
pub unsafe fn save_setting(name: &std::ffi::CStr, value: &std::ffi::CStr) {
    pg_sys::set_config_option(
        name.as_ptr(),
        value.as_ptr(),
        pg_sys::GucContext::PGC_USERSET,
        pg_sys::GucSource::PGC_S_SESSION,
        pg_sys::GucAction::GUC_ACTION_SAVE,
        true,
        0,
        false,
    );
}

/// Runs `f` as the caller, with the search_path pinned to pg_catalog: what finml's own
/// statements mean does not depend on the caller's schemas.
pub fn with_pinned_search_path<R>(f: impl FnOnce() -> R) -> R {
    let _restore = enter(None);
    f()
}

/// Runs `f` as `owner` (the extension's owner), search_path pinned, for reading and writing
/// the private catalog tables once the caller's rights have been checked. Nothing the caller
/// controls runs inside.
pub fn as_role<R>(owner: Oid, f: impl FnOnce() -> SqlResult<R>) -> SqlResult<R> {
    let _restore = enter(Some(owner));
    f()
}

/// Pops the snapshot pushed by [`with_latest_snapshot`] on the normal path; while unwinding
/// from an ERROR, (sub)transaction abort pops it with everything SPI pushed above it.
struct PopSnapshot;

impl Drop for PopSnapshot {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            // SAFETY: the top of the active-snapshot stack is the one pushed below (SPI pops
            // what it pushes on success).
            unsafe { pg_sys::PopActiveSnapshot() };
        }
    }
}

/// Runs `f` (read-only SPI queries) on the catalog as the statement sees it: in READ
/// COMMITTED, the statement's own snapshot (the active one, taken when the statement
/// started, and the one its parallel workers run on, so that they read the catalog as the
/// leader does); otherwise, or with no active snapshot, a snapshot taken now, not the
/// transaction's: in REPEATABLE READ and SERIALIZABLE, statements would otherwise see the
/// catalog as of the transaction's first statement. The catalog snapshot is used because,
/// unlike `GetLatestSnapshot`, it may be taken in parallel mode (fin_predict is PARALLEL
/// SAFE).
pub fn with_latest_snapshot<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: reads of the backend's isolation level and snapshot stack.
    let statements_snapshot = unsafe {
        pg_sys::XactIsoLevel < pg_sys::XACT_REPEATABLE_READ as i32 && pg_sys::ActiveSnapshotSet()
    };
    if statements_snapshot {
        // Read-only SPI runs on the active snapshot.
        return f();
    }
    // SAFETY: a fresh MVCC snapshot (a relid that is not a catalog forces a new one), copied
    // by PushActiveSnapshot; read-only SPI runs on the active snapshot.
    let _pop = unsafe {
        let snapshot = pg_sys::GetCatalogSnapshot(pg_sys::InvalidOid);
        pg_sys::PushActiveSnapshot(snapshot);
        PopSnapshot
    };
    f()
}

/// Runs `f` (read-only SPI queries) on a snapshot taken now, whatever the isolation level:
/// for a read that must see every transaction committed before a lock this one has just
/// taken (the ledger's last event, pg/ledger.rs). Not for parallel mode.
pub fn with_snapshot_taken_now<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: a new MVCC snapshot, copied by PushActiveSnapshot and popped by PopSnapshot
    // (or by the abort while unwinding).
    let _pop = unsafe {
        pg_sys::PushActiveSnapshot(pg_sys::GetLatestSnapshot());
        PopSnapshot
    };
    f()
}

thread_local! {
    /// True on the backend's own thread (set when the library is loaded).
    static BACKEND_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the calling thread (the backend's, in `_PG_init`) as the one that may call
/// PostgreSQL.
pub fn mark_backend_thread() {
    BACKEND_THREAD.with(|b| b.set(true));
}

/// The models crate's interrupt check (finml_models::interrupt): CHECK_FOR_INTERRUPTS on the
/// backend thread (a pending cancel becomes an ERROR that unwinds out of the models crate's
/// loop), nothing on any other thread, which must never call PostgreSQL.
pub fn check_for_interrupts() {
    if BACKEND_THREAD.with(std::cell::Cell::get) {
        pgrx::check_for_interrupts!();
    }
}
