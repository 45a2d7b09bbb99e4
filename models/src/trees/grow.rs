//! Growing one tree on histograms of gradients (LightGBM's method): each leaf's histogram
//! holds, per column and bin, the sums of its rows' gradients, hessians and counts; the
//! best split of a leaf is the best cut of one column's bins, with missing values sent to
//! the side that gains most; growth is leaf-wise (the leaf of the largest gain splits
//! next) up to `num_leaves` leaves and `max_depth` levels. The larger child's histogram is
//! its parent's less the smaller child's.
//!
//! The gain of a split is the fall of the second-order objective Σ leaves (G·w + ½(H+λ)·w²)
//! at each side's output w = −G/(H+λ), clamped to the bounds monotone constraints put on the
//! leaf (LightGBM's "basic" method: a split on a constrained column must order its
//! children's outputs, and their midpoint bounds both subtrees). Regression trees on
//! variance and Gini-like classification trees are the case g = −y·w, h = w, λ = 0.

use super::bins::BinnedRows;
use super::{Tree, MAX_TREE_DEPTH};
use crate::interrupt;
use crate::parallel::parallel_rows;
use rand::rngs::SmallRng;
use rand::seq::index::sample;

/// The most cells a histogram holds per column: 255 value bins and the missing one.
pub const HIST_BINS: usize = 256;
/// Rows below which a histogram is built on one thread.
const PARALLEL_ROWS: usize = 32_768;

/// How a tree grows.
#[derive(Debug, Clone)]
pub struct GrowParams {
    pub num_leaves: usize,
    /// At most `MAX_TREE_DEPTH`.
    pub max_depth: usize,
    /// The least hessian sum of a child.
    pub min_child_weight: f64,
    /// The fewest rows of a child.
    pub min_samples_leaf: usize,
    /// λ, the L2 penalty on leaf outputs.
    pub l2: f64,
    /// Per design column: +1 the output may only rise with it, −1 only fall, 0 free (empty:
    /// no constraint).
    pub monotone: Vec<i8>,
    /// Columns tried at each split, drawn afresh per leaf (a random forest's max_features);
    /// `None`: every column the tree may use.
    pub node_columns: Option<usize>,
    pub threads: usize,
    /// The most histograms kept at once for the subtraction trick (each
    /// `width × HIST_BINS` sums): past it a split builds both children's.
    pub kept_histograms: usize,
}

/// A histogram cell.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sums {
    pub g: f64,
    pub h: f64,
    pub n: f64,
}

impl Sums {
    #[inline]
    fn add(&mut self, other: &Sums) {
        self.g += other.g;
        self.h += other.h;
        self.n += other.n;
    }

    #[inline]
    fn minus(&self, other: &Sums) -> Sums {
        Sums {
            g: self.g - other.g,
            h: self.h - other.h,
            n: self.n - other.n,
        }
    }
}

/// The rows one tree grows on.
pub struct GrowInput<'a> {
    pub bins: &'a BinnedRows,
    /// Per binned row (0 for a row not in this tree's sample).
    pub gradients: &'a [f64],
    pub hessians: &'a [f64],
    /// The binned rows in this tree's sample (a row drawn twice is listed twice).
    pub rows: Vec<u32>,
    /// The design columns this tree may split on.
    pub columns: &'a [usize],
}

/// A grown tree and, per node, the bin its split cuts after (bins 0..=it go left) and its
/// sums, for callers that set the leaf values themselves.
pub struct Grown {
    pub tree: Tree,
    pub split_bins: Vec<u8>,
    pub sums: Vec<Sums>,
    /// The sampled rows grouped by leaf, and each leaf's (node, begin, end) in them: what
    /// boosting adds each leaf's value to without walking the tree again.
    pub order: Vec<u32>,
    pub leaf_rows: Vec<(usize, usize, usize)>,
}

impl Grown {
    /// The leaf a binned row (of `bins`) ends in.
    #[inline]
    pub fn leaf_of_bins(&self, codes: &[u8], bins: &BinnedRows) -> usize {
        let t = &self.tree;
        let mut node = 0;
        while t.children_left[node] >= 0 {
            let column = t.features[node] as usize;
            let code = codes[column];
            node = if code == bins.columns[column].missing_code() {
                t.children_default[node]
            } else if code <= self.split_bins[node] {
                t.children_left[node]
            } else {
                t.children_right[node]
            } as usize;
        }
        node
    }
}

#[derive(Debug, Clone, Copy)]
struct Split {
    gain: f64,
    column: usize,
    bin: u8,
    missing_left: bool,
    left: Sums,
    right: Sums,
    left_output: f64,
    right_output: f64,
}

