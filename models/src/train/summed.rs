//! Training from sums where the rows are stored (DESIGN.md, "Training from sums"): the
//! algorithm's passes (its [`crate::estimator::SummedFit`]) fit the model, then the evaluated
//! rows' outputs and a sample of the training rows come back for the metrics and the drift
//! reference; the outcome is assembled as for a training in memory.

use super::outcome::{evaluate, Assembly, HeldOut, TrainOutcome, Truth};
use crate::error::{Error, ErrorKind, Result};
use crate::estimator::{Fitted, Params};
use crate::options::{Task, TrainOptions};
use crate::preprocess::Input;
use crate::summed::{SummedRows, SumsInput};

/// A model to train from sums: its features (name, read as a number or as a text) in the
/// relation's order, its target, its classes (a classifier's positive and negative class as
/// the model stores them; `None` for a regression), its options and checked parameters (for
/// the target's task), and where its metrics are measured.
pub struct SummedTraining<'a> {
    pub features: &'a [(String, Input)],
    pub target: &'a str,
    pub classes: Option<(String, String)>,
    pub options: &'a TrainOptions,
    pub params: &'a dyn Params,
    /// "test" when `outputs` reads an out-of-time test part, else "train".
    pub evaluated_on: &'static str,
}

impl SummedTraining<'_> {
    /// Trains on `rows`: the same model [`super::train`] makes of the same rows, up to the
    /// order of additions (and a drift reference of another sample when there are more
    /// training rows than it holds).
    pub fn train(&self, rows: &mut dyn SummedRows) -> Result<TrainOutcome> {
        let Some(summed) = self.params.summed() else {
            return Err(Error::new(
                ErrorKind::Internal,
                format!(
                    "algorithm \"{}\" has no training from sums",
                    self.params.algorithm().as_str()
                ),
            ));
        };
        let mut notes = Vec::new();
        let preprocess = self.options.preprocess();
        let classifier = self.classes.is_some();
        let input = SumsInput {
            features: self.features,
            target: self.target,
            classifier,
            preprocess: &preprocess,
            allow_identifier: self.options.allow_identifier,
        };
        let fitted = summed.fit_from_sums(&input, rows, &mut notes)?;
        let (eta, labels) = rows.outputs(&fitted.output_pass)?;
        let truth = if classifier {
            Truth::Binary(labels.iter().map(|&y| y != 0.0).collect())
        } else {
            Truth::Numeric(labels)
        };
        let (metrics, evaluation, truth) = evaluate(&eta, truth, self.evaluated_on)?;
        let sample = rows.drift_sample()?;
        let sampled: Vec<usize> = (0..sample.n_rows()).collect();
        Assembly {
            class_names: None,
            task: if classifier {
                Task::Classification
            } else {
                Task::Regression
            },
            target: self.target.to_owned(),
            classes: self.classes.clone(),
            fitted: Fitted {
                preprocessor: fitted.preprocessor,
                estimator: fitted.estimator,
                log: Vec::new(),
                device: None,
                solver: None,
                privacy: None,
            },
            reference: Some(fitted.reference),
            evaluation: Some(evaluation),
            metrics,
            evaluated_on: self.evaluated_on,
            held_out: HeldOut {
                rows: Vec::new(),
                truth,
            },
            train_rows: fitted.rows as usize,
            test_rows: if self.evaluated_on == "test" {
                eta.len()
            } else {
                0
            },
            notes,
            // Its state is counted where it is summed (pg/summed.rs), not as rows here.
            memory_bytes: None,
            minimization: self.options.minimization(),
        }
        .outcome(&sample, &sampled)
    }
}
