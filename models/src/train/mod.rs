//! Training end to end on an in-memory [`Dataset`]: resolve the target and the task, split,
//! fit the preprocessing on the training part, fit the estimator, and evaluate on the test
//! part. The extension only reads the relation and stores the result.
//!
//! Why here and not in the SQL layer: everything that decides a model's numbers (which rows
//! train, which test, what the metrics are, what is stored) is plain Rust over a dataset,
//! tested with `cargo test` against scikit-learn, and the same for fin_train, fin_retrain and
//! any later caller (cross-validation, a distributed training's coordinator). The held-out
//! rows travel with the outcome so that the deployed version is measured on exactly them.

pub mod cross_validate;
mod outcome;
mod split_spec;
pub mod summed;
mod survival;
mod target;
#[cfg(test)]
mod tests;
mod unsupervised;

pub use outcome::{HeldOut, TrainOutcome, Truth};
pub use target::{binary_labels, resolve_classes};

use crate::data::{Column, Dataset, TargetColumn, NULL_CODE};
use crate::error::{Error, ErrorKind, Result};
use crate::estimator::{registry, Algorithm, Fitted, Params};
pub use crate::fit::Limits;
use crate::fit::{refuse_identifier, FitInput, TrainLabels};
use crate::memory;
use crate::options::{SplitSpec, Task, TrainOptions, Training};
use crate::progress::{Phase, Progress, Silent};
use crate::self_training::self_train;
use crate::split::Split;
use outcome::{evaluate, Assembly};
use split_spec::split_rows;
use std::cell::Cell;
use std::collections::BTreeMap;
use target::{no_target, resolve_target, Labels};

/// Trains `algorithm` on `data` with `options`: the algorithm's options are checked here,
/// then [`train_reporting`] (the Rust entry point; the SQL layer checks them once itself).
pub fn train(
    data: &Dataset,
    algorithm: Algorithm,
    options: &TrainOptions,
    limits: Limits,
) -> Result<TrainOutcome> {
    let training = options.clone().for_algorithm(algorithm)?;
    train_reporting(data, &training, limits, &mut Silent)
}

/// Trains with checked options, telling `progress` of each step and epoch of an iterative
/// estimator.
pub fn train_reporting(
    data: &Dataset,
    training: &Training,
    limits: Limits,
    progress: &mut dyn Progress,
) -> Result<TrainOutcome> {
    refuse_identifier_features(data, &training.options)?;
    if let Some(task) = training.algorithm().unsupervised_task() {
        return unsupervised::train(data, training, task, limits, progress);
    }
    if training.algorithm().survival() {
        return survival::train(data, training, limits, progress);
    }
    let options = &training.options;
    let mut notes = Vec::new();
    let target = Target::resolve(data, options, &mut notes)?;
    let params = target.params_for(data, training, &mut notes)?;
    let (task, labelled) = (target.task, &target.labelled);
    let budget = limits.max_memory_bytes;
    let lists = data.bytes().saturating_add(target.lists_bytes(data));
    let split_peak = memory::split_bytes(target.rows.len()).saturating_add(lists);
    let mut claim = memory::check_phase(split_peak, budget, "the training's split")?;
    let Split { train, test } = target.split(data, options)?;
    labelled.check_training_split(data, &train)?;
    let claimed = Cell::new(0);
    let fitted = fit_supervised(
        data,
        &*params,
        options,
        labelled,
        (&train, &test),
        Fitting {
            limits,
            held_bytes: target.held_while_fitting(data, train.len()),
            claimed: &claimed,
        },
        progress,
        &mut notes,
    )?;
    claim = claim.max(claimed.get());
    progress.phase(Phase::Evaluating);
    let (eval_rows, evaluated_on) = if test.is_empty() {
        (&train, "train")
    } else {
        (&test, "test")
    };
    let evaluation_peak = lists.saturating_add(memory::evaluation_bytes(
        eval_rows.len(),
        labelled.outputs(),
    ));
    claim = claim.max(memory::check_phase(
        evaluation_peak,
        budget,
        "the evaluation",
    )?);
    let eta = fitted
        .estimator
        .outputs_of_rows(&fitted.preprocessor, data, eval_rows);
    let truth = labelled.truth_of(eval_rows);
    let (mut metrics, evaluation, truth) = evaluate(&eta, truth, evaluated_on)?;
    // What the estimator measured on its own training rows (a forest's out-of-bag AUC).
    metrics.extend(fitted.estimator.training_metrics());
    let reference = fitted
        .estimator
        .measure_reference(&fitted.preprocessor, data, &train);
    Assembly {
        task,
        target: data.target_name.clone(),
        classes: labelled.classes(),
        class_names: labelled.class_names(),
        fitted,
        reference,
        evaluation: Some(evaluation),
        metrics,
        evaluated_on,
        held_out: HeldOut {
            rows: eval_rows.clone(),
            truth,
        },
        train_rows: train.len(),
        test_rows: test.len(),
        notes,
        memory_bytes: Some(claim),
        minimization: options.minimization(),
    }
    .outcome(data, &train)
}

