//! Exact path-dependent TreeSHAP: Lundberg, Erion, Lee et al. (2020), "From local
//! explanations to global understanding with explainable AI for trees", Algorithm 2, as the
//! `shap` package's C++ `tree_shap_recursive` runs it.
//!
//! The value of a set S of design columns is the tree's output with the columns of S fixed to
//! the row's values and the others integrated over the training distribution the covers
//! describe: at a split on a column outside S both children count, each weighed by its share
//! of the node's cover (its "zero fraction"); at a split on a column of S only the child the
//! row goes to counts (its "one fraction" is 1, the other's 0). A column's SHAP value is its
//! Shapley value in that game. The recursion carries, for each column met on the path from
//! the root, the weights of every subset size of the others (EXTEND adds a column, UNWIND takes
//! one out again), so that a tree costs O(leaves × depth²) instead of O(2^columns).
//!
//! The path buffer holds, one after the other, the path at each level of the recursion: a
//! node at depth d has at most d + 1 entries (the root's placeholder and one per distinct
//! column above it), so a tree of depth D needs (D + 1)(D + 2)/2 entries, allocated once.
//!
//! A node of zero cover gives its children zero fractions of 0 (no division); a child both of
//! whose fractions are 0 adds to no subset's value and is skipped, so that no weight is ever
//! divided by a zero fraction. The output is exact (completeness: the tree's expected value +
//! Σ SHAP values = its output) when each internal node's cover is the sum of its children's,
//! as it is for a grown tree.

use super::{Ensemble, Tree};

/// One column on the current path: its fractions and the weight of the subsets of its size.
#[derive(Debug, Clone, Copy, Default)]
struct PathElement {
    /// The design column; `NO_COLUMN` for the root's placeholder.
    column: u32,
    /// The share of the training cover that follows the path through this column's splits.
    zero: f64,
    /// 1 when the row follows the path through this column's splits, else 0.
    one: f64,
    /// The weight of the subsets of the path's other columns of this element's size.
    weight: f64,
}

const NO_COLUMN: u32 = u32::MAX;

/// The path entries a tree of this depth needs.
fn path_len(depth: usize) -> usize {
    (depth + 1) * (depth + 2) / 2
}

/// Adds `weight` × each design column's SHAP value of `tree` for `row` into `phi` (indexed by
/// design column; `phi.len() == row.len()`). A tree of one leaf adds nothing. The tree must
/// pass `Tree::structure_problem` for `row.len()` columns.
pub fn tree_shap(tree: &Tree, row: &[f64], weight: f64, phi: &mut [f64]) {
    let mut path = vec![PathElement::default(); path_len(tree.depth())];
    run(tree, row, weight, phi, &mut path);
}

/// Each design column's contribution to the ensemble's output for `row`: the SHAP values of
/// its trees, each weighed by `Ensemble::tree_weight`, so that
/// `ensemble.expected_value() + Σ contributions == ensemble.output(row)`.
pub fn ensemble_shap(ensemble: &Ensemble, row: &[f64]) -> Vec<f64> {
    let mut phi = vec![0.0; row.len()];
    let depth = ensemble.trees.iter().map(Tree::depth).max().unwrap_or(0);
    let mut path = vec![PathElement::default(); path_len(depth)];
    let weight = ensemble.tree_weight();
    for tree in &ensemble.trees {
        run(tree, row, weight, &mut phi, &mut path);
    }
    phi
}

/// `tree_shap` with a path buffer of at least `path_len(tree.depth())` entries.
fn run(tree: &Tree, row: &[f64], weight: f64, phi: &mut [f64], path: &mut [PathElement]) {
    debug_assert_eq!(row.len(), phi.len());
    if tree.is_leaf(0) {
        return;
    }
    extend(path, 0, 1.0, 1.0, NO_COLUMN);
    let mut walk = Walk {
        tree,
        row,
        weight,
        phi,
        path,
    };
    walk.node(0, 0, 0);
}

/// One tree's recursion over one row.
struct Walk<'a> {
    tree: &'a Tree,
    row: &'a [f64],
    weight: f64,
    phi: &'a mut [f64],
    path: &'a mut [PathElement],
}

