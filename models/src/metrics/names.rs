//! The names of the metrics finml reports, what each is, and the order reports list them in.

use std::collections::BTreeMap;

/// Every metric finml reports, in the order validators read them, with what each is.
pub const METRICS: &[(&str, &str)] = &[
    ("auc", "area under the ROC curve (multi-class: the mean of each class's one-vs-rest AUC)"),
    ("gini", "2 × AUC − 1"),
    ("ks", "Kolmogorov–Smirnov: max(TPR − FPR)"),
    (
        "average_precision",
        "area under the precision-recall curve (PR-AUC), as scikit-learn's average_precision_score",
    ),
    ("accuracy", "share predicted right at the threshold (multi-class: the most probable class)"),
    ("f1_macro", "multi-class: the mean of the classes' F1 scores"),
    ("f1_weighted", "multi-class: the classes' F1 scores weighted by their rows"),
    ("auc_weighted", "multi-class: the classes' one-vs-rest AUCs weighted by their rows"),
    (
        "precision",
        "share of predicted positives that are positive",
    ),
    ("recall", "share of positives predicted positive"),
    ("f1", "harmonic mean of precision and recall"),
    ("log_loss", "mean cross-entropy"),
    ("brier", "mean (p − y)²"),
    (
        "hosmer_lemeshow",
        "Hosmer–Lemeshow χ² over 10 quantile groups",
    ),
    ("hosmer_lemeshow_p", "its p-value (χ² on groups − 2 df)"),
    ("rmse", "root mean squared error"),
    ("mae", "mean absolute error"),
    ("r2", "coefficient of determination"),
    ("rows", "rows evaluated"),
    ("positives", "rows of the positive class"),
    ("classes", "multi-class: the classes of the target"),
    ("k", "clusters"),
    (
        "inertia",
        "sum of squared distances of the rows to their cluster's centre (standardized units), as scikit-learn's inertia_",
    ),
    (
        "silhouette",
        "mean of (b − a) / max(a, b) on at most 10,000 training rows, as scikit-learn's silhouette_score",
    ),
    (
        "davies_bouldin",
        "mean over clusters of the largest (s_i + s_j) / d(c_i, c_j); lower is better",
    ),
    ("iterations", "Lloyd iterations of the run kept"),
    ("n_trees", "isolation trees"),
    ("sample_size", "training rows each tree isolates"),
    ("threshold", "anomaly score above which a row is flagged"),
    ("flagged_share", "share of the training rows above the threshold"),
];

/// `metrics` as (name, value) in the order of [`METRICS`], any others after them.
pub fn in_report_order(metrics: &BTreeMap<String, f64>) -> Vec<(String, f64)> {
    let known = METRICS
        .iter()
        .filter_map(|(name, _)| metrics.get(*name).map(|&v| ((*name).to_owned(), v)));
    let others = metrics
        .iter()
        .filter(|(name, _)| !METRICS.iter().any(|(known, _)| known == name))
        .map(|(name, &v)| (name.clone(), v));
    known.chain(others).collect()
}
