//! Random forests (Breiman 2001), as scikit-learn's `RandomForestClassifier` /
//! `RandomForestRegressor`: each tree grows on a bootstrap sample of the training rows,
//! trying `max_features` columns drawn afresh at each split, on the histograms of
//! `trees::grow` (Gini impurity of a classifier, variance of a regression). A classifier's
//! leaf holds the log-odds of its event rate, smoothed by half an event so that a pure leaf
//! stays finite, and the forest averages its trees' log-odds (scikit-learn averages
//! probabilities): the output unit stays the log-odds, which TreeSHAP explains exactly.
//! Rows a tree did not draw measure it: the out-of-bag AUC (RMSE of a regression).

pub mod algorithm;

use crate::error::Result;
use crate::fit::{ClassWeight, FitInput};
use crate::json::{bad, count, optional_bool};
use crate::metrics;
use crate::preprocess::Preprocessor;
use crate::trees::bins::{BinnedRows, MAX_BINS};
use crate::trees::fit::{check_tree_memory, max_bins, targets_and_weights, tree_preprocessor};
use crate::trees::grow::{grow, internal_values, GrowInput, GrowParams};
use crate::trees::{Combine, Ensemble, MAX_TREES, MAX_TREE_DEPTH};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};

/// The keys of algorithm "random_forest".
pub const RANDOM_FOREST_KEYS: &[&str] = &[
    "n_trees",
    "max_features",
    "max_depth",
    "min_samples_leaf",
    "bootstrap",
    "max_bins",
    "class_weight",
];

/// Columns tried at each split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxFeatures {
    /// √columns (a classifier's default).
    Sqrt,
    Log2,
    /// Every column (a regression's default).
    All,
    Share(f64),
    Count(usize),
    /// √ for a classifier, every column for a regression.
    ByTask,
}

impl MaxFeatures {
    fn parse(value: &Value) -> Result<MaxFeatures> {
        let expected = r#""sqrt", "log2", "all", a share in (0, 1) or a count of columns"#;
        match value {
            Value::String(s) if s == "sqrt" => Ok(MaxFeatures::Sqrt),
            Value::String(s) if s == "log2" => Ok(MaxFeatures::Log2),
            Value::String(s) if s == "all" => Ok(MaxFeatures::All),
            Value::Number(n) => match (n.as_u64(), n.as_f64()) {
                (Some(k), _) if k >= 1 => Ok(MaxFeatures::Count(k.min(1 << 24) as usize)),
                (None, Some(x)) if x > 0.0 && x < 1.0 => Ok(MaxFeatures::Share(x)),
                _ => Err(bad("max_features", value, expected)),
            },
            _ => Err(bad("max_features", value, expected)),
        }
    }

    /// The columns tried per split out of `width`.
    pub fn columns(self, width: usize, classification: bool) -> usize {
        let w = width as f64;
        let k = match self {
            MaxFeatures::Sqrt => w.sqrt().floor() as usize,
            MaxFeatures::Log2 => w.log2().floor() as usize,
            MaxFeatures::All => width,
            MaxFeatures::Share(x) => (x * w).floor() as usize,
            MaxFeatures::Count(k) => k,
            MaxFeatures::ByTask if classification => w.sqrt().floor() as usize,
            MaxFeatures::ByTask => width,
        };
        k.clamp(1, width.max(1))
    }
}

/// How a forest (or a single tree) grows.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestSettings {
    pub n_trees: usize,
    pub max_features: MaxFeatures,
    pub max_depth: usize,
    pub min_samples_leaf: usize,
    pub bootstrap: bool,
    pub max_bins: usize,
    pub class_weight: Option<ClassWeight>,
}

/// The settings in `options`, with these defaults for depth and leaf size.
pub fn forest_settings(
    options: &Map<String, Value>,
    default_depth: usize,
    default_leaf: usize,
) -> Result<ForestSettings> {
    let get = |key| options.get(key);
    Ok(ForestSettings {
        n_trees: get("n_trees").map_or(Ok(100), |v| count(v, "n_trees", 1, MAX_TREES))?,
        max_features: get("max_features").map_or(Ok(MaxFeatures::ByTask), MaxFeatures::parse)?,
        max_depth: get("max_depth").map_or(Ok(default_depth), |v| {
            count(v, "max_depth", 1, MAX_TREE_DEPTH)
        })?,
        min_samples_leaf: get("min_samples_leaf").map_or(Ok(default_leaf), |v| {
            count(v, "min_samples_leaf", 1, 1 << 30)
        })?,
        bootstrap: optional_bool(get("bootstrap"), "bootstrap")?.unwrap_or(true),
        max_bins: max_bins(get("max_bins"))?,
        class_weight: get("class_weight")
            .map(crate::fit::ClassWeight::parse)
            .transpose()?,
    })
}

/// A forest's fit: its trees, and what the rows out of each tree's bag measured.
pub struct ForestFit {
    pub ensemble: Ensemble,
    pub out_of_bag: Vec<(String, f64)>,
}