impl Walk<'_> {
    /// Visits `node`, whose path is `path[start..=start + depth]` (`depth` distinct columns
    /// after the root's placeholder).
    fn node(&mut self, node: usize, start: usize, depth: usize) {
        let tree = self.tree;
        if tree.is_leaf(node) {
            let path = &self.path[start..=start + depth];
            let value = tree.values[node] * self.weight;
            for i in 1..=depth {
                let element = path[i];
                let w = unwound_sum(path, depth, i);
                self.phi[element.column as usize] += w * (element.one - element.zero) * value;
            }
            return;
        }
        let column = tree.features[node];
        let hot = tree.next(node, self.row[column as usize]);
        let cold = if hot as i32 == tree.children_left[node] {
            tree.children_right[node] as usize
        } else {
            tree.children_left[node] as usize
        };
        let cover = tree.node_sample_weight[node];
        let (hot_zero, cold_zero) = if cover > 0.0 {
            (
                tree.node_sample_weight[hot] / cover,
                tree.node_sample_weight[cold] / cover,
            )
        } else {
            (0.0, 0.0)
        };
        // A column split on above: take it out of the path and put it back with both splits'
        // fractions multiplied.
        let mut incoming_zero = 1.0;
        let mut incoming_one = 1.0;
        let mut depth = depth;
        let path = &mut self.path[start..=start + depth];
        if let Some(i) = (1..=depth).find(|&i| path[i].column == column) {
            incoming_zero = path[i].zero;
            incoming_one = path[i].one;
            unwind(path, depth, i);
            depth -= 1;
        }
        self.child(
            hot,
            start,
            depth,
            hot_zero * incoming_zero,
            incoming_one,
            column,
        );
        self.child(cold, start, depth, cold_zero * incoming_zero, 0.0, column);
    }

    /// Visits `child` with its parent's path (`path[start..=start + depth]`) extended by
    /// `column`'s fractions; its path goes right after the parent's, which stays intact for
    /// the other child.
    fn child(
        &mut self,
        child: usize,
        start: usize,
        depth: usize,
        zero: f64,
        one: f64,
        column: u32,
    ) {
        if zero == 0.0 && one == 0.0 {
            return;
        }
        let child_start = start + depth + 1;
        self.path.copy_within(start..child_start, child_start);
        extend(&mut self.path[child_start..], depth + 1, zero, one, column);
        self.node(child, child_start, depth + 1);
    }
}

/// EXTEND: adds a column with its fractions as entry `depth` of `path`, whose entries
/// `0..depth` hold the path so far, and updates the subset weights.
#[inline]
fn extend(path: &mut [PathElement], depth: usize, zero: f64, one: f64, column: u32) {
    path[depth] = PathElement {
        column,
        zero,
        one,
        weight: if depth == 0 { 1.0 } else { 0.0 },
    };
    let n = (depth + 1) as f64;
    for i in (0..depth).rev() {
        path[i + 1].weight += one * path[i].weight * (i + 1) as f64 / n;
        path[i].weight = zero * path[i].weight * (depth - i) as f64 / n;
    }
}

/// UNWIND: takes entry `index` out of `path[..=depth]`, undoing its EXTEND (the entries after
/// it move down one place).
#[inline]
fn unwind(path: &mut [PathElement], depth: usize, index: usize) {
    let PathElement { zero, one, .. } = path[index];
    let n = (depth + 1) as f64;
    let mut next = path[depth].weight;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let kept = path[i].weight;
            path[i].weight = next * n / ((i + 1) as f64 * one);
            next = kept - path[i].weight * zero * (depth - i) as f64 / n;
        } else {
            path[i].weight = path[i].weight * n / (zero * (depth - i) as f64);
        }
    }
    for i in index..depth {
        path[i].column = path[i + 1].column;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
}

