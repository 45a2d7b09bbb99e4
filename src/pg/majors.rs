//! What differs between the PostgreSQL majors finml is built for (15, 16, 17 and 18): the one
//! file with `#[cfg(feature = "pgNN")]`. Every other file calls these and stays the same on each.

use pgrx::pg_sys;

/// This backend's local transaction id. PostgreSQL 17 moved it into the virtual transaction id
/// (`PGPROC.vxid.lxid`); before, it was `PGPROC.lxid`.
pub fn local_transaction_id() -> u32 {
    // SAFETY: a plain read of the backend's own PGPROC, which lives as long as the backend.
    unsafe {
        #[cfg(any(feature = "pg15", feature = "pg16"))]
        let lxid = (*pg_sys::MyProc).lxid;
        #[cfg(any(feature = "pg17", feature = "pg18"))]
        let lxid = (*pg_sys::MyProc).vxid.lxid;
        lxid
    }
}
