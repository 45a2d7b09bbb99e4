//! Cox proportional hazards behind the seam: a linear predictor (the log relative hazard,
//! explained and written as SQL as a linear model's) and a survival curve from its baseline.

use super::{fit_cox, CoxModel, CoxParams, COX_KEYS};
use crate::error::Result;
use crate::estimator::linear::terms_disagree;
use crate::estimator::{
    Algorithm, Estimator, Fitted, Params, Predictor, Spec, StoredEstimator, SurvivalCurve,
    SURVIVAL_FORMAT_VERSION,
};
use crate::fit::{FitInput, Task};
use crate::preprocess::Preprocessor;
use serde_json::{Map, Value};

/// Cox proportional hazards (survival).
pub const COX: Algorithm = Algorithm::of(&CoxSpec);

struct CoxSpec;

impl Spec for CoxSpec {
    fn name(&self) -> &'static str {
        "cox"
    }

    fn keys(&self) -> &'static [&'static str] {
        COX_KEYS
    }

    fn refused(&self) -> (&'static [&'static str], &'static str) {
        (
            &["class_weight", "positive", "semi_supervised", "privacy"],
            "a survival model weighs no classes: its target is the event column with options.duration",
        )
    }

    fn survival(&self) -> bool {
        true
    }

    fn params(&self, options: &Map<String, Value>) -> Result<Box<dyn Params>> {
        Ok(Box::new(CoxParams::from_options(options)?))
    }

    fn read_stored(&self, stored: StoredEstimator) -> Result<Box<dyn Estimator>> {
        let model: CoxModel = stored.into_fitted(self.name())?;
        Ok(Box::new(model))
    }
}

impl Params for CoxParams {
    fn algorithm(&self) -> Algorithm {
        COX
    }

    fn fit(&self, input: &mut FitInput<'_>) -> Result<Fitted> {
        let (preprocessor, model) = fit_cox(input, *self)?;
        Ok(Fitted::of(preprocessor, model))
    }
}

impl SurvivalCurve for CoxModel {
    fn survival(&self, eta: f64, horizon: usize, out: &mut Vec<f64>) {
        CoxModel::survival(self, eta, horizon, out);
    }

    fn survival_at(&self, eta: f64, t: usize) -> f64 {
        CoxModel::survival_at(self, eta, t)
    }

    fn horizon(&self) -> usize {
        self.horizon as usize
    }

    fn cumulative_pd_sql(&self, linear_predictor: &str) -> String {
        format!(
            "(1 - exp(-{:e} * exp({linear_predictor})))",
            self.baseline_at(f64::from(self.horizon))
        )
    }
}

impl Estimator for CoxModel {
    fn algorithm(&self) -> Algorithm {
        COX
    }

    fn predictor(&self) -> Predictor<'_> {
        Predictor::Linear(&self.linear)
    }

    fn trains(&self, task: Task) -> bool {
        task == Task::Survival
    }

    fn first_invalid_parameter(&self) -> Option<String> {
        self.linear
            .first_invalid_parameter()
            .or_else(|| {
                [self.log_likelihood]
                    .iter()
                    .chain(&self.concordance)
                    .any(|v| !v.is_finite())
                    .then(|| "the partial likelihood or concordance".to_owned())
            })
            .or_else(|| self.first_problem())
    }

    fn shape_mismatch(&self, preprocessor: &Preprocessor) -> Option<String> {
        let width = preprocessor.width();
        if self.linear.coefficients.len() != width {
            return Some(format!(
                "{} coefficients for {width} design columns",
                self.linear.coefficients.len()
            ));
        }
        self.linear
            .shape_mismatch(preprocessor)
            .or_else(|| self.first_problem())
    }

    fn coefficients_disagree(&self, preprocessor: &Preprocessor) -> bool {
        let scaling = preprocessor.column_scaling();
        self.linear.weights.len() != scaling.len()
            || terms_disagree(&self.linear.weights, &scaling, &self.linear.coefficients)
    }

    fn coefficients_scale(&self) -> &'static str {
        "as log hazard ratios on the original feature scale (the odds_ratio column holds the hazard ratio)"
    }

    fn survival_curve(&self) -> Option<&dyn SurvivalCurve> {
        Some(self)
    }

    fn training_metrics(&self) -> Vec<(String, f64)> {
        std::iter::once(("partial_log_likelihood".to_owned(), self.log_likelihood))
            .chain(
                self.concordance
                    .map(|c| ("train_concordance".to_owned(), c)),
            )
            .collect()
    }

    fn format_version(&self) -> u32 {
        SURVIVAL_FORMAT_VERSION
    }

    fn to_stored(&self, width: usize) -> StoredEstimator {
        StoredEstimator::of_fitted(width, self)
    }
}
