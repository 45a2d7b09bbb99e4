//! Gradient boosting of a target of k ≥ 3 classes, as LightGBM's `multiclass` objective: one
//! tree per class and round on the softmax cross-entropy's gradient `p_c − y_c` and hessian
//! `k/(k−1)·p_c(1 − p_c)`, each class starting from the log of its weighted share. A round's
//! rows and columns are drawn once for its k trees. Early stopping watches the validation
//! rows' multi-class log loss and keeps every class's trees up to the best round.

use super::{add_tree_outputs, draw_round, grow_params, validation_split, GbdtParams, Rounds};
use crate::error::Result;
use crate::estimator::linear::multinomial::softmax_in_place;
use crate::fit::{multi_class_weights, FitInput};
use crate::interrupt;
use crate::preprocess::Preprocessor;
use crate::progress::EpochLog;
use crate::trees::bins::BinnedRows;
use crate::trees::fit::{check_tree_memory, monotone_columns, tree_preprocessor};
use crate::trees::grow::{grow, GrowInput};
use crate::trees::{Combine, Ensemble};
use rand::rngs::SmallRng;
use rand::SeedableRng;

/// A multi-class boosted model's fit: one ensemble per class, and the log of its rounds.
pub struct ClassesFit {
    pub ensembles: Vec<Ensemble>,
    pub log: Vec<EpochLog>,
}

/// Fits the preprocessing and k ensembles on the training rows, whose class codes are `y`.
pub fn fit_classes(
    input: &mut FitInput<'_>,
    params: &GbdtParams,
    (y, classes): (&[u32], usize),
) -> Result<(Preprocessor, ClassesFit)> {
    let preprocessor = tree_preprocessor(input);
    let width = preprocessor.width();
    let monotone = monotone_columns(&preprocessor, &params.monotone)?;
    let threads = input.limits.threads.max(1);
    let n = input.train.len();
    let kept = check_tree_memory(
        input,
        width,
        (threads + 2, params.num_leaves),
        classes,
        &format!("gradient boosting of {classes} classes"),
    )?;
    let w = multi_class_weights(input.sample_weights, y, classes, params.class_weight)?
        .unwrap_or_else(|| vec![1.0; n]);
    let mut rng = SmallRng::seed_from_u64(input.seed);
    let (fit_rows, valid_rows) = validation_split(n, params, &mut rng);
    let bins = BinnedRows::build(
        &preprocessor,
        input.data,
        input.train,
        (params.max_bins, input.preprocess.stored_digits),
    );
    let bases = initial_scores(y, &w, &fit_rows, classes);
    let mut eta: Vec<Vec<f64>> = bases.iter().map(|&b| vec![b; n]).collect();
    let (mut gradients, mut hessians) = (vec![0.0; n], vec![0.0; n]);
    let mut probabilities = vec![0.0; n * classes];
    let grow_params = grow_params(params, monotone, threads, kept);
    let mut trees: Vec<Vec<_>> = vec![Vec::with_capacity(params.n_trees); classes];
    let mut rounds = Rounds::new();
    let factor = classes as f64 / (classes as f64 - 1.0);
    for round in 0..params.n_trees {
        input.progress.step()?;
        softmax_rows(&eta, &mut probabilities, classes);
        let (rows, columns) = draw_round(&fit_rows, width, params, &mut rng);
        for class in 0..classes {
            interrupt::check();
            for r in 0..n {
                let p = probabilities[r * classes + class];
                let target = f64::from(u8::from(y[r] as usize == class));
                gradients[r] = w[r] * (p - target);
                hessians[r] = w[r] * (factor * p * (1.0 - p)).max(1e-16);
            }
            let mut grown = grow(
                &GrowInput {
                    bins: &bins,
                    gradients: &gradients,
                    hessians: &hessians,
                    rows: rows.clone(),
                    columns: &columns,
                },
                &grow_params,
                &mut rng,
            );
            for v in &mut grown.tree.values {
                *v *= params.learning_rate;
            }
            add_tree_outputs(&mut eta[class], &grown, &bins);
            trees[class].push(grown.tree);
        }
        softmax_rows(&eta, &mut probabilities, classes);
        let loss = |rows: &[usize]| log_loss(&probabilities, y, &w, rows, classes);
        let valid_loss = (!valid_rows.is_empty()).then(|| loss(&valid_rows));
        if rounds.after(
            round,
            params,
            valid_loss,
            || loss(&fit_rows),
            input,
            "trees per class",
        )? {
            break;
        }
    }
    if let Some(kept) = rounds.kept(params) {
        for class_trees in &mut trees {
            class_trees.truncate(kept);
        }
    }
    let log = rounds.log;
    let ensembles = bases
        .into_iter()
        .zip(trees)
        .map(|(base, trees)| Ensemble {
            base,
            combine: Combine::Sum,
            trees,
        })
        .collect();
    Ok((preprocessor, ClassesFit { ensembles, log }))
}

/// Each class's starting score: the log of its weighted share of the fitted rows (a class
/// absent from them starts at the log of 1e-15).
fn initial_scores(y: &[u32], w: &[f64], rows: &[usize], classes: usize) -> Vec<f64> {
    let mut sums = vec![0.0; classes];
    for &r in rows {
        sums[y[r] as usize] += w[r];
    }
    let total: f64 = sums.iter().sum();
    sums.iter()
        .map(|&s| (s / total.max(f64::MIN_POSITIVE)).max(1e-15).ln())
        .collect()
}

/// Every row's class probabilities (row after row) from the classes' outputs.
fn softmax_rows(eta: &[Vec<f64>], probabilities: &mut [f64], classes: usize) {
    for (r, row) in probabilities.chunks_mut(classes).enumerate() {
        for (p, class) in row.iter_mut().zip(eta) {
            *p = class[r];
        }
        softmax_in_place(row);
    }
}

/// The weighted multi-class log loss of `rows` (probabilities clipped at 1e-15).
fn log_loss(probabilities: &[f64], y: &[u32], w: &[f64], rows: &[usize], classes: usize) -> f64 {
    let (mut loss, mut weight) = (0.0, 0.0);
    for &r in rows {
        let p = probabilities[r * classes + y[r] as usize].clamp(1e-15, 1.0);
        loss -= w[r] * p.ln();
        weight += w[r];
    }
    if weight > 0.0 {
        loss / weight
    } else {
        0.0
    }
}
