//! Walk-forward backtests (`fin_backtest`): train on the past, test on the next block of
//! time, move forward, and compare each fold with naive forecasts on the same rows.
//!
//! The distinct times of the labelled rows are cut into `folds + 1` equal blocks; fold f
//! trains on every block before block f + 1 (expanding window) or on the last `window`
//! blocks' worth of times before it (rolling), and tests on block f + 1. Each fold is an
//! ordinary training (train.rs) on a copy of its rows with an out-of-time split, so it takes
//! every option `fin_train` takes. The baselines on the same test rows:
//! - "majority": the training rows' majority class (classification) or mean (regression);
//! - "previous": the last target already known when the row is predicted: the target of the
//!   row `horizon` places earlier in time order (for a target that looks `horizon` periods
//!   ahead, the newest one that has fully happened).

use crate::data::{Dataset, TargetColumn};
use crate::error::{Error, Result};
use crate::fit::Limits;
use crate::metrics;
use crate::options::{SplitSpec, Task, Training};
use crate::progress::Silent;
use crate::train::{train_reporting, Truth};
use serde_json::{Map, Value};

/// The keys of `fin_backtest`'s own options (the rest are `fin_train`'s).
pub const BACKTEST_KEYS: &[&str] = &["folds", "window", "horizon"];

/// How the training window moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Window {
    /// Everything before the test block.
    Expanding,
    /// The last this many blocks before the test block.
    Rolling(usize),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BacktestSpec {
    pub folds: usize,
    pub window: Window,
    pub horizon: usize,
}

