//! Gradient boosting behind the seam: its registry entry and its parameters' fit (the
//! fitted trees are a `TreeEstimator`).

use super::classes::fit_classes;
use super::{fit_estimator, GbdtParams, GBDT_KEYS};
use crate::data::{Dataset, RawValue};
use crate::disclosure::{tree_values, Disclosure};
use crate::error::Result;
use crate::estimator::tree::algorithm::{TreeEstimator, NOT_FOR_TREES, NOT_FOR_TREES_HINT};
use crate::estimator::{importance_mismatch, ClassScores, Predictor, MULTI_CLASS_FORMAT_VERSION};
use crate::estimator::{Algorithm, Estimator, Fitted, Params, Spec, StoredEstimator};
use crate::explain::{explain_trees, Explanation, Reference};
use crate::fit::{FitInput, Task, TrainLabels, MAX_CLASSES};
use crate::preprocess::Preprocessor;
use crate::trees::{Ensemble, PackedTrees};
use serde::{Deserialize, Serialize};
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
        if stored
            .fitted
            .as_ref()
            .is_some_and(|f| f.get("classes").is_some())
        {
            let fitted: StoredClasses = stored.into_fitted(self.name())?;
            return Ok(Box::new(GbdtClasses::new(fitted.classes)));
        }
        TreeEstimator::read(GBDT, stored)
    }
}

impl Params for GbdtParams {
    fn algorithm(&self) -> Algorithm {
        GBDT
    }

    fn fit(&self, input: &mut FitInput<'_>) -> Result<Fitted> {
        if let TrainLabels::MultiClass { y, classes } = input.labels {
            let (preprocessor, fit) = fit_classes(input, self, (y, classes.len()))?;
            return Ok(Fitted {
                preprocessor,
                estimator: Box::new(GbdtClasses::new(fit.ensembles)),
                log: fit.log,
                device: None,
                solver: None,
                privacy: None,
            });
        }
        let (preprocessor, fit) = fit_estimator(input, self)?;
        Ok(Fitted {
            preprocessor,
            estimator: Box::new(TreeEstimator::new(GBDT, fit.ensemble, Vec::new())),
            log: fit.log,
            device: None,
            solver: None,
            privacy: None,
        })
    }

    fn class_weighted(&self) -> bool {
        self.class_weight.is_some()
    }

    fn trains_multi_class(&self) -> bool {
        true
    }
}

/// Boosted trees of a target of 3 or more classes: one ensemble per class, whose outputs are
/// the class scores.
#[derive(Debug, Clone)]
pub struct GbdtClasses {
    pub ensembles: Vec<Ensemble>,
    packed: Vec<PackedTrees>,
}

/// Its stored fitted state.
#[derive(Serialize, Deserialize)]
struct StoredClasses {
    classes: Vec<Ensemble>,
}

impl GbdtClasses {
    pub fn new(ensembles: Vec<Ensemble>) -> GbdtClasses {
        GbdtClasses {
            packed: ensembles.iter().map(PackedTrees::of).collect(),
            ensembles,
        }
    }
}

impl ClassScores for GbdtClasses {
    fn classes(&self) -> usize {
        self.ensembles.len()
    }

    fn scores_of_row(&self, row: &[f64], scores: &mut [f64]) {
        for (score, trees) in scores.iter_mut().zip(&self.packed) {
            *score = trees.output(row);
        }
    }
}

impl Estimator for GbdtClasses {
    fn algorithm(&self) -> Algorithm {
        GBDT
    }

    fn predictor(&self) -> Predictor<'_> {
        Predictor::Classes(self)
    }

    fn trains(&self, task: Task) -> bool {
        task == Task::Classification
    }

    fn reads_missing(&self) -> bool {
        true
    }

    fn stored_values(&self, preprocessor: &Preprocessor) -> Vec<Disclosure> {
        let ensembles: Vec<&Ensemble> = self.ensembles.iter().collect();
        tree_values(preprocessor, &ensembles)
    }

    fn first_invalid_parameter(&self) -> Option<String> {
        self.ensembles.iter().enumerate().find_map(|(c, e)| {
            let broken = !e.base.is_finite()
                || e.trees
                    .iter()
                    .any(|t| t.values.iter().any(|v| !v.is_finite()));
            broken.then(|| format!("the trees of class {}", c + 1))
        })
    }

    fn shape_mismatch(&self, preprocessor: &Preprocessor) -> Option<String> {
        if self.ensembles.len() < 3 || self.ensembles.len() > MAX_CLASSES {
            return Some(format!("{} class ensembles", self.ensembles.len()));
        }
        self.ensembles
            .iter()
            .find_map(|e| e.structure_problem(preprocessor.width()))
    }

    fn format_version(&self) -> u32 {
        MULTI_CLASS_FORMAT_VERSION
    }

    fn to_stored(&self, width: usize) -> StoredEstimator {
        StoredEstimator::of_fitted(
            width,
            &StoredClasses {
                classes: self.ensembles.clone(),
            },
        )
    }

    /// TreeSHAP of the class's trees.
    fn explain_class(
        &self,
        preprocessor: &Preprocessor,
        _reference: &Reference,
        values: &[RawValue<'_>],
        class: usize,
    ) -> Result<Explanation> {
        explain_trees(preprocessor, &self.ensembles[class], values)
    }

    /// Each feature's importance: the mean over the classes of its TreeSHAP spread.
    fn measure_reference(
        &self,
        preprocessor: &Preprocessor,
        data: &Dataset,
        rows: &[usize],
    ) -> Option<Reference> {
        let per_class: Vec<Reference> = self
            .ensembles
            .iter()
            .map(|e| Reference::measure_trees(preprocessor, e, data, rows))
            .collect();
        let features = preprocessor.features.len();
        Some(Reference {
            mean_terms: Vec::new(),
            term_sd: (0..features)
                .map(|j| {
                    per_class.iter().map(|r| r.term_sd[j]).sum::<f64>() / per_class.len() as f64
                })
                .collect(),
            mean_design: Vec::new(),
            summary: Vec::new(),
        })
    }

    fn reference_mismatch(
        &self,
        preprocessor: &Preprocessor,
        reference: &Reference,
    ) -> Option<String> {
        importance_mismatch(preprocessor, reference)
    }

    fn structure(&self) -> Option<(&'static str, String)> {
        let trees: usize = self.ensembles.iter().map(|e| e.trees.len()).sum();
        Some((
            "Trees",
            format!(
                "{trees} trees, {} per class",
                trees / self.ensembles.len().max(1)
            ),
        ))
    }
}