/// The most leaves one forest tree may have (each level of `max_depth` doubles them).
const MAX_FOREST_LEAVES: usize = 1 << 20;

/// Fits the preprocessing and the trees of a forest (`what` names it in errors).
pub fn fit_forest(
    input: &mut FitInput<'_>,
    settings: &ForestSettings,
    what: &str,
) -> Result<(Preprocessor, ForestFit)> {
    let preprocessor = tree_preprocessor(input);
    let width = preprocessor.width();
    let threads = input.limits.threads.max(1);
    let leaves = 1usize
        .checked_shl(settings.max_depth as u32)
        .unwrap_or(MAX_FOREST_LEAVES)
        .min(MAX_FOREST_LEAVES);
    let kept = check_tree_memory(input, width, (threads + 2, leaves), 0, what)?;
    let (y, w, classification) = targets_and_weights(input, settings.class_weight)?;
    let n = input.train.len();
    let bins = BinnedRows::build(
        &preprocessor,
        input.data,
        input.train,
        (
            settings.max_bins.min(MAX_BINS),
            input.preprocess.stored_digits,
        ),
    );
    let gradients: Vec<f64> = y.iter().zip(&w).map(|(y, w)| -y * w).collect();
    let hessians = w.clone();
    let columns: Vec<usize> = (0..width).collect();
    let params = GrowParams {
        num_leaves: leaves,
        max_depth: settings.max_depth,
        min_child_weight: 0.0,
        min_samples_leaf: settings.min_samples_leaf,
        l2: 0.0,
        monotone: Vec::new(),
        node_columns: Some(settings.max_features.columns(width, classification)),
        threads,
        kept_histograms: kept.saturating_sub(threads + 2).max(1),
    };
    let mut rng = SmallRng::seed_from_u64(input.seed);
    let mut trees = Vec::with_capacity(settings.n_trees);
    let (mut oob_sum, mut oob_count) = (vec![0.0; n], vec![0u32; n]);
    for _ in 0..settings.n_trees {
        input.progress.step()?;
        let mut in_bag = vec![false; if settings.bootstrap { n } else { 0 }];
        let rows: Vec<u32> = if settings.bootstrap {
            let mut drawn: Vec<u32> = (0..n).map(|_| rng.gen_range(0..n) as u32).collect();
            drawn.sort_unstable();
            for &r in &drawn {
                in_bag[r as usize] = true;
            }
            drawn
        } else {
            (0..n as u32).collect()
        };
        let mut grown = grow(
            &GrowInput {
                bins: &bins,
                gradients: &gradients,
                hessians: &hessians,
                rows,
                columns: &columns,
            },
            &params,
            &mut rng,
        );
        let tree = &mut grown.tree;
        tree.target_mean = grown
            .sums
            .iter()
            .map(|s| if s.h > 0.0 { -s.g / s.h } else { 0.0 })
            .collect();
        for (node, s) in grown.sums.iter().enumerate() {
            if tree.is_leaf(node) {
                tree.values[node] = if classification {
                    let p = (-s.g + 0.5) / (s.h + 1.0);
                    (p / (1.0 - p)).ln()
                } else {
                    tree.target_mean[node]
                };
            }
        }
        // A split's value is its leaves' weighted mean, as the stored form says.
        internal_values(tree);
        if settings.bootstrap {
            for r in (0..n).filter(|&r| !in_bag[r]) {
                oob_sum[r] += grown.tree.values[grown.leaf_of_bins(bins.row(r), &bins)];
                oob_count[r] += 1;
            }
        }
        trees.push(grown.tree);
    }
    let out_of_bag = if settings.bootstrap {
        out_of_bag_metrics(&oob_sum, &oob_count, &y, classification)
    } else {
        Vec::new()
    };
    Ok((
        preprocessor,
        ForestFit {
            ensemble: Ensemble {
                base: 0.0,
                combine: Combine::Mean,
                trees,
            },
            out_of_bag,
        },
    ))
}

/// The out-of-bag AUC of a classifier (RMSE of a regression) over the rows some tree left
/// out, each scored by the trees that left it out.
fn out_of_bag_metrics(
    sum: &[f64],
    count: &[u32],
    y: &[f64],
    classification: bool,
) -> Vec<(String, f64)> {
    let rows: Vec<usize> = (0..sum.len()).filter(|&r| count[r] > 0).collect();
    let scores: Vec<f64> = rows.iter().map(|&r| sum[r] / f64::from(count[r])).collect();
    if classification {
        let labels: Vec<bool> = rows.iter().map(|&r| y[r] > 0.5).collect();
        metrics::auc(&scores, &labels)
            .map(|auc| vec![("oob_auc".to_owned(), auc)])
            .unwrap_or_default()
    } else if rows.is_empty() {
        Vec::new()
    } else {
        let mse = rows
            .iter()
            .zip(&scores)
            .map(|(&r, s)| (s - y[r]).powi(2))
            .sum::<f64>()
            / rows.len() as f64;
        vec![("oob_rmse".to_owned(), mse.sqrt())]
    }
}
