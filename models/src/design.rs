//! A design matrix read a block of rows at a time. The linear solvers make a handful of
//! passes over the training rows; reading each block from the columnar dataset as they go
//! (preprocess::RowsDesign) means no design matrix of the whole table is ever held, and a
//! block small enough for the cache keeps the passes at the speed of the arithmetic.

use crate::interrupt;
use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array2, ArrayView2, ArrayViewMut2};

/// Rows per block: 1024 rows of a few dozen columns stay in the L2 cache.
pub const BLOCK_ROWS: usize = 1024;

/// Rows of a design matrix (standardized features, one-hot indicators, WoE values), without
/// the intercept column.
pub trait DesignRows {
    fn n_rows(&self) -> usize;
    fn width(&self) -> usize;
    /// Writes rows `start .. start + out.nrows()` into `out` (`width` columns).
    fn fill(&self, start: usize, out: ArrayViewMut2<'_, f64>);
    /// Writes the rows at `positions` (in that order) into `out`: a shuffled batch.
    fn fill_rows(&self, positions: &[usize], out: ArrayViewMut2<'_, f64>);
    /// The design as sparse rows, when it is held so (a solver then works on the non-zero
    /// values only).
    fn sparse(&self) -> Option<&SparseDesign> {
        None
    }
    /// Says the rows at `positions` are read next (a shuffled batch's successor), so their
    /// values can come into the caches while the current batch trains. A hint: nothing by
    /// default.
    fn prefetch_rows(&self, _positions: &[usize]) {}
}

/// Asks the CPU to bring the cache line of `value` closer. A shuffled batch read from the
/// columns costs a cache miss a value; asked for one batch ahead, those misses overlap the
/// batch before's arithmetic. Does nothing off x86-64.
#[inline]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults, whatever the address; this one comes
    // from a live reference.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// A design held as compressed sparse rows, for designs that are mostly zeros (hashed text
/// features: a thousand columns, a dozen of them set per row). A solver's pass costs the
/// non-zero values, not rows × width.
pub struct SparseDesign {
    /// Row i's values are `columns[starts[i]..starts[i + 1]]`, `values[...]`.
    starts: Vec<usize>,
    columns: Vec<u32>,
    values: Vec<f64>,
    width: usize,
}

/// `theta[0] + Σ theta[1 + c]·v` over a sparse row's non-zero `(column, value)` pairs
/// (`theta`: the intercept, then one coefficient per column).
#[inline]
pub fn sparse_dot(columns: &[u32], values: &[f64], theta: &[f64]) -> f64 {
    theta[0]
        + columns
            .iter()
            .zip(values)
            .map(|(&c, &v)| theta[1 + c as usize] * v)
            .sum::<f64>()
}

/// Bytes a sparse design holds per non-zero value (its column and value).
pub const SPARSE_BYTES_PER_VALUE: usize = 12;

impl SparseDesign {
    /// Reads `x` once, a dense block at a time; `None` as soon as its non-zero values would
    /// take more than `max_bytes`. (A design built from a dataset's columns is read without
    /// dense blocks by `RowsDesign::read_sparse`.)
    pub fn read(x: &dyn DesignRows, max_bytes: usize) -> Option<SparseDesign> {
        let mut design = SparseDesign::empty(x.n_rows(), x.width());
        let too_big: Result<(), ()> = for_each_block(x, |_, block| {
            for r in 0..block.nrows() {
                // Column 0 is the block's intercept.
                let values = row(&block, r)[1..].iter().copied().enumerate();
                design.push_row(values.map(|(c, v)| (c as u32, v)));
            }
            design.within(max_bytes).then_some(()).ok_or(())
        });
        too_big.ok().map(|()| design)
    }

    /// A design of `width` columns without rows yet (room for `rows`).
    pub fn empty(rows: usize, width: usize) -> SparseDesign {
        let mut starts = Vec::with_capacity(rows.saturating_add(1));
        starts.push(0);
        SparseDesign {
            starts,
            columns: Vec::new(),
            values: Vec::new(),
            width,
        }
    }

    /// Appends a row from its `(column, value)` pairs (zeros are left out).
    pub fn push_row(&mut self, values: impl Iterator<Item = (u32, f64)>) {
        for (c, v) in values {
            if v != 0.0 {
                self.columns.push(c);
                self.values.push(v);
            }
        }
        self.starts.push(self.values.len());
    }

    /// Whether every value is a finite number.
    pub fn all_finite(&self) -> bool {
        self.values.iter().all(|v| v.is_finite())
    }

    /// Sizes its values for `rows` rows in all at the mean of the rows so far, a quarter
    /// over, within `max_bytes` (pages never written are never resident): the values then
    /// grow without copies, which glibc would otherwise leave resident in its heap.
    pub fn reserve_rows(&mut self, rows: usize, max_bytes: usize) {
        let so_far = self.starts.len().saturating_sub(1).max(1);
        let per_row = self.values.len() as f64 / so_far as f64;
        let expected = (per_row * rows as f64 * 1.25) as usize;
        let room = max_bytes.saturating_sub(self.bytes()) / SPARSE_BYTES_PER_VALUE;
        let more = expected.saturating_sub(self.values.len()).min(room);
        self.columns.reserve_exact(more);
        self.values.reserve_exact(more);
    }

    /// Whether it takes at most `max_bytes`.
    pub fn within(&self, max_bytes: usize) -> bool {
        self.bytes() <= max_bytes
    }

    /// Bytes it holds: its non-zero values and every row's start (sized for all at once).
    pub fn bytes(&self) -> usize {
        let starts = self
            .starts
            .capacity()
            .saturating_mul(std::mem::size_of::<usize>());
        self.values
            .len()
            .saturating_mul(SPARSE_BYTES_PER_VALUE)
            .saturating_add(starts)
    }

    /// Row `i`'s non-zero columns and values.
    #[inline]
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let range = self.starts[i]..self.starts[i + 1];
        (&self.columns[range.clone()], &self.values[range])
    }

    /// `theta[0] + Σ theta[1 + c]·x_c` over row `i`'s non-zero values (`theta`: the intercept,
    /// then one coefficient per column).
    #[inline]
    pub fn linear_predictor(&self, i: usize, theta: &[f64]) -> f64 {
        let (columns, values) = self.row(i);
        sparse_dot(columns, values, theta)
    }

    /// Writes `rows` (dense, zeros elsewhere) into the rows of `out`.
    fn scatter(&self, rows: impl Iterator<Item = usize>, mut out: ArrayViewMut2<'_, f64>) {
        out.fill(0.0);
        for (mut target, i) in out.rows_mut().into_iter().zip(rows) {
            let (columns, values) = self.row(i);
            for (&c, &v) in columns.iter().zip(values) {
                target[c as usize] = v;
            }
        }
    }
}

impl DesignRows for SparseDesign {
    fn n_rows(&self) -> usize {
        self.starts.len() - 1
    }

