//! Training a survival model (Cox): the target is the event column with the durations (and
//! entries) read beside it, every row must be usable, the split keeps the default rate in
//! both parts, and the held-out rows are measured by concordance and by the calibration of
//! the predicted PD against Kaplan–Meier at the model's horizon.

use super::outcome::{not_finite, Assembly, HeldOut, TrainOutcome, Truth};
use super::split_spec::split_rows;
use crate::data::{Dataset, TargetColumn};
use crate::error::{Error, ErrorKind, Result};
use crate::estimator::SurvivalCurve;
use crate::fit::{FitInput, Limits, TrainLabels};
use crate::memory;
use crate::metrics::CalibrationBin;
use crate::model::EvaluationSummary;
use crate::options::{DeployPolicy, SplitSpec, Task, Training};
use crate::progress::{Phase, Progress};
use crate::split::Split;
use crate::survival::{self, KaplanMeierStep, SurvivalLabels, SurvivalNames};
use std::cell::Cell;
use std::collections::BTreeMap;

/// Trains a survival algorithm on every row of `data` (whose target is a survival column).
pub fn train(
    data: &Dataset,
    training: &Training,
    limits: Limits,
    progress: &mut dyn Progress,
) -> Result<TrainOutcome> {
    let options = &training.options;
    if options.deploy == Some(DeployPolicy::IfBetter) {
        return Err(Error::invalid_option(
            "deploy \"if_better\" does not compare survival models yet",
        )
        .with_hint(r#"use "deploy": "always" or "never", and compare the versions' concordance in finml.model_versions.metrics"#));
    }
    let (TargetColumn::Survival(column), Some(columns)) = (&data.target, &options.survival) else {
        return Err(Error::new(
            ErrorKind::Internal,
            "a survival training without its durations",
        ));
    };
    survival::check(
        column,
        SurvivalNames {
            event: &data.target_name,
            duration: &columns.duration,
            entry: columns.entry.as_deref(),
        },
    )?;
    let rows: Vec<usize> = (0..data.n_rows()).collect();
    if rows.is_empty() {
        return Err(
            Error::invalid_data("no rows to train on: the relation is empty")
                .with_hint("train on a relation of loans with their durations and events"),
        );
    }
    // Stratified by the event unless options.split says otherwise.
    let events = || Some(column.events.iter().map(|&e| u32::from(e == 1.0)).collect());
    let Split { train, test } = split_rows(data, &rows, events, &SplitSpec::Stratified, options)?;
    let train_labels = SurvivalLabels::of_rows(column, &train);
    let weights: Option<Vec<f64>> = data
        .weights
        .as_ref()
        .map(|w| train.iter().map(|&r| w[r]).collect());
    let mut notes = Vec::new();
    let claimed = Cell::new(0);
    let fitted = training.params.fit(&mut FitInput {
        data,
        train: &train,
        sample_weights: weights.as_deref(),
        test: &test,
        labels: &TrainLabels::Survival(train_labels),
        preprocess: &options.preprocess(),
        seed: options.seed,
        limits,
        progress: &mut *progress,
        notes: &mut notes,
        held_bytes: memory::unsupervised_rows(rows.len()).saturating_mul(3),
        claimed: &claimed,
    })?;
    progress.phase(Phase::Evaluating);
    let (eval_rows, evaluated_on) = if test.is_empty() {
        (&train, "train")
    } else {
        (&test, "test")
    };
    let eta = fitted
        .estimator
        .outputs_of_rows(&fitted.preprocessor, data, eval_rows);
    if let Some(k) = eta.iter().position(|e| !e.is_finite()) {
        return Err(not_finite(&format!(
            "its log relative hazard for {evaluated_on} row {}",
            k + 1
        )));
    }
    let held_out = SurvivalLabels::of_rows(column, eval_rows);
    let Some(curve) = fitted.estimator.survival_curve() else {
        return Err(Error::new(
            ErrorKind::Internal,
            "a survival model without a survival curve",
        ));
    };
    let km = survival::kaplan_meier(&held_out);
    let mut metrics = held_out_metrics(curve, &eta, &held_out, &km);
    let evaluation = EvaluationSummary {
        evaluated_on: evaluated_on.to_owned(),
        roc: Vec::new(),
        calibration: curves_by_period(curve, &eta, &held_out, &km),
        histogram: None,
        confusion: Vec::new(),
    };
    metrics.extend(fitted.estimator.training_metrics());
    if let Some((name, value)) = metrics.iter().find(|(_, v)| !v.is_finite()) {
        return Err(not_finite(&format!(
            "its {name} on the {evaluated_on} rows ({value})"
        )));
    }
    let reference = fitted
        .estimator
        .measure_reference(&fitted.preprocessor, data, &train);
    Assembly {
        task: Task::Survival,
        target: data.target_name.clone(),
        classes: None,
        class_names: None,
        fitted,
        reference,
        evaluation: Some(evaluation),
        metrics,
        evaluated_on,
        held_out: HeldOut {
            rows: eval_rows.clone(),
            truth: Truth::Binary(held_out.events),
        },
        train_rows: train.len(),
        test_rows: test.len(),
        notes,
        memory_bytes: Some(claimed.get()),
        minimization: options.minimization(),
    }
    .outcome(data, &train)
}

/// Concordance of the outputs with the held-out rows, their defaults, the AUC at the
/// model's horizon (defaults by then against loans past it), and the PD at the horizon: the
/// mean predicted and Kaplan–Meier's observed.
fn held_out_metrics(
    curve: &dyn SurvivalCurve,
    eta: &[f64],
    labels: &SurvivalLabels,
    km: &[KaplanMeierStep],
) -> BTreeMap<String, f64> {
    let mut metrics = BTreeMap::new();
    if let Some(c) = survival::concordance(labels, eta) {
        metrics.insert("concordance".to_owned(), c);
    }
    metrics.insert(
        "events".to_owned(),
        labels.events.iter().filter(|&&e| e).count() as f64,
    );
    let horizon = curve.horizon();
    let predicted: f64 = eta
        .iter()
        .map(|&e| 1.0 - curve.survival_at(e, horizon))
        .sum();
    if let Some(auc) = survival::auc_at(labels, eta, horizon as f64) {
        metrics.insert("auc_at_horizon".to_owned(), auc);
    }
    metrics.insert(
        "predicted_pd".to_owned(),
        predicted / eta.len().max(1) as f64,
    );
    metrics.insert(
        "observed_pd".to_owned(),
        1.0 - survival::survival_at(km, horizon as f64),
    );
    metrics
}

/// The most periods the report's survival chart spans.
const CHART_PERIODS: usize = 120;

/// The held-out rows' cumulative PD by period, predicted (the mean of the rows') against
/// Kaplan–Meier's, for the report: one entry per period up to the last default seen (at most
/// [`CHART_PERIODS`]), `bin` the period, `count` the rows still at risk.
fn curves_by_period(
    curve: &dyn SurvivalCurve,
    eta: &[f64],
    labels: &SurvivalLabels,
    km: &[KaplanMeierStep],
) -> Vec<CalibrationBin> {
    let last = km.last().map_or(0.0, |s| s.time.ceil());
    let periods = (last.max(0.0) as usize).clamp(0, CHART_PERIODS);
    if periods == 0 || eta.is_empty() {
        return Vec::new();
    }
    let mut mean = vec![0.0; periods];
    let mut survival = Vec::with_capacity(periods);
    for &e in eta {
        curve.survival(e, periods, &mut survival);
        for (m, s) in mean.iter_mut().zip(&survival) {
            *m += 1.0 - s;
        }
    }
    let mut exits = labels.durations.clone();
    exits.sort_by(f64::total_cmp);
    (1..=periods)
        .map(|t| {
            let at_risk = exits.len() - exits.partition_point(|&d| d < t as f64);
            CalibrationBin {
                bin: t,
                mean_predicted: mean[t - 1] / eta.len() as f64,
                observed_rate: 1.0 - survival::survival_at(km, t as f64),
                count: at_risk as u64,
            }
        })
        .collect()
}