/// A supervised training's target, resolved once: its labelled rows, task and labels (what
/// a cross-validation's folds and a search's trials share).
pub struct Target {
    /// The rows with a target value, in dataset order.
    pub rows: Vec<usize>,
    pub task: Task,
    labelled: Labelled,
}

impl Target {
    /// The labelled rows (a note says how many were left out) and their task and labels, as
    /// `options` say.
    pub fn resolve(
        data: &Dataset,
        options: &TrainOptions,
        notes: &mut Vec<String>,
    ) -> Result<Target> {
        let rows = labelled_rows(data, options, notes)?;
        let (task, labels) = resolve_target(data, &rows, options)?;
        if task == Task::Regression && options.positive.is_some() {
            return Err(Error::invalid_option(format!(
                "options.positive names a class, but \"{}\" is trained as a regression",
                data.target_name
            ))
            .with_hint("remove positive, or train a two-class target (a numeric target with more than two values is a regression)"));
        }
        let labelled = Labelled::new(data, &rows, labels);
        Ok(Target {
            rows,
            task,
            labelled,
        })
    }

    /// The training's parameters for this target's task (a note says when logistic
    /// regression trains a linear one).
    pub fn params_for(
        &self,
        data: &Dataset,
        training: &Training,
        notes: &mut Vec<String>,
    ) -> Result<Box<dyn Params>> {
        let options = &training.options;
        let why_regression = || {
            if options.task == Some(Task::Regression) {
                "options.task is \"regression\": training a linear regression".to_owned()
            } else {
                format!(
                    "\"{}\" is a numeric target with more than two values: training a linear regression",
                    data.target_name
                )
            }
        };
        let params = training
            .params
            .for_task(self.task, &why_regression, notes)?;
        if let Labels::MultiClass { classes, .. } = &self.labelled.labels {
            if !params.trains_multi_class() {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "algorithm \"{}\" does not train targets of more than two classes yet; \"{}\" has {}",
                        params.algorithm().as_str(),
                        data.target_name,
                        classes.len()
                    ),
                )
                .with_hint(format!(
                    "train algorithm => {} (one output per class), or recode the target into two classes",
                    crate::estimator::registry::multi_class_names("or")
                )));
            }
        }
        Ok(params)
    }

    /// The training and test parts of the labelled rows, as `options.split` says.
    pub fn split(&self, data: &Dataset, options: &TrainOptions) -> Result<Split> {
        make_split(data, &self.rows, &self.labelled.labels, self.task, options)
    }

    /// True for a target of 3 or more classes.
    pub fn is_multi_class(&self) -> bool {
        matches!(self.labelled.labels, Labels::MultiClass { .. })
    }

    /// Bytes of the lists a training over `data` keeps (memory::supervised_lists).
    fn lists_bytes(&self, data: &Dataset) -> usize {
        memory::supervised_lists(data.n_rows(), self.rows.len(), self.labelled.label_bytes())
    }

    /// What a fit on `train_rows` rows holds beside the data: the lists, and the training
    /// rows' labels and weights.
    fn held_while_fitting(&self, data: &Dataset, train_rows: usize) -> usize {
        self.lists_bytes(data)
            .saturating_add(memory::fit_labels_bytes(
                train_rows,
                self.labelled.label_bytes(),
                data.weights.is_some(),
            ))
    }

    /// The class of each of `rows` (0 negative, 1 positive), for stratified folds; `None`
    /// for a regression.
    pub fn classes_of(&self, rows: &[usize]) -> Option<Vec<u32>> {
        match self.labelled.train_labels(rows) {
            TrainLabels::Binary(y) => Some(y.into_iter().map(u32::from).collect()),
            TrainLabels::MultiClass { y, .. } => Some(y),
            TrainLabels::Numeric(_) | TrainLabels::Survival(_) => None,
        }
    }

    /// Fits `params` on `train` and measures the fit on `test`: one fold's metrics, as
    /// fin_train reports them on its test part.
    #[allow(clippy::too_many_arguments)]
    pub fn fold_metrics(
        &self,
        data: &Dataset,
        params: &dyn Params,
        options: &TrainOptions,
        (train, test): (&[usize], &[usize]),
        limits: Limits,
        progress: &mut dyn Progress,
        notes: &mut Vec<String>,
    ) -> Result<BTreeMap<String, f64>> {
        self.labelled.check_training_split(data, train)?;
        let held_bytes = self.held_while_fitting(data, train.len());
        let fitted = fit_supervised(
            data,
            params,
            options,
            &self.labelled,
            (train, test),
            Fitting {
                limits,
                held_bytes,
                claimed: &Cell::new(0),
            },
            progress,
            notes,
        )?;
        let eta = fitted
            .estimator
            .outputs_of_rows(&fitted.preprocessor, data, test);
        let (metrics, _, _) = evaluate(&eta, self.labelled.truth_of(test), "test")?;
        Ok(metrics)
    }
}

