//! Gradient boosting behind the seam: its registry entry and its parameters' fit (the
//! fitted trees are a `TreeEstimator`).

use super::{fit_estimator, GbdtParams, GBDT_KEYS};
use crate::error::Result;
use crate::estimator::tree::algorithm::{TreeEstimator, NOT_FOR_TREES, NOT_FOR_TREES_HINT};
use crate::estimator::{Algorithm, Estimator, Fitted, Params, Spec, StoredEstimator};
use crate::fit::FitInput;
use serde_json::{Map, Value};

/// Gradient-boosted trees (classification or regression).
pub const GBDT: Algorithm = Algorithm::of(&GbdtSpec);

struct GbdtSpec;

impl Spec for GbdtSpec {
    fn name(&self) -> &'static str {
        "gbdt"
    }

    fn keys(&self) -> &'static [&'static str] {
        GBDT_KEYS
    }

    fn refused(&self) -> (&'static [&'static str], &'static str) {
        (NOT_FOR_TREES, NOT_FOR_TREES_HINT)
    }

    fn params(&self, options: &Map<String, Value>) -> Result<Box<dyn Params>> {
        Ok(Box::new(GbdtParams::from_options(options)?))
    }

    fn read_stored(&self, stored: StoredEstimator) -> Result<Box<dyn Estimator>> {
        TreeEstimator::read(GBDT, stored)
    }
}

impl Params for GbdtParams {
    fn algorithm(&self) -> Algorithm {
        GBDT
    }

    fn fit(&self, input: &mut FitInput<'_>) -> Result<Fitted> {
        let (preprocessor, fit) = fit_estimator(input, self)?;
        Ok(Fitted {
            preprocessor,
            estimator: Box::new(TreeEstimator::new(GBDT, fit.ensemble, Vec::new())),
            log: fit.log,
            device: None,
        })
    }

    fn class_weighted(&self) -> bool {
        self.class_weight.is_some()
    }
}
