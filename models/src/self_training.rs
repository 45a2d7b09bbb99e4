//! Semi-supervised training by self-training, as scikit-learn's `SelfTrainingClassifier`
//! (criterion "threshold"): fit on the labelled training rows; predict the unlabelled rows
//! (those whose target is NULL); give every row predicted with a probability above the
//! threshold (of either class) that class as its label; fit again; until a round adds
//! nothing or `max_iter` rounds have run; then fit once more on everything labelled. Each
//! fit is the algorithm's own, preprocessing included.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::estimator::Fitted;
use crate::fit::TrainLabels;
use crate::interrupt;
use crate::linear::sigmoid;
use crate::progress::EpochLog;
use serde_json::Value;
use std::time::Instant;

/// `"semi_supervised": {"method": "self_training", "threshold": 0.9, "max_iter": 10}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelfTraining {
    /// A row is labelled when its predicted probability of one class exceeds this.
    pub threshold: f64,
    /// Most rounds of labelling (scikit-learn's default 10).
    pub max_iter: usize,
}

impl SelfTraining {
    pub fn parse(value: &Value) -> Result<SelfTraining> {
        let invalid = |why: &str| {
            Error::invalid_option(format!("invalid options.semi_supervised: {why}")).with_hint(
                r#"write {"method": "self_training", "threshold": 0.9, "max_iter": 10} (threshold in [0.5, 1), max_iter 1 to 100)"#,
            )
        };
        let Some(map) = value.as_object() else {
            return Err(invalid("it must be an object"));
        };
        if let Some(key) = map
            .keys()
            .find(|k| !["method", "threshold", "max_iter"].contains(&k.as_str()))
        {
            return Err(invalid(&format!("unknown key \"{key}\"")));
        }
        if map.get("method").and_then(Value::as_str) != Some("self_training") {
            return Err(invalid("method must be \"self_training\""));
        }
        let threshold = match map.get("threshold") {
            None => 0.75,
            Some(v) => v
                .as_f64()
                .filter(|t| (0.5..1.0).contains(t))
                .ok_or_else(|| invalid("threshold must be in [0.5, 1)"))?,
        };
        let max_iter = match map.get("max_iter") {
            None => 10,
            Some(v) => {
                v.as_u64()
                    .filter(|n| (1..=100).contains(n))
                    .ok_or_else(|| invalid("max_iter must be 1 to 100"))? as usize
            }
        };
        Ok(SelfTraining {
            threshold,
            max_iter,
        })
    }
}

/// Self-trains from the labelled `train` rows of `data` (`y` their labels) and its
/// `unlabelled` rows; `fit_rows` runs one fit of the algorithm on the given rows, labels and
/// row weights. Returns the final fit and one log entry per round: the rows it labelled
/// (`rows_added`) and the mean log-loss of its fit on the rows it was fitted on.
pub fn self_train(
    settings: SelfTraining,
    data: &Dataset,
    train: &[usize],
    y: &[bool],
    unlabelled: &[usize],
    mut fit_rows: impl FnMut(&[usize], &TrainLabels, Option<&[f64]>) -> Result<Fitted>,
) -> Result<(Fitted, Vec<EpochLog>)> {
    let mut rows: Vec<usize> = train.to_vec();
    let mut labels: Vec<bool> = y.to_vec();
    let mut remaining: Vec<usize> = unlabelled.to_vec();
    let mut log = Vec::new();
    let weights_of = |rows: &[usize]| -> Option<Vec<f64>> {
        data.weights
            .as_ref()
            .map(|w| rows.iter().map(|&r| w[r]).collect())
    };
    let mut round = 0;
    while !remaining.is_empty() && round < settings.max_iter {
        interrupt::check();
        round += 1;
        let started = Instant::now();
        let truth = TrainLabels::Binary(labels.clone());
        let weights = weights_of(&rows);
        let fitted = fit_rows(&rows, &truth, weights.as_deref())?;
        let probability = |rows: &[usize]| -> Vec<f64> {
            fitted
                .estimator
                .outputs_of_rows(&fitted.preprocessor, data, rows)
                .into_iter()
                .map(sigmoid)
                .collect()
        };
        let train_loss = mean_log_loss(&probability(&rows), &labels);
        let predicted = probability(&remaining);
        let mut still = Vec::with_capacity(remaining.len());
        let mut added = 0;
        for (&row, &p) in remaining.iter().zip(&predicted) {
            if p > settings.threshold || 1.0 - p > settings.threshold {
                rows.push(row);
                labels.push(p > 0.5);
                added += 1;
            } else {
                still.push(row);
            }
        }
        remaining = still;
        log.push(EpochLog {
            epoch: round,
            of: settings.max_iter,
            train_loss,
            valid_loss: None,
            seconds: started.elapsed().as_secs_f64(),
            rows_added: Some(added),
        });
        if added == 0 {
            break;
        }
    }
    let truth = TrainLabels::Binary(labels);
    let weights = weights_of(&rows);
    let fitted = fit_rows(&rows, &truth, weights.as_deref())?;
    Ok((fitted, log))
}

/// Mean log-loss of probabilities `p` against `y` (probabilities clipped away from 0 and 1).
fn mean_log_loss(p: &[f64], y: &[bool]) -> f64 {
    let eps = 1e-15;
    let total: f64 = p
        .iter()
        .zip(y)
        .map(|(&p, &y)| {
            let p = p.clamp(eps, 1.0 - eps);
            if y {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    total / p.len().max(1) as f64
}
