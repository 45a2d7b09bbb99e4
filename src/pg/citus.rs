//! What finml does differently on a node of a Citus cluster (DESIGN.md, "Scale-out on
//! Citus"): its catalog tables are reference tables, and Citus pushes row functions into
//! each shard's query on the workers, where they read that catalog.

use pgrx::pg_sys;

/// True when this backend runs Citus (its library is loaded, so its settings exist). Looked
/// up once per backend: Citus loads only through shared_preload_libraries, so the answer does
/// not change, and the model cache asks on every row.
pub fn is_loaded() -> bool {
    thread_local! {
        static LOADED: std::cell::OnceCell<bool> = const { std::cell::OnceCell::new() };
    }
    // SAFETY: a lookup in the GUC table; missing_ok returns NULL for an unknown name.
    LOADED.with(|l| {
        *l.get_or_init(|| unsafe {
            !pg_sys::GetConfigOption(NESTED_EXECUTION.as_ptr(), true, false).is_null()
        })
    })
}

/// The setting that lets finml's own catalog reads run inside a shard's query. Citus refuses
/// any query on a distributed (here: reference) table there unless it is on; the catalog's
/// reads are router queries to the node's own placement, so nothing nests across nodes.
pub const NESTED_EXECUTION: &std::ffi::CStr = c"citus.allow_nested_distributed_execution";

/// This backend's current statement: its transaction's local id and its start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Statement {
    transaction: u32,
    started: i64,
}

impl Statement {
    pub fn current() -> Statement {
        Statement {
            transaction: super::majors::local_transaction_id(),
            // SAFETY: a plain read of the backend's statement start time.
            started: unsafe { pg_sys::GetCurrentStatementStartTimestamp() },
        }
    }
}
