//! Isolation forest (Liu, Ting & Zhou 2008) for anomaly detection, as scikit-learn's
//! `IsolationForest`: each tree isolates a sample of `sample_size` rows drawn without
//! replacement by random splits (a random non-constant design column, a threshold uniform
//! between its smallest and largest value in the node) down to depth ⌈log2 sample_size⌉;
//! a row's score is 2^(−E[h(x)] / c(sample_size)), with h the depth of the leaf it reaches
//! plus c(rows in that leaf), c(n) the mean path length of an unsuccessful search in a
//! binary search tree of n keys. Scores are in [0, 1]; above 0.5 is anomalous.
//!
//! Written over ndarray (some 200 lines) rather than taken from a crate: linfa has no
//! isolation forest, and the crate that has one (extended-isolation-forest 0.2) fixes the
//! number of features at compile time (`Forest<T, const N: usize>` over `[T; N]` rows),
//! splits on random hyperplanes (the extended variant, not scikit-learn's axis-parallel
//! splits that are the reference here) and cannot be cancelled between trees.

pub mod algorithm;
mod report;

use crate::error::{Error, Result};
use crate::fit::{check_budget, FitInput};
use crate::interrupt;
use crate::json::{bad, count, number_in};
use crate::parallel::parallel_rows;
use crate::preprocess::Preprocessor;
use ndarray::{Array2, ArrayView1, ArrayView2};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The keys of algorithm "isolation_forest".
pub const ISOLATION_FOREST_KEYS: &[&str] = &["n_trees", "sample_size", "contamination"];

/// The most trees a forest grows (`n_trees`).
pub const MAX_TREES: usize = 10_000;
/// The most rows a tree isolates (`sample_size`).
pub const MAX_SAMPLE_SIZE: usize = 1 << 20;

/// Euler–Mascheroni constant, for the harmonic numbers of c(n).
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// Validated isolation-forest parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IsolationForestParams {
    /// Default 100.
    pub n_trees: usize,
    /// Rows each tree isolates (at most the training rows). Default 256.
    pub sample_size: usize,
    /// The share of training rows flagged: the score threshold is their (1 − contamination)
    /// quantile. `None` ("auto", the default): the threshold is 0.5, as in the paper.
    pub contamination: Option<f64>,
}

impl IsolationForestParams {
    pub fn from_options(options: &Map<String, Value>) -> Result<IsolationForestParams> {
        Ok(IsolationForestParams {
            n_trees: options
                .get("n_trees")
                .map_or(Ok(100), |v| count(v, "n_trees", 1, MAX_TREES))?,
            sample_size: options
                .get("sample_size")
                .map_or(Ok(256), |v| count(v, "sample_size", 2, MAX_SAMPLE_SIZE))?,
            contamination: match options.get("contamination") {
                None => None,
                Some(Value::String(s)) if s == "auto" => None,
                Some(v) => Some(
                    number_in(
                        v,
                        "contamination",
                        0.0,
                        0.5,
                        true,
                        r#""auto" or a share in (0, 0.5]"#,
                    )
                    .and_then(|c| {
                        if c > 0.0 {
                            Ok(c)
                        } else {
                            Err(bad("contamination", v, r#""auto" or a share in (0, 0.5]"#))
                        }
                    })?,
                ),
            },
        })
    }
}

/// One node: a split (`feature` ≥ 0) or a leaf holding `size` training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// Per node: the design column split on, or −1 for a leaf.
    pub feature: Vec<i32>,
    /// Per node: rows with a value ≤ threshold go left (a leaf: its row count).
    pub threshold: Vec<f64>,
    /// Per split node: the index of its left child; the right child follows the left
    /// subtree (`right`).
    pub left: Vec<u32>,
    pub right: Vec<u32>,
}

impl Tree {
    /// The path length of a design row: the depth of its leaf plus c(rows in the leaf).
    fn path_length(&self, row: ArrayView1<'_, f64>) -> f64 {
        let mut node = 0usize;
        let mut depth = 0.0;
        loop {
            let feature = self.feature[node];
            if feature < 0 {
                return depth + average_path(self.threshold[node]);
            }
            node = if row[feature as usize] <= self.threshold[node] {
                self.left[node] as usize
            } else {
                self.right[node] as usize
            };
            depth += 1.0;
        }
    }
}

/// Rows scored tree by tree at a time: 256 rows of 20 columns (40 kB) stay in cache while
/// each tree's nodes are walked for all of them.
const SCORE_BLOCK_ROWS: usize = 256;

/// Rows that walk a tree side by side.
const WALK_LANES: usize = 4;

/// A forest laid out for scoring many rows: each node's fields side by side (one cache
/// line, where the four arrays of a stored tree cost four), and a leaf's c(rows) computed
/// once (a logarithm at every leaf reached was a fifth of the scoring).
struct PackedForest {
    nodes: Vec<PackedNode>,
    /// Each tree's root in `nodes`.
    roots: Vec<usize>,
}

#[derive(Clone, Copy)]
struct PackedNode {
    /// The split's threshold, or a leaf's c(rows).
    value: f64,
    /// The split's design column; -1 for a leaf.
    feature: i32,
    left: u32,
    right: u32,
}

impl PackedForest {
    fn new(forest: &IsolationForest) -> PackedForest {
        let mut packed = PackedForest {
            nodes: Vec::with_capacity(forest.trees.iter().map(|t| t.feature.len()).sum()),
            roots: Vec::with_capacity(forest.trees.len()),
        };
        for tree in &forest.trees {
            let base = packed.nodes.len();
            packed.roots.push(base);
            packed.nodes.extend((0..tree.feature.len()).map(|node| {
                let leaf = tree.feature[node] < 0;
                // shape_mismatch has checked every child is inside the tree, after its parent.
                let child = |c: u32| u32::try_from(base + c as usize).unwrap_or(u32::MAX);
                PackedNode {
                    value: if leaf {
                        average_path(tree.threshold[node])
                    } else {
                        tree.threshold[node]
                    },
                    feature: tree.feature[node],
                    left: child(tree.left[node]),
                    right: child(tree.right[node]),
                }
            }));
        }
        packed
    }