/// The rows with a target value; the others are left out, and a note says so.
fn labelled_rows(
    data: &Dataset,
    options: &TrainOptions,
    notes: &mut Vec<String>,
) -> Result<Vec<usize>> {
    if matches!(data.target, TargetColumn::Absent(_)) {
        return Err(no_target());
    }
    // Rows with a NULL target cannot be learned from; drop them and say so.
    let rows: Vec<usize> = (0..data.n_rows())
        .filter(|&i| !data.target.is_null(i))
        .collect();
    let dropped = data.n_rows() - rows.len();
    if rows.is_empty() {
        return Err(Error::invalid_data(format!(
            "no rows to train on: the relation has {} rows and none with a non-NULL \"{}\"",
            data.n_rows(),
            data.target_name
        ))
        .with_hint("train on a relation with labelled rows"));
    }
    if dropped > 0 && options.semi_supervised.is_none() {
        notes.push(format!(
            "{dropped} rows with a NULL \"{}\" were left out",
            data.target_name
        ));
    }
    Ok(rows)
}

/// The labelled rows' labels, with a map from a dataset row to its label.
struct Labelled {
    labels: Labels,
    /// `labels` is indexed like the labelled rows; the split works on row ids.
    position: Vec<usize>,
}

impl Labelled {
    fn new(data: &Dataset, rows: &[usize], labels: Labels) -> Labelled {
        let mut position = vec![usize::MAX; data.n_rows()];
        for (k, &r) in rows.iter().enumerate() {
            position[r] = k;
        }
        Labelled { labels, position }
    }

