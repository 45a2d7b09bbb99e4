//! Adapters between PostgreSQL and the models crate, with no SQL surface of their own. One
//! file per job; each imports only the files listed before it:
//!
//! 1. `types`: the PostgreSQL types finml reads and how their values decode;
//! 2. `security`: the caller, the owner switch, the pinned search_path, fresh snapshots;
//! 3. `spi`: read-only queries under the pinned search_path;
//! 4. `extension`: the installed extension's identity and version check;
//! 5. `catalog`: reading the model catalog (rights, versions, specifications);
//! 6. `relation`: reading a relation into a dataset;
//! 7. `row`: decoding one row argument for prediction;
//! 8. `cache`: the per-backend model cache and its invalidation;
//! 9. `registry`: writing the catalog (versions, deployments, grants, events);
//! 10. `audit`: failure events that survive the rollback;
//! 11. `facts`: what the model report needs from the catalog;
//! 12. `training`: the one training service of fin_train and fin_retrain;
//! 13. `batch`: fin_score_table's target table and its INSERT;
//! 14. `views`: fin_ts_view's source, series length and view.

pub mod audit;
pub mod batch;
pub mod cache;
pub mod catalog;
pub mod extension;
pub mod facts;
pub mod registry;
pub mod relation;
pub mod row;
pub mod security;
pub mod spi;
pub mod training;
pub mod types;
pub mod views;
