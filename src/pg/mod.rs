//! Adapters between PostgreSQL and the models crate, with no SQL surface of their own. One
//! file per job; each imports only the files listed before it:
//!
//! 1. `types`: the PostgreSQL types finml reads and how their values decode;
//! 2. `citus`: what differs on a node of a Citus cluster;
//! 3. `security`: the caller, the owner switch, the pinned search_path, fresh snapshots;
//! 4. `spi`: read-only queries under the pinned search_path;
//! 5. `progress`: the trainings in progress and their slots, in shared memory;
//! 6. `extension`: the installed extension's identity and version check;
//! 7. `catalog`: reading the model catalog (rights, versions, specifications);
//! 8. `relation`: reading a relation into a dataset;
//! 9. `summed`: training from sums over the rows where they are stored;
//! 10. `row`: decoding one row argument for prediction;
//! 11. `cache`: the per-backend model cache and its invalidation;
//! 12. `cluster`: the catalog made to reach a Citus cluster's workers;
//! 13. `registry`: writing the catalog (versions, deployments, grants, events);
//! 14. `audit`: failure events that survive the rollback;
//! 15. `facts`: what the model report needs from the catalog;
//! 16. `training`: the one training service of fin_train and fin_retrain;
//! 17. `batch`: fin_score_table's target table and its INSERT;
//! 18. `views`: fin_ts_view's source, series length and view.

pub mod audit;
pub mod batch;
pub mod cache;
pub mod catalog;
pub mod citus;
pub mod cluster;
pub mod extension;
pub mod facts;
pub mod progress;
pub mod registry;
pub mod relation;
pub mod row;
pub mod security;
pub mod spi;
pub mod summed;
pub mod training;
pub mod types;
pub mod views;
