//! k-means segmentation: the standardized design (impute, standardize, one-hot, as the
//! linear models), Lloyd's algorithm from k-means++ seeds (lloyd.rs), k fixed or chosen by
//! the best silhouette over a range, and per cluster the profile `fin_clusters` shows
//! (quality.rs).

pub mod algorithm;
pub mod lloyd;
pub mod projection;
pub mod quality;
mod report;

use crate::drift::round_significant;
use crate::error::{Error, ErrorKind, Result};
use crate::fit::{check_budget, FitInput};
use crate::json::{bad, count, number_in};
use crate::preprocess::Preprocessor;
use lloyd::{kmeans, LloydSettings};
use ndarray::{Array2, ArrayView1};
use projection::{project, Projection};
use quality::{davies_bouldin, profiles, silhouette, ClusterProfile};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The keys of algorithm "kmeans".
pub const KMEANS_KEYS: &[&str] = &["k", "n_init", "max_iter", "tolerance"];

/// Training options k-means has no use for, and why.
pub const NOT_FOR_KMEANS: &[&str] = &[
    "positive",
    "test_size",
    "split",
    "task",
    "deploy_tolerance",
    "weight_column",
    "text",
    "semi_supervised",
];
/// (`{takes text}` is the registry's list of the algorithms that take text features.)
pub const NOT_FOR_UNSUPERVISED_HINT: &str =
    "an unsupervised model has no target: it trains on every row and is not compared with a deployed version; hashed text features are for {takes text}";

/// Largest k (a centre per cluster; the profile has k × width entries).
pub const MAX_K: usize = 1000;
/// Rows the silhouette is measured on (it costs rows²).
pub const SILHOUETTE_SAMPLE_ROWS: usize = 10_000;

/// How many clusters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClusterCount {
    Fixed(usize),
    /// The k of the best silhouette in min..=max.
    Best {
        min: usize,
        max: usize,
    },
}

/// Validated k-means parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KMeansParams {
    pub k: ClusterCount,
    /// Runs from different seeds; the one of lowest inertia is kept. Default 3.
    pub n_init: usize,
    /// Lloyd iterations per run. Default 300.
    pub max_iter: usize,
    /// Relative centre shift that ends a run (scikit-learn's tol). Default 1e-4.
    pub tolerance: f64,
}

impl KMeansParams {
    pub fn from_options(options: &Map<String, Value>) -> Result<KMeansParams> {
        let k_hint = r#"an integer between 2 and 1000, "auto" (2 to 10), or a range [2, 10]"#;
        let k = match options.get("k") {
            None => ClusterCount::Best { min: 2, max: 10 },
            Some(Value::String(s)) if s == "auto" => ClusterCount::Best { min: 2, max: 10 },
            Some(v @ Value::Array(range)) => match range.as_slice() {
                [low, high] => {
                    let low = count(low, "k", 2, MAX_K).map_err(|_| bad("k", v, k_hint))?;
                    let high = count(high, "k", 2, MAX_K).map_err(|_| bad("k", v, k_hint))?;
                    if low > high {
                        return Err(bad("k", v, k_hint));
                    }
                    ClusterCount::Best {
                        min: low,
                        max: high,
                    }
                }
                _ => return Err(bad("k", v, k_hint)),
            },
            Some(v) => {
                ClusterCount::Fixed(count(v, "k", 2, MAX_K).map_err(|_| bad("k", v, k_hint))?)
            }
        };
        Ok(KMeansParams {
            k,
            n_init: options
                .get("n_init")
                .map_or(Ok(3), |v| count(v, "n_init", 1, 100))?,
            max_iter: options
                .get("max_iter")
                .map_or(Ok(300), |v| count(v, "max_iter", 1, 100_000))?,
            tolerance: options.get("tolerance").map_or(Ok(1e-4), |v| {
                number_in(
                    v,
                    "tolerance",
                    0.0,
                    1.0,
                    false,
                    "a number in [0, 1), e.g. 1e-4",
                )
            })?,
        })
    }
}

/// A fitted k-means model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeansModel {
    /// One centre per cluster, in design units (standardized).
    pub centers: Vec<Vec<f64>>,
    /// Sum of squared distances of the training rows to their centre (design units).
    pub inertia: f64,
    /// Mean silhouette on a sample of at most 10,000 training rows.
    pub silhouette: f64,
    pub davies_bouldin: f64,
    /// Lloyd iterations of the kept run.
    pub iterations: usize,
    /// With k chosen automatically: the silhouette of each k tried, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub silhouette_by_k: Vec<(usize, f64)>,
    /// Each cluster's size and what sets it apart, cluster 1 first.
    pub profiles: Vec<ClusterProfile>,
    /// A sample of the training rows on the first two principal components, for the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection: Option<Projection>,
}