struct Leaf {
    node: usize,
    begin: usize,
    end: usize,
    sums: Sums,
    depth: usize,
    lower: f64,
    upper: f64,
    best: Option<Split>,
    histogram: Option<Vec<Sums>>,
}

/// The output of a leaf of these sums within its bounds.
#[inline]
fn output(sums: &Sums, l2: f64, lower: f64, upper: f64) -> f64 {
    let w = if sums.h + l2 > 0.0 {
        -sums.g / (sums.h + l2)
    } else {
        0.0
    };
    w.clamp(lower, upper)
}

/// Twice the fall of the objective from no output to output `w`.
#[inline]
fn score(sums: &Sums, l2: f64, w: f64) -> f64 {
    -(2.0 * sums.g * w + (sums.h + l2) * w * w)
}

struct Grower<'a, 'p> {
    input: &'a GrowInput<'a>,
    params: &'p GrowParams,
    order: Vec<u32>,
    /// The right side of a partition, before it is copied back.
    scratch: Vec<u32>,
    width: usize,
    kept: usize,
}

/// Grows one tree; `rng` draws a random forest's columns per split.
pub fn grow(input: &GrowInput<'_>, params: &GrowParams, rng: &mut SmallRng) -> Grown {
    let width = input.bins.width;
    let mut grower = Grower {
        input,
        params,
        order: input.rows.clone(),
        scratch: vec![0; input.rows.len()],
        width,
        kept: 0,
    };
    let first = input.columns.first().copied();
    let drawing = grower.draws_columns();
    // The root's sums as the first column's bins add them (every later leaf's come from
    // its parent's histogram).
    let root_histogram = if drawing {
        grower.histogram(0, grower.order.len(), first.as_slice())
    } else {
        grower.histogram(0, grower.order.len(), input.columns)
    };
    let root_sums = grower.total(&root_histogram, first);
    let mut tree = Tree::leaf(0.0, root_sums.n);
    let mut split_bins = vec![0u8];
    let mut sums = vec![root_sums];
    let mut root = Leaf {
        node: 0,
        begin: 0,
        end: grower.order.len(),
        sums: root_sums,
        depth: 0,
        lower: f64::NEG_INFINITY,
        upper: f64::INFINITY,
        best: None,
        histogram: None,
    };
    grower.consider(&mut root, (!drawing).then_some(root_histogram), rng);
    let mut leaves = vec![root];
    while leaves.len() < params.num_leaves.max(1) {
        // A split scans its leaf's rows: a tree of many leaves is cancellable between them.
        interrupt::check();
        let Some(k) = best_leaf(&leaves) else { break };
        let leaf = leaves.swap_remove(k);
        let split = leaf.best.expect("best_leaf picks a leaf with a split");
        let (left, right) = grower.split(leaf, &split, &mut tree, &mut split_bins, &mut sums, rng);
        leaves.push(left);
        leaves.push(right);
    }
    for leaf in &leaves {
        tree.values[leaf.node] = output(&leaf.sums, params.l2, leaf.lower, leaf.upper);
    }
    internal_values(&mut tree);
    Grown {
        tree,
        split_bins,
        sums,
        leaf_rows: leaves.iter().map(|l| (l.node, l.begin, l.end)).collect(),
        order: grower.order,
    }
}

/// The leaf whose split gains most (the first of equal gains: growth is deterministic).
fn best_leaf(leaves: &[Leaf]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (k, leaf) in leaves.iter().enumerate() {
        if let Some(split) = &leaf.best {
            if best.is_none_or(|(_, gain)| {
                split.gain > gain
                    || (split.gain == gain && leaf.node < leaves[best.map_or(0, |b| b.0)].node)
            }) {
                best = Some((k, split.gain));
            }
        }
    }
    best.map(|(k, _)| k)
}

/// An internal node's value: its leaves' cover-weighted mean (children come after parents,
/// so a pass from the last node up fills them).
pub fn internal_values(tree: &mut Tree) {
    for node in (0..tree.len()).rev() {
        if !tree.is_leaf(node) {
            let (l, r) = (
                tree.children_left[node] as usize,
                tree.children_right[node] as usize,
            );
            let (wl, wr) = (tree.node_sample_weight[l], tree.node_sample_weight[r]);
            tree.values[node] = if wl + wr > 0.0 {
                (tree.values[l] * wl + tree.values[r] * wr) / (wl + wr)
            } else {
                0.0
            };
        }
    }
}

