//! Logistic and linear regression behind the seam: their registry entries, parameters and
//! fitted estimator.

use super::multinomial::Multinomial;
use super::private::{self, PrivateLogistic};
use super::{
    fit, fit_multiclass, LinearEstimator, LinearFit, SolverParams, LINEAR_DEFAULT_L2,
    LOGISTIC_DEFAULT_L2, LOGISTIC_KEYS, SOLVER_KEYS,
};
use crate::data::{Dataset, RawValue};
use crate::dp_sgd::{class_weight_voids_the_guarantee, voids_the_guarantee, PrivacyBudget};
use crate::error::{Error, Result};
use crate::estimator::importance_mismatch;
use crate::estimator::{
    Algorithm, ClassScores, Estimator, Fitted, Params, Predictor, Spec, StoredEstimator, SummedFit,
    MULTI_CLASS_FORMAT_VERSION,
};
use crate::explain::{explain_linear_class, Explanation, Reference};
use crate::fit::{FitInput, Task, TrainLabels, MAX_CLASSES};
use crate::preprocess::Preprocessor;
use serde_json::{Map, Value};

/// Logistic regression (binary classification).
pub const LOGISTIC: Algorithm = Algorithm::of(&LogisticSpec);
/// Linear least squares, ridge when `l2 > 0` (regression).
pub const LINEAR: Algorithm = Algorithm::of(&LinearSpec);

struct LogisticSpec;
struct LinearSpec;

impl Spec for LogisticSpec {
    fn name(&self) -> &'static str {
        "logistic"
    }

    fn keys(&self) -> &'static [&'static str] {
        LOGISTIC_KEYS
    }

    fn params(&self, options: &Map<String, Value>) -> Result<Box<dyn Params>> {
        let std_errors = crate::json::optional_bool(options.get("std_errors"), "std_errors")?;
        let solver = SolverParams::from_options(options, self.name(), LOGISTIC_DEFAULT_L2)?;
        let privacy = options
            .get("privacy")
            .map(PrivateLogistic::parse)
            .transpose()?;
        if privacy.is_some() {
            refuse_with_privacy(&solver, std_errors, options)?;
        }
        Ok(Box::new(LogisticParams {
            solver,
            l2_given: options.contains_key("l2"),
            std_errors,
            privacy,
        }))
    }

    fn read_stored(&self, stored: StoredEstimator) -> Result<Box<dyn Estimator>> {
        if stored.fitted.is_some() {
            let fitted: Multinomial = stored.into_fitted(self.name())?;
            return Ok(Box::new(MultinomialModel(fitted)));
        }
        linear_from_stored(stored, true)
    }
}

impl Spec for LinearSpec {
    fn name(&self) -> &'static str {
        "linear"
    }

    fn keys(&self) -> &'static [&'static str] {
        SOLVER_KEYS
    }

    fn params(&self, options: &Map<String, Value>) -> Result<Box<dyn Params>> {
        Ok(Box::new(LinearParams(SolverParams::from_options(
            options,
            self.name(),
            LINEAR_DEFAULT_L2,
        )?)))
    }

    fn read_stored(&self, stored: StoredEstimator) -> Result<Box<dyn Estimator>> {
        linear_from_stored(stored, false)
    }
}

fn linear_from_stored(stored: StoredEstimator, classifier: bool) -> Result<Box<dyn Estimator>> {
    let name = algorithm_of(classifier).as_str();
    let (linear, extras) = stored.into_linear(name)?;
    extras.refuse_others(name)?;
    Ok(Box::new(LinearModel { linear, classifier }))
}

/// Logistic regression for a classifier, linear regression for the rest.
fn algorithm_of(classifier: bool) -> Algorithm {
    if classifier {
        LOGISTIC
    } else {
        LINEAR
    }
}

/// Logistic regression's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticParams {
    pub solver: SolverParams,
    /// Whether the caller set `l2` (a regression target trains a linear regression, whose
    /// default penalty is another).
    pub l2_given: bool,
    /// `options.std_errors` (`None`: [`wants_std_errors`](super::wants_std_errors) decides).
    pub std_errors: Option<bool>,
    /// `options.privacy`: trained by DP-SGD instead of the exact solvers.
    pub privacy: Option<PrivateLogistic>,
}