    /// Adds up, for each row of `block` (rows of `width` values), its path length in every
    /// tree, in the order of the trees (the sums [`IsolationForest::score`] makes).
    fn path_sums(&self, block: &[f64], width: usize, sums: &mut [f64]) {
        sums.fill(0.0);
        let width = width.max(1);
        for &root in &self.roots {
            // WALK_LANES rows walk the tree together: their loads do not wait on each other.
            let lanes = sums.len() / WALK_LANES * WALK_LANES;
            for (sum, rows) in sums[..lanes]
                .chunks_exact_mut(WALK_LANES)
                .zip(block.chunks_exact(width * WALK_LANES))
            {
                let mut nodes = [self.nodes[root]; WALK_LANES];
                let mut depths = [0.0; WALK_LANES];
                loop {
                    let mut walking = false;
                    for k in 0..WALK_LANES {
                        let node = nodes[k];
                        if node.feature >= 0 {
                            let row = &rows[k * width..(k + 1) * width];
                            nodes[k] = self.child(node, row);
                            depths[k] += 1.0;
                            walking = true;
                        }
                    }
                    if !walking {
                        break;
                    }
                }
                for k in 0..WALK_LANES {
                    sum[k] += depths[k] + nodes[k].value;
                }
            }
            for (sum, row) in sums[lanes..]
                .iter_mut()
                .zip(block[lanes * width..].chunks_exact(width))
            {
                let mut node = self.nodes[root];
                let mut depth = 0.0;
                while node.feature >= 0 {
                    node = self.child(node, row);
                    depth += 1.0;
                }
                *sum += depth + node.value;
            }
        }
    }

    /// The child of a split node that `row` goes to.
    #[inline]
    fn child(&self, node: PackedNode, row: &[f64]) -> PackedNode {
        let next = if row[node.feature as usize] <= node.value {
            node.left
        } else {
            node.right
        };
        self.nodes[next as usize]
    }
}

/// c(n): the average path length of an unsuccessful search among n keys.
pub fn average_path(n: f64) -> f64 {
    if n <= 1.0 {
        0.0
    } else if n <= 2.0 {
        1.0
    } else {
        2.0 * ((n - 1.0).ln() + EULER_GAMMA) - 2.0 * (n - 1.0) / n
    }
}

/// A fitted isolation forest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IsolationForest {
    pub trees: Vec<Tree>,
    /// The rows each tree isolated (the normalizer c(sample_size)).
    pub sample_size: usize,
    /// Scores above it are flagged.
    pub threshold: f64,
    /// The contamination asked for (`None`: auto).
    pub contamination: Option<f64>,
    /// Share of training rows above the threshold.
    pub flagged_share: f64,
}

