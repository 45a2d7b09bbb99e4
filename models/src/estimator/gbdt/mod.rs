//! Gradient-boosted trees on histograms (LightGBM's method, `trees::grow`): each round fits
//! one tree to the gradients and hessians of the loss (log-loss on the log-odds of a
//! classifier, squared error of a regression) at the current output, leaf-wise up to
//! `num_leaves` leaves, and adds it shrunk by `learning_rate`. The first output is the
//! training rows' log-odds (or mean), as LightGBM's boost_from_average.
//!
//! Written over ndarray and the shared tree code rather than taken from a crate or bound to
//! LightGBM (bench/README.md, "Tree models against LightGBM", has the numbers): the
//! requirements every finml fit meets — cancellable between rounds, memory checked before
//! it allocates, trees in finml's own stored form for TreeSHAP, SQL and rules — are the
//! greater part of the work with any of them.

pub mod algorithm;
pub mod classes;

use crate::error::Result;
use crate::estimator::linear::solver::sigmoid;
use crate::fit::{ClassWeight, FitInput};
use crate::interrupt;
use crate::json::{count, number_in};
use crate::preprocess::Preprocessor;
use crate::progress::EpochLog;
use crate::trees::bins::BinnedRows;
use crate::trees::fit::{
    check_tree_memory, max_bins, mean_loss, monotone_columns, parse_monotone, targets_and_weights,
    tree_preprocessor,
};
use crate::trees::grow::{grow, GrowInput, GrowParams, Grown};
use crate::trees::{Combine, Ensemble, MAX_TREES, MAX_TREE_DEPTH};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};
use std::time::Instant;

/// The keys of algorithm "gbdt".
pub const GBDT_KEYS: &[&str] = &[
    "n_trees",
    "learning_rate",
    "max_depth",
    "num_leaves",
    "min_child_weight",
    "min_samples_leaf",
    "l2",
    "subsample",
    "colsample",
    "max_bins",
    "early_stopping_rounds",
    "validation_fraction",
    "monotone",
    "class_weight",
];

/// The most leaves of one tree (LightGBM's limit).
pub const MAX_LEAVES: usize = 131_072;
/// Rounds per line of the training log (a NOTICE and a finml.training_log row each).
const ROUNDS_PER_LOG: usize = 10;

/// Validated gbdt parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct GbdtParams {
    /// Rounds (trees). Default 100.
    pub n_trees: usize,
    /// Default 0.1.
    pub learning_rate: f64,
    /// Default 64 (no limit but the deepest tree finml stores).
    pub max_depth: usize,
    /// Default 31.
    pub num_leaves: usize,
    /// The least hessian sum of a leaf. Default 0.001.
    pub min_child_weight: f64,
    /// Default 20.
    pub min_samples_leaf: usize,
    /// L2 penalty on leaf outputs. Default 0.
    pub l2: f64,
    /// The share of rows each round draws (without replacement). Default 1.
    pub subsample: f64,
    /// The share of design columns each tree may use. Default 1.
    pub colsample: f64,
    /// Default 255.
    pub max_bins: usize,
    /// Stop when the validation loss has not fallen for this many rounds (None: every round).
    pub early_stopping_rounds: Option<usize>,
    /// The share of the training split held out for early stopping. Default 0.1.
    pub validation_fraction: f64,
    /// (feature, +1 | −1).
    pub monotone: Vec<(String, i8)>,
    pub class_weight: Option<ClassWeight>,
}

