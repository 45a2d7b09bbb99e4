//! Regression metrics: RMSE, MAE and R² of predicted against actual values.

use std::collections::BTreeMap;

fn sum_squared_errors(actual: &[f64], predicted: &[f64]) -> f64 {
    actual
        .iter()
        .zip(predicted)
        .map(|(a, p)| (a - p).powi(2))
        .sum()
}

/// Root mean squared error; `None` without rows.
pub fn rmse(actual: &[f64], predicted: &[f64]) -> Option<f64> {
    (!actual.is_empty())
        .then(|| (sum_squared_errors(actual, predicted) / actual.len() as f64).sqrt())
}

/// rmse, mae and r2 (r2 left out when the actual values are constant).
pub fn regression_report(actual: &[f64], predicted: &[f64]) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    let Some(rmse) = rmse(actual, predicted) else {
        return m;
    };
    let n = actual.len() as f64;
    let sse = sum_squared_errors(actual, predicted);
    let sae: f64 = actual
        .iter()
        .zip(predicted)
        .map(|(a, p)| (a - p).abs())
        .sum();
    let mean = actual.iter().sum::<f64>() / n;
    let sst: f64 = actual.iter().map(|a| (a - mean).powi(2)).sum();
    m.insert("rmse".into(), rmse);
    m.insert("mae".into(), sae / n);
    m.insert("rows".into(), n);
    if sst > 0.0 {
        m.insert("r2".into(), 1.0 - sse / sst);
    }
    m
}
