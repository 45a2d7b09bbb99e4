//! How good a clustering is, as scikit-learn measures it (`silhouette_score`,
//! `davies_bouldin_score`), and what sets each cluster apart (the profile `fin_clusters`
//! shows).

use crate::interrupt;
use crate::parallel::{block_products, parallel_rows};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// Rows of the sample whose distances to the whole sample are one matrix product.
pub(super) const BLOCK: usize = 256;

/// The mean silhouette of the rows `x` labelled `labels` (Rousseeuw 1987): for each row,
/// (b − a) / max(a, b) with a the mean distance to the other rows of its cluster and b the
/// smallest mean distance to another cluster's rows; 0 for a row alone in its cluster.
/// O(rows²): callers pass a sample.
pub fn silhouette(x: ArrayView2<'_, f64>, labels: &[u32], k: usize, threads: usize) -> f64 {
    let n = x.nrows();
    if n < 2 {
        return 0.0;
    }
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l as usize] += 1;
    }
    let norms: Vec<f64> = x.rows().into_iter().map(|r| r.dot(&r)).collect();
    let parts = parallel_rows(n, threads, |range| {
        let mut total = 0.0;
        let mut to_cluster = vec![0.0; k];
        block_products(x, x, range, BLOCK, |start, products| {
            for (offset, dot_row) in products.chunks_exact(n).enumerate() {
                let i = start + offset;
                to_cluster.iter_mut().for_each(|v| *v = 0.0);
                for (j, &dot) in dot_row.iter().enumerate() {
                    if j != i {
                        let d2 = (norms[i] + norms[j] - 2.0 * dot).max(0.0);
                        to_cluster[labels[j] as usize] += d2.sqrt();
                    }
                }
                let own = labels[i] as usize;
                if sizes[own] <= 1 {
                    continue;
                }
                let a = to_cluster[own] / (sizes[own] - 1) as f64;
                let b = (0..k)
                    .filter(|&c| c != own && sizes[c] > 0)
                    .map(|c| to_cluster[c] / sizes[c] as f64)
                    .fold(f64::INFINITY, f64::min);
                if b.is_finite() {
                    let m = a.max(b);
                    if m > 0.0 {
                        total += (b - a) / m;
                    }
                }
            }
        });
        total
    });
    parts.iter().sum::<f64>() / n as f64
}

/// The Davies–Bouldin index (1979): the mean over clusters of the largest
/// (s_i + s_j) / d(c_i, c_j), with s the mean distance of a cluster's rows to its centre.
/// Lower is better.
pub fn davies_bouldin(x: ArrayView2<'_, f64>, labels: &[u32], centers: &Array2<f64>) -> f64 {
    let k = centers.nrows();
    let mut spread = vec![0.0; k];
    let mut sizes = vec![0usize; k];
    for (i, &l) in labels.iter().enumerate() {
        interrupt::check_every(i, 1 << 16);
        let c = centers.row(l as usize);
        let d2: f64 = x.row(i).iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum();
        spread[l as usize] += d2.sqrt();
        sizes[l as usize] += 1;
    }
    for (s, &n) in spread.iter_mut().zip(&sizes) {
        if n > 0 {
            *s /= n as f64;
        }
    }
    let mut total = 0.0;
    for i in 0..k {
        let worst = (0..k)
            .filter(|&j| j != i)
            .map(|j| {
                let d = (&centers.row(i) - &centers.row(j))
                    .mapv(|v| v * v)
                    .sum()
                    .sqrt();
                if d > 0.0 {
                    (spread[i] + spread[j]) / d
                } else {
                    0.0
                }
            })
            .fold(0.0, f64::max);
        total += worst;
    }
    total / k as f64
}

/// One cluster as `fin_clusters` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterProfile {
    pub rows: u64,
    /// Of the training rows.
    pub share: f64,
    /// One entry per design column (a numeric feature, or a category level as
    /// `feature=level`), most distinguishing first.
    pub terms: Vec<TermProfile>,
}

/// A design column's mean in one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermProfile {
    pub term: String,
    /// In the feature's original units (NULLs counted at their imputed value); a category
    /// level's share of the cluster.
    pub mean: f64,
    /// (cluster mean − population mean) / population standard deviation.
    pub z: f64,
}

/// Each cluster's size and its design columns' means against the whole population.
/// `scaling` maps design columns back to original units (`Preprocessor::column_scaling`).
pub fn profiles(
    x: ArrayView2<'_, f64>,
    labels: &[u32],
    k: usize,
    terms: &[String],
    scaling: &[(f64, f64)],
) -> Vec<ClusterProfile> {
    let width = x.ncols();
    let n = x.nrows();
    let mut sums = Array2::<f64>::zeros((k, width));
    let mut sizes = vec![0usize; k];
    for (i, &l) in labels.iter().enumerate() {
        interrupt::check_every(i, 1 << 16);
        let mut row = sums.row_mut(l as usize);
        row += &x.row(i);
        sizes[l as usize] += 1;
    }
    let population_mean = sums.sum_axis(ndarray::Axis(0)) / n.max(1) as f64;
    let population_sd = x.std_axis(ndarray::Axis(0), 0.0);
    (0..k)
        .map(|c| {
            let size = sizes[c].max(1) as f64;
            let mut terms: Vec<TermProfile> = (0..width)
                .map(|j| {
                    let mean = sums[[c, j]] / size;
                    let sd = population_sd[j];
                    let z = if sd > 0.0 {
                        (mean - population_mean[j]) / sd
                    } else {
                        0.0
                    };
                    let (shift, scale) = scaling[j];
                    TermProfile {
                        term: terms[j].clone(),
                        mean: shift + scale * mean,
                        z,
                    }
                })
                .collect();
            terms.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()));
            ClusterProfile {
                rows: sizes[c] as u64,
                share: sizes[c] as f64 / n.max(1) as f64,
                terms,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn silhouette_and_davies_bouldin_by_hand() {
        // Two clusters on a line: {0, 1} and {10, 11}.
        let x = array![[0.0], [1.0], [10.0], [11.0]];
        let labels = [0, 0, 1, 1];
        // a = 1 for every row; b = 10.5 for the outer rows (0, 3), 9.5 for the inner ones.
        let s = |a: f64, b: f64| (b - a) / a.max(b);
        let expected = (s(1.0, 10.5) + s(1.0, 9.5) + s(1.0, 9.5) + s(1.0, 10.5)) / 4.0;
        assert!((silhouette(x.view(), &labels, 2, 2) - expected).abs() < 1e-12);
        let centers = array![[0.5], [10.5]];
        // s_i = 0.5 each, d = 10: DB = (0.5 + 0.5) / 10.
        assert!((davies_bouldin(x.view(), &labels, &centers) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn profiles_give_original_units_and_z_scores() {
        let x = array![[-1.0], [-1.0], [1.0], [1.0]];
        let p = profiles(
            x.view(),
            &[0, 0, 1, 1],
            2,
            &["income".into()],
            &[(100.0, 10.0)],
        );
        assert_eq!(p[0].rows, 2);
        assert_eq!(p[0].share, 0.5);
        assert_eq!(p[0].terms[0].mean, 90.0);
        assert_eq!(p[1].terms[0].z, 1.0);
    }
}