impl IsolationForest {
    /// The anomaly score of one design row, in [0, 1].
    pub fn score(&self, row: ArrayView1<'_, f64>) -> f64 {
        let sum = self.trees.iter().map(|t| t.path_length(row)).sum::<f64>();
        self.score_of_sum(sum)
    }

    /// The score of a row whose path lengths add up to `sum`.
    fn score_of_sum(&self, sum: f64) -> f64 {
        let mean = sum / self.trees.len().max(1) as f64;
        2f64.powf(-mean / average_path(self.sample_size as f64))
    }

    pub fn outputs(&self, x: &Array2<f64>) -> Vec<f64> {
        self.scores(x.view(), 1)
    }

    /// The score of every row of `x` (each equal to [`score`](Self::score)'s), on `threads`
    /// threads, tree by tree over blocks of rows ([`PackedForest`]).
    fn scores(&self, x: ArrayView2<'_, f64>, threads: usize) -> Vec<f64> {
        let x = x.as_standard_layout();
        let width = x.ncols();
        let values = x.as_slice().unwrap_or_default();
        let packed = PackedForest::new(self);
        parallel_rows(x.nrows(), threads, |range| {
            let mut scores = Vec::with_capacity(range.len());
            let mut sums = [0.0; SCORE_BLOCK_ROWS];
            for start in range.clone().step_by(SCORE_BLOCK_ROWS) {
                interrupt::check();
                let end = (start + SCORE_BLOCK_ROWS).min(range.end);
                let block = &values[start * width..end * width];
                let sums = &mut sums[..end - start];
                packed.path_sums(block, width, sums);
                scores.extend(sums.iter().map(|&sum| self.score_of_sum(sum)));
            }
            scores
        })
        .concat()
    }

    pub fn first_invalid_parameter(&self) -> Option<String> {
        // Scores lie in [0, 1]: a threshold outside flags every row or none.
        let share = |x: f64| (0.0..=1.0).contains(&x);
        if !share(self.threshold) {
            return Some(format!("the threshold ({})", self.threshold));
        }
        if !share(self.flagged_share) {
            return Some(format!("the flagged_share ({})", self.flagged_share));
        }
        if let Some(c) = self.contamination {
            if !(c > 0.0 && c <= 0.5) {
                return Some(format!("the contamination ({c})"));
            }
        }
        self.trees
            .iter()
            .position(|t| t.threshold.iter().any(|v| !v.is_finite()))
            .map(|t| format!("a threshold of tree {t}"))
    }

    /// What does not fit a design of `width` columns (the stored bytes may have been
    /// edited): more trees or a larger sample than training makes (`sample_size` normalizes
    /// every score), a tree without nodes, a split on a column outside the design, a child
    /// that does not come after its parent inside the tree, or a leaf holding more rows
    /// than the sample.
    pub fn shape_mismatch(&self, width: usize) -> Option<String> {
        if self.trees.is_empty() || self.trees.len() > MAX_TREES {
            return Some(format!(
                "the forest has {} trees; training grows 1 to {MAX_TREES}",
                self.trees.len()
            ));
        }
        if !(2..=MAX_SAMPLE_SIZE).contains(&self.sample_size) {
            return Some(format!(
                "the sample_size {} is not in 2..{MAX_SAMPLE_SIZE}",
                self.sample_size
            ));
        }
        for (t, tree) in self.trees.iter().enumerate() {
            let nodes = tree.feature.len();
            if nodes == 0 {
                return Some(format!("tree {t} has no nodes"));
            }
            if tree.threshold.len() != nodes
                || tree.left.len() != nodes
                || tree.right.len() != nodes
            {
                return Some(format!("tree {t} has arrays of different lengths"));
            }
            for node in 0..nodes {
                let f = tree.feature[node];
                if f < -1 || usize::try_from(f).is_ok_and(|f| f >= width) {
                    return Some(format!(
                        "tree {t} node {node} splits on design column {f} of {width}"
                    ));
                }
                if f < 0 {
                    let rows = tree.threshold[node];
                    if !(1.0..=self.sample_size as f64).contains(&rows) {
                        return Some(format!(
                            "tree {t} node {node} is a leaf of {rows} rows, of a sample of {}",
                            self.sample_size
                        ));
                    }
                    continue;
                }
                // Children come after their parent: a walk always ends at a leaf.
                if [tree.left[node], tree.right[node]]
                    .iter()
                    .any(|&c| c as usize <= node || c as usize >= nodes)
                {
                    return Some(format!("tree {t} node {node} has a child outside the tree"));
                }
            }
        }
        None
    }

