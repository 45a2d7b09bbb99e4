//! Hyperparameter search (`fin_tune`): candidate values of an algorithm's options, each
//! combination (a trial) scored by k-fold cross-validation on the training split, and the
//! best refitted on the whole training split as an ordinary training.
//!
//! `search` maps option names to a list of candidates (a grid: every combination, the last
//! key varying fastest) or to a distribution (`{"uniform": [a, b]}`, `{"log_uniform": [a, b]}`,
//! `{"int": [a, b]}`), which needs `"trials"`: that many random combinations, drawn from a
//! generator seeded by the options' seed (a list is then drawn from uniformly). Its own keys:
//! `trials`, `folds` (default 5), `metric` (default AUC for a classifier, RMSE for a
//! regression) and `max_seconds` (no trial starts after it). The data is read once; every
//! trial's folds are the same rows (train::Folds).

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::estimator::Algorithm;
use crate::fit::Limits;
use crate::json::{bad, count, json_kind, number_in};
use crate::options::{Task, TrainOptions, Training};
use crate::progress::{EpochLog, Phase, Progress};
use crate::train::cross_validate::{fold_summary, run_folds, Folds, MAX_FOLDS};
use crate::train::{train_reporting, Target, TrainOutcome};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};
use std::time::Instant;

/// The search's own keys (the others are the algorithm's options).
pub const SEARCH_KEYS: &[&str] = &["trials", "folds", "metric", "max_seconds"];

/// The most trials a search runs (a grid's combinations or random draws).
pub const MAX_TRIALS: usize = 1000;

/// The most candidates one option lists.
const MAX_CANDIDATES: usize = 1000;

/// Metrics a search may rank by, higher better.
const HIGHER_BETTER: &[&str] = &[
    "auc",
    "gini",
    "ks",
    "average_precision",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "f1_macro",
    "f1_weighted",
    "auc_weighted",
    "r2",
];

/// Metrics a search may rank by, lower better.
const LOWER_BETTER: &[&str] = &["log_loss", "brier", "rmse", "mae"];

/// The metrics of a multi-class target (the others measure two classes or a regression).
const MULTI_CLASS_METRICS: &[&str] = &[
    "auc",
    "auc_weighted",
    "accuracy",
    "f1_macro",
    "f1_weighted",
    "log_loss",
];

/// Where one option's trial values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Candidates {
    /// Exactly these values.
    List(Vec<Value>),
    /// A number drawn uniformly from [a, b].
    Uniform(f64, f64),
    /// A number whose logarithm is drawn uniformly from [ln a, ln b] (0 < a).
    LogUniform(f64, f64),
    /// An integer drawn uniformly from a to b inclusive.
    Int(i64, i64),
}

/// A parsed `search` object.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSpec {
    /// The searched options, in the object's key order.
    pub options: Vec<(String, Candidates)>,
    /// Random search: how many combinations to draw; `None`: the grid.
    pub trials: Option<usize>,
    pub folds: usize,
    /// The metric named by the search, if any.
    pub metric: Option<String>,
    pub max_seconds: Option<f64>,
}

