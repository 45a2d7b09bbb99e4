//! Adapters between PostgreSQL and the models crate, and the services the SQL functions
//! call, with no SQL declarations of their own (api/ declares even the C-level functions of
//! `sums_aggregate`, `drift_aggregate` and `sample_aggregate`). One file per job; each
//! imports only the files listed before it:
//!
//! 0. `majors`: what differs between PostgreSQL 15, 16, 17 and 18 (the one file with
//!    `#[cfg(feature = "pgNN")]`);
//! 1. `types`: the PostgreSQL types finml reads and how their values decode;
//! 2. `srf`: the rows of a set-returning function written straight into the executor's
//!    tuplestore;
//! 3. `citus`: what differs on a node of a Citus cluster;
//! 4. `security`: the caller, the owner switch, the pinned search_path, fresh snapshots;
//! 5. `spi`: read-only queries under the pinned search_path, and `stream`: a query's rows
//!    streamed into a receiver of finml's own, each deformed once;
//! 6. `progress`: the trainings in progress and their slots, in shared memory;
//! 7. `extension`: the installed extension's identity and version check;
//! 8. `ledger`: sealing finml.event_log's events into a hash chain at commit, and checking it;
//! 9. `catalog`: reading the model catalog (rights, versions, specifications);
//! 10. `relation`: reading a relation into a dataset;
//! 11. `summed`: training from sums over the rows where they are stored;
//! 12. `row`: decoding one row argument for prediction;
//! 13. `cache`: the per-backend model cache and its invalidation;
//! 14. `cluster`: the catalog made to reach a Citus cluster's workers;
//! 15. `registry`: writing the catalog (versions, deployments, grants, events);
//! 16. `audit`: failure events that survive the rollback;
//! 17. `facts`: what the model report needs from the catalog;
//! 18. `sample`: the development sample's fingerprint, summed by SQL, stored and compared;
//! 19. `training`: the one training service of fin_train, fin_retrain and fin_tune, and the
//!     reading of fin_backtest and fin_cross_validate;
//! 20. `batch`: fin_score_table's target table and its INSERT;
//! 21. `views`: fin_ts_view's source, series length and view;
//!
//! then the services of the SQL functions, one feature each (api/ converts arguments and
//! calls one of them):
//!
//! 22. `sums_aggregate`: the C-level functions of fin_training_sums, fin_training_column_sums and
//!     their output functions;
//! 23. `drift_aggregate`: the C-level transition of fin_drift_counts and its counts;
//! 24. `sample_aggregate`: the C-level transition of fin_sample_sketch and its combine;
//! 25. `scoring`: scoring a relation's rows, on Citus's workers or here;
//! 26. `evaluate`: fin_evaluate, fin_roc, fin_confusion, fin_calibration, fin_gains,
//!     fin_threshold;
//! 27. `monitor`: fin_psi and fin_monitor;
//! 28. `scorecard`: fin_score, fin_reason_codes, fin_scorecard;
//! 29. `score_table`: fin_score_table's run and fin_score_row;
//! 30. `explain`: fin_explain and fin_importance;
//! 31. `trees`: fin_tree_rules;
//! 32. `segmentation`: fin_cluster, fin_anomaly_score, fin_clusters;
//! 33. `profile`: fin_profile;
//! 34. `timeseries`: fin_ema's step, fin_ts_repeated_key, fin_ts_view;
//! 35. `train`: fin_train and fin_retrain around `training`;
//! 36. `transfer`: fin_export and fin_import;
//! 37. `backtest`: fin_backtest's rows;
//! 38. `tune`: fin_cross_validate's rows and fin_tune around `training`;
//! 39. `fairness`: fin_fairness;
//! 40. `approval`: four-eyes approval (fin_approve, fin_reject) and the deployments it gates;
//! 41. `card`: model cards (fin_describe);
//! 42. `ecl`: fin_ecl and fin_ecl_summary (expected credit loss by loan and by stage).

pub mod approval;
pub mod atoms_aggregate;
pub mod audit;
pub mod backtest;
pub mod batch;
pub mod cache;
pub mod card;
pub mod catalog;
pub mod citus;
pub mod cluster;
pub mod drift_aggregate;
pub mod ecl;
pub mod evaluate;
pub mod explain;
pub mod extension;
pub mod facts;
pub mod fairness;
pub mod ledger;
pub mod majors;
pub mod monitor;
pub mod profile;
pub mod progress;
pub mod registry;
pub mod relation;
pub mod row;
pub mod sample;
pub mod sample_aggregate;
pub mod score_table;
pub mod scorecard;
pub mod scoring;
pub mod security;
pub mod segmentation;
pub mod spi;
pub mod srf;
pub mod stream;
pub mod summed;
pub mod sums_aggregate;
pub mod timeseries;
pub mod train;
pub mod training;
pub mod transfer;
pub mod trees;
pub mod tune;
pub mod types;
pub mod views;
