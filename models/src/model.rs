//! A trained model: its preprocessing, its estimator, and its documentation (coefficient
//! statistics). Everything `fin_predict` needs is here, so a model is self-contained data.

use crate::error::{Error, ErrorKind, Result};
use crate::linear::{sigmoid, Coefficient};
use crate::options::Task;
use crate::preprocess::{Preprocessor, RawValue, Transform};
use serde::{Deserialize, Serialize};

/// The estimator family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// Logistic regression (binary classification).
    Logistic,
    /// Linear least squares, ridge when `l2 > 0` (regression).
    Linear,
}

/// Algorithms this build can train, for error hints.
pub const ALGORITHMS: &[&str] = &["logistic", "linear"];

impl Algorithm {
    pub fn parse(name: &str) -> Result<Algorithm> {
        match name {
            "logistic" => Ok(Algorithm::Logistic),
            "linear" => Ok(Algorithm::Linear),
            other => Err(
                Error::invalid_option(format!("unknown algorithm \"{other}\""))
                    .with_hint(format!("available algorithms: {}", ALGORITHMS.join(", "))),
            ),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Logistic => "logistic",
            Algorithm::Linear => "linear",
        }
    }
}

/// A trained model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    pub algorithm: Algorithm,
    pub task: Task,
    /// Name of the target column.
    pub target: String,
    /// The positive class as text (classification only).
    pub positive_class: Option<String>,
    pub preprocessor: Preprocessor,
    /// Intercept and weights in the standardized design space (what predict uses).
    pub intercept: f64,
    pub weights: Vec<f64>,
    /// Coefficients on the original feature scale with standard errors (documentation).
    pub coefficients: Vec<Coefficient>,
}

impl Model {
    /// Feature (column) names in the order predict expects them.
    pub fn feature_names(&self) -> impl Iterator<Item = &str> {
        self.preprocessor.features.iter().map(|f| f.name.as_str())
    }

    pub fn n_features(&self) -> usize {
        self.preprocessor.features.len()
    }

    /// True when every feature is numeric, so the array form of predict applies.
    pub fn is_all_numeric(&self) -> bool {
        self.preprocessor
            .features
            .iter()
            .all(|f| matches!(f.transform, Transform::Numeric(_)))
    }

    /// Probability of the positive class, or the regression value, for one row whose values
    /// are in feature order.
    pub fn predict(&self, values: &[RawValue<'_>]) -> Result<f64> {
        let eta = self
            .preprocessor
            .linear_predictor(self.intercept, &self.weights, values)?;
        Ok(match self.algorithm {
            Algorithm::Logistic => sigmoid(eta),
            Algorithm::Linear => eta,
        })
    }

    /// The array form: numeric features in feature order, NULL elements imputed.
    pub fn predict_numeric(&self, values: &[Option<f64>]) -> Result<f64> {
        if !self.is_all_numeric() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "the array form of fin_predict needs a model whose features are all numeric",
            )
            .with_hint("pass a row instead: SELECT fin_predict('model', t) FROM t"));
        }
        if values.len() != self.n_features() {
            let names: Vec<&str> = self.feature_names().collect();
            return Err(Error::invalid_data(format!(
                "model expects {} features, got {}",
                self.n_features(),
                values.len()
            ))
            .with_hint(format!(
                "pass the features in this order: {}",
                names.join(", ")
            )));
        }
        // Small, but avoid a heap allocation per row for typical widths.
        let mut buffer = [RawValue::Null; 64];
        let mut heap = Vec::new();
        let raw: &mut [RawValue] = if values.len() <= buffer.len() {
            &mut buffer[..values.len()]
        } else {
            heap.resize(values.len(), RawValue::Null);
            &mut heap
        };
        for (slot, v) in raw.iter_mut().zip(values) {
            *slot = v.map_or(RawValue::Null, RawValue::Number);
        }
        self.predict(raw)
    }
}