/// The logistic options a private training cannot honour: `class_weight` (its weights are
/// the data's class counts, or weigh a row's clipped gradient past C), standard errors (the
/// information matrix is the data's) and `max_iter` (an exact solver's).
fn refuse_with_privacy(
    solver: &SolverParams,
    std_errors: Option<bool>,
    options: &Map<String, Value>,
) -> Result<()> {
    if solver.class_weight.is_some() {
        return Err(class_weight_voids_the_guarantee());
    }
    if std_errors == Some(true) {
        return Err(voids_the_guarantee(
            "std_errors",
            "standard errors come from the data's information matrix, which no noise covers",
        ));
    }
    if options.contains_key("max_iter") {
        return Err(voids_the_guarantee(
            "max_iter",
            "a private fit runs privacy.epochs of DP-SGD, not the exact solver's iterations",
        ));
    }
    Ok(())
}

/// Linear regression's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearParams(pub SolverParams);

/// class_weight on a regression target.
fn refuse_class_weight(solver: &SolverParams, task: Task) -> Result<()> {
    if solver.class_weight.is_some() && task == Task::Regression {
        return Err(Error::invalid_option(
            "class_weight weighs the classes of a classification target; this one trains a regression",
        )
        .with_hint("remove class_weight, or train a two-class target"));
    }
    Ok(())
}

impl Params for LogisticParams {
    fn algorithm(&self) -> Algorithm {
        LOGISTIC
    }

    fn for_task(
        &self,
        task: Task,
        why_regression: &dyn Fn() -> String,
        notes: &mut Vec<String>,
    ) -> Result<Box<dyn Params>> {
        refuse_class_weight(&self.solver, task)?;
        if task != Task::Regression {
            return Ok(Box::new(self.clone()));
        }
        if self.privacy.is_some() {
            return Err(voids_the_guarantee(
                "a regression target",
                "private training fits two-class logistic regressions",
            ));
        }
        notes.push(why_regression());
        Ok(Box::new(LinearParams(SolverParams {
            l2: if self.l2_given {
                self.solver.l2
            } else {
                LINEAR_DEFAULT_L2
            },
            ..self.solver
        })))
    }

    fn fit(&self, input: &mut FitInput<'_>) -> Result<Fitted> {
        if let Some(sgd) = &self.privacy {
            let (preprocessor, linear, spent) = private::fit(input, self.solver.l2, sgd)?;
            return Ok(Fitted {
                privacy: Some(spent),
                ..Fitted::of(
                    preprocessor,
                    LinearModel {
                        linear,
                        classifier: true,
                    },
                )
            });
        }
        if let TrainLabels::MultiClass { y, classes } = input.labels {
            let (preprocessor, fitted) = fit_multiclass(input, self.solver, (y, classes))?;
            return Ok(Fitted::of(preprocessor, MultinomialModel(fitted)));
        }
        let (preprocessor, linear, run) = fit(input, self.solver, self.std_errors)?;
        Ok(Fitted {
            solver: run,
            ..Fitted::of(
                preprocessor,
                LinearModel {
                    linear,
                    classifier: true,
                },
            )
        })
    }

    fn trains_multi_class(&self) -> bool {
        true
    }

    fn class_weighted(&self) -> bool {
        self.solver.class_weight.is_some()
    }

    fn self_trains(&self) -> bool {
        true
    }

    fn summed(&self) -> Option<&dyn SummedFit> {
        Some(self)
    }

    fn privacy(&self) -> Option<PrivacyBudget> {
        self.privacy.map(|p| p.budget)
    }
}

impl Params for LinearParams {
    fn algorithm(&self) -> Algorithm {
        LINEAR
    }

    fn for_task(
        &self,
        task: Task,
        _why_regression: &dyn Fn() -> String,
        _notes: &mut Vec<String>,
    ) -> Result<Box<dyn Params>> {
        refuse_class_weight(&self.0, task)?;
        if task == Task::Classification {
            return Err(
                Error::invalid_option("algorithm \"linear\" trains regressions only")
                    .with_hint("use algorithm => 'logistic' for a classification target"),
            );
        }
        Ok(Box::new(self.clone()))
    }

    fn fit(&self, input: &mut FitInput<'_>) -> Result<Fitted> {
        let (preprocessor, linear, _) = fit(input, self.0, None)?;
        Ok(Fitted::of(
            preprocessor,
            LinearModel {
                linear,
                classifier: false,
            },
        ))
    }