impl Grower<'_, '_> {
    /// True when each split tries a fresh draw of the columns (a random forest): each
    /// leaf's histogram then covers its draw only, built from its rows.
    fn draws_columns(&self) -> bool {
        self.params
            .node_columns
            .is_some_and(|k| k < self.input.columns.len())
    }

    /// The sums of a histogram's rows (every column's cells add up to them: any column
    /// will do).
    fn total(&self, histogram: &[Sums], column: Option<usize>) -> Sums {
        let mut sums = Sums::default();
        if let Some(c) = column {
            let offsets = &self.input.bins.offsets;
            for cell in &histogram[offsets[c]..offsets[c + 1]] {
                sums.add(cell);
            }
        }
        sums
    }

    /// The histogram of the rows order[begin..end] over `columns` alone, their cells one
    /// after the other in their order, with where each starts (and, last, the length).
    fn drawn_histogram(
        &self,
        begin: usize,
        end: usize,
        columns: &[usize],
    ) -> (Vec<Sums>, Vec<usize>) {
        let (bins, width) = (self.input.bins, self.width);
        let mut offsets = Vec::with_capacity(columns.len() + 1);
        offsets.push(0);
        for &c in columns {
            offsets.push(offsets[offsets.len() - 1] + bins.columns[c].value_bins() + 1);
        }
        let mut histogram = vec![Sums::default(); offsets[columns.len()]];
        let (g, h) = (self.input.gradients, self.input.hessians);
        for &r in &self.order[begin..end] {
            let r = r as usize;
            let cell = Sums {
                g: g[r],
                h: h[r],
                n: 1.0,
            };
            let row = &bins.codes[r * width..(r + 1) * width];
            for (&offset, &c) in offsets.iter().zip(columns) {
                histogram[offset + row[c] as usize].add(&cell);
            }
        }
        (histogram, offsets)
    }

    /// The histogram of the rows order[begin..end] over `columns` (the other columns'
    /// cells stay zero).
    fn histogram(&self, begin: usize, end: usize, columns: &[usize]) -> Vec<Sums> {
        let rows = &self.order[begin..end];
        let width = self.width;
        let offsets = &self.input.bins.offsets;
        let cells = offsets[width];
        let all_columns = columns.len() == width;
        let build = |part: std::ops::Range<usize>| {
            let mut histogram = vec![Sums::default(); cells];
            let (g, h, codes) = (
                self.input.gradients,
                self.input.hessians,
                &self.input.bins.codes,
            );
            for &r in &rows[part] {
                let r = r as usize;
                let cell = Sums {
                    g: g[r],
                    h: h[r],
                    n: 1.0,
                };
                let row = &codes[r * width..(r + 1) * width];
                if all_columns {
                    for (&offset, &code) in offsets.iter().zip(row) {
                        histogram[offset + code as usize].add(&cell);
                    }
                } else {
                    for &c in columns {
                        histogram[offsets[c] + row[c] as usize].add(&cell);
                    }
                }
            }
            histogram
        };
        let threads = if rows.len() >= PARALLEL_ROWS {
            self.params.threads
        } else {
            1
        };
        let mut parts = parallel_rows(rows.len(), threads, build).into_iter();
        let mut histogram = parts.next().unwrap_or_else(|| vec![Sums::default(); cells]);
        for part in parts {
            for (cell, other) in histogram.iter_mut().zip(&part) {
                cell.add(other);
            }
        }
        histogram
    }

    /// Finds the leaf's best split (when it may split) over the tree's columns or a fresh
    /// draw of them, from `histogram` or, when none is given, one built from its rows; keeps
    /// a histogram of every column while the pool has room.
    fn consider(&mut self, leaf: &mut Leaf, histogram: Option<Vec<Sums>>, rng: &mut SmallRng) {
        let p = self.params;
        let may_split = leaf.depth < p.max_depth.min(MAX_TREE_DEPTH)
            && leaf.end - leaf.begin >= 2 * p.min_samples_leaf.max(1);
        if !may_split {
            return;
        }
        let columns: Vec<usize> = match p.node_columns {
            Some(k) if k < self.input.columns.len() => {
                let mut drawn: Vec<usize> = sample(rng, self.input.columns.len(), k)
                    .into_iter()
                    .map(|i| self.input.columns[i])
                    .collect();
                drawn.sort_unstable();
                drawn
            }
            _ => self.input.columns.to_vec(),
        };
        // A leaf of a forest reads a histogram of its drawn columns only, one after the
        // other; the others read one of every column, laid out by `BinnedRows::offsets`.
        let (histogram, offsets) = match histogram {
            Some(h) => (h, self.input.bins.offsets.clone()),
            None => self.drawn_histogram(leaf.begin, leaf.end, &columns),
        };
        let drawn = self.draws_columns();
        let mut best: Option<Split> = None;
        for (k, c) in columns.into_iter().enumerate() {
            let (from, to) = if drawn {
                (offsets[k], offsets[k + 1])
            } else {
                (offsets[c], offsets[c + 1])
            };
            let cells = &histogram[from..to];
            if let Some(split) = self.best_cut(leaf, c, cells) {
                if best.is_none_or(|b| split.gain > b.gain) {
                    best = Some(split);
                }
            }
        }
        leaf.best = best;
        if leaf.best.is_some() && !self.draws_columns() && self.kept < p.kept_histograms {
            self.kept += 1;
            leaf.histogram = Some(histogram);
        }
    }

