//! Cancellation of long loops. The models crate cannot call PostgreSQL (only the backend
//! thread may), so the extension registers a check at load time: on the backend thread it
//! runs PostgreSQL's CHECK_FOR_INTERRUPTS, which raises the pending cancel
//! (`statement_timeout`, `pg_cancel_backend`, shutdown) as an error that unwinds out of the
//! loop; elsewhere (plain `cargo test`, other threads) it does nothing.
//!
//! Every loop whose running time grows with the data (rows × columns, columns², solver
//! iterations) calls [`check`] often enough that a cancel is honoured within well under a
//! second (DESIGN.md, principle 5).

use std::sync::OnceLock;

static CHECK: OnceLock<fn()> = OnceLock::new();

/// Registers the check (once per process; later calls are ignored).
pub fn set_check(check: fn()) {
    let _ = CHECK.set(check);
}

/// Runs the registered check, if any: it may not return (a pending cancel unwinds).
#[inline]
pub fn check() {
    if let Some(check) = CHECK.get() {
        check();
    }
}

/// Calls [`check`] every `every` iterations of a counted loop (`i` from 0).
#[inline]
pub fn check_every(i: usize, every: usize) {
    if i % every == every - 1 {
        check();
    }
}
