//! The charts of the page: ROC, training loss, the classes' predicted probabilities,
//! calibration, predicted against actual, and feature importance.

use super::plot::{Plot, NEGATIVE_COLOUR, POSITIVE_COLOUR};
use super::print::nice_ceiling;
use crate::explain::SummaryPoints;
use crate::html::{escape, number};
use crate::metrics::{CalibrationBin, ClassHistogram};
use std::fmt::Write;

pub(super) fn roc_chart(points: &[(f64, f64)]) -> String {
    let mut plot = Plot::new(
        "ROC curve",
        "false positive rate",
        "true positive rate",
        1.0,
    );
    plot.diagonal();
    plot.polyline(points, POSITIVE_COLOUR, false);
    plot.finish("Dashed: a model that ranks at random.")
}

/// Training (and validation) loss by epoch, on a scale from 0 to the largest loss.
pub(super) fn loss_chart(log: &[(i32, f64, Option<f64>)]) -> String {
    let largest = log
        .iter()
        .flat_map(|&(_, t, v)| std::iter::once(t).chain(v))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let top = nice_loss_top(largest);
    let mut plot = Plot::new(
        "Training loss by epoch",
        "epoch (share of training)",
        "loss",
        top,
    );
    let n = log.len().max(1) as f64;
    let training: Vec<(f64, f64)> = log.iter().map(|&(e, t, _)| (f64::from(e) / n, t)).collect();
    plot.polyline(&training, NEGATIVE_COLOUR, true);
    let validation: Vec<(f64, f64)> = log
        .iter()
        .filter_map(|&(e, _, v)| v.map(|v| (f64::from(e) / n, v)))
        .collect();
    let mut legend = vec![("training", NEGATIVE_COLOUR)];
    if !validation.is_empty() {
        plot.polyline(&validation, POSITIVE_COLOUR, true);
        legend.push(("validation", POSITIVE_COLOUR));
    }
    plot.legend(&legend);
    plot.finish(&format!(
        "{} epochs; the last point is epoch {}.",
        log.len(),
        log.len()
    ))
}

/// An axis top for losses: the next of 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, ... at or above.
pub(super) fn nice_loss_top(value: f64) -> f64 {
    let mut top = 0.1;
    for candidate in [0.1, 0.2, 0.4, 0.6, 0.8, 1.0] {
        top = candidate;
        if candidate >= value {
            return top;
        }
    }
    while top < value {
        top *= 2.0;
    }
    top
}

pub(super) fn distribution_chart(
    histogram: &ClassHistogram,
    (positive, negative): (&str, &str),
) -> String {
    let share = |counts: &[u64]| -> Vec<f64> {
        let total: u64 = counts.iter().sum();
        counts
            .iter()
            .map(|&c| {
                if total > 0 {
                    c as f64 / total as f64
                } else {
                    0.0
                }
            })
            .collect()
    };
    let positives = share(&histogram.positives);
    let negatives = share(&histogram.negatives);
    let y_max = positives
        .iter()
        .chain(&negatives)
        .copied()
        .fold(0.0, f64::max)
        .max(0.04);
    let mut plot = Plot::new(
        "Predicted probability by class",
        "predicted probability",
        "share of the class",
        nice_ceiling(y_max),
    );
    let width = 1.0 / positives.len().max(1) as f64;
    for (k, (&p, &n)) in positives.iter().zip(&negatives).enumerate() {
        let from = k as f64 * width;
        plot.bar(from, from + width, n, NEGATIVE_COLOUR);
        plot.bar(from, from + width, p, POSITIVE_COLOUR);
    }
    let positive_label = format!("{positive} (positive)");
    plot.legend(&[
        (positive_label.as_str(), POSITIVE_COLOUR),
        (negative, NEGATIVE_COLOUR),
    ]);
    let (n_pos, n_neg): (u64, u64) = (
        histogram.positives.iter().sum(),
        histogram.negatives.iter().sum(),
    );
    plot.finish(&format!(
        "{n_pos} rows \"{positive}\" and {n_neg} rows \"{negative}\"; each class's bars sum to 1."
    ))
}