impl KMeansModel {
    pub fn k(&self) -> usize {
        self.centers.len()
    }

    /// The nearest centre to a design row (the lowest-numbered on a tie); `None` when the
    /// row's distances overflow double precision (|x| near 1e154 and beyond): every distance
    /// is then ∞ and "the nearest" would be cluster 1 for every such row.
    pub fn nearest(&self, row: ArrayView1<'_, f64>) -> Option<usize> {
        let mut best = (f64::INFINITY, None);
        for (j, c) in self.centers.iter().enumerate() {
            let d: f64 = row.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum();
            if d < best.0 {
                best = (d, Some(j));
            }
        }
        best.1
    }

    /// The cluster number (1 to k) of a design row: the output unit; NaN (refused as a
    /// non-finite prediction, 22000) when the row's distances overflow.
    pub fn cluster_of(&self, row: ArrayView1<'_, f64>) -> f64 {
        self.nearest(row).map_or(f64::NAN, |j| (j + 1) as f64)
    }

    /// The cluster number of every row of a design matrix.
    pub fn outputs(&self, x: &Array2<f64>) -> Vec<f64> {
        x.rows().into_iter().map(|r| self.cluster_of(r)).collect()
    }

    pub fn first_invalid_parameter(&self) -> Option<String> {
        self.centers
            .iter()
            .enumerate()
            .find(|(_, c)| c.iter().any(|v| !v.is_finite()))
            .map(|(j, _)| format!("centre of cluster {j}"))
            .or_else(|| {
                [
                    ("inertia", self.inertia),
                    ("silhouette", self.silhouette),
                    ("davies_bouldin", self.davies_bouldin),
                ]
                .into_iter()
                .find(|(_, v)| !v.is_finite())
                .map(|(name, _)| name.to_owned())
            })
    }

    pub fn shape_mismatch(&self, width: usize) -> Option<String> {
        if self.centers.len() < 2 || self.profiles.len() != self.centers.len() {
            return Some(format!(
                "{} centres and {} cluster profiles",
                self.centers.len(),
                self.profiles.len()
            ));
        }
        self.centers.iter().find(|c| c.len() != width).map(|c| {
            format!(
                "a centre of {} coordinates for {width} design columns",
                c.len()
            )
        })
    }

    /// The training metrics (fin_train's metrics column).
    pub fn metrics(&self) -> Vec<(String, f64)> {
        let mut m = vec![
            ("k".to_owned(), self.k() as f64),
            ("inertia".to_owned(), self.inertia),
            ("silhouette".to_owned(), self.silhouette),
            ("davies_bouldin".to_owned(), self.davies_bouldin),
            ("iterations".to_owned(), self.iterations as f64),
        ];
        m.extend(
            self.silhouette_by_k
                .iter()
                .map(|(k, s)| (format!("silhouette_k{k}"), *s)),
        );
        m
    }
}

/// Fits the preprocessing and k-means on the training rows.
/// 22000 for a design row whose squared length overflows double precision: its distance to
/// every centre would be ∞, Lloyd's algorithm would put it in the first cluster whatever its
/// values, and the inertia would be ∞.
fn refuse_overflowing_rows(x: &Array2<f64>) -> Result<()> {
    for (i, row) in x.rows().into_iter().enumerate() {
        if !row.dot(&row).is_finite() {
            return Err(Error::invalid_data(format!(
                "training row {} is too far from the others: its squared distances overflow double precision",
                i + 1
            ))
            .with_hint("rescale or cap the features (values near 1e154 and beyond cannot be clustered), or exclude the row"));
        }
    }
    Ok(())
}

/// 54000 unless k-means with up to `k` clusters fits finml.max_training_memory with the data
/// and its design `x`, in its larger phase: k-means++ holds per row its distances to its
/// 2 + ⌊ln k⌋ candidates, the chosen one's distances collected, the row's norm, nearest
/// distance, cumulative potential and two runs' labels, and per thread a block of Lloyd's
/// row-centre products and the clusters' sums; the silhouette, two runs' labels and per
/// thread a block of distances to its sample. Both hold the silhouette's sample rows and the
/// centres, profiles and projection (k × width each, a few times). k = 1,000 on a wide
/// design is most of a gigabyte beyond the data.
fn check_memory(input: &FitInput<'_>, x: &Array2<f64>, k: usize) -> Result<()> {
    let (rows, width) = x.dim();
    let threads = input.limits.threads.max(1);
    let candidates = 2 + (k as f64).ln().floor() as usize;
    let seeding_per_row = 8 * candidates + 4 * 8 + 2 * 4;
    let lloyd_block = lloyd::BLOCK
        .saturating_mul(k.max(candidates))
        .saturating_add(k.saturating_mul(width))
        .saturating_mul(8);
    let seeding = rows
        .saturating_mul(seeding_per_row)
        .saturating_add(threads.saturating_mul(lloyd_block));
    let silhouette_block = quality::BLOCK
        .saturating_mul(rows.min(SILHOUETTE_SAMPLE_ROWS))
        .saturating_mul(8);
    let silhouette = rows
        .saturating_mul(2 * 4)
        .saturating_add(threads.saturating_mul(silhouette_block));
    let needed = input
        .data_bytes()
        .saturating_add(x.len().saturating_mul(8))
        .saturating_add(seeding.max(silhouette))
        .saturating_add(
            rows.min(SILHOUETTE_SAMPLE_ROWS)
                .saturating_mul(width)
                .saturating_mul(8),
        )
        .saturating_add(k.saturating_mul(width).saturating_mul(4 * 8));
    input.claim(check_budget(
        needed,
        input.limits,
        || format!("k-means with up to {k} clusters of {rows} rows × {width} columns"),
        "ask for fewer clusters, train on a sample, or raise finml.max_training_memory",
    )?);
    Ok(())
}

