//! Decision trees over a design row, shared by the tree algorithms (gbdt, random_forest,
//! tree): the stored tree, its output, its structure checks, histogram growth (`grow`),
//! the binned training data it grows on (`bins`), exact path-dependent TreeSHAP (`shap`),
//! and a tree as readable rules and as SQL (`rules`).
//!
//! A tree is stored as parallel node arrays, the dictionary form of the `shap` package's
//! `TreeExplainer` (children_left, children_right, children_default, features, thresholds,
//! values, node_sample_weight): node 0 is the root; a leaf has no children (-1); an internal
//! node sends a row left when its column's value is below the threshold, and a missing value
//! (NaN: a NULL the preprocessing kept) to its default child. Every child comes after its
//! parent, which makes a tree acyclic by construction and checkable in one pass.

pub mod bins;
pub mod fit;
pub mod grow;
pub mod rules;
pub mod shap;

use serde::{Deserialize, Serialize};

/// The deepest tree finml grows or reads: TreeSHAP and the SQL form recurse once per level.
pub const MAX_TREE_DEPTH: usize = 64;
/// The most nodes one tree may hold (a stored tree is checked against it before use).
pub const MAX_TREE_NODES: usize = 1 << 20;
/// The most trees one model may hold.
pub const MAX_TREES: usize = 10_000;

/// One tree's nodes, as parallel arrays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// The left child of each node; -1 for a leaf.
    pub children_left: Vec<i32>,
    /// The right child of each node; -1 for a leaf.
    pub children_right: Vec<i32>,
    /// Where a missing value goes: the left or the right child's index; -1 for a leaf.
    pub children_default: Vec<i32>,
    /// The design column each internal node splits on (0 at a leaf).
    pub features: Vec<u32>,
    /// Rows whose value is below it go left (0 at a leaf).
    pub thresholds: Vec<f64>,
    /// Each node's output: at a leaf, what the tree adds for a row that ends there; at an
    /// internal node, the cover-weighted mean of its leaves' (reports only).
    pub values: Vec<f64>,
    /// The training weight that reached each node (rows, when no row is weighed): the
    /// distribution path-dependent TreeSHAP integrates over.
    pub node_sample_weight: Vec<f64>,
    /// The weighted mean of the target at each node over the rows it grew on (event rate of
    /// a classifier), for the rules of a single tree or a forest; empty for boosted trees,
    /// whose nodes fit gradients.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_mean: Vec<f64>,
}

