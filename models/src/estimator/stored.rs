//! The estimator's fields of the stored form, and the format versions that estimators and
//! feature kinds need (format.rs holds the fields flat in the model object, as formats 1-3
//! laid them out).

use super::linear::{Coefficient, LinearEstimator};
use super::mlp::Network;
use super::scorecard::Scorecard;
use crate::error::{Error, ErrorKind, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The newest stored-format version this build reads and writes: the largest
/// [`super::Estimator::format_version`] or feature kind's. An algorithm added later raises
/// it, so that older finml refuses its models instead of misreading them.
pub const NEWEST_FORMAT_VERSION: u32 = SURVIVAL_FORMAT_VERSION;

/// The format version of the survival models (Cox; finml 0.17): their task, survival target
/// and baseline.
pub const SURVIVAL_FORMAT_VERSION: u32 = 10;

/// The format version of a model of a target with 3 or more classes (finml 0.11): its
/// classes and per-class fitted state.
pub const MULTI_CLASS_FORMAT_VERSION: u32 = 9;

/// The format version of the tree models (gbdt, random_forest, tree; finml 0.10), and of
/// the preprocessing that keeps NULL numbers for them.
pub const TREES_FORMAT_VERSION: u32 = 8;

/// The format version of a model with a date's hour or minute part (finml 0.9.1).
pub const TIME_OF_DAY_FORMAT_VERSION: u32 = 7;

/// The format version of a model with a date or text feature (finml 0.6.1): a preprocessing
/// older readers cannot decode.
pub const FEATURE_KINDS_FORMAT_VERSION: u32 = 6;

/// The format version of the unsupervised models (k-means, isolation forest): their task
/// and fitted state are unknown to finml before 0.6.
pub const UNSUPERVISED_FORMAT_VERSION: u32 = 5;

/// The format version of a scorecard with special codes (bins an older reader would
/// misread as value bins).
pub const SPECIAL_CODES_FORMAT_VERSION: u32 = 4;

/// The estimator's fields of the stored form.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredEstimator {
    pub intercept: f64,
    pub weights: Vec<f64>,
    pub coefficients: Vec<Coefficient>,
    pub scorecard: Option<Scorecard>,
    pub network: Option<Network>,
    /// The fitted state of an algorithm added after format 3, as its own JSON (its
    /// `to_stored` writes it, its `read_stored` reads it): a new algorithm needs no new
    /// field here or in format.rs.
    pub fitted: Option<serde_json::Value>,
}

impl StoredEstimator {
    /// The fields of a linear model (formats 1-3 keep them for every model).
    pub fn of_linear(linear: &LinearEstimator) -> StoredEstimator {
        StoredEstimator {
            intercept: linear.intercept,
            weights: linear.weights.clone(),
            coefficients: linear.coefficients.clone(),
            scorecard: None,
            network: None,
            fitted: None,
        }
    }

    /// The fields of a model with no linear part: a zero intercept and zero weights.
    pub fn no_linear_part(width: usize) -> StoredEstimator {
        StoredEstimator {
            intercept: 0.0,
            weights: vec![0.0; width],
            coefficients: Vec::new(),
            scorecard: None,
            network: None,
            fitted: None,
        }
    }

    /// The fields of a model whose fitted state is its own JSON.
    pub fn of_fitted(width: usize, fitted: &impl Serialize) -> StoredEstimator {
        StoredEstimator {
            fitted: serde_json::to_value(fitted).ok(),
            ..StoredEstimator::no_linear_part(width)
        }
    }

    /// The linear part of a stored `algorithm`, with its other fields: an error when the
    /// form holds the fitted state of another algorithm.
    pub fn into_linear(self, algorithm: &str) -> Result<(LinearEstimator, Extras)> {
        if self.fitted.is_some() {
            return Err(corrupt(algorithm, "the fitted state of a newer algorithm"));
        }
        Ok((
            LinearEstimator {
                intercept: self.intercept,
                weights: self.weights,
                coefficients: self.coefficients,
            },
            Extras {
                scorecard: self.scorecard,
                network: self.network,
            },
        ))
    }

    /// The fitted state of a stored `algorithm` that keeps its own JSON (an error when it is
    /// missing or unreadable, or when the form holds another algorithm's parts).
    pub fn into_fitted<T: DeserializeOwned>(self, algorithm: &str) -> Result<T> {
        let Some(fitted) = self.fitted else {
            return Err(Error::new(
                ErrorKind::CorruptModel,
                format!("a {algorithm} model without its fitted state"),
            ));
        };
        serde_json::from_value(fitted).map_err(|e| {
            Error::new(
                ErrorKind::CorruptModel,
                format!("the fitted state of a {algorithm} model: {e}"),
            )
        })
    }
}

/// The parts of the stored form that only some algorithms have.
pub struct Extras {
    pub scorecard: Option<Scorecard>,
    pub network: Option<Network>,
}

impl Extras {
    /// An error naming the first part present: `algorithm` takes out the part it has before
    /// asking.
    pub fn refuse_others(&self, algorithm: &str) -> Result<()> {
        if self.scorecard.is_some() {
            return Err(corrupt(algorithm, "a scorecard's points"));
        }
        if self.network.is_some() {
            return Err(corrupt(algorithm, "a network"));
        }
        Ok(())
    }
}

/// Errors of a stored form that does not fit its algorithm.
pub fn corrupt(algorithm: &str, what: &str) -> Error {
    Error::new(
        ErrorKind::CorruptModel,
        format!("a {algorithm} model with {what}"),
    )
}
