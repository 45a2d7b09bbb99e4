//! The training rows as histogram bins: each design column cut into at most `max_bins`
//! value bins at edges found on a sample of the rows (LightGBM's way), plus one bin for a
//! missing value; one byte per row and column, row-major, so that a leaf's histogram reads
//! its rows' bytes in order. A histogram holds each column's value bins and its missing bin,
//! one after the other (`offsets`).

use crate::data::Dataset;
use crate::design::BLOCK_ROWS;
use crate::drift::round_significant;
use crate::interrupt;
use crate::preprocess::Preprocessor;
use ndarray::Array2;

/// The most value bins of a column (`max_bins`): with the missing one, a byte's values.
pub const MAX_BINS: usize = 255;
/// Rows whose values place the edges (LightGBM's `bin_construct_sample_cnt`).
pub const EDGE_SAMPLE_ROWS: usize = 200_000;

/// One column's edges: value bin b holds the values in [edges[b-1], edges[b]).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnBins {
    pub edges: Vec<f64>,
}

impl ColumnBins {
    /// Edges that put each distinct value of `values` (NaN-free) in its own bin when there
    /// are at most `max_bins` of them, else cut at quantiles; each edge lies halfway between
    /// two neighbouring values, so that a threshold never equals a training value (unless
    /// [`ColumnBins::rounded`] then rounds it onto one).
    pub fn of_values(values: &mut [f64], max_bins: usize) -> ColumnBins {
        values.sort_unstable_by(f64::total_cmp);
        let mut distinct: Vec<(f64, usize)> = Vec::new();
        for &v in values.iter() {
            match distinct.last_mut() {
                Some((last, count)) if *last == v => *count += 1,
                _ => distinct.push((v, 1)),
            }
        }
        let mut edges = Vec::new();
        let total = values.len() as f64;
        let per_bin = total / max_bins.max(1) as f64;
        let mut seen = 0usize;
        let mut bin_start = 0usize;
        for pair in distinct.windows(2) {
            let ((a, count), (b, _)) = (pair[0], pair[1]);
            seen += count;
            let cut = distinct.len() <= max_bins || (seen - bin_start) as f64 >= per_bin;
            if cut && edges.len() + 1 < max_bins {
                edges.push(between(a, b));
                bin_start = seen;
            }
        }
        ColumnBins { edges }
    }

    /// These edges rounded to `digits` significant digits, so that no threshold is within a
    /// rounding of two customers' values; those that round alike are one.
    pub fn rounded(mut self, digits: i32) -> ColumnBins {
        for e in &mut self.edges {
            *e = round_significant(*e, digits);
        }
        self.edges.dedup();
        self
    }

    /// The bins of this column, the missing one aside.
    pub fn value_bins(&self) -> usize {
        self.edges.len() + 1
    }

    /// The bin of a missing value (NaN: a NULL the preprocessing kept): the one after the
    /// value bins, so that a column's histogram has value_bins + 1 cells.
    pub fn missing_code(&self) -> u8 {
        self.edges.len() as u8 + 1
    }

    /// The bin of `x`.
    #[inline]
    pub fn bin(&self, x: f64) -> u8 {
        if x.is_nan() {
            self.missing_code()
        } else {
            self.edges.partition_point(|&e| e <= x) as u8
        }
    }

    /// The threshold of a split that sends bins 0..=`bin` left: `x < threshold`.
    pub fn threshold(&self, bin: usize) -> f64 {
        self.edges[bin]
    }
}

/// A number halfway between `a < b` that is above `a` (b itself when they are neighbours),
/// without overflowing near the largest doubles.
fn between(a: f64, b: f64) -> f64 {
    let mid = a / 2.0 + b / 2.0;
    if mid > a && mid <= b {
        mid
    } else {
        b
    }
}

/// The binned rows.
#[derive(Debug, Clone)]
pub struct BinnedRows {
    pub width: usize,
    pub rows: usize,
    /// `rows × width` bins, row-major.
    pub codes: Vec<u8>,
    pub columns: Vec<ColumnBins>,
    /// Where each column's cells start in a histogram (value bins, then the missing one),
    /// and, last, the histogram's length.
    pub offsets: Vec<usize>,
}

