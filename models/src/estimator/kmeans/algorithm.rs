//! k-means behind the seam: its registry entry, its parameters' fit and the fitted model as
//! an estimator (its output is a row's cluster).

use super::report::clusters_section;
use super::{
    fit_estimator, KMeansModel, KMeansParams, KMEANS_KEYS, MAX_K, NOT_FOR_KMEANS,
    NOT_FOR_UNSUPERVISED_HINT,
};
use crate::disclosure::{is_round, Disclosure};
use crate::error::Result;
use crate::estimator::{
    Algorithm, DesignOutput, Estimator, Fitted, Params, Predictor, Spec, StoredEstimator,
    UNSUPERVISED_FORMAT_VERSION,
};
use crate::fit::{FitInput, Task};
use crate::preprocess::Preprocessor;
use ndarray::{Array2, ArrayView1};
use serde_json::{Map, Value};

/// k-means segmentation (no target).
pub const KMEANS: Algorithm = Algorithm::of(&KMeansSpec);

struct KMeansSpec;

impl Spec for KMeansSpec {
    fn name(&self) -> &'static str {
        "kmeans"
    }

    fn keys(&self) -> &'static [&'static str] {
        KMEANS_KEYS
    }

    fn refused(&self) -> (&'static [&'static str], &'static str) {
        (NOT_FOR_KMEANS, NOT_FOR_UNSUPERVISED_HINT)
    }

    fn unsupervised_task(&self) -> Option<Task> {
        Some(Task::Clustering)
    }

    fn params(&self, options: &Map<String, Value>) -> Result<Box<dyn Params>> {
        Ok(Box::new(KMeansParams::from_options(options)?))
    }

    fn read_stored(&self, stored: StoredEstimator) -> Result<Box<dyn Estimator>> {
        Ok(Box::new(stored.into_fitted::<KMeansModel>(self.name())?))
    }
}

impl Params for KMeansParams {
    fn algorithm(&self) -> Algorithm {
        KMEANS
    }

    fn fit(&self, input: &mut FitInput<'_>) -> Result<Fitted> {
        let (preprocessor, model) = fit_estimator(input, self)?;
        Ok(Fitted::of(preprocessor, model))
    }
}

impl DesignOutput for KMeansModel {
    fn output_of_row(&self, row: &[f64]) -> f64 {
        self.cluster_of(ArrayView1::from(row))
    }

    fn outputs(&self, x: &Array2<f64>) -> Vec<f64> {
        KMeansModel::outputs(self, x)
    }
}

impl Estimator for KMeansModel {
    fn algorithm(&self) -> Algorithm {
        KMEANS
    }

    fn predictor(&self) -> Predictor<'_> {
        Predictor::Design(self)
    }

    fn trains(&self, task: Task) -> bool {
        task == Task::Clustering
    }

    fn first_invalid_parameter(&self) -> Option<String> {
        KMeansModel::first_invalid_parameter(self)
    }

    fn shape_mismatch(&self, preprocessor: &Preprocessor) -> Option<String> {
        // Prediction measures every centre: no training makes more than MAX_K.
        if self.k() > MAX_K {
            return Some(format!(
                "{} centres, more than the {MAX_K} k-means trains",
                self.k()
            ));
        }
        KMeansModel::shape_mismatch(self, preprocessor.width())
    }

    fn format_version(&self) -> u32 {
        UNSUPERVISED_FORMAT_VERSION
    }

    fn to_stored(&self, width: usize) -> StoredEstimator {
        StoredEstimator::of_fitted(width, self)
    }

    fn training_metrics(&self) -> Vec<(String, f64)> {
        self.metrics()
    }

    fn forget_row_values(&mut self) {
        self.projection = None;
    }

    fn stored_values(&self, preprocessor: &Preprocessor) -> Vec<Disclosure> {
        let scaling = preprocessor.column_scaling();
        let raw = self.centers.iter().flat_map(|centre| {
            centre
                .iter()
                .zip(&scaling)
                .map(|(c, (mean, scale))| mean + scale * c)
        });
        let rounded = raw.clone().all(is_round);
        let mut centres = Disclosure::new("centres", None, self.k());
        centres.exact = Some(!rounded);
        // A centre no row is nearest to hides no one.
        centres.min_rows = self
            .profiles
            .iter()
            .map(|p| p.rows)
            .filter(|&r| r > 0)
            .min();
        centres.detail = format!(
            "each the mean of its cluster's training rows{}, with the cluster's profile",
            if rounded {
                ", rounded to 2 significant digits in the features' units"
            } else {
                ""
            }
        );
        let mut out = vec![centres];
        if let Some(projection) = &self.projection {
            let mut points = Disclosure::new("row values", None, projection.points.len());
            points.min_rows = Some(1);
            points.detail = "single training rows on two principal components, for the \
                             report's scatter; store_reference \"coarse\" or \"none\" keeps none"
                .into();
            out.push(points);
        }
        out
    }

    fn structure(&self) -> Option<(&'static str, String)> {
        Some((
            "Clusters",
            format!("k = {}, {} Lloyd iterations", self.k(), self.iterations),
        ))
    }

    fn report_section(&self, _preprocessor: &Preprocessor, html: &mut String) {
        clusters_section(html, self);
    }
}