    pub fn metrics(&self) -> Vec<(String, f64)> {
        vec![
            ("n_trees".to_owned(), self.trees.len() as f64),
            ("sample_size".to_owned(), self.sample_size as f64),
            ("threshold".to_owned(), self.threshold),
            ("flagged_share".to_owned(), self.flagged_share),
        ]
    }
}

/// Grows one tree over the sample `rows` of `x`.
fn grow(x: ArrayView2<'_, f64>, rows: &mut [usize], max_depth: usize, rng: &mut SmallRng) -> Tree {
    let mut tree = Tree {
        feature: Vec::new(),
        threshold: Vec::new(),
        left: Vec::new(),
        right: Vec::new(),
    };
    let mut candidates: Vec<usize> = Vec::with_capacity(x.ncols());
    grow_node(x, rows, 0, max_depth, rng, &mut tree, &mut candidates);
    tree
}

fn grow_node(
    x: ArrayView2<'_, f64>,
    rows: &mut [usize],
    depth: usize,
    max_depth: usize,
    rng: &mut SmallRng,
    tree: &mut Tree,
    candidates: &mut Vec<usize>,
) -> usize {
    let node = tree.feature.len();
    tree.feature.push(-1);
    tree.threshold.push(rows.len() as f64);
    tree.left.push(0);
    tree.right.push(0);
    if depth >= max_depth || rows.len() <= 1 {
        return node;
    }
    // A random column among those not constant in the node (scikit-learn's random splitter
    // draws until it finds one).
    candidates.clear();
    candidates.extend(0..x.ncols());
    let split = loop {
        if candidates.is_empty() {
            break None;
        }
        let pick = rng.gen_range(0..candidates.len());
        let feature = candidates.swap_remove(pick);
        let (low, high) = rows
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &r| {
                let v = x[[r, feature]];
                (l.min(v), h.max(v))
            });
        if high > low {
            let mut threshold = low + rng.gen::<f64>() * (high - low);
            if threshold >= high {
                threshold = low;
            }
            break Some((feature, threshold));
        }
    };
    let Some((feature, threshold)) = split else {
        return node;
    };
    let mut at = 0;
    for i in 0..rows.len() {
        if x[[rows[i], feature]] <= threshold {
            rows.swap(i, at);
            at += 1;
        }
    }
    let (left_rows, right_rows) = rows.split_at_mut(at);
    tree.feature[node] = feature as i32;
    tree.threshold[node] = threshold;
    let left = grow_node(x, left_rows, depth + 1, max_depth, rng, tree, candidates);
    let right = grow_node(x, right_rows, depth + 1, max_depth, rng, tree, candidates);
    tree.left[node] = left as u32;
    tree.right[node] = right as u32;
    node
}

/// Fits the preprocessing and the forest on the training rows; scores every training row
/// for the contamination threshold and the flagged share.
pub fn fit_estimator(
    input: &mut FitInput<'_>,
    params: &IsolationForestParams,
) -> Result<(Preprocessor, IsolationForest)> {
    let (preprocessor, x) = crate::linear::dense_design(input, "the isolation forest")?;
    let rows = input.train.len();
    if rows < 2 {
        return Err(Error::invalid_data(format!(
            "an isolation forest needs at least 2 training rows; there are {rows}"
        ))
        .with_hint("train on a relation with more rows"));
    }
    let sample_size = params.sample_size.min(rows);
    if sample_size < params.sample_size {
        input.notes.push(format!(
            "sample_size {} is more than the {rows} training rows: each tree isolates all of them",
            params.sample_size
        ));
    }
    check_forest_memory(input, x.len(), params.n_trees, sample_size)?;
    let max_depth = (sample_size as f64).log2().ceil().max(1.0) as usize;
    let mut rng = SmallRng::seed_from_u64(input.seed);
    let mut trees = Vec::with_capacity(params.n_trees);
    for _ in 0..params.n_trees {
        interrupt::check();
        let mut sample = rand::seq::index::sample(&mut rng, rows, sample_size).into_vec();
        trees.push(grow(x.view(), &mut sample, max_depth, &mut rng));
    }
    let mut forest = IsolationForest {
        trees,
        sample_size,
        threshold: 0.5,
        contamination: params.contamination,
        flagged_share: 0.0,
    };
    let scores = forest.scores(x.view(), input.limits.threads);
    if let Some(c) = params.contamination {
        forest.threshold = quantile(&mut scores.clone(), 1.0 - c);
    }
    forest.flagged_share =
        scores.iter().filter(|&&s| s > forest.threshold).count() as f64 / rows as f64;
    Ok((preprocessor, forest))
}