impl Tree {
    /// A tree of one leaf.
    pub fn leaf(value: f64, weight: f64) -> Tree {
        Tree {
            children_left: vec![-1],
            children_right: vec![-1],
            children_default: vec![-1],
            features: vec![0],
            thresholds: vec![0.0],
            values: vec![value],
            node_sample_weight: vec![weight],
            target_mean: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.children_left.len()
    }

    pub fn is_empty(&self) -> bool {
        self.children_left.is_empty()
    }

    pub fn is_leaf(&self, node: usize) -> bool {
        self.children_left[node] < 0
    }

    /// The child a row with value `x` of the node's column goes to.
    #[inline]
    pub fn next(&self, node: usize, x: f64) -> usize {
        let child = if x.is_nan() {
            self.children_default[node]
        } else if x < self.thresholds[node] {
            self.children_left[node]
        } else {
            self.children_right[node]
        };
        child as usize
    }

    /// The leaf a design row ends in.
    #[inline]
    pub fn leaf_of(&self, row: &[f64]) -> usize {
        let mut node = 0;
        while self.children_left[node] >= 0 {
            node = self.next(node, row[self.features[node] as usize]);
        }
        node
    }

    /// The tree's output for a design row.
    #[inline]
    pub fn output(&self, row: &[f64]) -> f64 {
        self.values[self.leaf_of(row)]
    }

    /// The number of leaves.
    pub fn leaves(&self) -> usize {
        self.children_left.iter().filter(|&&c| c < 0).count()
    }

    /// The depth of its deepest leaf (a single leaf: 0); call on a checked tree.
    pub fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.len()];
        let mut deepest = 0;
        for node in 0..self.len() {
            if !self.is_leaf(node) {
                for child in [self.children_left[node], self.children_right[node]] {
                    depth[child as usize] = depth[node] + 1;
                    deepest = deepest.max(depth[node] + 1);
                }
            }
        }
        deepest
    }

    /// The cover-weighted mean of its leaves' values: the tree's expected output over the
    /// rows it grew on (TreeSHAP's expected value).
    pub fn expected_value(&self) -> f64 {
        let total = self.node_sample_weight[0];
        if total <= 0.0 {
            return self.values[0];
        }
        (0..self.len())
            .filter(|&n| self.is_leaf(n))
            .map(|n| self.values[n] * self.node_sample_weight[n] / total)
            .sum()
    }

    /// What does not make this a tree over `width` design columns (a stored tree may have
    /// been edited by hand): arrays of different lengths, a child that is not after its
    /// parent or has two parents, a node nothing reaches, a default that is neither child, a
    /// column out of range, a number that is not finite, a negative weight, too deep.
    pub fn structure_problem(&self, width: usize) -> Option<String> {
        let n = self.len();
        if n == 0 || n > MAX_TREE_NODES {
            return Some(format!("a tree has {n} nodes (1 to {MAX_TREE_NODES})"));
        }
        let lengths = [
            self.children_right.len(),
            self.children_default.len(),
            self.features.len(),
            self.thresholds.len(),
            self.values.len(),
            self.node_sample_weight.len(),
        ];
        if lengths.iter().any(|&l| l != n)
            || !(self.target_mean.is_empty() || self.target_mean.len() == n)
        {
            return Some("a tree's node arrays have different lengths".to_owned());
        }
        let mut parents = vec![0u8; n];
        let mut depth = vec![0usize; n];
        for node in 0..n {
            let (left, right, default) = (
                self.children_left[node],
                self.children_right[node],
                self.children_default[node],
            );
            if (left < 0) != (right < 0) {
                return Some(format!("tree node {node} has one child"));
            }
            if left < 0 {
                if default >= 0 {
                    return Some(format!("leaf {node} has a default child"));
                }
                continue;
            }
            for child in [left, right] {
                let child = child as usize;
                if child <= node || child >= n {
                    return Some(format!(
                        "tree node {node} has child {child}, which is not after it"
                    ));
                }
                parents[child] += 1;
                if parents[child] > 1 {
                    return Some(format!("tree node {child} has two parents"));
                }
                depth[child] = depth[node] + 1;
                if depth[child] > MAX_TREE_DEPTH {
                    return Some(format!("a tree is deeper than {MAX_TREE_DEPTH} levels"));
                }
            }
            if default != left && default != right {
                return Some(format!(
                    "tree node {node}'s default child is neither of its children"
                ));
            }
            if self.features[node] as usize >= width {
                return Some(format!(
                    "tree node {node} splits on design column {}, past the design's {width}",
                    self.features[node]
                ));
            }
            if !self.thresholds[node].is_finite() {
                return Some(format!("tree node {node}'s threshold is not finite"));
            }
        }
        for node in (0..n).filter(|&k| !self.is_leaf(k)) {
            // TreeSHAP's expected value is the leaves' cover-weighted mean only when each
            // node's cover is its children's sum.
            let cover = self.node_sample_weight[node];
            let children = self.node_sample_weight[self.children_left[node] as usize]
                + self.node_sample_weight[self.children_right[node] as usize];
            let root_empty = node == 0 && cover <= 0.0;
            if root_empty || (cover - children).abs() > 1e-9 * cover.max(children) {
                return Some(format!(
                    "tree node {node}'s weight {cover} is not its children's sum {children}"
                ));
            }
        }
        if let Some(orphan) = (1..n).find(|&k| parents[k] == 0) {
            return Some(format!("tree node {orphan} is reached from no node"));
        }
        if self.values.iter().any(|v| !v.is_finite())
            || self.target_mean.iter().any(|v| !v.is_finite())
        {
            return Some("a tree's node value is not finite".to_owned());
        }
        if self
            .node_sample_weight
            .iter()
            .any(|w| !(w.is_finite() && *w >= 0.0))
        {
            return Some("a tree's node weight is negative or not finite".to_owned());
        }
        None
    }
}

/// How an ensemble combines its trees' outputs into the output unit (log-odds of a
/// classifier, value of a regression).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    /// base + Σ trees (boosting).
    Sum,
    /// base + mean of trees (a forest, a single tree).
    Mean,
}

/// Trees and how they add up: what a tree algorithm's estimator holds and stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ensemble {
    /// The output before any tree (boosting's initial score).
    pub base: f64,
    pub combine: Combine,
    pub trees: Vec<Tree>,
}

impl Ensemble {
    /// The trees' weight in the output.
    pub fn tree_weight(&self) -> f64 {
        match self.combine {
            Combine::Sum => 1.0,
            Combine::Mean => 1.0 / self.trees.len().max(1) as f64,
        }
    }

    /// The output unit of one design row: the trees added in order, then weighed (the SQL
    /// form adds them in the same order, so both give the same double).
    pub fn output(&self, row: &[f64]) -> f64 {
        let mut sum = 0.0;
        for tree in &self.trees {
            sum += tree.output(row);
        }
        self.finish(sum)
    }

    /// The output unit from the sum of the trees' outputs.
    #[inline]
    pub fn finish(&self, sum: f64) -> f64 {
        match self.combine {
            Combine::Sum => self.base + sum,
            Combine::Mean => self.base + sum / self.trees.len().max(1) as f64,
        }
    }

    /// The expected output over the training rows: TreeSHAP's base value.
    pub fn expected_value(&self) -> f64 {
        let mut sum = 0.0;
        for tree in &self.trees {
            sum += tree.expected_value();
        }
        self.finish(sum)
    }

