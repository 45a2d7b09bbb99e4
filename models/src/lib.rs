//! finml's machine-learning core: data, preprocessing, linear models, metrics and the stored
//! model format. It has no PostgreSQL dependency so that it can be tested and benchmarked
//! with plain `cargo test -p finml-models`, and so that no training code can call into the
//! database (only the extension's backend thread may).

pub mod binning;
pub mod data;
pub mod deploy;
pub mod error;
pub mod evaluate;
pub mod explain;
pub mod export;
pub mod format;
pub mod interrupt;
pub mod linalg;
pub mod linear;
pub mod metrics;
pub mod mlp;
pub mod model;
pub mod options;
pub mod preprocess;
pub mod report;
pub mod scorecard;
pub mod split;
pub mod train;

#[cfg(test)]
mod test_data;

pub use error::{Error, ErrorKind, Result};
pub use model::{Algorithm, Model};
pub use options::{DeployPolicy, Task, TrainOptions};
pub use preprocess::RawValue;
pub use train::{train, Limits, TrainOutcome};