pub fn fit_estimator(
    input: &mut FitInput<'_>,
    params: &KMeansParams,
) -> Result<(Preprocessor, KMeansModel)> {
    let (preprocessor, x) = crate::linear::dense_design(input, "k-means")?;
    refuse_overflowing_rows(&x)?;
    let rows = input.train.len();
    let (low, high) = match params.k {
        ClusterCount::Fixed(k) => (k, k),
        ClusterCount::Best { min, max } => (min, max),
    };
    if low > rows {
        return Err(
            Error::invalid_option(format!("k = {low} clusters for {rows} training rows"))
                .with_hint("k must be at most the number of rows"),
        );
    }
    let high = high.min(rows);
    check_memory(input, &x, high)?;
    let mut rng = SmallRng::seed_from_u64(input.seed);
    let sample: Vec<usize> = if rows > SILHOUETTE_SAMPLE_ROWS {
        let mut s = rand::seq::index::sample(&mut rng, rows, SILHOUETTE_SAMPLE_ROWS).into_vec();
        s.sort_unstable();
        s
    } else {
        (0..rows).collect()
    };
    let sample_x = x.select(ndarray::Axis(0), &sample);
    let threads = input.limits.threads;
    let mut best: Option<(f64, lloyd::Clustering)> = None;
    let mut silhouette_by_k = Vec::new();
    for k in low..=high {
        let settings = LloydSettings {
            k,
            max_iter: params.max_iter,
            tolerance: params.tolerance,
            threads,
        };
        let run = kmeans(x.view(), settings, params.n_init, &mut rng);
        let sample_labels: Vec<u32> = sample.iter().map(|&i| run.labels[i]).collect();
        let score = silhouette(sample_x.view(), &sample_labels, k, threads);
        if low < high {
            silhouette_by_k.push((k, score));
        }
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, run));
        }
    }
    let Some((score, run)) = best else {
        return Err(Error::new(ErrorKind::Internal, "k-means ran no k"));
    };
    let k = run.centers.nrows();
    if low < high {
        input.notes.push(format!(
            "k = {k}: the best silhouette ({score:.4}) of k = {low}..{high}"
        ));
    }
    let scaling = preprocessor.column_scaling();
    // Rounded centres are measured as stored: the rows' clusters, inertia and silhouette
    // are those of the rounded centres.
    let (score, run) = match input.preprocess.stored_digits {
        Some(digits) => {
            let run = run.rounded(x.view(), &scaling, digits, threads);
            let labels: Vec<u32> = sample.iter().map(|&i| run.labels[i]).collect();
            (silhouette(sample_x.view(), &labels, k, threads), run)
        }
        None => (score, run),
    };
    let sample_labels: Vec<u32> = sample.iter().map(|&i| run.labels[i]).collect();
    let projection = input
        .preprocess
        .keep_row_values
        .then(|| project(sample_x.view(), &sample_labels))
        .flatten();
    let mut profiles = profiles(
        x.view(),
        &run.labels,
        k,
        &preprocessor.term_names(),
        &scaling,
    );
    if let Some(digits) = input.preprocess.stored_digits {
        for term in profiles.iter_mut().flat_map(|p| p.terms.iter_mut()) {
            term.mean = round_significant(term.mean, digits);
            term.z = round_significant(term.z, digits);
        }
    }
    let model = KMeansModel {
        centers: run.centers.rows().into_iter().map(|r| r.to_vec()).collect(),
        inertia: run.inertia,
        silhouette: score,
        davies_bouldin: davies_bouldin(x.view(), &run.labels, &run.centers),
        iterations: run.iterations,
        silhouette_by_k,
        profiles,
        projection,
    };
    Ok((preprocessor, model))
}
