//! The MLP behind the seam: its registry entry, its parameters' fit and the fitted network as
//! an estimator.

use super::explain::{explain_network, measure_network};
use super::{fit_estimator, MlpParams, Network, MLP_KEYS};
use crate::data::{Dataset, RawValue};
use crate::error::Result;
use crate::estimator::{
    corrupt, importance_mismatch, no_sql, Algorithm, ClassScores, DesignOutput, Estimator, Fitted,
    Params, Predictor, Spec, StoredEstimator, MULTI_CLASS_FORMAT_VERSION,
};
use crate::explain::{Explanation, Reference};
use crate::fit::MAX_CLASSES;
use crate::fit::{FitInput, Task};
use crate::preprocess::Preprocessor;
use ndarray::Array2;
use serde_json::{Map, Value};

/// A multi-layer perceptron (classification or regression).
pub const MLP: Algorithm = Algorithm::of(&MlpSpec);

/// Keys of the shared options that MLPs refuse (their penalty is weight_decay).
const NOT_FOR_MLP: &[&str] = &["l2", "max_iter", "weight_column"];
const NOT_FOR_MLP_HINT: &str = "an MLP trains for \"epochs\", is penalized by \"weight_decay\" and weighs its classes by \"class_weight\"";

struct MlpSpec;

impl Spec for MlpSpec {
    fn name(&self) -> &'static str {
        "mlp"
    }

    fn keys(&self) -> &'static [&'static str] {
        MLP_KEYS
    }

    fn refused(&self) -> (&'static [&'static str], &'static str) {
        (NOT_FOR_MLP, NOT_FOR_MLP_HINT)
    }

    fn params(&self, options: &Map<String, Value>) -> Result<Box<dyn Params>> {
        Ok(Box::new(MlpParams::from_json(options)?))
    }

    fn read_stored(&self, stored: StoredEstimator) -> Result<Box<dyn Estimator>> {
        let (_, mut extras) = stored.into_linear(self.name())?;
        let network = extras
            .network
            .take()
            .ok_or_else(|| corrupt(self.name(), "no network"))?;
        extras.refuse_others(self.name())?;
        Ok(network_estimator(network))
    }
}

impl Params for MlpParams {
    fn algorithm(&self) -> Algorithm {
        MLP
    }

    fn fit(&self, input: &mut FitInput<'_>) -> Result<Fitted> {
        let (preprocessor, fit) = fit_estimator(input, self)?;
        Ok(Fitted {
            preprocessor,
            estimator: network_estimator(fit.network),
            log: fit.log,
            device: Some(fit.device),
            solver: None,
            privacy: fit.privacy,
        })
    }

    fn privacy(&self) -> Option<crate::dp_sgd::PrivacyBudget> {
        self.privacy
    }

    fn self_trains(&self) -> bool {
        true
    }

    fn trains_multi_class(&self) -> bool {
        true
    }
}

/// A network as an estimator: one output unit's, or a multi-class network's (one unit per
/// class).
fn network_estimator(network: Network) -> Box<dyn Estimator> {
    if network.n_outputs() > 1 {
        Box::new(NetworkClasses(network))
    } else {
        Box::new(network)
    }
}

impl DesignOutput for Network {
    fn output_of_row(&self, row: &[f64]) -> f64 {
        self.output(row)
    }

    fn outputs(&self, x: &Array2<f64>) -> Vec<f64> {
        Network::outputs(self, x)
    }
}

impl Estimator for Network {
    fn algorithm(&self) -> Algorithm {
        MLP
    }

    fn predictor(&self) -> Predictor<'_> {
        Predictor::Design(self)
    }

    fn trains(&self, task: Task) -> bool {
        matches!(task, Task::Classification | Task::Regression)
    }

    fn first_invalid_parameter(&self) -> Option<String> {
        Network::first_invalid_parameter(self)
    }

    fn shape_mismatch(&self, preprocessor: &Preprocessor) -> Option<String> {
        self.shape_problem(preprocessor.width())
    }

    fn format_version(&self) -> u32 {
        3
    }

    fn to_stored(&self, width: usize) -> StoredEstimator {
        // Formats 1-3 keep a linear model's fields for every model: a network stores a zero
        // intercept and zero weights.
        StoredEstimator {
            network: Some(self.clone()),
            ..StoredEstimator::no_linear_part(width)
        }
    }

    fn explain(
        &self,
        preprocessor: &Preprocessor,
        reference: &Reference,
        values: &[RawValue<'_>],
    ) -> Result<Explanation> {
        explain_network(preprocessor, self, reference, values, 0)
    }

    fn measure_reference(
        &self,
        preprocessor: &Preprocessor,
        data: &Dataset,
        rows: &[usize],
    ) -> Option<Reference> {
        Some(measure_network(preprocessor, self, data, rows))
    }

    /// An MLP's baseline is one value per design column.
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

    fn structure(&self) -> Option<(&'static str, String)> {
        Some(("Network", self.shape()))
    }

    fn output_sql(&self, _preprocessor: &Preprocessor) -> Result<String> {
        Err(no_sql(
            "an MLP has no SQL expression: its hidden layers are not written as scoring code"
                .to_owned(),
        ))
    }
}

/// A network over a target of 3 or more classes: one output unit per class, whose values are
/// the class scores (the softmax gives the probabilities).
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkClasses(pub Network);

impl ClassScores for NetworkClasses {
    fn classes(&self) -> usize {
        self.0.n_outputs()
    }

    fn scores_of_row(&self, row: &[f64], scores: &mut [f64]) {
        self.0.outputs_of_row(row, scores);
    }
}

impl Estimator for NetworkClasses {
    fn algorithm(&self) -> Algorithm {
        MLP
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
        let classes = self.0.n_outputs();
        if !(3..=MAX_CLASSES).contains(&classes) {
            return Some(format!(
                "the network gives {classes} class outputs (3 to {MAX_CLASSES})"
            ));
        }
        self.0.layers_problem(preprocessor.width())
    }

    fn format_version(&self) -> u32 {
        MULTI_CLASS_FORMAT_VERSION
    }

    fn to_stored(&self, width: usize) -> StoredEstimator {
        self.0.to_stored(width)
    }

    /// Integrated gradients of the class's output unit.
    fn explain_class(
        &self,
        preprocessor: &Preprocessor,
        reference: &Reference,
        values: &[RawValue<'_>],
        class: usize,
    ) -> Result<Explanation> {
        explain_network(preprocessor, &self.0, reference, values, class)
    }

    fn measure_reference(
        &self,
        preprocessor: &Preprocessor,
        data: &Dataset,
        rows: &[usize],
    ) -> Option<Reference> {
        self.0.measure_reference(preprocessor, data, rows)
    }

    fn reference_mismatch(
        &self,
        preprocessor: &Preprocessor,
        reference: &Reference,
    ) -> Option<String> {
        self.0.reference_mismatch(preprocessor, reference)
    }

    fn structure(&self) -> Option<(&'static str, String)> {
        self.0.structure()
    }
}
