//! finml: train, store and apply financial models inside PostgreSQL.
//!
//! This crate is the SQL surface only: `api/` converts arguments and delegates, `pg/` adapts
//! PostgreSQL (reading relations, the model catalog and its per-backend cache), and the
//! mathematics lives in the `finml-models` crate, which has no PostgreSQL dependency.

// pgrx raises an `Err` with its own SQLSTATE only when it is an unboxed `ErrorReport`
// (it downcasts to that exact type), so results carry it by value.
#![allow(clippy::result_large_err)]

use pgrx::prelude::*;

mod api;
mod error;
mod gucs;
mod pg;

::pgrx::pg_module_magic!();

// The catalog (schema finml, model tables, the models view) is created before any function.
pgrx::extension_sql_file!("../sql/catalog.sql", name = "catalog", bootstrap);
// Every object's one-line purpose, after every object exists.
pgrx::extension_sql_file!("../sql/comments.sql", name = "comments", finalize);

#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    // pgrx's panic hook captures a backtrace for every error finml raises (they travel as
    // panics to the function's boundary) and sends it to the client in DETAIL when the
    // server's environment has RUST_BACKTRACE=1: thirty lines of finml's internals for any
    // caller to read. RUST_LIB_BACKTRACE takes precedence for Backtrace::capture and is read
    // once, so setting it before any capture keeps backtraces off for this process (and the
    // backends a preloading postmaster forks). The backend is single-threaded here.
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
    gucs::init();
    pg::progress::init();
    pg::security::mark_backend_thread();
    finml_models::interrupt::set_check(pg::security::check_for_interrupts);
}

#[cfg(any(test, feature = "pg_test"))]
mod pg_tests;

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        // As README asks of a server: finml's training slots live in shared memory.
        vec!["shared_preload_libraries = 'finml'"]
    }
}
