//! k-fold cross-validation (`fin_cross_validate`, and the trials of `fin_tune`): the labelled
//! rows cut into folds once, each fold fitted on the others and measured on itself as
//! fin_train measures its test part. Nothing is stored.
//!
//! The folds are scikit-learn's on the rows in dataset order (primary-key order): a
//! classifier's `StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)`, a
//! regression's `KFold(...)` with the same arguments (split.rs). An out-of-time split cuts the
//! rows' distinct times into `folds + 1` blocks instead, and fold f trains on the blocks
//! before block f + 1 and tests on it (an expanding window, as fin_backtest's).

use super::Target;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::estimator::Params;
use crate::fit::{check_budget, Limits};
use crate::options::{SplitSpec, Task, TrainOptions, Training};
use crate::progress::Progress;
use crate::split;
use std::collections::BTreeMap;

/// The most folds a cross-validation cuts.
pub const MAX_FOLDS: usize = 100;

/// The training and test rows of each fold, in dataset order.
#[derive(Debug, Clone, PartialEq)]
pub struct Folds(pub Vec<(Vec<usize>, Vec<usize>)>);

impl Folds {
    /// `folds` folds of `pool` (dataset rows of `target`, in order), as `options.split`
    /// says: out-of-time blocks for a split by time, else stratified for a classifier and
    /// plain k-fold for a regression. 22023 for fewer than 2 folds, more than 100, or more
    /// than a class (or the rows) can fill.
    pub fn cut(
        data: &Dataset,
        target: &Target,
        pool: &[usize],
        folds: usize,
        options: &TrainOptions,
        limits: Limits,
    ) -> Result<Folds> {
        if !(2..=MAX_FOLDS).contains(&folds) {
            return Err(Error::invalid_option(format!(
                "folds must be from 2 to {MAX_FOLDS}, not {folds}"
            ))
            .with_hint("5 or 10 folds are usual"));
        }
        // Each fold's training and test rows: every pooled row once a fold.
        let needed = folds
            .saturating_mul(pool.len())
            .saturating_mul(std::mem::size_of::<usize>());
        check_budget(
            data.bytes().saturating_add(needed),
            limits,
            || format!("{folds} folds of {} rows", pool.len()),
            "use fewer folds, raise finml.max_training_memory, or cross-validate a sample",
        )?;
        if let Some(SplitSpec::OutOfTime { column, .. }) = &options.split {
            return by_time(data, pool, folds, column);
        }
        let fold_of = match target.classes_of(pool) {
            Some(classes) if target.task == Task::Classification => {
                check_class_counts(&classes, folds, &data.target_name)?;
                split::stratified_kfold(&classes, folds, options.seed)
            }
            _ => {
                if folds > pool.len() {
                    return Err(Error::invalid_option(format!(
                        "{folds} folds need at least {folds} rows; there are {}",
                        pool.len()
                    ))
                    .with_hint("use fewer folds"));
                }
                split::kfold(pool.len(), folds, options.seed)
            }
        };
        let parts = (0..folds)
            .map(|f| {
                crate::interrupt::check();
                let (mut train, mut test) = (Vec::new(), Vec::new());
                for (&row, &fold) in pool.iter().zip(&fold_of) {
                    if fold == f {
                        test.push(row);
                    } else {
                        train.push(row);
                    }
                }
                (train, test)
            })
            .collect();
        Ok(Folds(parts))
    }
}

/// Each class must have a row in every fold: 22023 when the smallest class is smaller than
/// the folds (scikit-learn only warns, and its folds then miss the class).
fn check_class_counts(classes: &[u32], folds: usize, target: &str) -> Result<()> {
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for &c in classes {
        *counts.entry(c).or_default() += 1;
    }
    let smallest = counts.values().copied().min().unwrap_or(0);
    if counts.len() < 2 || smallest < folds {
        return Err(Error::invalid_option(format!(
            "{folds} stratified folds need at least {folds} rows of each class of \"{target}\"; the smallest class has {smallest}"
        ))
        .with_hint(format!("use at most {} folds", smallest.max(2))));
    }
    Ok(())
}