impl GbdtParams {
    pub fn from_options(options: &Map<String, Value>) -> Result<GbdtParams> {
        let get = |key| options.get(key);
        let share = |key, default| {
            get(key).map_or(Ok(default), |v| {
                number_in(v, key, 0.0, 1.0, true, "a share in (0, 1]").and_then(|x| {
                    if x > 0.0 {
                        Ok(x)
                    } else {
                        Err(crate::json::bad(key, v, "a share in (0, 1]"))
                    }
                })
            })
        };
        let at_least = |key, default, expected| {
            get(key).map_or(Ok(default), |v| {
                number_in(v, key, 0.0, 1e12, true, expected)
            })
        };
        Ok(GbdtParams {
            n_trees: get("n_trees").map_or(Ok(100), |v| count(v, "n_trees", 1, MAX_TREES))?,
            learning_rate: get("learning_rate").map_or(Ok(0.1), |v| {
                number_in(v, "learning_rate", 0.0, 1.0, true, "a number in (0, 1]").and_then(|x| {
                    if x > 0.0 {
                        Ok(x)
                    } else {
                        Err(crate::json::bad("learning_rate", v, "a number in (0, 1]"))
                    }
                })
            })?,
            max_depth: get("max_depth").map_or(Ok(MAX_TREE_DEPTH), |v| {
                count(v, "max_depth", 1, MAX_TREE_DEPTH)
            })?,
            num_leaves: get("num_leaves")
                .map_or(Ok(31), |v| count(v, "num_leaves", 2, MAX_LEAVES))?,
            min_child_weight: at_least("min_child_weight", 1e-3, "a number ≥ 0")?,
            min_samples_leaf: get("min_samples_leaf")
                .map_or(Ok(20), |v| count(v, "min_samples_leaf", 1, 1 << 30))?,
            l2: at_least("l2", 0.0, "a number ≥ 0")?,
            subsample: share("subsample", 1.0)?,
            colsample: share("colsample", 1.0)?,
            max_bins: max_bins(get("max_bins"))?,
            early_stopping_rounds: get("early_stopping_rounds")
                .map(|v| count(v, "early_stopping_rounds", 1, MAX_TREES))
                .transpose()?,
            validation_fraction: get("validation_fraction").map_or(Ok(0.1), |v| {
                number_in(
                    v,
                    "validation_fraction",
                    0.0,
                    0.5,
                    true,
                    "a share in (0, 0.5]",
                )
                .and_then(|x| {
                    if x > 0.0 {
                        Ok(x)
                    } else {
                        Err(crate::json::bad(
                            "validation_fraction",
                            v,
                            "a share in (0, 0.5]",
                        ))
                    }
                })
            })?,
            monotone: parse_monotone(get("monotone"))?,
            class_weight: get("class_weight").map(ClassWeight::parse).transpose()?,
        })
    }
}

/// A boosted model's fit: its trees and the log of its rounds.
pub struct GbdtFit {
    pub ensemble: Ensemble,
    pub log: Vec<EpochLog>,
}

/// Fits the preprocessing and the boosted trees on the training rows.
pub fn fit_estimator(
    input: &mut FitInput<'_>,
    params: &GbdtParams,
) -> Result<(Preprocessor, GbdtFit)> {
    let preprocessor = tree_preprocessor(input);
    let width = preprocessor.width();
    let monotone = monotone_columns(&preprocessor, &params.monotone)?;
    let threads = input.limits.threads.max(1);
    let kept = check_tree_memory(
        input,
        width,
        (threads + 2, params.num_leaves),
        0,
        "gradient boosting",
    )?;
    let (y, w, classification) = targets_and_weights(input, params.class_weight)?;
    let n = input.train.len();
    let mut rng = SmallRng::seed_from_u64(input.seed);
    let (fit_rows, valid_rows) = validation_split(n, params, &mut rng);
    let bins = BinnedRows::build(
        &preprocessor,
        input.data,
        input.train,
        (params.max_bins, input.preprocess.stored_digits),
    );
    let base = initial_output(&y, &w, &fit_rows, classification);
    let mut eta = vec![base; n];
    let (mut gradients, mut hessians) = (vec![0.0; n], vec![0.0; n]);
    let grow_params = grow_params(params, monotone, threads, kept);
    let mut trees = Vec::with_capacity(params.n_trees);
    let mut rounds = Rounds::new();
    for round in 0..params.n_trees {
        input.progress.step()?;
        interrupt::check();
        derivatives(
            &eta,
            &y,
            &w,
            classification,
            threads,
            &mut gradients,
            &mut hessians,
        );
        let (rows, columns) = draw_round(&fit_rows, width, params, &mut rng);
        let mut grown = grow(
            &GrowInput {
                bins: &bins,
                gradients: &gradients,
                hessians: &hessians,
                rows,
                columns: &columns,
            },
            &grow_params,
            &mut rng,
        );
        for v in &mut grown.tree.values {
            *v *= params.learning_rate;
        }
        add_tree_outputs(&mut eta, &grown, &bins);
        trees.push(grown.tree);
        let valid_loss =
            (!valid_rows.is_empty()).then(|| mean_loss(&eta, &y, &w, &valid_rows, classification));
        let train_loss = || mean_loss(&eta, &y, &w, &fit_rows, classification);
        if rounds.after(round, params, valid_loss, train_loss, input, "trees")? {
            break;
        }
    }
    if let Some(kept) = rounds.kept(params) {
        trees.truncate(kept);
    }
    let log = rounds.log;
    Ok((
        preprocessor,
        GbdtFit {
            ensemble: Ensemble {
                base,
                combine: Combine::Sum,
                trees,
            },
            log,
        },
    ))
}