impl SearchSpec {
    /// `search` checked for `algorithm`: every other key one of its options, every
    /// distribution over a number the option takes (22023 otherwise).
    pub fn parse(search: &Value, algorithm: Algorithm) -> Result<SearchSpec> {
        let Value::Object(map) = search else {
            return Err(Error::invalid_option(format!(
                "search must be a JSON object, not {}",
                json_kind(search)
            ))
            .with_hint(r#"e.g. '{"l2": [0.1, 1, 10]}'"#));
        };
        let mut spec = SearchSpec {
            options: Vec::new(),
            trials: None,
            folds: 5,
            metric: None,
            max_seconds: None,
        };
        for (key, value) in map {
            match key.as_str() {
                "trials" => spec.trials = Some(count(value, "trials", 1, MAX_TRIALS)?),
                "folds" => spec.folds = count(value, "folds", 2, MAX_FOLDS)?,
                "metric" => spec.metric = Some(metric_name(value)?),
                "max_seconds" => {
                    spec.max_seconds = Some(number_in(
                        value,
                        "max_seconds",
                        f64::MIN_POSITIVE,
                        1e9,
                        true,
                        "a positive number of seconds",
                    )?)
                }
                _ => {
                    check_search_key(key, algorithm)?;
                    let candidates = Candidates::parse(key, value)?;
                    candidates.check_numeric(key, algorithm)?;
                    spec.options.push((key.clone(), candidates));
                }
            }
        }
        if spec.options.is_empty() {
            return Err(
                Error::invalid_option("search names no option to tune").with_hint(format!(
                    "search over options of algorithm \"{}\": {}",
                    algorithm.as_str(),
                    searchable_keys(algorithm).join(", ")
                )),
            );
        }
        let random = spec
            .options
            .iter()
            .any(|(_, c)| !matches!(c, Candidates::List(_)));
        if random && spec.trials.is_none() {
            return Err(
                Error::invalid_option("a search with a distribution needs \"trials\"")
                    .with_hint(r#"add "trials": 20 to draw 20 random combinations"#),
            );
        }
        if spec.trials.is_none() && spec.grid_size() > MAX_TRIALS {
            return Err(Error::invalid_option(format!(
                "the grid has {} combinations; a search runs at most {MAX_TRIALS}",
                spec.grid_size()
            ))
            .with_hint(
                r#"list fewer candidates, or add "trials": n to draw n of them at random"#,
            ));
        }
        Ok(spec)
    }

    /// The grid's combinations (saturating: compared against the limit).
    fn grid_size(&self) -> usize {
        self.options.iter().fold(1usize, |n, (_, c)| match c {
            Candidates::List(values) => n.saturating_mul(values.len()),
            _ => n,
        })
    }

    /// Each trial's option values: the grid's combinations, or `trials` random draws from a
    /// generator seeded by `seed`.
    pub fn trial_options(&self, seed: u64) -> Vec<Map<String, Value>> {
        match self.trials {
            Some(trials) => {
                let mut rng = SmallRng::seed_from_u64(seed);
                (0..trials)
                    .map(|_| {
                        self.options
                            .iter()
                            .map(|(key, c)| (key.clone(), c.draw(&mut rng)))
                            .collect()
                    })
                    .collect()
            }
            None => {
                let mut combinations = vec![Map::new()];
                for (key, candidates) in &self.options {
                    let Candidates::List(values) = candidates else {
                        continue;
                    };
                    combinations = combinations
                        .into_iter()
                        .flat_map(|partial| {
                            values.iter().map(move |v| {
                                let mut next = partial.clone();
                                next.insert(key.clone(), v.clone());
                                next
                            })
                        })
                        .collect();
                }
                combinations
            }
        }
    }

    /// The metric trials are ranked by: the search's, else AUC for a two-class target, log
    /// loss for a multi-class one and RMSE for a regression.
    fn metric_for(&self, task: Task, multi_class: bool) -> Result<&str> {
        let name = match (&self.metric, task) {
            (Some(name), _) => name.as_str(),
            (None, Task::Regression) => "rmse",
            (None, _) if multi_class => "log_loss",
            (None, _) => "auc",
        };
        if multi_class && !MULTI_CLASS_METRICS.contains(&name) {
            return Err(Error::invalid_option(format!(
                "metric \"{name}\" does not measure a multi-class target"
            ))
            .with_hint(format!(
                "rank a multi-class model by {}",
                MULTI_CLASS_METRICS.join(", ")
            )));
        }
        let multi_class_only = matches!(name, "f1_macro" | "f1_weighted" | "auc_weighted");
        if !multi_class && multi_class_only {
            return Err(Error::invalid_option(format!(
                "metric \"{name}\" measures a multi-class target"
            ))
            .with_hint("rank a two-class model by auc, log_loss, f1, ..."));
        }
        let regression = matches!(name, "rmse" | "mae" | "r2");
        if regression != (task == Task::Regression) {
            return Err(Error::invalid_option(format!(
                "metric \"{name}\" does not measure a {} target",
                task.as_str()
            ))
            .with_hint(if task == Task::Regression {
                "rank a regression by rmse, mae or r2"
            } else {
                "rank a classifier by auc, log_loss, accuracy, f1, ... (fin_train's metrics)"
            }));
        }
        Ok(name)
    }
}

fn metric_name(value: &Value) -> Result<String> {
    match value.as_str() {
        Some(name) if HIGHER_BETTER.contains(&name) || LOWER_BETTER.contains(&name) => {
            Ok(name.to_owned())
        }
        _ => Err(bad(
            "metric",
            value,
            &format!(
                "one of: {}",
                HIGHER_BETTER
                    .iter()
                    .chain(LOWER_BETTER)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The algorithm's options a search may vary: all but `privacy` (a search over private
/// trainings is refused, [`tune`]).
fn searchable_keys(algorithm: Algorithm) -> Vec<&'static str> {
    algorithm
        .keys()
        .iter()
        .copied()
        .filter(|&k| k != "privacy")
        .collect()
}

/// A searched key must be one of the algorithm's options (the training's own options, such
/// as the split, are the same in every trial).
fn check_search_key(key: &str, algorithm: Algorithm) -> Result<()> {
    if searchable_keys(algorithm).contains(&key) {
        return Ok(());
    }
    Err(Error::invalid_option(format!(
        "search key \"{key}\" is not an option of algorithm \"{}\"",
        algorithm.as_str()
    ))
    .with_hint(format!(
        "search over {}, or the search's own keys {}",
        searchable_keys(algorithm).join(", "),
        SEARCH_KEYS.join(", ")
    )))
}

impl Candidates {
    fn parse(key: &str, value: &Value) -> Result<Candidates> {
        let hint = r#"a list of candidates ([0.1, 1, 10]) or one of {"uniform": [a, b]}, {"log_uniform": [a, b]}, {"int": [a, b]}"#;
        match value {
            Value::Array(values) if !values.is_empty() && values.len() <= MAX_CANDIDATES => {
                Ok(Candidates::List(values.clone()))
            }
            Value::Object(map) if map.len() == 1 => {
                let (kind, bounds) = map.iter().next().expect("one entry");
                let (a, b) = match bounds.as_array().map(Vec::as_slice) {
                    Some([a, b]) => (a, b),
                    _ => return Err(bad(key, value, hint)),
                };
                let (Some(low), Some(high)) = (a.as_f64(), b.as_f64()) else {
                    return Err(bad(key, value, hint));
                };
                let ordered = low.is_finite() && high.is_finite() && low <= high;
                match kind.as_str() {
                    "uniform" if ordered => Ok(Candidates::Uniform(low, high)),
                    "log_uniform" if ordered && low > 0.0 => Ok(Candidates::LogUniform(low, high)),
                    "int" => match (a.as_i64(), b.as_i64()) {
                        (Some(low), Some(high)) if low <= high => Ok(Candidates::Int(low, high)),
                        _ => Err(bad(key, value, "{\"int\": [a, b]} with integers a <= b")),
                    },
                    "uniform" | "log_uniform" => Err(bad(
                        key,
                        value,
                        "a distribution over finite bounds a <= b (a > 0 for log_uniform)",
                    )),
                    _ => Err(bad(key, value, hint)),
                }
            }
            _ => Err(bad(key, value, hint)),
        }
    }

    /// A distribution's bounds must be values the option takes: 22023 for a distribution on
    /// an option that takes no number (or not these).
    fn check_numeric(&self, key: &str, algorithm: Algorithm) -> Result<()> {
        let bounds = match *self {
            Candidates::List(_) => return Ok(()),
            Candidates::Uniform(a, b) | Candidates::LogUniform(a, b) => {
                [Value::from(a), Value::from(b)]
            }
            Candidates::Int(a, b) => [Value::from(a), Value::from(b)],
        };
        for bound in bounds {
            let mut options = Map::new();
            options.insert(key.to_owned(), bound);
            if let Err(e) = algorithm.params(&options) {
                return Err(Error::invalid_option(format!(
                    "the distribution of \"{key}\" draws values the option does not take: {}",
                    e.message
                ))
                .with_hint(
                    "a distribution applies to a numeric option, within its range; list the candidates of any other option",
                ));
            }
        }
        Ok(())
    }

    fn draw(&self, rng: &mut SmallRng) -> Value {
        match *self {
            Candidates::List(ref values) => values[rng.gen_range(0..values.len())].clone(),
            Candidates::Uniform(a, b) => Value::from(a + (b - a) * rng.gen::<f64>()),
            Candidates::LogUniform(a, b) => Value::from(
                (a.ln() + (b.ln() - a.ln()) * rng.gen::<f64>())
                    .exp()
                    .clamp(a, b),
            ),
            Candidates::Int(a, b) => Value::from(rng.gen_range(a..=b)),
        }
    }
}

/// One trial: its options and its cross-validated score.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    /// 1-based.
    pub trial: usize,
    /// The searched options' values.
    pub options: Map<String, Value>,
    pub mean: f64,
    pub std: f64,
    pub seconds: f64,
}

/// A finished search: its trials, the best one, and the best options refitted on the whole
/// training split.
pub struct TuneOutcome {
    pub metric: String,
    pub trials: Vec<Trial>,
    /// Index in `trials` of the chosen one.
    pub best: usize,
    /// The trials the search planned (more than ran when `max_seconds` stopped it).
    pub planned: usize,
    /// The options the best version trains with: the base options and the best trial's.
    pub options: Value,
    pub outcome: TrainOutcome,
}

/// Runs the search `spec` of `algorithm` over `base` (fin_train's options, a JSON object):
/// every trial's training checked before the first runs, each trial's folds, then the best
/// refitted. `on_trial` hears of each finished trial and the number planned.
pub fn tune(
    data: &Dataset,
    algorithm: Algorithm,
    base: &Value,
    spec: &SearchSpec,
    limits: Limits,
    progress: &mut dyn Progress,
    on_trial: &mut dyn FnMut(&Trial, usize),
) -> Result<TuneOutcome> {
    let started = Instant::now();
    let base_map = match base {
        Value::Object(map) => map.clone(),
        Value::Null => Map::new(),
        other => return Err(bad("options", other, "a JSON object")),
    };
    let seed = TrainOptions::from_json(base)?.seed;
    let trials: Vec<(Map<String, Value>, Value, Training)> = spec
        .trial_options(seed)
        .into_iter()
        .map(|values| {
            let mut merged = base_map.clone();
            merged.extend(values.clone());
            let merged = Value::Object(merged);
            let training = TrainOptions::from_json(&merged)?.for_algorithm(algorithm)?;
            Ok((values, merged, training))
        })
        .collect::<Result<_>>()?;
    if trials
        .iter()
        .any(|(_, _, training)| training.params.privacy().is_some())
    {
        return Err(crate::dp_sgd::voids_the_guarantee(
            "a search (fin_tune)",
            "the chosen options depend on every trial's fit of the same rows, which the stored budget does not count",
        ));
    }
    let options = &trials[0].2.options;
    let mut notes = Vec::new();
    let target = Target::resolve(data, options, &mut notes)?;
    let metric = spec
        .metric_for(target.task, target.is_multi_class())?
        .to_owned();
    let training_split = target.split(data, options)?.train;
    let folds = Folds::cut(data, &target, &training_split, spec.folds, options, limits)?;
    let planned = trials.len();
    let mut done: Vec<Trial> = Vec::with_capacity(planned);
    for (k, (values, _, training)) in trials.iter().enumerate() {
        if k > 0
            && spec
                .max_seconds
                .is_some_and(|s| started.elapsed().as_secs_f64() >= s)
        {
            break;
        }
        let trial_started = Instant::now();
        let params = target.params_for(data, training, &mut Vec::new())?;
        let results = run_folds(
            data,
            &target,
            &*params,
            &training.options,
            &folds,
            limits,
            &mut StepsOnly(&mut *progress),
            &mut Vec::new(),
        )
        .map_err(|e| e.with_detail(format!("in trial {} of {planned}", k + 1)))?;
        let Some(score) = fold_summary(&results)
            .into_iter()
            .find(|s| s.metric == metric)
        else {
            return Err(Error::invalid_data(format!(
                "trial {} has no {metric} on every fold",
                k + 1
            ))
            .with_hint(
                "a fold's test rows hold one class: use fewer folds, or rank by another metric",
            ));
        };
        let trial = Trial {
            trial: k + 1,
            options: values.clone(),
            mean: score.mean,
            std: score.std,
            seconds: trial_started.elapsed().as_secs_f64(),
        };
        on_trial(&trial, planned);
        done.push(trial);
    }
    let higher = HIGHER_BETTER.contains(&metric.as_str());
    let best = best_trial(&done, higher);
    let (_, best_options, best_training) = &trials[best];
    progress.phase(Phase::Fitting);
    let mut outcome = train_reporting(data, best_training, limits, progress)?;
    notes.retain(|n| !outcome.notes.contains(n));
    outcome.notes.extend(notes);
    Ok(TuneOutcome {
        metric,
        trials: done,
        best,
        planned,
        options: best_options.clone(),
        outcome,
    })
}

/// The index of the best trial (the first of equals).
fn best_trial(trials: &[Trial], higher_better: bool) -> usize {
    let mut best = 0;
    for (k, trial) in trials.iter().enumerate() {
        let better = if higher_better {
            trial.mean > trials[best].mean
        } else {
            trial.mean < trials[best].mean
        };
        if better {
            best = k;
        }
    }
    best
}

/// A trial's fits report their steps (a cancel stops them) but not their epochs: the search
/// reports trials.
struct StepsOnly<'a>(&'a mut dyn Progress);

impl Progress for StepsOnly<'_> {
    fn step(&mut self) -> Result<()> {
        self.0.step()
    }

    fn epoch(&mut self, _log: &EpochLog) -> Result<()> {
        self.0.step()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{GBDT, LOGISTIC};
    use serde_json::json;

    #[test]
    fn a_grid_is_every_combination_with_the_last_key_fastest() {
        let spec = SearchSpec::parse(
            &json!({"l2": [0.1, 1], "max_iter": [50, 100, 200]}),
            LOGISTIC,
        )
        .unwrap();
        let trials = spec.trial_options(42);
        assert_eq!(trials.len(), 6);
        assert_eq!(
            trials[0],
            json!({"l2": 0.1, "max_iter": 50})
                .as_object()
                .unwrap()
                .clone()
        );
        assert_eq!(trials[1]["max_iter"], json!(100));
        assert_eq!(trials[3]["l2"], json!(1));
    }

    #[test]
    fn random_draws_are_seeded_and_within_their_bounds() {
        let spec = SearchSpec::parse(
            &json!({"learning_rate": {"log_uniform": [0.01, 0.3]}, "max_depth": {"int": [2, 6]},
                    "num_leaves": [8, 16], "trials": 30}),
            GBDT,
        )
        .unwrap();
        let a = spec.trial_options(7);
        assert_eq!(a, spec.trial_options(7));
        assert_ne!(a, spec.trial_options(8));
        for t in &a {
            let rate = t["learning_rate"].as_f64().unwrap();
            assert!((0.01..=0.3).contains(&rate), "{rate}");
            let depth = t["max_depth"].as_i64().unwrap();
            assert!((2..=6).contains(&depth));
            assert!([8, 16].contains(&t["num_leaves"].as_i64().unwrap()));
        }
    }

    #[test]
    fn unknown_keys_distributions_on_other_options_and_missing_trials_are_refused() {
        let refused = |search: Value| {
            let e = SearchSpec::parse(&search, LOGISTIC).unwrap_err();
            assert_eq!(e.kind, crate::error::ErrorKind::InvalidOption, "{search}");
            e.message
        };
        assert!(refused(json!({"pdo": [20, 40]})).contains("not an option of algorithm"));
        assert!(refused(json!({"test_size": [0.2, 0.3]})).contains("not an option"));
        assert!(
            refused(json!({"class_weight": {"uniform": [0, 1]}, "trials": 3}))
                .contains("does not take")
        );
        assert!(refused(json!({"l2": {"uniform": [0, 1]}})).contains("needs \"trials\""));
        assert!(refused(json!({"l2": {"log_uniform": [0, 1]}, "trials": 2})).contains("l2"));
        assert!(refused(json!({"l2": []})).contains("l2"));
        assert!(refused(json!({"trials": 3})).contains("no option"));
        assert!(refused(json!({"l2": [1], "metric": "nope"})).contains("metric"));
        assert!(refused(json!({"l2": [1], "folds": 1})).contains("folds"));
        let grid: Vec<Value> = (0..40).map(Value::from).collect();
        assert!(refused(json!({"l2": grid, "max_iter": grid})).contains("1600 combinations"));
    }

    #[test]
    fn the_best_trial_follows_the_metric_direction_and_ties_keep_the_first() {
        let trial = |mean| Trial {
            trial: 1,
            options: Map::new(),
            mean,
            std: 0.0,
            seconds: 0.0,
        };
        let trials = [trial(0.7), trial(0.8), trial(0.8), trial(0.6)];
        assert_eq!(best_trial(&trials, true), 1);
        assert_eq!(best_trial(&trials, false), 3);
    }
}
