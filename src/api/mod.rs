//! The SQL surface, one file per feature. Each function converts its arguments, calls one
//! service of `pg/`, and returns what it gives (errors in `crate::error`'s vocabulary). No
//! file here imports another.

mod approval;
mod backtest;
mod batch;
mod cluster;
mod coefficients;
mod evaluate;
mod explain;
mod fairness;
mod ledger;
mod lifecycle;
mod monitor;
mod predict;
mod profile;
mod progress;
mod report;
mod sample;
mod scorecard;
mod scoring_code;
mod segmentation;
mod summed;
mod survival;
mod timeseries;
mod train;
mod trees;
mod tune;