/// What boosting keeps across its rounds: the lowest validation loss and its round, the log
/// of every `ROUNDS_PER_LOG`-th round (and the last), and when it started.
struct Rounds {
    best: (f64, usize),
    log: Vec<EpochLog>,
    started: Instant,
}

impl Rounds {
    fn new() -> Rounds {
        Rounds {
            best: (f64::INFINITY, 0),
            log: Vec::new(),
            started: Instant::now(),
        }
    }

    /// After round `round` (from 0): records its validation loss, logs it when due (the
    /// training loss computed only then) and says whether early stopping ends the boosting
    /// (a note says where; `kept` names what each round grew: "trees", "trees per class").
    fn after(
        &mut self,
        round: usize,
        params: &GbdtParams,
        valid_loss: Option<f64>,
        train_loss: impl FnOnce() -> f64,
        input: &mut FitInput<'_>,
        kept: &str,
    ) -> Result<bool> {
        if let Some(loss) = valid_loss {
            if loss < self.best.0 {
                self.best = (loss, round + 1);
            }
        }
        let stop = params
            .early_stopping_rounds
            .is_some_and(|k| round + 1 >= self.best.1 + k);
        if (round + 1).is_multiple_of(ROUNDS_PER_LOG) || round + 1 == params.n_trees || stop {
            let entry = EpochLog {
                epoch: round + 1,
                of: params.n_trees,
                train_loss: train_loss(),
                valid_loss,
                seconds: self.started.elapsed().as_secs_f64(),
                rows_added: None,
            };
            input.progress.epoch(&entry)?;
            self.log.push(entry);
        }
        if stop {
            input.notes.push(format!(
                "early stopping: the validation loss last fell at round {} of {}; the model keeps {} {kept}",
                self.best.1, round + 1, self.best.1
            ));
        }
        Ok(stop)
    }

    /// The rounds whose trees the model keeps: up to the best one with early stopping.
    fn kept(&self, params: &GbdtParams) -> Option<usize> {
        params.early_stopping_rounds.map(|_| self.best.1.max(1))
    }
}

/// How each tree grows: the parameters' limits, `threads` threads, and the histograms that
/// `kept` (check_tree_memory's count, with the threads' and two more) leaves room for.
fn grow_params(params: &GbdtParams, monotone: Vec<i8>, threads: usize, kept: usize) -> GrowParams {
    GrowParams {
        num_leaves: params.num_leaves,
        max_depth: params.max_depth,
        min_child_weight: params.min_child_weight,
        min_samples_leaf: params.min_samples_leaf,
        l2: params.l2,
        monotone,
        node_columns: None,
        threads,
        kept_histograms: kept.saturating_sub(threads + 2).max(1),
    }
}