    /// A classifier's training split must hold both classes.
    fn check_training_split(&self, data: &Dataset, train: &[usize]) -> Result<()> {
        if train.is_empty() {
            return Err(Error::invalid_data("the training split is empty")
                .with_hint("lower test_size, or move test_from of an out-of-time split later"));
        }
        let one_class = match &self.labels {
            Labels::Binary { y, .. } => {
                let positives = train.iter().filter(|&&r| y[self.position[r]]).count();
                positives == 0 || positives == train.len()
            }
            Labels::MultiClass { y, .. } => {
                let first = y[self.position[train[0]]];
                train.iter().all(|&r| y[self.position[r]] == first)
            }
            Labels::Numeric(_) => false,
        };
        if one_class {
            return Err(Error::invalid_data(format!(
                "the training split of \"{}\" has only one class",
                data.target_name
            ))
            .with_hint("a classifier needs rows of at least two classes in the training data"));
        }
        Ok(())
    }

    /// The labels of `rows`, in their order, as a fit reads them.
    fn train_labels(&self, rows: &[usize]) -> TrainLabels {
        match &self.labels {
            Labels::Binary { y, .. } => {
                TrainLabels::Binary(rows.iter().map(|&r| y[self.position[r]]).collect())
            }
            Labels::MultiClass { y, classes } => TrainLabels::MultiClass {
                y: rows.iter().map(|&r| y[self.position[r]]).collect(),
                classes: classes.clone(),
            },
            Labels::Numeric(y) => {
                TrainLabels::Numeric(rows.iter().map(|&r| y[self.position[r]]).collect())
            }
        }
    }

    /// The true labels of `rows`, for the metrics.
    fn truth_of(&self, rows: &[usize]) -> Truth {
        match self.train_labels(rows) {
            TrainLabels::Binary(y) => Truth::Binary(y),
            TrainLabels::MultiClass { y, classes } => Truth::MultiClass {
                y,
                classes: classes.len(),
            },
            TrainLabels::Numeric(y) => Truth::Numeric(y),
            TrainLabels::Survival(labels) => Truth::Binary(labels.events),
        }
    }

    /// Bytes a label takes.
    fn label_bytes(&self) -> usize {
        match &self.labels {
            Labels::Binary { .. } => std::mem::size_of::<bool>(),
            Labels::MultiClass { .. } => std::mem::size_of::<u32>(),
            Labels::Numeric(_) => std::mem::size_of::<f64>(),
        }
    }

    /// Outputs the model gives a row: a score per class of a multi-class target, else one.
    fn outputs(&self) -> usize {
        match &self.labels {
            Labels::MultiClass { classes, .. } => classes.len(),
            Labels::Binary { .. } | Labels::Numeric(_) => 1,
        }
    }

    /// The positive and negative class of a classifier.
    fn classes(&self) -> Option<(String, String)> {
        match &self.labels {
            Labels::Binary {
                positive, negative, ..
            } => Some((positive.clone(), negative.clone())),
            Labels::MultiClass { .. } | Labels::Numeric(_) => None,
        }
    }

    /// The classes of a multi-class target, in code order.
    fn class_names(&self) -> Option<Vec<String>> {
        match &self.labels {
            Labels::MultiClass { classes, .. } => Some(classes.clone()),
            Labels::Binary { .. } | Labels::Numeric(_) => None,
        }
    }
}

/// What a fit is allowed and what it says it holds ([`FitInput`]'s memory fields).
#[derive(Clone, Copy)]
pub struct Fitting<'a> {
    pub limits: Limits,
    pub held_bytes: usize,
    pub claimed: &'a Cell<usize>,
}

