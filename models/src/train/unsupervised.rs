//! Training without a target (k-means, isolation forest): every row trains, metrics come
//! from the estimator itself, nothing is held out.

use super::outcome::{not_finite, Assembly, HeldOut, TrainOutcome, Truth};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::fit::Limits;
use crate::fit::{FitInput, TrainLabels};
use crate::memory;
use crate::options::{DeployPolicy, Task, Training};
use crate::progress::{Phase, Progress};
use std::cell::Cell;
use std::collections::BTreeMap;

/// Trains an algorithm without a target on every row; its metrics are measured on the
/// training rows, and there is nothing held out.
pub fn train(
    data: &Dataset,
    training: &Training,
    task: Task,
    limits: Limits,
    progress: &mut dyn Progress,
) -> Result<TrainOutcome> {
    let options = &training.options;
    if options.deploy == Some(DeployPolicy::IfBetter) {
        return Err(Error::invalid_option(format!(
            "deploy \"if_better\" compares a held-out metric; {} model has none",
            crate::error::with_article(training.algorithm().as_str())
        ))
        .with_hint(r#"use "deploy": "always" or "never""#));
    }
    let train: Vec<usize> = (0..data.n_rows()).collect();
    if train.is_empty() {
        return Err(
            Error::invalid_data("no rows to train on: the relation is empty")
                .with_hint("train on a relation with rows"),
        );
    }
    let mut notes = Vec::new();
    let claimed = Cell::new(0);
    let fitted = training.params.fit(&mut FitInput {
        data,
        train: &train,
        sample_weights: None,
        test: &[],
        labels: &TrainLabels::Numeric(Vec::new()),
        preprocess: &options.preprocess(),
        seed: options.seed,
        limits,
        progress: &mut *progress,
        notes: &mut notes,
        held_bytes: memory::unsupervised_rows(train.len()),
        claimed: &claimed,
    })?;
    progress.phase(Phase::Evaluating);
    let metrics: BTreeMap<String, f64> = fitted.estimator.training_metrics().into_iter().collect();
    if let Some((name, value)) = metrics.iter().find(|(_, v)| !v.is_finite()) {
        return Err(not_finite(&format!(
            "its {name} on the training rows ({value})"
        )));
    }
    Assembly {
        class_names: None,
        task,
        target: String::new(),
        classes: None,
        fitted,
        reference: None,
        evaluation: None,
        metrics,
        evaluated_on: "train",
        held_out: HeldOut {
            rows: Vec::new(),
            truth: Truth::Numeric(Vec::new()),
        },
        train_rows: train.len(),
        test_rows: 0,
        notes,
        memory_bytes: Some(claimed.get()),
        minimization: options.minimization(),
    }
    .outcome(data, &train)
}