    /// The best cut of one column's bins for this leaf.
    fn best_cut(&self, leaf: &Leaf, column: usize, cells: &[Sums]) -> Option<Split> {
        let p = self.params;
        let value_bins = self.input.bins.columns[column].value_bins();
        let missing = cells[value_bins];
        let constraint = p.monotone.get(column).copied().unwrap_or(0);
        let parent_output = output(&leaf.sums, p.l2, leaf.lower, leaf.upper);
        let parent_score = score(&leaf.sums, p.l2, parent_output);
        let min_rows = p.min_samples_leaf.max(1) as f64;
        let mut best: Option<Split> = None;
        // Missing values on the right, then (when there are any) on the left.
        for missing_left in [false, true] {
            if missing_left && missing.n == 0.0 {
                break;
            }
            let mut left = if missing_left {
                missing
            } else {
                Sums::default()
            };
            for (bin, cell) in cells.iter().enumerate().take(value_bins.saturating_sub(1)) {
                left.add(cell);
                let right = leaf.sums.minus(&left);
                if left.n < min_rows || right.n < min_rows {
                    continue;
                }
                if left.h < p.min_child_weight || right.h < p.min_child_weight {
                    continue;
                }
                let left_output = output(&left, p.l2, leaf.lower, leaf.upper);
                let right_output = output(&right, p.l2, leaf.lower, leaf.upper);
                if f64::from(constraint) * (right_output - left_output) < 0.0 {
                    continue;
                }
                let gain = score(&left, p.l2, left_output) + score(&right, p.l2, right_output)
                    - parent_score;
                if gain > 1e-12 && best.is_none_or(|b| gain > b.gain) {
                    best = Some(Split {
                        gain,
                        column,
                        bin: bin as u8,
                        // With no missing value in training, one goes where most rows went.
                        missing_left: missing_left || (missing.n == 0.0 && left.n > right.n),
                        left,
                        right,
                        left_output,
                        right_output,
                    });
                }
            }
        }
        best
    }