/// Out-of-time folds over `pool` (`data.times` their times): the distinct times cut into
/// `folds + 1` blocks; fold f trains on blocks 0..=f and tests on block f + 1 (each fold's
/// rows in dataset order).
fn by_time(data: &Dataset, pool: &[usize], folds: usize, column: &str) -> Result<Folds> {
    let Some(times) = &data.times else {
        return Err(Error::new(
            crate::error::ErrorKind::Internal,
            format!("out-of-time folds on \"{column}\" without the rows' times"),
        ));
    };
    let mut distinct: Vec<f64> = pool.iter().map(|&i| times[i]).collect();
    distinct.sort_unstable_by(f64::total_cmp);
    distinct.dedup();
    let blocks = folds + 1;
    if distinct.len() < blocks {
        return Err(Error::invalid_option(format!(
            "{folds} out-of-time folds need at least {blocks} distinct times of \"{column}\"; there are {}",
            distinct.len()
        ))
        .with_hint("use fewer folds"));
    }
    let edge = |b: usize| distinct[b * distinct.len() / blocks];
    Ok(Folds(
        (1..blocks)
            .map(|block| {
                let test_from = edge(block);
                let test_to = (block + 1 < blocks).then(|| edge(block + 1));
                let train = pool.iter().copied().filter(|&i| times[i] < test_from);
                let test = pool
                    .iter()
                    .copied()
                    .filter(|&i| times[i] >= test_from && test_to.is_none_or(|to| times[i] < to));
                (train.collect(), test.collect())
            })
            .collect(),
    ))
}

/// One fold's rows and metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct CvFold {
    /// 1-based.
    pub fold: usize,
    pub train_rows: usize,
    pub test_rows: usize,
    pub metrics: BTreeMap<String, f64>,
}

/// A metric over the folds: its mean and its standard deviation (population, ddof 0, as
/// scikit-learn's `cv_results_` `std_test_score`).
#[derive(Debug, Clone, PartialEq)]
pub struct FoldSummary {
    pub metric: String,
    pub mean: f64,
    pub std: f64,
}

/// The mean and spread of each metric that every fold has (a fold without an AUC leaves
/// the AUC out), in the first fold's order.
pub fn fold_summary(folds: &[CvFold]) -> Vec<FoldSummary> {
    let Some(first) = folds.first() else {
        return Vec::new();
    };
    first
        .metrics
        .keys()
        .filter_map(|name| {
            let values: Option<Vec<f64>> =
                folds.iter().map(|f| f.metrics.get(name).copied()).collect();
            let values = values?;
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
            Some(FoldSummary {
                metric: name.clone(),
                mean,
                std: variance.sqrt(),
            })
        })
        .collect()
}

/// Cross-validates `training` on every labelled row of `data` over `folds` folds: each fold's
/// metrics (measured as fin_train measures its test part), and the notes of the first fold.
pub fn cross_validate(
    data: &Dataset,
    training: &Training,
    folds: usize,
    limits: Limits,
    progress: &mut dyn Progress,
) -> Result<(Vec<CvFold>, Vec<String>)> {
    if training.algorithm().unsupervised_task().is_some() {
        return Err(Error::invalid_option(format!(
            "cross-validation measures predictions of a target; algorithm \"{}\" makes none",
            training.algorithm().as_str()
        ))
        .with_hint(format!(
            "cross-validate a supervised algorithm ({})",
            crate::estimator::registry::supervised_names()
        )));
    }
    let mut notes = Vec::new();
    let target = Target::resolve(data, &training.options, &mut notes)?;
    let params = target.params_for(data, training, &mut notes)?;
    let cut = Folds::cut(
        data,
        &target,
        &target.rows,
        folds,
        &training.options,
        limits,
    )?;
    let results = run_folds(
        data,
        &target,
        &*params,
        &training.options,
        &cut,
        limits,
        progress,
        &mut notes,
    )?;
    Ok((results, notes))
}

/// Fits and measures each fold of `cut` (checking for a cancel between folds); the notes of
/// the first fold are kept (every fold would say the same).
#[allow(clippy::too_many_arguments)]
pub fn run_folds(
    data: &Dataset,
    target: &Target,
    params: &dyn Params,
    options: &TrainOptions,
    cut: &Folds,
    limits: Limits,
    progress: &mut dyn Progress,
    notes: &mut Vec<String>,
) -> Result<Vec<CvFold>> {
    let mut results = Vec::with_capacity(cut.0.len());
    for (k, (train, test)) in cut.0.iter().enumerate() {
        progress.step()?;
        let mut fold_notes = Vec::new();
        let metrics = target
            .fold_metrics(
                data,
                params,
                options,
                (train, test),
                limits,
                progress,
                &mut fold_notes,
            )
            .map_err(|e| e.with_detail(format!("in fold {} of {}", k + 1, cut.0.len())))?;
        if k == 0 {
            notes.extend(fold_notes);
        }
        results.push(CvFold {
            fold: k + 1,
            train_rows: train.len(),
            test_rows: test.len(),
            metrics,
        });
    }
    Ok(results)
}