impl BinnedRows {
    /// Bytes the bins of `rows` rows of `width` columns take.
    pub fn bytes(rows: usize, width: usize) -> usize {
        rows.saturating_mul(width)
    }

    /// Bins the design rows of `rows` of `data`: edges from up to `EDGE_SAMPLE_ROWS` of them
    /// (evenly spaced), rounded to `digits` significant digits if given, then every row a
    /// block of design rows at a time.
    pub fn build(
        preprocessor: &Preprocessor,
        data: &Dataset,
        rows: &[usize],
        (max_bins, digits): (usize, Option<i32>),
    ) -> BinnedRows {
        let width = preprocessor.width();
        let step = rows.len().div_ceil(EDGE_SAMPLE_ROWS).max(1);
        let sample: Vec<usize> = rows.iter().step_by(step).copied().collect();
        let x = preprocessor.design_matrix(data, &sample);
        let columns = (0..width)
            .map(|c| {
                interrupt::check();
                let mut values: Vec<f64> = x
                    .column(c)
                    .iter()
                    .copied()
                    .filter(|v| !v.is_nan())
                    .collect();
                let bins = ColumnBins::of_values(&mut values, max_bins);
                match digits {
                    Some(d) => bins.rounded(d),
                    None => bins,
                }
            })
            .collect::<Vec<_>>();
        drop(x);
        let mut codes = vec![0u8; BinnedRows::bytes(rows.len(), width)];
        let mut block = Array2::<f64>::zeros((BLOCK_ROWS.min(rows.len()).max(1), width));
        for (b, chunk) in rows.chunks(BLOCK_ROWS).enumerate() {
            let mut view = block.slice_mut(ndarray::s![..chunk.len(), ..]);
            preprocessor.fill_design(data, chunk, view.view_mut());
            let start = b * BLOCK_ROWS * width;
            for (r, row) in view.rows().into_iter().enumerate() {
                let out = &mut codes[start + r * width..start + (r + 1) * width];
                for ((code, &v), column) in out.iter_mut().zip(row.iter()).zip(&columns) {
                    *code = column.bin(v);
                }
            }
        }
        let mut offsets = vec![0];
        for column in &columns {
            offsets.push(offsets[offsets.len() - 1] + column.value_bins() + 1);
        }
        BinnedRows {
            width,
            rows: rows.len(),
            codes,
            columns,
            offsets,
        }
    }

    /// The bins of row `r`.
    #[inline]
    pub fn row(&self, r: usize) -> &[u8] {
        &self.codes[r * self.width..(r + 1) * self.width]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_a_bin_each_and_thresholds_fall_between_them() {
        let mut values = vec![3.0, 1.0, 2.0, 2.0, 1.0];
        let bins = ColumnBins::of_values(&mut values, 255);
        assert_eq!(bins.edges, vec![1.5, 2.5]);
        assert_eq!((bins.bin(1.0), bins.bin(2.0), bins.bin(3.0)), (0, 1, 2));
        assert_eq!(bins.bin(f64::NAN), 3);
        // bins 0..=b go left exactly when x < threshold(b)
        for x in [0.0, 1.0, 1.5, 2.0, 2.7, 9.0] {
            for b in 0..bins.edges.len() {
                assert_eq!(bins.bin(x) as usize <= b, x < bins.threshold(b), "{x} {b}");
            }
        }
    }

    #[test]
    fn many_values_are_cut_at_quantiles_into_at_most_max_bins() {
        let mut values: Vec<f64> = (0..10_000).map(|i| (i as f64).sqrt()).collect();
        let bins = ColumnBins::of_values(&mut values, 16);
        assert_eq!(bins.value_bins(), 16);
        assert!(bins.edges.windows(2).all(|w| w[0] < w[1]));
        let mut counts = [0usize; 16];
        for i in 0..10_000 {
            counts[bins.bin((i as f64).sqrt()) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (500..=760).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn extreme_values_get_finite_edges() {
        let mut values = vec![-f64::MAX, f64::MAX, 0.0];
        let bins = ColumnBins::of_values(&mut values, 255);
        assert!(bins.edges.iter().all(|e| e.is_finite()));
        assert_eq!(bins.value_bins(), 3);
    }
}