    /// Splits a leaf: two nodes, its rows partitioned, each child's histogram (the smaller
    /// one's built, the larger one's subtracted when the parent's was kept) and best split.
    fn split(
        &mut self,
        leaf: Leaf,
        split: &Split,
        tree: &mut Tree,
        split_bins: &mut Vec<u8>,
        sums: &mut Vec<Sums>,
        rng: &mut SmallRng,
    ) -> (Leaf, Leaf) {
        let node = leaf.node;
        let (left_node, right_node) = (tree.len(), tree.len() + 1);
        tree.children_left[node] = left_node as i32;
        tree.children_right[node] = right_node as i32;
        tree.children_default[node] = if split.missing_left {
            left_node
        } else {
            right_node
        } as i32;
        tree.features[node] = split.column as u32;
        tree.thresholds[node] = self.input.bins.columns[split.column].threshold(split.bin as usize);
        split_bins[node] = split.bin;
        for child in [&split.left, &split.right] {
            tree.children_left.push(-1);
            tree.children_right.push(-1);
            tree.children_default.push(-1);
            tree.features.push(0);
            tree.thresholds.push(0.0);
            tree.values.push(0.0);
            tree.node_sample_weight.push(child.n);
            split_bins.push(0);
            sums.push(*child);
        }
        let middle = self.partition(leaf.begin, leaf.end, split);
        let (mut lower_left, mut upper_left) = (leaf.lower, leaf.upper);
        let (mut lower_right, mut upper_right) = (leaf.lower, leaf.upper);
        let constraint = self.params.monotone.get(split.column).copied().unwrap_or(0);
        if constraint != 0 {
            let mid = (split.left_output + split.right_output) / 2.0;
            if constraint > 0 {
                upper_left = upper_left.min(mid);
                lower_right = lower_right.max(mid);
            } else {
                lower_left = lower_left.max(mid);
                upper_right = upper_right.min(mid);
            }
        }
        let child = |node, begin, end, sums, lower, upper| Leaf {
            node,
            begin,
            end,
            sums,
            depth: leaf.depth + 1,
            lower,
            upper,
            best: None,
            histogram: None,
        };
        let mut left = child(
            left_node, leaf.begin, middle, split.left, lower_left, upper_left,
        );
        let mut right = child(
            right_node,
            middle,
            leaf.end,
            split.right,
            lower_right,
            upper_right,
        );
        if self.draws_columns() {
            self.consider(&mut left, None, rng);
            self.consider(&mut right, None, rng);
            return (left, right);
        }
        let columns = self.input.columns;
        let left_smaller = middle - leaf.begin <= leaf.end - middle;
        let (small, large) = if left_smaller {
            (&left, &right)
        } else {
            (&right, &left)
        };
        let small_histogram = self.histogram(small.begin, small.end, columns);
        let large_histogram = match leaf.histogram {
            Some(mut parent) => {
                self.kept -= 1;
                for (cell, s) in parent.iter_mut().zip(&small_histogram) {
                    *cell = cell.minus(s);
                }
                parent
            }
            None => self.histogram(large.begin, large.end, columns),
        };
        let (left_histogram, right_histogram) = if left_smaller {
            (small_histogram, large_histogram)
        } else {
            (large_histogram, small_histogram)
        };
        self.consider(&mut left, Some(left_histogram), rng);
        self.consider(&mut right, Some(right_histogram), rng);
        (left, right)
    }

    /// Puts the rows order[begin..end] that go left first (in their order) and returns
    /// where the right ones start.
    fn partition(&mut self, begin: usize, end: usize, split: &Split) -> usize {
        let (codes, width, column) = (&self.input.bins.codes, self.width, split.column);
        // Which side each bin takes, looked up without a branch: a split's sides are as
        // unpredictable as the data, and a mispredicted branch per row costs more than the
        // row's read.
        let missing = self.input.bins.columns[column].missing_code() as usize;
        let mut goes_left = [false; HIST_BINS];
        for (bin, left) in goes_left.iter_mut().enumerate() {
            *left = if bin == missing {
                split.missing_left
            } else {
                bin <= split.bin as usize
            };
        }
        let slice = &mut self.order[begin..end];
        let scratch = &mut self.scratch[..slice.len()];
        let half = slice.len() / 2;
        let lefts = if slice.len() >= 2 * PARALLEL_ROWS && self.params.threads > 1 {
            // Two halves at once, then their left rows together and their right rows after.
            let (first, second) = slice.split_at_mut(half);
            let (first_right, second_right) = scratch.split_at_mut(half);
            let (a, b) = std::thread::scope(|scope| {
                let other = scope
                    .spawn(|| split_rows(second, second_right, codes, width, column, &goes_left));
                let mine = split_rows(first, first_right, codes, width, column, &goes_left);
                (
                    mine,
                    other
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                )
            });
            slice.copy_within(half..half + b.0, a.0);
            let (kept, (moved_a, moved_b)) = (a.0 + b.0, (a.1, b.1));
            slice[kept..kept + moved_a].copy_from_slice(&scratch[..moved_a]);
            slice[kept + moved_a..].copy_from_slice(&scratch[half..half + moved_b]);
            kept
        } else {
            let (kept, moved) = split_rows(slice, scratch, codes, width, column, &goes_left);
            slice[kept..].copy_from_slice(&scratch[..moved]);
            kept
        };
        begin + lefts
    }
}

/// Moves the rows of `rows` that go left to its start, in order, and writes the others to
/// `right`, in order: (how many went left, how many right). Branch-free: each row is written
/// to both places and only the matching count advances.
fn split_rows(
    rows: &mut [u32],
    right: &mut [u32],
    codes: &[u8],
    width: usize,
    column: usize,
    goes_left: &[bool; HIST_BINS],
) -> (usize, usize) {
    let (mut kept, mut moved) = (0, 0);
    for k in 0..rows.len() {
        let r = rows[k];
        let left = goes_left[codes[r as usize * width + column] as usize];
        // kept <= k: the row at `kept` has been read already.
        rows[kept] = r;
        right[moved] = r;
        kept += usize::from(left);
        moved += usize::from(!left);
    }
    (kept, moved)
}
