//! finml's machine-learning core: data, preprocessing, the estimators, metrics and the
//! stored model format. It has no PostgreSQL dependency so that it can be tested and
//! benchmarked with plain `cargo test -p finml-models`, and so that no training code can call
//! into the database (only the extension's backend thread may).
//!
//! Layers, lowest first (a module imports only modules above it in this list):
//! - foundations: `error`, `interrupt`, `parallel`, `html` (report text), `json`, `linalg`, `design`, `data`, `progress`, `split`,
//!   `metrics`;
//! - features: `binning`, `calendar` (date parts), `text` (hashed TF-IDF), `preprocess`, `drift` (training distributions), `scoring_code` (a design as SQL), `fit` (what every
//!   estimator's fit receives);
//! - `explain` (attribution formulas, the training reference);
//! - the seam: `estimator` (algorithm tags, parameters, fitted estimators, dispatch) with
//!   one module per algorithm under it: `estimator::linear` (logistic and linear
//!   regression), `estimator::scorecard`, `estimator::mlp`, `estimator::kmeans`,
//!   `estimator::isolation_forest` (the last two learn without a target); then `options` (the options
//!   object), `model` (shared parts + one estimator), `format` (the stored form);
//! - pipelines: `backtest` (walk-forward), `batch` (batch-scoring options), `monitor` (drift and monitoring by period),
//!   `profile` (screening candidate features), `timeseries` (fin_ts_view's SQL), `self_training` (semi-supervised),
//!   `train`, `deploy`, `evaluate`, `export`, `report` (with `segment_report`, the
//!   unsupervised models' sections), `service` (what the SQL
//!   layer calls to train a version).

pub mod backtest;
pub mod batch;
pub mod binning;
pub mod calendar;
pub mod data;
pub mod deploy;
pub mod design;
pub mod drift;
pub mod error;
pub mod estimator;
pub mod evaluate;
pub mod explain;
pub mod export;
pub mod fit;
pub mod format;
pub mod html;
pub mod interrupt;
pub mod json;
pub mod linalg;
pub mod metrics;
pub mod model;
pub mod monitor;
pub mod options;
pub mod parallel;
pub mod plan;
pub mod preprocess;
pub mod profile;
pub mod progress;
pub mod reference;
pub mod report;
pub mod scoring_code;
pub mod self_training;
pub mod split;
pub mod summed;
pub mod text;
pub mod timeseries;
pub mod train;

#[cfg(test)]
mod test_data;

// The algorithms live under estimator/; their paths from the crate root are kept.
pub use estimator::{linear, mlp, registry, scorecard};

pub use data::RawValue;
pub use error::{Error, ErrorKind, Result};
pub use estimator::Algorithm;
pub use fit::Limits;
pub use model::Model;
pub use options::{DeployPolicy, Task, TrainOptions};
pub use train::{train, TrainOutcome};
