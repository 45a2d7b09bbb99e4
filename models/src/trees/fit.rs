//! What the three tree algorithms' fits share: the preprocessing they read (numbers as they
//! are, NULLs kept for the learned default direction, categories as the stored one-hot),
//! the memory check before anything is allocated, the binned training rows, the targets and
//! row weights, and monotone constraints named by feature.

use super::bins::{BinnedRows, MAX_BINS};
use super::grow::{Sums, HIST_BINS};
use crate::error::{Error, Result};
use crate::estimator::linear::solver::sigmoid;
use crate::fit::{check_budget, row_weights, ClassWeight, FitInput, TrainLabels};
use crate::json::bad;
use crate::preprocess::{Impute, NumericTransform, PreprocessOptions, Preprocessor, Transform};
use crate::progress::Phase;
use serde_json::Value;

/// Bytes a tree fit holds per row besides its bins: the target, the weight, the output, the
/// gradient and the hessian (f64 each), and its place in the sample, the leaf order and a
/// partition's scratch (u32 each).
pub const BYTES_PER_ROW: usize = 5 * 8 + 3 * 4;

/// The preprocessing of a tree model: fitted as every model's, then each number is left as
/// it is (a split's threshold is in the column's own unit) and a NULL stays NaN, routed by
/// each split's default direction. Categories are the stored one-hot indicators.
pub fn tree_preprocessor(input: &mut FitInput<'_>) -> Preprocessor {
    // No imputed value is used: zero spares the medians' sorts.
    let options = PreprocessOptions {
        impute: Impute::Zero,
        ..input.preprocess.clone()
    };
    let mut preprocessor = Preprocessor::fit(input.data, input.train, &options);
    input.progress.phase(Phase::Fitting);
    for feature in &mut preprocessor.features {
        let scalings: Vec<&mut NumericTransform> = match &mut feature.transform {
            Transform::Numeric(n) => vec![n],
            Transform::Date(d) => d.parts.iter_mut().map(|p| &mut p.scaling).collect(),
            _ => Vec::new(),
        };
        for scaling in scalings {
            scaling.impute = 0.0;
            scaling.mean = 0.0;
            scaling.scale = 1.0;
            scaling.keep_missing = true;
        }
    }
    preprocessor
}

/// 54000 unless the data, the bins, the per-row state (with `class_outputs` outputs and
/// probabilities a row for a multi-class fit, else 0) and `histograms` histograms of the
/// design fit finml.max_training_memory; else the most histograms the budget keeps at once
/// (at least `histograms`, at most `wanted`), recorded as the fit's claim.
pub fn check_tree_memory(
    input: &FitInput<'_>,
    width: usize,
    (histograms, wanted): (usize, usize),
    class_outputs: usize,
    what: &str,
) -> Result<usize> {
    let rows = input.train.len();
    let histogram = width
        .saturating_mul(HIST_BINS)
        .saturating_mul(std::mem::size_of::<Sums>());
    let per_row = class_outputs
        .saturating_mul(2 * std::mem::size_of::<f64>())
        .saturating_add(BYTES_PER_ROW);
    let fixed = input
        .data_bytes()
        .saturating_add(BinnedRows::bytes(rows, width))
        .saturating_add(rows.saturating_mul(per_row));
    let needed = fixed.saturating_add(histogram.saturating_mul(histograms));
    check_budget(
        needed,
        input.limits,
        || format!("{what} on {rows} rows × {width} design columns"),
        "raise finml.max_training_memory, lower options.max_categories or max_bins, or train on a sample",
    )?;
    let room = (input.limits.max_memory_bytes - needed) / histogram.max(1);
    let kept = (histograms + room).min(wanted);
    input.claim(fixed.saturating_add(histogram.saturating_mul(kept)));
    Ok(kept)
}