/// Bytes a node of a tree holds: its feature, threshold and two children.
const NODE_BYTES: usize =
    std::mem::size_of::<i32>() + std::mem::size_of::<f64>() + 2 * std::mem::size_of::<u32>();

/// 54000 unless the forest fits finml.max_training_memory with the data and its design
/// (`design_cells` numbers): each of its trees can grow 2·sample_size − 1 nodes, and scoring
/// the training rows holds two scores each (the threads' parts and their concatenation, or
/// the scores and a copy reordered for the threshold). Ten thousand trees of a large sample
/// are gigabytes.
fn check_forest_memory(
    input: &FitInput<'_>,
    design_cells: usize,
    n_trees: usize,
    sample_size: usize,
) -> Result<()> {
    let rows = input.train.len();
    let trees = n_trees
        .saturating_mul(sample_size.saturating_mul(2))
        .saturating_mul(NODE_BYTES);
    let needed = input
        .data_bytes()
        .saturating_add(design_cells.saturating_mul(8))
        .saturating_add(trees)
        .saturating_add(rows.saturating_mul(2 * 8));
    input.claim(check_budget(
        needed,
        input.limits,
        || format!("an isolation forest of {n_trees} trees of {sample_size} rows"),
        "lower n_trees or sample_size (100 trees of 256 rows is the usual forest), or raise finml.max_training_memory",
    )?);
    Ok(())
}

/// The q-quantile of `values` (reordered), linearly interpolated (numpy's default, which
/// scikit-learn's percentile threshold uses).
fn quantile(values: &mut [f64], q: f64) -> f64 {
    let position = q * (values.len() - 1) as f64;
    let below = position.floor() as usize;
    // The two order statistics the interpolation needs, without sorting all the values.
    let (_, &mut low, above) = values.select_nth_unstable_by(below, f64::total_cmp);
    let high = above.iter().copied().min_by(f64::total_cmp).unwrap_or(low);
    low + (position - below as f64) * (high - low)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_path_matches_the_paper() {
        assert_eq!(average_path(1.0), 0.0);
        assert_eq!(average_path(2.0), 1.0);
        // c(256) = 2 H(255) − 2 · 255 / 256 with H(i) ≈ ln i + γ: 10.2448.
        assert!((average_path(256.0) - 10.244_770).abs() < 1e-5);
    }

    #[test]
    fn an_isolated_point_scores_highest_and_trees_are_well_formed() {
        let mut rng = SmallRng::seed_from_u64(3);
        let mut x = Array2::zeros((501, 2));
        for i in 0..500 {
            x[[i, 0]] = rng.gen::<f64>();
            x[[i, 1]] = rng.gen::<f64>();
        }
        x[[500, 0]] = 8.0;
        x[[500, 1]] = 8.0;
        let mut trees = Vec::new();
        for _ in 0..100 {
            let mut sample = rand::seq::index::sample(&mut rng, 501, 256).into_vec();
            trees.push(grow(x.view(), &mut sample, 8, &mut rng));
        }
        let forest = IsolationForest {
            trees,
            sample_size: 256,
            threshold: 0.5,
            contamination: None,
            flagged_share: 0.0,
        };
        assert_eq!(forest.shape_mismatch(2), None);
        assert!(forest.shape_mismatch(1).is_some());
        let scores = forest.scores(x.view(), 2);
        let top = (0..501)
            .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))
            .unwrap();
        assert_eq!(top, 500);
        assert!(scores[500] > 0.6, "{}", scores[500]);
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
        // The packed, tree-by-tree scoring of many rows equals one row's walk exactly.
        for (i, &s) in scores.iter().enumerate() {
            assert_eq!(s.to_bits(), forest.score(x.row(i)).to_bits(), "row {i}");
        }
    }

    #[test]
    fn quantile_interpolates_as_numpy() {
        assert_eq!(quantile(&mut [4.0, 2.0, 1.0, 3.0], 0.5), 2.5);
        assert_eq!(quantile(&mut [1.0, 2.0, 3.0, 4.0], 1.0), 4.0);
        assert_eq!(quantile(&mut [3.0, 1.0, 4.0, 1.5, 9.0], 0.9), 7.0);
    }
}
