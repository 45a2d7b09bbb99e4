//! finml's machine-learning core: data, preprocessing, the estimators, metrics and the
//! stored model format. It has no PostgreSQL dependency so that it can be tested and
//! benchmarked with plain `cargo test -p finml-models`, and so that no training code can call
//! into the database (only the extension's backend thread may).
//!
//! Its modules are layered (foundations, features, the algorithms' internals, the estimator
//! seam, the algorithms' seam code, the registry, options and model, training, pipelines):
//! DESIGN.md's `layers models/src` list is the one statement of the layers, and `make lint`
//! checks the imports against it (tools/import_graph.py).

pub mod backtest;
pub mod batch;
pub mod binning;
pub mod calendar;
pub mod classes;
pub mod data;
pub mod deploy;
pub mod design;
pub mod disclosure;
pub mod dp_sgd;
pub mod drift;
pub mod ecl;
pub mod error;
pub mod estimator;
pub mod evaluate;
pub mod explain;
pub mod export;
pub mod fairness;
pub mod fit;
pub mod format;
pub mod html;
pub mod interrupt;
pub mod json;
pub mod linalg;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod monitor;
pub mod options;
pub mod parallel;
pub mod pd;
pub mod plan;
pub mod preprocess;
pub mod privacy;
pub mod profile;
pub mod progress;
pub mod proxy;
pub mod reference;
pub mod report;
pub mod sample;
pub mod scoring_code;
pub mod self_training;
pub mod split;
pub mod summed;
pub mod survival;
pub mod text;
pub mod timeseries;
pub mod train;
pub mod trees;
pub mod tune;

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
