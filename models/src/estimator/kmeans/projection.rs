//! The clusters drawn on the first two principal components of the training rows, for the
//! model report: linfa-reduction's PCA (a truncated SVD of the centred sample), with each
//! component's share of the total variance as scikit-learn's `explained_variance_ratio_`
//! defines it (linfa's own ratio divides by the retained components' variance only).

use linfa::traits::{Fit, Predict};
use linfa::DatasetBase;
use linfa_reduction::Pca;
use ndarray::{ArrayView2, Axis};
use serde::{Deserialize, Serialize};

/// Components whose explained variance the report lists.
pub const REPORTED_COMPONENTS: usize = 10;
/// Rows drawn in the scatter.
pub const SCATTER_ROWS: usize = 500;

/// A sample of the training rows on the first two components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// Share of the total variance along each leading component.
    pub explained_variance_ratio: Vec<f64>,
    /// (component 1, component 2, cluster number) of up to [`SCATTER_ROWS`] rows.
    pub points: Vec<(f64, f64, u32)>,
}

/// The projection of the rows `x` (a sample, design units) labelled `labels` (0-based);
/// `None` when there are fewer than two design columns or rows, or the SVD does not converge.
pub fn project(x: ArrayView2<'_, f64>, labels: &[u32]) -> Option<Projection> {
    let (n, width) = x.dim();
    if width < 2 || n < 3 {
        return None;
    }
    let components = width.min(REPORTED_COMPONENTS).min(n - 1);
    let records = x.to_owned();
    let dataset = DatasetBase::from(records.clone());
    let pca = Pca::params(components).fit(&dataset).ok()?;
    let total: f64 = records.var_axis(Axis(0), 1.0).sum();
    if total <= 0.0 {
        return None;
    }
    let ratio: Vec<f64> = pca
        .singular_values()
        .iter()
        .map(|s| s * s / (n as f64 - 1.0) / total)
        .collect();
    let embedded = pca.predict(&records);
    let step = n.div_ceil(SCATTER_ROWS).max(1);
    let points = (0..n)
        .step_by(step)
        .map(|i| (embedded[[i, 0]], embedded[[i, 1]], labels[i] + 1))
        .collect();
    let finite = ratio.iter().all(|r| r.is_finite()) && embedded.iter().all(|v| v.is_finite());
    finite.then_some(Projection {
        explained_variance_ratio: ratio,
        points,
    })
}
