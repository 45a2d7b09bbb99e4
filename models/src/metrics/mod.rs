//! Evaluation metrics. Classification metrics take `scores` (probability of the positive
//! class) and `labels` (true = positive); regression metrics take actual and predicted values.
//! Definitions follow scikit-learn's (`roc_auc_score`, `log_loss`, ...); KS and Gini follow
//! the credit-scoring formulas in DESIGN.md (KS = max(TPR − FPR), Gini = 2·AUC − 1).
//!
//! One job per file: `names` (the metrics reported and their order), `ranking` (AUC, KS, the
//! ROC curve, average precision), `gains` (the gains table), `classification` (metrics at a
//! threshold and their report), `calibration` (reliability groups, Hosmer–Lemeshow),
//! `regression` (RMSE, MAE, R²).

mod calibration;
mod classification;
mod gains;
mod multiclass;
mod names;
mod ranking;
mod regression;

pub use calibration::{
    calibration, calibration_of_values, chi_square_survival, hosmer_lemeshow, CalibrationBin,
    HosmerLemeshow, HOSMER_LEMESHOW_GROUPS,
};
pub use classification::{
    brier, class_histogram, classification_report, confusion, cost_threshold, log_loss,
    ClassHistogram, Confusion,
};
pub use gains::{gains, gains_at, GainsBand};
pub use multiclass::{most_probable, multiclass_confusion, multiclass_report};
pub use names::{in_report_order, METRICS};
pub use ranking::{at_top, auc, average_precision, ks, roc_curve, roc_points, RocPoint};
pub use regression::{regression_report, rmse};

#[cfg(test)]
mod tests;
