//! A model's probability of default over a horizon (fin_pd) and a survival model's PD term
//! structure (fin_pd_curve).

use crate::data::RawValue;
use crate::error::{Error, ErrorKind, Result};
use crate::model::Model;
use crate::options::Task;
use crate::survival::{not_a_survival_model, term_structure, TermPoint};

impl Model {
    /// The PD of one row over `horizon` periods (fin_pd): a survival model's cumulative PD,
    /// a two-class classifier's probability when the horizon is the 12 periods of a
    /// 12-month PD (its target's window); 42809 for other models and horizons.
    pub fn pd(&self, values: &[RawValue<'_>], horizon: usize) -> Result<f64> {
        if self.task == Task::Survival {
            let Some(curve) = self.estimator.survival_curve() else {
                return Err(not_a_survival_model(self.algorithm().as_str()));
            };
            let output = self.survival_output(values)?;
            let survival = curve.survival_at(output, horizon);
            return if survival.is_finite() {
                Ok(1.0 - survival.clamp(0.0, 1.0))
            } else {
                Err(not_finite_curve())
            };
        }
        if self.task != Task::Classification || self.is_multi_class() {
            return Err(Error::new(
                ErrorKind::WrongModelKind,
                format!(
                    "{} model of task {} predicts no probability of default",
                    crate::error::with_article(self.algorithm().as_str()),
                    self.task.as_str()
                ),
            )
            .with_hint("fin_pd applies to survival models and two-class classifiers of default"));
        }
        if horizon != CLASSIFIER_PD_PERIODS {
            return Err(Error::new(
                ErrorKind::WrongModelKind,
                format!(
                    "a classifier predicts the PD of its target's window (fin_pd's horizon {CLASSIFIER_PD_PERIODS}), not over {horizon} periods"
                ),
            )
            .with_hint("train algorithm => 'cox' with options.duration for PDs over other horizons (lifetime PDs)"));
        }
        self.predict(values)
    }

    /// The PD term structure of one row over `horizon` periods: each period's hazard,
    /// cumulative PD and survival (fin_pd_curve); 42809 for a model that is not a survival
    /// model.
    pub fn pd_curve(&self, values: &[RawValue<'_>], horizon: usize) -> Result<Vec<TermPoint>> {
        let Some(curve) = self.estimator.survival_curve() else {
            return Err(not_a_survival_model(self.algorithm().as_str()));
        };
        let output = self.survival_output(values)?;
        let mut survival = Vec::with_capacity(horizon);
        curve.survival(output, horizon, &mut survival);
        let points = term_structure(&survival);
        if points
            .iter()
            .any(|p| !(p.hazard.is_finite() && p.survival.is_finite()))
        {
            return Err(not_finite_curve());
        }
        Ok(points)
    }

    /// A survival model's output unit for one row: 22000 when it is not finite.
    fn survival_output(&self, values: &[RawValue<'_>]) -> Result<f64> {
        let output = self.estimator.output(&self.preprocessor, values)?;
        if output.is_finite() {
            Ok(output)
        } else {
            Err(not_finite_curve())
        }
    }
}

/// The horizon a classifier's probability is taken for in fin_pd: a 12-month PD.
pub const CLASSIFIER_PD_PERIODS: usize = 12;

/// 22000 for a row whose hazard overflows.
fn not_finite_curve() -> Error {
    Error::invalid_data("the PD term structure of this row is not a finite number").with_hint(
        "a feature value far outside the training range overflows the hazard: check the row",
    )
}