    /// How many rows' TreeSHAP fit in `steps` (Σ over trees of leaves × depth², the
    /// algorithm's cost), between `fewest` and `most`.
    pub fn shap_rows(&self, steps: f64, fewest: usize, most: usize) -> usize {
        let per_row: f64 = self
            .trees
            .iter()
            .map(|t| {
                let depth = t.depth().max(1) as f64;
                t.leaves() as f64 * depth * depth
            })
            .sum();
        let rows = (steps / per_row.max(1.0)) as usize;
        rows.clamp(fewest.min(most), most)
    }

    /// What does not make this an ensemble over `width` design columns.
    pub fn structure_problem(&self, width: usize) -> Option<String> {
        if self.trees.is_empty() || self.trees.len() > MAX_TREES {
            return Some(format!(
                "it has {} trees (1 to {MAX_TREES})",
                self.trees.len()
            ));
        }
        if !self.base.is_finite() {
            return Some("its base score is not finite".to_owned());
        }
        // Every output is a sum of one leaf per tree: bounded by the largest leaves.
        let bound: f64 = self.base.abs()
            + self
                .trees
                .iter()
                .map(|t| t.values.iter().fold(0.0f64, |m, v| m.max(v.abs())))
                .sum::<f64>();
        if bound.is_nan() || bound >= 1e300 {
            return Some("its trees' outputs can add up past double precision".to_owned());
        }
        self.trees.iter().find_map(|t| t.structure_problem(width))
    }
}

/// Trees a packed prediction walks side by side: their walks do not wait on each other, so
/// the processor overlaps them.
const LANES: usize = 8;

/// One node of a packed tree: a split's column, threshold and three children (node numbers
/// within its tree). A leaf is its own child on every side, so that a walk of a fixed number
/// of steps stays on it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PackedNode {
    threshold: f64,
    feature: u32,
    left: u32,
    right: u32,
    default: u32,
}

/// An ensemble's trees as one array of 24-byte nodes, each tree's after the previous one's,
/// for prediction: a node's fields in one cache line, a child chosen without a branch, and
/// `LANES` trees walked together for as many steps as the deepest of them has levels (the
/// parallel arrays of the stored form read five lines a node, a split's side is as
/// unpredictable as the data, and one walk at a time waits on each load). It adds the
/// leaves in tree order: exactly `Ensemble::output`.
#[derive(Debug, Clone, PartialEq)]
pub struct PackedTrees {
    nodes: Vec<PackedNode>,
    /// Each node's leaf value (0 at a split).
    values: Vec<f64>,
    /// Where each tree's nodes start.
    roots: Vec<usize>,
    /// The levels of each group of `LANES` trees' deepest.
    group_depths: Vec<usize>,
    base: f64,
    combine: Combine,
}

impl PackedTrees {
    /// The packed form of an ensemble; none of one whose structure is broken (a stored model
    /// is read before it is checked, and the check then refuses it).
    pub fn of(ensemble: &Ensemble) -> PackedTrees {
        let mut packed = PackedTrees {
            nodes: Vec::new(),
            values: Vec::new(),
            roots: Vec::new(),
            group_depths: Vec::new(),
            base: ensemble.base,
            combine: ensemble.combine,
        };
        if ensemble.structure_problem(usize::MAX).is_none() {
            packed.pack(ensemble);
        }
        packed
    }

    fn pack(&mut self, ensemble: &Ensemble) {
        for group in ensemble.trees.chunks(LANES) {
            self.group_depths
                .push(group.iter().map(Tree::depth).max().unwrap_or(0));
        }
        for tree in &ensemble.trees {
            self.roots.push(self.nodes.len());
            for node in 0..tree.len() {
                let leaf = tree.is_leaf(node);
                let child = |c: i32| if leaf { node as u32 } else { c as u32 };
                self.nodes.push(PackedNode {
                    threshold: tree.thresholds[node],
                    feature: if leaf { 0 } else { tree.features[node] },
                    left: child(tree.children_left[node]),
                    right: child(tree.children_right[node]),
                    default: child(tree.children_default[node]),
                });
                self.values.push(if leaf { tree.values[node] } else { 0.0 });
            }
        }
    }

    /// The output unit of one design row, as `Ensemble::output` computes it.
    pub fn output(&self, row: &[f64]) -> f64 {
        let mut sum = 0.0;
        for (group, &depth) in self.roots.chunks(LANES).zip(&self.group_depths) {
            let mut at = [0u32; LANES];
            for _ in 0..depth {
                for (node, &root) in at.iter_mut().zip(group) {
                    let n = &self.nodes[root + *node as usize];
                    let x = row.get(n.feature as usize).copied().unwrap_or(f64::NAN);
                    let other = if x.is_nan() { n.default } else { n.right };
                    *node = if x < n.threshold { n.left } else { other };
                }
            }
            for (node, &root) in at.iter().zip(group) {
                sum += self.values[root + *node as usize];
            }
        }
        match self.combine {
            Combine::Sum => self.base + sum,
            Combine::Mean => self.base + sum / self.roots.len().max(1) as f64,
        }
    }
}