/// The targets of the training rows (1/0 for a classifier) and each row's weight
/// (`weight_column` × `class_weight`; 1 when neither is given).
pub fn targets_and_weights(
    input: &FitInput<'_>,
    class_weight: Option<ClassWeight>,
) -> Result<(Vec<f64>, Vec<f64>, bool)> {
    Ok(match input.labels {
        TrainLabels::MultiClass { .. } => return Err(crate::fit::multi_class_refused()),
        TrainLabels::Survival(_) => return Err(crate::fit::survival_labels_refused()),
        TrainLabels::Binary(y) => {
            let weights = row_weights(input.sample_weights, y, class_weight)
                .unwrap_or_else(|| vec![1.0; y.len()]);
            (
                y.iter().map(|&b| f64::from(u8::from(b))).collect(),
                weights,
                true,
            )
        }
        TrainLabels::Numeric(y) => {
            let weights = input
                .sample_weights
                .map_or_else(|| vec![1.0; y.len()], <[f64]>::to_vec);
            (y.clone(), weights, false)
        }
    })
}

/// The weighted mean loss of outputs `eta` on `rows`: log-loss of a classifier's log-odds,
/// mean squared error of a regression.
pub fn mean_loss(eta: &[f64], y: &[f64], w: &[f64], rows: &[usize], classification: bool) -> f64 {
    let (mut loss, mut weight) = (0.0, 0.0);
    for &r in rows {
        let l = if classification {
            let p = sigmoid(eta[r]).clamp(1e-15, 1.0 - 1e-15);
            -(y[r] * p.ln() + (1.0 - y[r]) * (1.0 - p).ln())
        } else {
            (eta[r] - y[r]).powi(2)
        };
        loss += w[r] * l;
        weight += w[r];
    }
    if weight > 0.0 {
        loss / weight
    } else {
        0.0
    }
}

/// `max_bins`: 2 to 255 (one byte a bin, the last for missing values).
pub fn max_bins(value: Option<&Value>) -> Result<usize> {
    value.map_or(Ok(MAX_BINS), |v| {
        crate::json::count(v, "max_bins", 2, MAX_BINS)
    })
}

/// Per design column, the monotone constraint `"monotone": {"income": -1, ...}` puts on it:
/// only numeric features may be constrained (a category's indicators have no order).
pub fn monotone_columns(preprocessor: &Preprocessor, monotone: &[(String, i8)]) -> Result<Vec<i8>> {
    if monotone.is_empty() {
        return Ok(Vec::new());
    }
    let mut columns = vec![0i8; preprocessor.width()];
    for (name, direction) in monotone {
        let mut offset = 0;
        let mut found = false;
        for f in &preprocessor.features {
            if &f.name == name {
                found = true;
                if !matches!(f.transform, Transform::Numeric(_)) {
                    return Err(Error::invalid_option(format!(
                        "options.monotone names \"{name}\", which is not a numeric feature"
                    ))
                    .with_hint("monotone constraints apply to numeric features: a category's levels have no order"));
                }
                columns[offset] = *direction;
            }
            offset += f.transform.width();
        }
        if !found {
            return Err(Error::invalid_option(format!(
                "options.monotone names \"{name}\", which is not a feature"
            ))
            .with_hint("name features of the model (finml.models lists them), each with 1 or -1"));
        }
    }
    Ok(columns)
}

/// `"monotone": {"feature": 1 | -1, ...}` as (feature, direction) pairs.
pub fn parse_monotone(value: Option<&Value>) -> Result<Vec<(String, i8)>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let expected = r#"an object of features and directions, e.g. {"income": -1, "debt_ratio": 1}"#;
    let Value::Object(map) = value else {
        return Err(bad("monotone", value, expected));
    };
    map.iter()
        .map(|(name, d)| match d.as_i64() {
            Some(1) => Ok((name.clone(), 1)),
            Some(-1) => Ok((name.clone(), -1)),
            _ => Err(bad("monotone", value, expected)),
        })
        .collect()
}