/// The total of the subset weights that UNWIND of entry `index` would leave, without
/// changing the path.
#[inline]
fn unwound_sum(path: &[PathElement], depth: usize, index: usize) -> f64 {
    let PathElement { zero, one, .. } = path[index];
    let mut total = 0.0;
    if one != 0.0 {
        let mut next = path[depth].weight;
        for i in (0..depth).rev() {
            let w = next / ((i + 1) as f64 * one);
            total += w;
            next = path[i].weight - w * zero * (depth - i) as f64;
        }
    } else {
        for i in (0..depth).rev() {
            total += path[i].weight / (zero * (depth - i) as f64);
        }
    }
    total * (depth + 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trees::Combine;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    /// A random valid tree over `width` columns: each node at depth d < `max_depth` splits
    /// with probability `split`; thresholds in (-1, 1); NaN goes to a random child; leaf
    /// covers random (a share of them 0 when `zero_covers`), each internal node's cover the
    /// sum of its children's and its value their cover-weighted mean.
    fn random_tree(
        rng: &mut SmallRng,
        width: usize,
        max_depth: usize,
        split: f64,
        zero_covers: bool,
    ) -> Tree {
        let mut tree = Tree::leaf(0.0, 0.0);
        let mut depth = vec![0usize];
        let mut node = 0;
        while node < tree.len() {
            if depth[node] < max_depth && (node == 0 || rng.gen_bool(split)) {
                let left = tree.len() as i32;
                for _ in 0..2 {
                    tree.children_left.push(-1);
                    tree.children_right.push(-1);
                    tree.children_default.push(-1);
                    tree.features.push(0);
                    tree.thresholds.push(0.0);
                    tree.values.push(0.0);
                    tree.node_sample_weight.push(0.0);
                    depth.push(depth[node] + 1);
                }
                tree.children_left[node] = left;
                tree.children_right[node] = left + 1;
                tree.children_default[node] = if rng.gen_bool(0.5) { left } else { left + 1 };
                tree.features[node] = rng.gen_range(0..width) as u32;
                tree.thresholds[node] = rng.gen_range(-1.0..1.0);
            }
            node += 1;
        }
        for node in (0..tree.len()).rev() {
            if tree.is_leaf(node) {
                tree.values[node] = rng.gen_range(-2.0..2.0);
                tree.node_sample_weight[node] = if zero_covers && rng.gen_bool(0.2) {
                    0.0
                } else {
                    rng.gen_range(1..20) as f64
                };
            } else {
                let (l, r) = (
                    tree.children_left[node] as usize,
                    tree.children_right[node] as usize,
                );
                let (wl, wr) = (tree.node_sample_weight[l], tree.node_sample_weight[r]);
                tree.node_sample_weight[node] = wl + wr;
                tree.values[node] = if wl + wr > 0.0 {
                    (wl * tree.values[l] + wr * tree.values[r]) / (wl + wr)
                } else {
                    0.0
                };
            }
        }
        assert_eq!(tree.structure_problem(width), None);
        tree
    }

    /// A row of values in (-1.5, 1.5), a share of them NaN.
    fn random_row(rng: &mut SmallRng, width: usize) -> Vec<f64> {
        (0..width)
            .map(|_| {
                if rng.gen_bool(0.2) {
                    f64::NAN
                } else {
                    rng.gen_range(-1.5..1.5)
                }
            })
            .collect()
    }

    /// The value of the set of columns `known` (a bit mask): Algorithm 1's EXPVALUE, with a
    /// zero cover's share 0.
    fn expected_given(tree: &Tree, row: &[f64], known: u32, node: usize) -> f64 {
        if tree.is_leaf(node) {
            return tree.values[node];
        }
        let column = tree.features[node] as usize;
        if known & (1 << column) != 0 {
            return expected_given(tree, row, known, tree.next(node, row[column]));
        }
        let cover = tree.node_sample_weight[node];
        if cover == 0.0 {
            return 0.0;
        }
        [tree.children_left[node], tree.children_right[node]]
            .iter()
            .map(|&c| {
                let c = c as usize;
                tree.node_sample_weight[c] / cover * expected_given(tree, row, known, c)
            })
            .sum()
    }

    /// Shapley values by enumeration of every subset of the `row.len()` columns.
    fn brute_force(tree: &Tree, row: &[f64]) -> Vec<f64> {
        let n = row.len();
        let value: Vec<f64> = (0..1u32 << n)
            .map(|s| expected_given(tree, row, s, 0))
            .collect();
        let factorial = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
        (0..n)
            .map(|i| {
                (0..1u32 << n)
                    .filter(|s| s & (1 << i) == 0)
                    .map(|s| {
                        let size = s.count_ones() as usize;
                        factorial(size) * factorial(n - size - 1) / factorial(n)
                            * (value[(s | 1 << i) as usize] - value[s as usize])
                    })
                    .sum()
            })
            .collect()
    }

    fn shap_of(tree: &Tree, row: &[f64]) -> Vec<f64> {
        let mut phi = vec![0.0; row.len()];
        tree_shap(tree, row, 1.0, &mut phi);
        phi
    }

    fn assert_complete(tree: &Tree, row: &[f64], phi: &[f64]) {
        let total = tree.expected_value() + phi.iter().sum::<f64>();
        assert!(
            (total - tree.output(row)).abs() < 1e-9,
            "expected {} + Σφ {:?} = {total}, output {}",
            tree.expected_value(),
            phi,
            tree.output(row)
        );
    }

    #[test]
    fn two_leaves_credit_the_split_column() {
        // Column 1 < 0.5 goes left (value 10, cover 3), else right (value 2, cover 1); NaN
        // goes right. Expected value (3·10 + 1·2)/4 = 8.
        let tree = Tree {
            children_left: vec![1, -1, -1],
            children_right: vec![2, -1, -1],
            children_default: vec![2, -1, -1],
            features: vec![1, 0, 0],
            thresholds: vec![0.5, 0.0, 0.0],
            values: vec![8.0, 10.0, 2.0],
            node_sample_weight: vec![4.0, 3.0, 1.0],
            target_mean: Vec::new(),
        };
        assert_eq!(tree.expected_value(), 8.0);
        for (x, phi1) in [(0.1, 2.0), (0.5, -6.0), (0.9, -6.0), (f64::NAN, -6.0)] {
            let mut phi = vec![0.0; 3];
            tree_shap(&tree, &[7.0, x, -3.0], 0.5, &mut phi);
            assert_eq!(phi, vec![0.0, 0.5 * phi1, 0.0], "x = {x}");
        }
    }

    #[test]
    fn one_leaf_adds_nothing() {
        let tree = Tree::leaf(3.5, 10.0);
        let mut phi = vec![1.0, 2.0];
        tree_shap(&tree, &[0.3, f64::NAN], 1.0, &mut phi);
        assert_eq!(phi, vec![1.0, 2.0]);
        let ensemble = Ensemble {
            base: 0.25,
            combine: Combine::Sum,
            trees: vec![tree],
        };
        assert_eq!(ensemble_shap(&ensemble, &[0.3, f64::NAN]), vec![0.0, 0.0]);
    }

    #[test]
    fn zero_cover_child_stays_finite_and_exact() {
        // Root splits column 0 into a leaf of cover 0 (left) and a node of cover 5, which
        // splits column 1 into leaves of covers 0 and 5, and again column 0 below.
        let tree = Tree {
            children_left: vec![1, -1, 3, -1, 5, -1, -1],
            children_right: vec![2, -1, 4, -1, 6, -1, -1],
            children_default: vec![1, -1, 3, -1, 6, -1, -1],
            features: vec![0, 0, 1, 0, 0, 0, 0],
            thresholds: vec![0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0],
            values: vec![1.0, 7.0, 1.0, -4.0, 1.0, 3.0, -1.0],
            node_sample_weight: vec![5.0, 0.0, 5.0, 0.0, 5.0, 2.0, 3.0],
            target_mean: Vec::new(),
        };
        assert_eq!(tree.structure_problem(2), None);
        for row in [
            [-1.0, -1.0], // the zero-cover leaf 1
            [0.2, -1.0],  // the zero-cover leaf 3
            [0.2, 1.0],
            [0.7, 1.0],
            [f64::NAN, f64::NAN],
            [0.7, f64::NAN],
        ] {
            let phi = shap_of(&tree, &row);
            assert!(phi.iter().all(|p| p.is_finite()), "{row:?}: {phi:?}");
            assert_complete(&tree, &row, &phi);
            let exact = brute_force(&tree, &row);
            for (a, b) in phi.iter().zip(&exact) {
                assert!((a - b).abs() < 1e-12, "{row:?}: {phi:?} vs {exact:?}");
            }
        }
        // A zero-cover internal node whose whole subtree has cover 0.
        let mut tree = tree;
        tree.node_sample_weight = vec![5.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        for row in [[0.2, 1.0], [-1.0, 1.0], [0.7, -1.0], [f64::NAN, 0.3]] {
            let phi = shap_of(&tree, &row);
            assert!(phi.iter().all(|p| p.is_finite()), "{row:?}: {phi:?}");
            assert_complete(&tree, &row, &phi);
        }
        // No cover at all: every zero fraction is 0 and the values stay finite (the game's
        // empty set is worth 0 here, while Tree::expected_value falls back to values[0]).
        tree.node_sample_weight = vec![0.0; 7];
        for row in [[0.2, 1.0], [-1.0, 1.0], [0.7, -1.0], [f64::NAN, 0.3]] {
            let phi = shap_of(&tree, &row);
            assert!(phi.iter().all(|p| p.is_finite()), "{row:?}: {phi:?}");
            assert!((phi.iter().sum::<f64>() - tree.output(&row)).abs() < 1e-12);
        }
    }

    #[test]
    fn random_trees_match_brute_force_shapley() {
        let mut rng = SmallRng::seed_from_u64(11);
        for t in 0..300 {
            let width = 1 + t % 5;
            let tree = random_tree(&mut rng, width, 1 + t % 7, 0.7, t % 3 == 0);
            for _ in 0..5 {
                let row = random_row(&mut rng, width);
                let phi = shap_of(&tree, &row);
                let exact = brute_force(&tree, &row);
                for (a, b) in phi.iter().zip(&exact) {
                    assert!((a - b).abs() < 1e-10, "tree {t}: {phi:?} vs {exact:?}");
                }
            }
        }
    }

    #[test]
    fn random_trees_are_complete() {
        let mut rng = SmallRng::seed_from_u64(7);
        for t in 0..200 {
            // Few columns: the same column repeats along paths. Deep and sparse trees are
            // unbalanced chains.
            let width = 1 + t % 4;
            let (max_depth, split) = match t % 4 {
                0 => (4, 1.0),
                1 => (12, 0.6),
                2 => (30, 0.55),
                _ => (8, 0.8),
            };
            let tree = random_tree(&mut rng, width, max_depth, split, t % 5 == 0);
            for _ in 0..10 {
                let row = random_row(&mut rng, width);
                let phi = shap_of(&tree, &row);
                assert!(phi.iter().all(|p| p.is_finite()));
                assert_complete(&tree, &row, &phi);
            }
        }
    }

    #[test]
    fn a_deep_chain_is_complete() {
        // A chain of MAX_TREE_DEPTH splits, alternating three columns, each sending the
        // rows of one side to a leaf.
        let depth = crate::trees::MAX_TREE_DEPTH;
        let mut rng = SmallRng::seed_from_u64(3);
        let mut tree = Tree::leaf(0.0, 0.0);
        for d in 0..depth {
            let node = tree.len() - 1; // the chain's end
            let (leaf, next) = (tree.len() as i32, tree.len() as i32 + 1);
            let leaf_left = rng.gen_bool(0.5);
            tree.children_left[node] = if leaf_left { leaf } else { next };
            tree.children_right[node] = if leaf_left { next } else { leaf };
            tree.children_default[node] = if rng.gen_bool(0.5) { leaf } else { next };
            tree.features[node] = (d % 3) as u32;
            tree.thresholds[node] = rng.gen_range(-1.0..1.0);
            for _ in 0..2 {
                tree.children_left.push(-1);
                tree.children_right.push(-1);
                tree.children_default.push(-1);
                tree.features.push(0);
                tree.thresholds.push(0.0);
                tree.values.push(rng.gen_range(-1.0..1.0));
                tree.node_sample_weight.push(rng.gen_range(1.0..3.0));
            }
        }
        for node in (0..tree.len()).rev() {
            if !tree.is_leaf(node) {
                tree.node_sample_weight[node] = tree.node_sample_weight
                    [tree.children_left[node] as usize]
                    + tree.node_sample_weight[tree.children_right[node] as usize];
            }
        }
        assert_eq!(tree.structure_problem(3), None);
        assert_eq!(tree.depth(), depth);
        for _ in 0..20 {
            let row = random_row(&mut rng, 3);
            let phi = shap_of(&tree, &row);
            assert_complete(&tree, &row, &phi);
        }
    }

    #[test]
    fn ensembles_are_complete() {
        let mut rng = SmallRng::seed_from_u64(5);
        for (k, combine) in [Combine::Sum, Combine::Mean, Combine::Sum, Combine::Mean]
            .into_iter()
            .enumerate()
        {
            let width = 6;
            let ensemble = Ensemble {
                base: rng.gen_range(-1.0..1.0),
                combine,
                trees: (0..1 + 20 * k)
                    .map(|_| random_tree(&mut rng, width, 6, 0.8, false))
                    .collect(),
            };
            for _ in 0..20 {
                let row = random_row(&mut rng, width);
                let phi = ensemble_shap(&ensemble, &row);
                let total = ensemble.expected_value() + phi.iter().sum::<f64>();
                assert!((total - ensemble.output(&row)).abs() < 1e-9);
                // The trees one at a time, weighed, give the same.
                let mut each = vec![0.0; width];
                for tree in &ensemble.trees {
                    tree_shap(tree, &row, ensemble.tree_weight(), &mut each);
                }
                assert_eq!(each, phi);
            }
        }
    }
}