/// Fits `params` on the training split, self-training on the unlabelled rows when asked.
#[allow(clippy::too_many_arguments)]
fn fit_supervised(
    data: &Dataset,
    params: &dyn Params,
    options: &TrainOptions,
    labelled: &Labelled,
    (train, test): (&[usize], &[usize]),
    fitting: Fitting<'_>,
    progress: &mut dyn Progress,
    notes: &mut Vec<String>,
) -> Result<Fitted> {
    let Fitting {
        limits,
        held_bytes,
        claimed,
    } = fitting;
    // The weight column's values of the training rows, in the order of `train`.
    let train_weights: Option<Vec<f64>> = data
        .weights
        .as_ref()
        .map(|w| train.iter().map(|&r| w[r]).collect());
    let train_labels = labelled.train_labels(train);
    if train_weights.is_some() && matches!(train_labels, TrainLabels::Numeric(_)) {
        return Err(Error::invalid_option(
            "options.weight_column weighs the rows of a classifier; this target trains a regression",
        )
        .with_hint("remove weight_column, or train a two-class target"));
    }
    let preprocess = options.preprocess();
    let Some(settings) = options.semi_supervised else {
        return params.fit(&mut FitInput {
            data,
            train,
            sample_weights: train_weights.as_deref(),
            test,
            labels: &train_labels,
            preprocess: &preprocess,
            seed: options.seed,
            limits,
            progress,
            notes,
            held_bytes,
            claimed,
        });
    };
    let y = match train_labels {
        TrainLabels::Binary(y) if params.self_trains() => y,
        _ => {
            return Err(Error::invalid_option(
                "semi_supervised applies to logistic regression and MLPs on a two-class target",
            )
            .with_hint(format!(
                "remove semi_supervised, or train algorithm {}",
                registry::self_training_names("or")
            )))
        }
    };
    let unlabelled: Vec<usize> = (0..data.n_rows())
        .filter(|&i| data.target.is_null(i))
        .collect();
    let (fitted, rounds) = self_train(
        settings,
        data,
        train,
        &y,
        &unlabelled,
        |rows, labels, weights| {
            params.fit(&mut FitInput {
                data,
                train: rows,
                sample_weights: weights,
                test,
                labels,
                preprocess: &preprocess,
                seed: options.seed,
                limits,
                progress: &mut *progress,
                notes: &mut *notes,
                held_bytes,
                claimed,
            })
        },
    )?;
    let added: usize = rounds.iter().filter_map(|r| r.rows_added).sum();
    notes.push(format!(
        "self-training: {} round(s) labelled {added} of the {} unlabelled rows",
        rounds.len(),
        unlabelled.len()
    ));
    Ok(Fitted {
        log: rounds,
        ..fitted
    })
}

/// 22023 for a categorical feature (not a text feature, whose hashed words are not stored)
/// with a distinct value in every row that has one ([`refuse_identifier`]), unless
/// `options.allow_identifier`.
pub fn refuse_identifier_features(data: &Dataset, options: &TrainOptions) -> Result<()> {
    if options.allow_identifier {
        return Ok(());
    }
    for feature in &data.features {
        let Column::Categorical(column) = &feature.column else {
            continue;
        };
        if options.text.iter().any(|(name, _)| *name == feature.name) {
            continue;
        }
        // The levels present, not the column's level list: a subset's rows (a fold) share
        // their parent's list.
        let mut seen = vec![false; column.levels.len()];
        let (mut rows, mut distinct) = (0usize, 0usize);
        for &code in &column.codes {
            if code == NULL_CODE {
                continue;
            }
            rows += 1;
            if let Some(seen) = seen.get_mut(code as usize) {
                distinct += usize::from(!*seen);
                *seen = true;
            }
        }
        refuse_identifier(&feature.name, rows, distinct, false)?;
    }
    Ok(())
}

fn make_split(
    data: &Dataset,
    rows: &[usize],
    labels: &Labels,
    task: Task,
    options: &TrainOptions,
) -> Result<Split> {
    let default = match task {
        Task::Classification => SplitSpec::Stratified,
        Task::Regression | Task::Clustering | Task::AnomalyDetection | Task::Survival => {
            SplitSpec::Random
        }
    };
    let classes = || match labels {
        Labels::Binary { y, .. } => Some(y.iter().map(|&p| u32::from(p)).collect()),
        Labels::MultiClass { y, .. } => Some(y.clone()),
        Labels::Numeric(_) => None,
    };
    split_rows(data, rows, classes, &default, options)
}
