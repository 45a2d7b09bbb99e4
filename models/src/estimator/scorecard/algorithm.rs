//! The scorecard behind the seam: its registry entry, parameters and fitted estimator (the
//! linear estimator of its regression on WoE values, and its points).

use super::fit::fit_estimator;
use super::{
    Scorecard, ScorecardParams, NOT_FOR_SCORECARDS, NOT_FOR_SCORECARDS_HINT, SCORECARD_KEYS,
};
use crate::error::{Error, Result};
use crate::estimator::{
    corrupt, Algorithm, Estimator, Fitted, Params, Predictor, Spec, StoredEstimator, SummedFit,
};
use crate::fit::{FitInput, Task};
use crate::linear::LinearEstimator;
use crate::preprocess::Preprocessor;
use serde_json::{Map, Value};

/// Logistic regression on the weights of evidence of binned features, scaled to points.
pub const SCORECARD: Algorithm = Algorithm::of(&ScorecardSpec);

struct ScorecardSpec;

impl Spec for ScorecardSpec {
    fn name(&self) -> &'static str {
        "scorecard"
    }

    fn keys(&self) -> &'static [&'static str] {
        SCORECARD_KEYS
    }

    fn refused(&self) -> (&'static [&'static str], &'static str) {
        (NOT_FOR_SCORECARDS, NOT_FOR_SCORECARDS_HINT)
    }

    fn params(&self, options: &Map<String, Value>) -> Result<Box<dyn Params>> {
        Ok(Box::new(ScorecardParams::from_options(options)?))
    }

    fn read_stored(&self, stored: StoredEstimator) -> Result<Box<dyn Estimator>> {
        let (linear, mut extras) = stored.into_linear(self.name())?;
        let points = extras
            .scorecard
            .take()
            .ok_or_else(|| corrupt(self.name(), "no points"))?;
        extras.refuse_others(self.name())?;
        Ok(Box::new(ScorecardEstimator { linear, points }))
    }
}

impl Params for ScorecardParams {
    fn algorithm(&self) -> Algorithm {
        SCORECARD
    }

    fn for_task(
        &self,
        task: Task,
        _why_regression: &dyn Fn() -> String,
        _notes: &mut Vec<String>,
    ) -> Result<Box<dyn Params>> {
        if task == Task::Regression {
            return Err(Error::invalid_option(
                "algorithm \"scorecard\" needs a two-class target",
            )
            .with_hint(
                "a scorecard ranks the risk of an event: use a boolean, 0/1 or two-valued text target",
            ));
        }
        Ok(Box::new(self.clone()))
    }

    fn fit(&self, input: &mut FitInput<'_>) -> Result<Fitted> {
        let fitted = fit_estimator(input, self)?;
        let linear = LinearEstimator::from_fit(&fitted.fit, &fitted.preprocessor, true);
        Ok(Fitted::of(
            fitted.preprocessor,
            ScorecardEstimator {
                linear,
                points: fitted.scorecard,
            },
        ))
    }

    fn class_weighted(&self) -> bool {
        self.solver.class_weight.is_some()
    }

    fn summed(&self) -> Option<&dyn SummedFit> {
        Some(self)
    }
}

/// A scorecard: the regression on WoE values (its linear predictor) and its points.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorecardEstimator {
    pub linear: LinearEstimator,
    pub points: Scorecard,
}

impl Estimator for ScorecardEstimator {
    fn algorithm(&self) -> Algorithm {
        SCORECARD
    }

    fn predictor(&self) -> Predictor<'_> {
        Predictor::Linear(&self.linear)
    }

    fn trains(&self, task: Task) -> bool {
        task == Task::Classification
    }

    fn first_invalid_parameter(&self) -> Option<String> {
        self.points
            .first_invalid_value()
            .or_else(|| self.linear.first_invalid_parameter())
    }

    fn shape_mismatch(&self, preprocessor: &Preprocessor) -> Option<String> {
        self.linear.shape_mismatch(preprocessor)
    }

    fn format_version(&self) -> u32 {
        2
    }

    fn to_stored(&self, _width: usize) -> StoredEstimator {
        StoredEstimator {
            scorecard: Some(self.points.clone()),
            ..StoredEstimator::of_linear(&self.linear)
        }
    }

    fn coefficients_scale(&self) -> &'static str {
        "on the weights of evidence"
    }
}
