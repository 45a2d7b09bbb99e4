//! Where a summed training's passes run, and what a feature's GROUP BY gives.

use super::pass::SumsPass;
use crate::data::Dataset;
use crate::error::Result;

/// Where a summed training's passes run: an aggregate over the training rows of a relation
/// (the extension), or rows in memory (the tests). Every method reads the training rows
/// only; `outputs` the rows the metrics are measured on.
pub trait SummedRows {
    /// The cells of `pass` summed over the training rows, each row's features given as
    /// `pass.preprocessor()`'s (every planned feature when it has none).
    fn sums(&mut self, pass: &SumsPass) -> Result<Vec<f64>>;
    /// The training rows' count and label sum per distinct value of `feature` (NULL too).
    fn atoms(&mut self, feature: &str) -> Result<Vec<(Atom, u64, f64)>>;
    /// The output (SumsPass::output) of each training row.
    fn training_outputs(&mut self, pass: &SumsPass) -> Result<Vec<f64>>;
    /// The linear predictor of the Newton pass's coefficients, and the label (1 or 0 for a
    /// class), of each row the metrics are measured on.
    fn outputs(&mut self, pass: &SumsPass) -> Result<(Vec<f64>, Vec<f64>)>;
    /// At most [`crate::drift::DRIFT_SAMPLE_ROWS`] training rows, for the drift reference.
    fn drift_sample(&mut self) -> Result<Dataset>;
}

/// A distinct value of a feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    Null,
    Number(f64),
    Level(String),
}