    fn class_weighted(&self) -> bool {
        self.0.class_weight.is_some()
    }

    fn summed(&self) -> Option<&dyn SummedFit> {
        Some(self)
    }
}

/// A fitted logistic (`classifier`) or linear regression.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    pub linear: LinearEstimator,
    pub classifier: bool,
}

impl LinearModel {
    /// The model of a fit on `preprocessor`'s design (odds ratios for a classifier).
    pub fn of_fit(fit: &LinearFit, preprocessor: &Preprocessor, classifier: bool) -> LinearModel {
        LinearModel {
            linear: LinearEstimator::from_fit(fit, preprocessor, classifier),
            classifier,
        }
    }
}

impl Estimator for LinearModel {
    fn algorithm(&self) -> Algorithm {
        algorithm_of(self.classifier)
    }

    fn predictor(&self) -> Predictor<'_> {
        Predictor::Linear(&self.linear)
    }

    fn trains(&self, task: Task) -> bool {
        task == if self.classifier {
            Task::Classification
        } else {
            Task::Regression
        }
    }

    fn first_invalid_parameter(&self) -> Option<String> {
        self.linear.first_invalid_parameter()
    }

    fn shape_mismatch(&self, preprocessor: &Preprocessor) -> Option<String> {
        self.linear.shape_mismatch(preprocessor)
    }

    fn format_version(&self) -> u32 {
        1
    }

    fn to_stored(&self, _width: usize) -> StoredEstimator {
        StoredEstimator::of_linear(&self.linear)
    }
}

/// A fitted multinomial logistic regression (a target of 3 or more classes).
#[derive(Debug, Clone, PartialEq)]
pub struct MultinomialModel(pub Multinomial);

impl ClassScores for MultinomialModel {
    fn classes(&self) -> usize {
        self.0.classes()
    }

    fn scores_of_row(&self, row: &[f64], scores: &mut [f64]) {
        self.0.scores(row, scores);
    }
}

impl Estimator for MultinomialModel {
    fn algorithm(&self) -> Algorithm {
        LOGISTIC
    }

    fn predictor(&self) -> Predictor<'_> {
        Predictor::Classes(self)
    }

    fn trains(&self, task: Task) -> bool {
        task == Task::Classification
    }

    fn first_invalid_parameter(&self) -> Option<String> {
        self.0.first_invalid_parameter()
    }

    fn shape_mismatch(&self, preprocessor: &Preprocessor) -> Option<String> {
        let classes = self.0.classes();
        if !(3..=MAX_CLASSES).contains(&classes) {
            return Some(format!("{classes} class equations (3 to {MAX_CLASSES})"));
        }
        self.0.shape_mismatch(classes, preprocessor.width())
    }

    fn format_version(&self) -> u32 {
        MULTI_CLASS_FORMAT_VERSION
    }

    fn to_stored(&self, width: usize) -> StoredEstimator {
        StoredEstimator::of_fitted(width, &self.0)
    }

    fn coefficients(&self) -> &[crate::estimator::linear::Coefficient] {
        &self.0.coefficients
    }

    fn coefficients_scale(&self) -> &'static str {
        "on the original feature scale, one equation per class (terms \"class: term\")"
    }

    /// The class's score, against the training mean design row.
    fn explain_class(
        &self,
        preprocessor: &Preprocessor,
        reference: &Reference,
        values: &[RawValue<'_>],
        class: usize,
    ) -> Result<Explanation> {
        explain_linear_class(
            preprocessor,
            (self.0.intercepts[class], &self.0.weights[class]),
            &reference.mean_design,
            values,
        )
    }

    fn measure_reference(
        &self,
        preprocessor: &Preprocessor,
        data: &Dataset,
        rows: &[usize],
    ) -> Option<Reference> {
        Some(Reference::measure_classes(
            preprocessor,
            &self.0.weights,
            data,
            rows,
        ))
    }

    /// The mean design row and one importance per feature.
    fn reference_mismatch(
        &self,
        preprocessor: &Preprocessor,
        reference: &Reference,
    ) -> Option<String> {
        let (means, width) = (reference.mean_design.len(), preprocessor.width());
        if means != width {
            return Some(format!(
                "its explanation reference has {means} baseline values for {width} design columns"
            ));
        }
        importance_mismatch(preprocessor, reference)
    }
}
