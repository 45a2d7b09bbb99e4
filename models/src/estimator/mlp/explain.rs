//! An MLP's explanations: integrated gradients from the training mean of the design row
//! (explain.rs states the formulas).

use super::Network;
use crate::data::Dataset;
use crate::error::Result;
use crate::explain::{per_feature, Explanation, Reference, RunningMoments, CHUNK_ROWS};
use crate::interrupt;
use crate::metrics::most_probable;
use crate::preprocess::{Preprocessor, RawValue};

/// Steps of the integrated-gradients path of an MLP explanation: the first try, the most.
const IG_FIRST_STEPS: usize = 64;
const IG_MOST_STEPS: usize = 4096;
/// How far baseline + Σ contributions may be from the output (log-odds units).
pub const IG_TOLERANCE: f64 = 1e-3;
/// Training rows whose MLP contributions measure the global importance.
const IMPORTANCE_SAMPLE: usize = 1000;

/// An MLP's reference: the mean design row over `rows`, and the spread of the integrated
/// gradients of up to `IMPORTANCE_SAMPLE` of them (evenly spaced).
pub fn measure_network(
    preprocessor: &Preprocessor,
    network: &Network,
    data: &Dataset,
    rows: &[usize],
) -> Reference {
    let width = preprocessor.width();
    let mut sums = vec![0.0; width];
    for chunk in rows.chunks(CHUNK_ROWS) {
        let x = preprocessor.design_matrix(data, chunk);
        for row in x.rows() {
            for (s, v) in sums.iter_mut().zip(row) {
                *s += v;
            }
        }
    }
    let mean_design: Vec<f64> = sums.iter().map(|s| s / rows.len().max(1) as f64).collect();
    let step = (rows.len() / IMPORTANCE_SAMPLE).max(1);
    let sample: Vec<usize> = rows.iter().step_by(step).copied().collect();
    let x = preprocessor.design_matrix(data, &sample);
    let mut moments = vec![RunningMoments::default(); preprocessor.features.len()];
    let mut scores = vec![0.0; network.n_outputs()];
    for row in x.rows() {
        let row = row.to_vec();
        // A multi-class network's rows are explained by their most probable class.
        network.outputs_of_row(&row, &mut scores);
        let unit = most_probable(&scores);
        let attributions = integrated_gradients(network, unit, &mean_design, &row);
        for (k, c) in per_feature(preprocessor, &attributions)
            .into_iter()
            .enumerate()
        {
            moments[k].add(c);
        }
    }
    Reference {
        mean_terms: Vec::new(),
        term_sd: moments.iter().map(RunningMoments::population_sd).collect(),
        mean_design,
        summary: Vec::new(),
    }
}

/// A network's explanation of one row: integrated gradients of output unit `unit` (0 for a
/// one-unit network, a class's unit for a multi-class one) from the mean design row.
pub fn explain_network(
    preprocessor: &Preprocessor,
    network: &Network,
    reference: &Reference,
    values: &[RawValue<'_>],
    unit: usize,
) -> Result<Explanation> {
    let mut row = Vec::with_capacity(preprocessor.width());
    preprocessor.design_row(values, &mut row)?;
    let attributions = integrated_gradients(network, unit, &reference.mean_design, &row);
    Ok(Explanation {
        baseline: network.unit(&reference.mean_design, unit),
        contributions: per_feature(preprocessor, &attributions),
        column_terms: attributions,
    })
}

/// Integrated gradients of the network's output unit `unit` from `baseline` to `x`, per design column,
/// with as many steps as completeness within `IG_TOLERANCE` takes.
fn integrated_gradients(network: &Network, unit: usize, baseline: &[f64], x: &[f64]) -> Vec<f64> {
    let gap = network.unit(x, unit) - network.unit(baseline, unit);
    let mut steps = IG_FIRST_STEPS;
    loop {
        let attributions = integrated_gradients_in(network, unit, baseline, x, steps);
        let residual = gap - attributions.iter().sum::<f64>();
        if residual.abs() <= IG_TOLERANCE || steps >= IG_MOST_STEPS {
            return attributions;
        }
        steps *= 2;
    }
}

/// The midpoint rule on `steps` points of the path from `baseline` to `x`.
fn integrated_gradients_in(
    network: &Network,
    unit: usize,
    baseline: &[f64],
    x: &[f64],
    steps: usize,
) -> Vec<f64> {
    // Up to 4,096 gradients per row, 1,000 rows at training: cancellable per gradient.
    let average = network.mean_path_gradient(unit, (baseline, x), steps, interrupt::check);
    average
        .iter()
        .zip(x.iter().zip(baseline))
        .map(|(g, (v, b))| g * (v - b))
        .collect()
}
