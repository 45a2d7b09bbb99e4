//! The isolation forest behind the seam: its registry entry, its parameters' fit and the
//! fitted forest as an estimator (its output is a row's anomaly score).

use super::report::forest_section;
use super::{fit_estimator, IsolationForest, IsolationForestParams, ISOLATION_FOREST_KEYS};
use crate::error::Result;
use crate::estimator::kmeans::{NOT_FOR_KMEANS, NOT_FOR_UNSUPERVISED_HINT};
use crate::estimator::{
    Algorithm, DesignOutput, Estimator, Fitted, Params, Predictor, Spec, StoredEstimator,
    UNSUPERVISED_FORMAT_VERSION,
};
use crate::fit::{FitInput, Task};
use crate::preprocess::Preprocessor;
use ndarray::{Array2, ArrayView1};
use serde_json::{Map, Value};

/// Isolation-forest anomaly scores (no target).
pub const ISOLATION_FOREST: Algorithm = Algorithm::of(&IsolationForestSpec);

struct IsolationForestSpec;

impl Spec for IsolationForestSpec {
    fn name(&self) -> &'static str {
        "isolation_forest"
    }

    fn keys(&self) -> &'static [&'static str] {
        ISOLATION_FOREST_KEYS
    }

    fn refused(&self) -> (&'static [&'static str], &'static str) {
        (NOT_FOR_KMEANS, NOT_FOR_UNSUPERVISED_HINT)
    }

    fn unsupervised_task(&self) -> Option<Task> {
        Some(Task::AnomalyDetection)
    }

    fn params(&self, options: &Map<String, Value>) -> Result<Box<dyn Params>> {
        Ok(Box::new(IsolationForestParams::from_options(options)?))
    }

    fn read_stored(&self, stored: StoredEstimator) -> Result<Box<dyn Estimator>> {
        Ok(Box::new(
            stored.into_fitted::<IsolationForest>(self.name())?,
        ))
    }
}

impl Params for IsolationForestParams {
    fn algorithm(&self) -> Algorithm {
        ISOLATION_FOREST
    }

    fn fit(&self, input: &mut FitInput<'_>) -> Result<Fitted> {
        let (preprocessor, forest) = fit_estimator(input, self)?;
        Ok(Fitted::of(preprocessor, forest))
    }
}

impl DesignOutput for IsolationForest {
    fn output_of_row(&self, row: &[f64]) -> f64 {
        self.score(ArrayView1::from(row))
    }

    fn outputs(&self, x: &Array2<f64>) -> Vec<f64> {
        IsolationForest::outputs(self, x)
    }
}

impl Estimator for IsolationForest {
    fn algorithm(&self) -> Algorithm {
        ISOLATION_FOREST
    }

    fn predictor(&self) -> Predictor<'_> {
        Predictor::Design(self)
    }

    fn trains(&self, task: Task) -> bool {
        task == Task::AnomalyDetection
    }

    fn first_invalid_parameter(&self) -> Option<String> {
        IsolationForest::first_invalid_parameter(self)
    }

    fn shape_mismatch(&self, preprocessor: &Preprocessor) -> Option<String> {
        IsolationForest::shape_mismatch(self, preprocessor.width())
    }

    fn format_version(&self) -> u32 {
        UNSUPERVISED_FORMAT_VERSION
    }

    fn to_stored(&self, width: usize) -> StoredEstimator {
        StoredEstimator::of_fitted(width, self)
    }

    fn training_metrics(&self) -> Vec<(String, f64)> {
        self.metrics()
    }

    fn structure(&self) -> Option<(&'static str, String)> {
        Some((
            "Forest",
            format!(
                "{} trees of {} rows, flagging scores above {:.4}",
                self.trees.len(),
                self.sample_size,
                self.threshold
            ),
        ))
    }

    fn report_section(&self, _preprocessor: &Preprocessor, html: &mut String) {
        forest_section(html, self);
    }
}