/// A survival model's cumulative PD by period on the held-out rows: Kaplan–Meier's against
/// the mean predicted.
pub(super) fn survival_chart(periods: &[CalibrationBin]) -> String {
    let top = periods
        .iter()
        .flat_map(|p| [p.mean_predicted, p.observed_rate])
        .fold(0.0, f64::max);
    let last = periods.last().map_or(1.0, |p| p.bin as f64);
    let mut plot = Plot::with_ranges(
        "Cumulative PD by period",
        "period",
        "cumulative PD",
        (0.0, last),
        (0.0, nice_ceiling(top.max(0.01))),
    );
    let observed: Vec<(f64, f64)> = std::iter::once((0.0, 0.0))
        .chain(periods.iter().map(|p| (p.bin as f64, p.observed_rate)))
        .collect();
    let predicted: Vec<(f64, f64)> = std::iter::once((0.0, 0.0))
        .chain(periods.iter().map(|p| (p.bin as f64, p.mean_predicted)))
        .collect();
    plot.polyline(&observed, NEGATIVE_COLOUR, false);
    plot.polyline(&predicted, POSITIVE_COLOUR, false);
    plot.legend(&[
        ("Kaplan-Meier", NEGATIVE_COLOUR),
        ("predicted (mean)", POSITIVE_COLOUR),
    ]);
    plot.finish("Observed (Kaplan-Meier) and mean predicted cumulative PD of the held-out rows.")
}

pub(super) fn calibration_chart(bins: &[CalibrationBin]) -> String {
    let plot = Plot::new(
        "Calibration",
        "mean predicted probability",
        "observed rate",
        1.0,
    );
    groups_against_diagonal(
        plot,
        bins,
        "predicted probability; dashed: perfect calibration.",
    )
}

/// Each group's mean predicted against its observed mean, with the diagonal of equality.
fn groups_against_diagonal(mut plot: Plot, groups: &[CalibrationBin], by: &str) -> String {
    plot.diagonal();
    let points: Vec<(f64, f64)> = groups
        .iter()
        .map(|g| (g.mean_predicted, g.observed_rate))
        .collect();
    plot.polyline(&points, POSITIVE_COLOUR, true);
    plot.finish(&format!("{} groups of equal size by {by}", groups.len()))
}

/// A regression's predicted against actual values: the mean of each group of equal size by
/// predicted value, on one scale for both axes.
pub(super) fn predicted_actual_chart(groups: &[CalibrationBin]) -> String {
    let values = groups
        .iter()
        .flat_map(|g| [g.mean_predicted, g.observed_rate]);
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let pad = ((high - low) * 0.05).max(f64::EPSILON);
    let range = (low - pad, high + pad);
    let plot = Plot::with_ranges(
        "Predicted against actual",
        "mean predicted value",
        "mean actual value",
        range,
        range,
    );
    groups_against_diagonal(
        plot,
        groups,
        "predicted value; dashed: predicted equals actual.",
    )
}

/// Horizontal bars, one per feature, most important on top.
pub(super) fn importance_chart(importance: &[(&str, f64)]) -> String {
    const ROW: f64 = 22.0;
    const LABEL_WIDTH: f64 = 170.0;
    const BAR_WIDTH: f64 = 360.0;
    let height = ROW * importance.len() as f64 + 10.0;
    let largest = importance.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let mut svg = format!(
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" \
         role=\"img\" aria-label=\"feature importance\">",
        LABEL_WIDTH + BAR_WIDTH + 80.0
    );
    for (k, (name, value)) in importance.iter().enumerate() {
        let y = 5.0 + ROW * k as f64;
        let width = if largest > 0.0 {
            value / largest * BAR_WIDTH
        } else {
            0.0
        };
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" class=\"yt\">{}</text>\
             <rect x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{width:.1}\" height=\"{}\" fill=\"{NEGATIVE_COLOUR}\"/>\
             <text x=\"{}\" y=\"{}\" class=\"legend\">{}</text>",
            LABEL_WIDTH - 6.0,
            y + 14.0,
            escape(name),
            ROW - 6.0,
            LABEL_WIDTH + width + 6.0,
            y + 14.0,
            number(*value)
        );
    }
    svg.push_str("</svg></figure>\n");
    svg
}

/// One feature's SHAP summary: each sampled training row's contribution against its value.
pub(super) fn summary_chart(feature: &str, points: &SummaryPoints, output: &str) -> String {
    let range = |values: &[f64]| {
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if lo < hi {
            (lo, hi)
        } else {
            (lo - 1.0, lo + 1.0)
        }
    };
    let mut plot = Plot::with_ranges(
        feature,
        "value",
        &format!("contribution to {output}"),
        range(&points.value),
        range(&points.contribution),
    );
    let dots: Vec<(f64, f64)> = points
        .value
        .iter()
        .copied()
        .zip(points.contribution.iter().copied())
        .collect();
    plot.dots(&dots, POSITIVE_COLOUR);
    plot.finish(&format!("{} training rows", dots.len()))
}
