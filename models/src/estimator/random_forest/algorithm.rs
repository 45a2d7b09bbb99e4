//! The random forest behind the seam: its registry entry and its parameters' fit (the
//! fitted forest is a `TreeEstimator`).

use super::{fit_forest, forest_settings, ForestSettings, RANDOM_FOREST_KEYS};
use crate::error::Result;
use crate::estimator::tree::algorithm::{TreeEstimator, NOT_FOR_TREES, NOT_FOR_TREES_HINT};
use crate::estimator::{Algorithm, Estimator, Fitted, Params, Spec, StoredEstimator};
use crate::fit::FitInput;
use serde_json::{Map, Value};

/// Bagged trees (classification or regression).
pub const RANDOM_FOREST: Algorithm = Algorithm::of(&RandomForestSpec);

struct RandomForestSpec;

/// A forest's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomForestParams(pub ForestSettings);

impl Spec for RandomForestSpec {
    fn name(&self) -> &'static str {
        "random_forest"
    }

    fn keys(&self) -> &'static [&'static str] {
        RANDOM_FOREST_KEYS
    }

    fn refused(&self) -> (&'static [&'static str], &'static str) {
        (NOT_FOR_TREES, NOT_FOR_TREES_HINT)
    }

    /// Defaults: max_depth 12, min_samples_leaf 1 (scikit-learn grows without a depth
    /// limit; 12 levels bound a tree's histograms).
    fn params(&self, options: &Map<String, Value>) -> Result<Box<dyn Params>> {
        Ok(Box::new(RandomForestParams(forest_settings(
            options, 12, 1,
        )?)))
    }

    fn read_stored(&self, stored: StoredEstimator) -> Result<Box<dyn Estimator>> {
        TreeEstimator::read(RANDOM_FOREST, stored)
    }
}

impl Params for RandomForestParams {
    fn algorithm(&self) -> Algorithm {
        RANDOM_FOREST
    }

    fn fit(&self, input: &mut FitInput<'_>) -> Result<Fitted> {
        let (preprocessor, fit) = fit_forest(input, &self.0, "a random forest")?;
        if let Some((name, value)) = fit.out_of_bag.first() {
            input.notes.push(format!(
                "out-of-bag {}: {value:.4}",
                name.trim_start_matches("oob_")
            ));
        }
        Ok(Fitted::of(
            preprocessor,
            TreeEstimator::new(RANDOM_FOREST, fit.ensemble, fit.out_of_bag),
        ))
    }

    fn class_weighted(&self) -> bool {
        self.0.class_weight.is_some()
    }
}
