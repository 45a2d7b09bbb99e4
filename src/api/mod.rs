//! The SQL surface, one file per feature. Each function converts its arguments, calls into
//! `pg/` and `finml_models`, and maps errors through `crate::error`.

mod backtest;
mod batch;
mod cluster;
mod coefficients;
mod evaluate;
mod explain;
mod lifecycle;
mod monitor;
mod predict;
mod profile;
mod progress;
mod report;
mod scorecard;
mod scoring_code;
mod segmentation;
mod summed;
mod timeseries;
mod train;