impl BacktestSpec {
    /// The backtest's own keys of `options`, and the rest (the training's options).
    pub fn split_options(options: &Value) -> Result<(BacktestSpec, Value)> {
        let mut rest = match options {
            Value::Null => Map::new(),
            Value::Object(map) => map.clone(),
            _ => {
                return Err(Error::invalid_option("options must be a JSON object")
                    .with_hint(r#"pass options as '{"folds": 5}'::jsonb, or NULL"#))
            }
        };
        let folds = match rest.remove("folds") {
            None => 5,
            Some(v) => crate::json::count(&v, "folds", 1, 1000)?,
        };
        let window = match rest.remove("window") {
            None => Window::Expanding,
            Some(Value::String(s)) if s == "expanding" => Window::Expanding,
            Some(v) => match v.as_u64() {
                Some(n) if (1..=1000).contains(&n) => Window::Rolling(n as usize),
                _ => {
                    return Err(crate::json::bad(
                        "window",
                        &v,
                        r#""expanding", or the number of blocks a rolling window keeps (1 to 1000)"#,
                    ))
                }
            },
        };
        let horizon = match rest.remove("horizon") {
            None => 1,
            Some(v) => crate::json::count(&v, "horizon", 1, 100_000)?,
        };
        Ok((
            BacktestSpec {
                folds,
                window,
                horizon,
            },
            Value::Object(rest),
        ))
    }
}

/// One fold's rows, periods and metrics.
#[derive(Debug, Clone)]
pub struct Fold {
    pub fold: usize,
    /// First and last time (seconds since the epoch) of the training and the test rows.
    pub train_times: (f64, f64),
    pub test_times: (f64, f64),
    pub train_rows: usize,
    pub test_rows: usize,
    pub metrics: Vec<FoldMetric>,
}

/// A fold's metric: (name, model, majority baseline, previous-value baseline).
pub type FoldMetric = (String, f64, Option<f64>, Option<f64>);

/// The mean over the folds of each metric of the first fold, matched by name: a value
/// (the model's, or a baseline's) is averaged only when every fold has it (a fold whose test
/// block has one class has no AUC).
pub fn mean_over_folds(folds: &[Fold]) -> Vec<FoldMetric> {
    let Some(first) = folds.first() else {
        return Vec::new();
    };
    let n = folds.len() as f64;
    let mean = |pick: &dyn Fn(&FoldMetric) -> Option<f64>, name: &str| -> Option<f64> {
        let values: Option<Vec<f64>> = folds
            .iter()
            .map(|f| f.metrics.iter().find(|m| m.0 == name).and_then(pick))
            .collect();
        values.map(|v| v.iter().sum::<f64>() / n)
    };
    first
        .metrics
        .iter()
        .filter_map(|(name, _, _, _)| {
            let model = mean(&|m| Some(m.1), name)?;
            Some((
                name.clone(),
                model,
                mean(&|m| m.2, name),
                mean(&|m| m.3, name),
            ))
        })
        .collect()
}

/// Runs the walk-forward backtest of `training` on `data`, whose rows are in time order
/// (`data.times`).
pub fn backtest(
    data: &Dataset,
    training: &Training,
    spec: BacktestSpec,
    limits: Limits,
) -> Result<Vec<Fold>> {
    if training.algorithm().survival() {
        return Err(crate::survival::not_measured_yet());
    }
    let Some(times) = &data.times else {
        return Err(Error::new(
            crate::error::ErrorKind::Internal,
            "a backtest without the rows' times",
        ));
    };
    let labelled: Vec<usize> = (0..data.n_rows())
        .filter(|&i| !data.target.is_null(i))
        .collect();
    let mut distinct: Vec<f64> = labelled.iter().map(|&i| times[i]).collect();
    distinct.dedup();
    let blocks = spec.folds + 1;
    if distinct.len() < blocks * 2 {
        return Err(Error::invalid_data(format!(
            "{} folds need at least {} distinct times with a target; there are {}",
            spec.folds,
            blocks * 2,
            distinct.len()
        ))
        .with_hint("use fewer folds, or more history"));
    }
    // Block b holds the distinct times [edges[b], edges[b + 1]).
    let edges: Vec<usize> = (0..=blocks).map(|b| b * distinct.len() / blocks).collect();
    let mut folds = Vec::with_capacity(spec.folds);
    for fold in 1..=spec.folds {
        crate::interrupt::check();
        let first_block = match spec.window {
            Window::Expanding => 0,
            Window::Rolling(n) => fold.saturating_sub(n),
        };
        let train_from = distinct[edges[first_block]];
        let test_from = distinct[edges[fold]];
        let test_to = distinct[edges[fold + 1] - 1];
        let rows: Vec<usize> = labelled
            .iter()
            .copied()
            .filter(|&i| times[i] >= train_from && times[i] <= test_to)
            .collect();
        let mut sub = data.subset(&rows);
        let mask: Vec<bool> = rows.iter().map(|&i| times[i] >= test_from).collect();
        let train_rows = mask.iter().filter(|&&t| !t).count();
        if train_rows == 0 {
            return Err(
                Error::invalid_data(format!("fold {fold} has an empty training window"))
                    .with_hint("use fewer folds or a longer rolling window"),
            );
        }
        sub.test_mask = Some(mask.clone());
        let mut fold_training = training.clone();
        fold_training.options.split = Some(SplitSpec::OutOfTime {
            column: "(backtest)".to_owned(),
            test_from: test_from.to_string(),
        });
        let outcome = train_reporting(&sub, &fold_training, limits, &mut Silent)
            .map_err(|e| e.with_detail(format!("in backtest fold {fold}")))?;
        outcome
            .model
            .require_single_output("fin_backtest")
            .map_err(|e| e.with_detail(format!("in backtest fold {fold}")))?;
        let positive = outcome.model.positive_class.clone();
        let label = |i: usize| target_value(&sub.target, i, positive.as_deref());
        let test: Vec<usize> = (0..rows.len()).filter(|&k| mask[k]).collect();
        let train_part: Vec<usize> = (0..rows.len()).filter(|&k| !mask[k]).collect();
        let previous: Vec<Option<f64>> = test
            .iter()
            .map(|&k| k.checked_sub(spec.horizon).and_then(label))
            .collect();
        let known: Vec<f64> = train_part.iter().filter_map(|&k| label(k)).collect();
        let actual: Vec<f64> = test.iter().filter_map(|&k| label(k)).collect();
        let metrics = match (&outcome.held_out.truth, outcome.model.task) {
            (Truth::Binary(_), Task::Classification) => {
                let rate = known.iter().sum::<f64>() / known.len().max(1) as f64;
                let majority = if rate >= 0.5 { 1.0 } else { 0.0 };
                classification_rows(&outcome.metrics, &actual, majority, &previous)
            }
            _ => {
                let mean = known.iter().sum::<f64>() / known.len().max(1) as f64;
                regression_rows(&outcome.metrics, &actual, mean, &previous)
            }
        };
        folds.push(Fold {
            fold,
            train_times: (train_from, distinct[edges[fold] - 1]),
            test_times: (test_from, test_to),
            train_rows,
            test_rows: test.len(),
            metrics,
        });
    }
    Ok(folds)
}

/// The target of row `i` as a number: 1/0 for the positive class of a classifier.
fn target_value(target: &TargetColumn, i: usize, positive: Option<&str>) -> Option<f64> {
    let class = |matches: bool| Some(if matches { 1.0 } else { 0.0 });
    match (target, positive) {
        (TargetColumn::Numeric(c), None) => Some(c.values[i]).filter(|v| !v.is_nan()),
        (TargetColumn::Numeric(c), Some(p)) => {
            let v = c.values[i];
            (!v.is_nan()).then(|| {
                p.parse::<f64>()
                    .map_or(0.0, |p| f64::from(u8::from(v == p)))
            })
        }
        (TargetColumn::Boolean(v), Some(p)) => v[i].and_then(|b| class(b.to_string() == p)),
        (TargetColumn::Text(c), Some(p)) => c.level(i).and_then(|l| class(l == p)),
        _ => None,
    }
}

/// AUC and accuracy of the model, the majority class and the previous value.
fn classification_rows(
    model: &std::collections::BTreeMap<String, f64>,
    actual: &[f64],
    majority: f64,
    previous: &[Option<f64>],
) -> Vec<FoldMetric> {
    let labels: Vec<bool> = actual.iter().map(|&y| y == 1.0).collect();
    let accuracy = |predicted: &[f64]| {
        predicted.iter().zip(actual).filter(|(p, y)| p == y).count() as f64
            / actual.len().max(1) as f64
    };
    let constant = vec![majority; actual.len()];
    // A row whose previous value is not known (the first rows) is predicted as the majority.
    let previous: Vec<f64> = previous.iter().map(|p| p.unwrap_or(majority)).collect();
    let mut rows = Vec::new();
    if let Some(&auc) = model.get("auc") {
        rows.push((
            "auc".to_owned(),
            auc,
            metrics::auc(&constant, &labels),
            metrics::auc(&previous, &labels),
        ));
    }
    if let Some(&acc) = model.get("accuracy") {
        rows.push((
            "accuracy".to_owned(),
            acc,
            Some(accuracy(&constant)),
            Some(accuracy(&previous)),
        ));
    }
    rows
}

/// RMSE, MAE and R² of the model, the training mean and the previous value (a baseline's
/// metric that overflows, targets near 1e308, is left out: nothing non-finite is returned).
fn regression_rows(
    model: &std::collections::BTreeMap<String, f64>,
    actual: &[f64],
    mean: f64,
    previous: &[Option<f64>],
) -> Vec<FoldMetric> {
    let constant = vec![mean; actual.len()];
    let previous: Vec<f64> = previous.iter().map(|p| p.unwrap_or(mean)).collect();
    let of_constant = metrics::regression_report(actual, &constant);
    let of_previous = metrics::regression_report(actual, &previous);
    ["rmse", "mae", "r2"]
        .into_iter()
        .filter_map(|m| {
            model.get(m).map(|&v| {
                (
                    m.to_owned(),
                    v,
                    of_constant.get(m).copied().filter(|v| v.is_finite()),
                    of_previous.get(m).copied().filter(|v| v.is_finite()),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Column, Feature, NumericColumn};
    use crate::options::TrainOptions;
    use crate::registry::LINEAR;
    use crate::test_data::LIMITS;
    use serde_json::json;

    /// A series whose next value follows its last one: y_t = 0.8 y_{t−1} + noise, with the
    /// lagged value as the feature.
    fn series(n: usize) -> Dataset {
        let mut y = vec![0.0; n];
        let mut state = 1u64;
        for t in 1..n {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = ((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5;
            y[t] = 0.8 * y[t - 1] + noise;
        }
        let lag: Vec<Option<f64>> = (0..n).map(|t| (t > 0).then(|| y[t - 1])).collect();
        let mut feature = NumericColumn::default();
        let mut target = NumericColumn::default();
        for t in 0..n {
            feature.push("lag", lag[t]).unwrap();
            target.push("y", Some(y[t])).unwrap();
        }
        Dataset {
            features: vec![Feature {
                name: "lag".into(),
                column: Column::Numeric(feature),
            }],
            target_name: "y".into(),
            target: TargetColumn::Numeric(target),
            test_mask: None,
            weights: None,
            times: Some((0..n).map(|t| t as f64 * 86400.0).collect()),
        }
    }

    #[test]
    fn folds_move_forward_and_never_train_on_their_test_block() {
        let data = series(600);
        let (spec, rest) = BacktestSpec::split_options(&json!({"folds": 4})).unwrap();
        let options = TrainOptions::from_json(&rest).unwrap();
        let folds = backtest(&data, &options.for_algorithm(LINEAR).unwrap(), spec, LIMITS).unwrap();
        assert_eq!(folds.len(), 4);
        for (f, fold) in folds.iter().enumerate() {
            assert!(
                fold.train_times.1 < fold.test_times.0,
                "fold {f} trains on its test block"
            );
            assert_eq!(fold.test_rows, 120);
            assert_eq!(fold.train_rows, 120 * (f + 1));
            let rmse = fold.metrics.iter().find(|m| m.0 == "rmse").unwrap();
            // The lag predicts well; the mean does not; the previous value is the lag itself.
            assert!(rmse.1 < rmse.2.unwrap(), "{rmse:?}");
        }
        let (spec, rest) = BacktestSpec::split_options(&json!({"folds": 4, "window": 1})).unwrap();
        let rolling = backtest(
            &data,
            &TrainOptions::from_json(&rest)
                .and_then(|o| o.for_algorithm(LINEAR))
                .unwrap(),
            spec,
            LIMITS,
        )
        .unwrap();
        assert!(rolling.iter().all(|f| f.train_rows == 120));
    }

    #[test]
    fn means_match_metrics_by_name_and_need_every_fold() {
        let fold = |metrics: Vec<FoldMetric>| Fold {
            fold: 1,
            train_times: (0.0, 1.0),
            test_times: (2.0, 3.0),
            train_rows: 1,
            test_rows: 1,
            metrics,
        };
        let folds = [
            fold(vec![
                ("auc".into(), 0.6, Some(0.5), Some(0.4)),
                ("accuracy".into(), 0.7, Some(0.5), None),
            ]),
            // One class in the test block: no AUC, accuracy first.
            fold(vec![("accuracy".into(), 0.9, Some(0.7), Some(0.8))]),
        ];
        let means = mean_over_folds(&folds);
        assert_eq!(means.len(), 1, "{means:?}");
        let (name, model, majority, previous) = &means[0];
        assert_eq!(name, "accuracy");
        assert!((model - 0.8).abs() < 1e-12);
        assert!((majority.unwrap() - 0.6).abs() < 1e-12);
        assert_eq!(*previous, None);
    }

    #[test]
    fn too_many_folds_are_refused() {
        let data = series(10);
        let (spec, rest) = BacktestSpec::split_options(&json!({"folds": 8})).unwrap();
        let e = backtest(
            &data,
            &TrainOptions::from_json(&rest)
                .and_then(|o| o.for_algorithm(LINEAR))
                .unwrap(),
            spec,
            LIMITS,
        )
        .unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::InvalidData);
    }
}