    fn width(&self) -> usize {
        self.width
    }

    fn fill(&self, start: usize, out: ArrayViewMut2<'_, f64>) {
        let rows = start..start + out.nrows();
        self.scatter(rows, out);
    }

    fn fill_rows(&self, positions: &[usize], out: ArrayViewMut2<'_, f64>) {
        self.scatter(positions.iter().copied(), out);
    }

    fn sparse(&self) -> Option<&SparseDesign> {
        Some(self)
    }
}

impl DesignRows for Array2<f64> {
    fn n_rows(&self) -> usize {
        self.nrows()
    }

    fn width(&self) -> usize {
        self.ncols()
    }

    fn fill(&self, start: usize, mut out: ArrayViewMut2<'_, f64>) {
        let end = start + out.nrows();
        out.assign(&self.slice(s![start..end, ..]));
    }

    fn fill_rows(&self, positions: &[usize], mut out: ArrayViewMut2<'_, f64>) {
        for (mut row, &p) in out.rows_mut().into_iter().zip(positions) {
            row.assign(&self.row(p));
        }
    }
}

/// Calls `on_block(first row, block)` for every block of `x`, where a block's column 0 is the
/// intercept's 1 and columns 1.. are the design's. One buffer serves every block; a cancel is
/// honoured between blocks.
pub fn for_each_block<E>(
    x: &dyn DesignRows,
    mut on_block: impl FnMut(usize, ArrayView2<'_, f64>) -> Result<(), E>,
) -> Result<(), E> {
    let n = x.n_rows();
    let mut buffer = Array2::<f64>::zeros((BLOCK_ROWS.min(n.max(1)), x.width() + 1));
    buffer.column_mut(0).fill(1.0);
    let mut start = 0;
    while start < n {
        interrupt::check();
        let rows = BLOCK_ROWS.min(n - start);
        x.fill(start, buffer.slice_mut(s![..rows, 1..]));
        on_block(start, buffer.slice(s![..rows, ..]))?;
        start += rows;
    }
    Ok(())
}

/// `rows` in table order with their `labels` (`labels[k]` belongs to `rows[k]`). A split
/// shuffles the training rows; a solver's sums do not depend on their order, and reading the
/// columns in table order turns each pass's random accesses into sequential ones.
/// Bytes [`in_table_order`] keeps per row for labels of `label_bytes` each: the row and its
/// label (the order it sorts is freed before a solver allocates).
pub fn table_order_bytes(rows: usize, label_bytes: usize) -> usize {
    rows.saturating_mul(std::mem::size_of::<usize>() + label_bytes)
}

pub fn in_table_order<T: Copy>(rows: &[usize], labels: &[T]) -> (Vec<usize>, Vec<T>) {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_unstable_by_key(|&k| rows[k]);
    (
        order.iter().map(|&k| rows[k]).collect(),
        order.iter().map(|&k| labels[k]).collect(),
    )
}

/// [`for_each_block`] for a visit that cannot fail.
pub fn visit_blocks(x: &dyn DesignRows, mut on_block: impl FnMut(usize, ArrayView2<'_, f64>)) {
    let visited: Result<(), std::convert::Infallible> = for_each_block(x, |start, block| {
        on_block(start, block);
        Ok(())
    });
    if let Err(never) = visited {
        match never {}
    }
}

/// `Σ a_i·b_i` in f64 (over f64 values, or f32 weights), with eight partial sums: independent
/// chains the compiler keeps in vector registers, where one running sum waits on every
/// addition.
#[inline]
pub fn dot<A: Copy + Into<f64>>(a: &[A], b: &[f64]) -> f64 {
    let mut sums = [0.0f64; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f64 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(&x, &y)| x.into() * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for k in 0..8 {
            sums[k] += x[k].into() * y[k];
        }
    }
    sums.iter().sum::<f64>() + tail
}

/// The row `i` of a block as a slice (blocks are standard-layout).
#[inline]
pub fn row<'a>(block: &'a ArrayView2<'_, f64>, i: usize) -> &'a [f64] {
    let width = block.ncols();
    let all = block
        .as_slice()
        .expect("blocks are contiguous, row-major buffers");
    &all[i * width..(i + 1) * width]
}

/// Adds `Σ_i weights[i]·a_iᵀa_i` over the rows of `block` to `information`, through one
/// matrix product (`scratch` holds the weighted rows; at least as many rows as the block).
pub fn add_weighted_gram(
    block: &ArrayView2<'_, f64>,
    weights: &[f64],
    scratch: &mut Array2<f64>,
    information: &mut Array2<f64>,
) {
    let rows = block.nrows();
    let mut weighted = scratch.slice_mut(s![..rows, ..]);
    for ((mut out, a), &w) in weighted
        .rows_mut()
        .into_iter()
        .zip(block.rows())
        .zip(weights)
    {
        out.zip_mut_with(&a, |o, &v| *o = w * v);
    }
    general_mat_mul(1.0, &block.t(), &weighted, 1.0, information);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn blocks_cover_every_row_once_with_the_intercept_column() {
        let rows = BLOCK_ROWS * 2 + 3;
        let x = Array2::from_shape_fn((rows, 2), |(i, j)| (i * 10 + j) as f64);
        let mut seen = 0;
        for_each_block(&x, |start, block| -> Result<(), ()> {
            assert_eq!(start, seen);
            for i in 0..block.nrows() {
                assert_eq!(row(&block, i), &[1.0, x[[start + i, 0]], x[[start + i, 1]]]);
            }
            seen += block.nrows();
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, rows);
    }

    #[test]
    fn dot_matches_the_plain_sum() {
        let a = array![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let b = array![7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0];
        assert_eq!(dot(a.as_slice().unwrap(), b.as_slice().unwrap()), a.dot(&b));
    }
}