/// Adds the new tree's output to every row's: the rows it grew on by its leaves' row groups,
/// the others (held out for early stopping, or out of a round's subsample) by walking it.
fn add_tree_outputs(eta: &mut [f64], grown: &Grown, bins: &BinnedRows) {
    let mut reached = vec![false; eta.len()];
    for &(node, begin, end) in &grown.leaf_rows {
        let value = grown.tree.values[node];
        for &r in &grown.order[begin..end] {
            eta[r as usize] += value;
            reached[r as usize] = true;
        }
    }
    for (r, e) in eta.iter_mut().enumerate() {
        if !reached[r] {
            *e += grown.tree.values[grown.leaf_of_bins(bins.row(r), bins)];
        }
    }
}

/// Every row's weighted gradient and hessian at its output (the rows held out for early
/// stopping too: no tree grows on them), in contiguous parts over `threads` threads.
fn derivatives(
    eta: &[f64],
    y: &[f64],
    w: &[f64],
    classification: bool,
    threads: usize,
    gradients: &mut [f64],
    hessians: &mut [f64],
) {
    let part = eta.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        for (k, (g, h)) in gradients
            .chunks_mut(part)
            .zip(hessians.chunks_mut(part))
            .enumerate()
        {
            let start = k * part;
            scope.spawn(move || {
                for (i, (g, h)) in g.iter_mut().zip(h.iter_mut()).enumerate() {
                    let r = start + i;
                    let (dg, dh) = loss_derivatives(eta[r], y[r], classification);
                    *g = dg * w[r];
                    *h = dh * w[r];
                }
            });
        }
    });
}

/// The gradient and hessian of one row's loss at output `eta`: log-loss on the log-odds
/// (the hessian kept off zero), or squared error.
fn loss_derivatives(eta: f64, y: f64, classification: bool) -> (f64, f64) {
    if classification {
        let p = sigmoid(eta);
        (p - y, (p * (1.0 - p)).max(1e-16))
    } else {
        (eta - y, 1.0)
    }
}

/// A round's rows (each fitted row with probability `subsample`) and the columns its tree
/// may use (a `colsample` share of them, at least one).
fn draw_round(
    fit_rows: &[usize],
    width: usize,
    params: &GbdtParams,
    rng: &mut SmallRng,
) -> (Vec<u32>, Vec<usize>) {
    let rows: Vec<u32> = if params.subsample < 1.0 {
        fit_rows
            .iter()
            .filter(|_| rng.gen::<f64>() < params.subsample)
            .map(|&r| r as u32)
            .collect()
    } else {
        fit_rows.iter().map(|&r| r as u32).collect()
    };
    let columns = if params.colsample < 1.0 && width > 0 {
        let k = ((params.colsample * width as f64).ceil() as usize).clamp(1, width);
        let mut drawn: Vec<usize> = rand::seq::index::sample(rng, width, k).into_vec();
        drawn.sort_unstable();
        drawn
    } else {
        (0..width).collect()
    };
    (rows, columns)
}

/// The rows boosting fits and the rows early stopping watches (a random
/// `validation_fraction` of the training split, when early stopping is asked for).
fn validation_split(n: usize, params: &GbdtParams, rng: &mut SmallRng) -> (Vec<usize>, Vec<usize>) {
    let mut rows: Vec<usize> = (0..n).collect();
    if params.early_stopping_rounds.is_none() || n < 2 {
        return (rows, Vec::new());
    }
    rows.shuffle(rng);
    let held = ((params.validation_fraction * n as f64).round() as usize).clamp(1, n - 1);
    let mut valid = rows.split_off(n - held);
    rows.sort_unstable();
    valid.sort_unstable();
    (rows, valid)
}

/// The output before any tree: the weighted log-odds of the fitted rows' events, or their
/// weighted mean.
fn initial_output(y: &[f64], w: &[f64], rows: &[usize], classification: bool) -> f64 {
    let (mut sum, mut weight) = (0.0, 0.0);
    for &r in rows {
        sum += w[r] * y[r];
        weight += w[r];
    }
    let mean = if weight > 0.0 { sum / weight } else { 0.0 };
    if classification {
        let p = mean.clamp(1e-15, 1.0 - 1e-15);
        (p / (1.0 - p)).ln()
    } else {
        mean
    }
}
