//! How numbers print in the page's cells and on its axes.

use crate::html::number;

pub(super) fn optional(value: Option<f64>) -> String {
    value.map_or("—".to_owned(), number)
}

pub(super) fn p_value(p: f64) -> String {
    if p < 1e-4 {
        "&lt; 0.0001".to_owned()
    } else {
        format!("{p:.4}")
    }
}

pub(super) fn tick(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The smallest axis top at or above `value` whose quarters print short (0.03, 0.06, ...).
pub(super) fn nice_ceiling(value: f64) -> f64 {
    [0.04, 0.08, 0.12, 0.2, 0.4, 0.6, 0.8, 1.0]
        .into_iter()
        .find(|&top| top >= value)
        .unwrap_or(1.0)
}
