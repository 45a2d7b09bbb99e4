//! Training options, parsed from the `options jsonb` argument of `fin_train`.
//!
//! Every key has a documented default and unknown keys are rejected: a typo such as
//! `"test_szie"` must not silently train with the default.

use crate::error::{Error, Result};
use crate::mlp::{MlpOptions, MLP_KEYS};
use serde::Deserialize;
use serde_json::Value;

/// How the rows are split into a training and a test part.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitSpec {
    /// Uniformly at random (`test_size` of the rows to the test part).
    Random,
    /// At random within each class, so both parts keep the class ratio.
    Stratified,
    /// Out-of-time: rows whose `column` is at or after `test_from` form the test part.
    OutOfTime { column: String, test_from: String },
}

/// Imputation for NULLs in numeric features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Impute {
    Mean,
    Median,
    Zero,
}

/// The learning task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    Classification,
    Regression,
}

impl Task {
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
        }
    }
}

/// When a newly trained version replaces the deployed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployPolicy {
    Always,
    /// When its test metric is not worse than the deployed version's on the same rows by
    /// more than `deploy_tolerance`.
    IfBetter,
    Never,
}

impl DeployPolicy {
    /// `true`/`false` (fin_train's historical form) or "always" | "if_better" | "never".
    fn parse(value: &Value) -> Result<DeployPolicy> {
        match value {
            Value::Bool(true) => Ok(DeployPolicy::Always),
            Value::Bool(false) => Ok(DeployPolicy::Never),
            Value::String(s) if s == "always" => Ok(DeployPolicy::Always),
            Value::String(s) if s == "if_better" => Ok(DeployPolicy::IfBetter),
            Value::String(s) if s == "never" => Ok(DeployPolicy::Never),
            other => Err(Error::invalid_option(format!("invalid deploy {other}"))
                .with_hint(r#"use "always", "if_better" or "never" (true and false mean always and never)"#)),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeployPolicy::Always => "always",
            DeployPolicy::IfBetter => "if_better",
            DeployPolicy::Never => "never",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptions {
    positive: Option<Value>,
    #[serde(default)]
    exclude: Vec<String>,
    test_size: Option<f64>,
    seed: Option<u64>,
    split: Option<Value>,
    impute: Option<Impute>,
    task: Option<Task>,
    l2: Option<f64>,
    max_iter: Option<u64>,
    max_categories: Option<usize>,
    deploy: Option<Value>,
    deploy_tolerance: Option<f64>,
    order_by: Option<Value>,
    monotonic: Option<Value>,
    max_bins: Option<usize>,
    min_bin_size: Option<f64>,
    min_iv: Option<f64>,
    pdo: Option<f64>,
    base_score: Option<f64>,
    base_odds: Option<f64>,
    round: Option<bool>,
}

/// Keys every algorithm accepts.
const COMMON_KEYS: &[&str] = &[
    "positive",
    "exclude",
    "test_size",
    "seed",
    "split",
    "impute",
    "task",
    "l2",
    "max_iter",
    "max_categories",
    "deploy",
    "deploy_tolerance",
    "order_by",
];

/// Keys that only scorecards use, and keys that scorecards do not use (binning replaces
/// imputation and one-hot encoding): giving one to the wrong algorithm is an error, not a
/// silent no-op.
pub const SCORECARD_ONLY_KEYS: &[&str] = &[
    "monotonic",
    "max_bins",
    "min_bin_size",
    "min_iv",
    "pdo",
    "base_score",
    "base_odds",
    "round",
];
pub const NOT_FOR_SCORECARDS: &[&str] = &["impute", "max_categories"];
/// Keys of the linear solvers that an MLP does not use (its penalty is weight_decay).
pub const NOT_FOR_MLP: &[&str] = &["l2", "max_iter"];

/// Required direction of the event rate across the bins of a numeric feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Monotonic {
    /// Whichever of ascending and descending gives the larger information value.
    Auto,
    Ascending,
    Descending,
    None,
}

/// Binning and points scaling of a scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorecardOptions {
    /// Trend of every numeric feature not in `monotonic_by_feature`; default auto.
    pub monotonic: Monotonic,
    /// Trends set per feature: `"monotonic": {"amount": "ascending"}` (others: auto).
    pub monotonic_by_feature: Vec<(String, Monotonic)>,
    /// Most value bins per feature (the NULL bin comes on top); default 8.
    pub max_bins: usize,
    /// Smallest value bin as a share of the feature's non-NULL training rows; default 0.05.
    pub min_bin_size: f64,
    /// Features whose information value is below this are left out; default 0.02.
    pub min_iv: f64,
    /// Points that double the odds; default 20.
    pub pdo: f64,
    /// Score at `base_odds`; default 600.
    pub base_score: f64,
    /// Good:bad odds at `base_score`; default 50.
    pub base_odds: f64,
    /// Round each attribute's points to an integer; default true.
    pub round: bool,
}

impl Default for ScorecardOptions {
    fn default() -> Self {
        ScorecardOptions {
            monotonic: Monotonic::Auto,
            monotonic_by_feature: Vec::new(),
            max_bins: 8,
            min_bin_size: 0.05,
            min_iv: 0.02,
            pdo: 20.0,
            base_score: 600.0,
            base_odds: 50.0,
            round: true,
        }
    }
}

/// Validated training options with their defaults applied.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// The positive class of a classification target; required for text targets,
    /// defaults to `true` / `1` for boolean and 0/1 targets.
    pub positive: Option<Value>,
    /// Columns left out when `features` is NULL (an id, a date).
    pub exclude: Vec<String>,
    /// Share of rows in the test split, in [0, 1); 0 trains on everything. Default 0.2.
    pub test_size: f64,
    /// Seed of every random choice (split); default 42.
    pub seed: u64,
    /// Default: stratified for classification, random for regression.
    pub split: Option<SplitSpec>,
    /// Default: median.
    pub impute: Impute,
    /// Overrides the task inferred from the target.
    pub task: Option<Task>,
    /// L2 penalty weight on the standardized coefficients (intercept unpenalized).
    /// Default 1.0 for logistic regression (scikit-learn's `C = 1`), 0 for linear regression.
    pub l2: Option<f64>,
    /// Iteration cap of the logistic solver (L-BFGS); default 100.
    pub max_iter: u64,
    /// Most frequent levels kept per categorical feature; rarer ones join the reference
    /// level. Default 50.
    pub max_categories: usize,
    /// When the new version is deployed; `None`: the caller's default (fin_train deploys
    /// always, fin_retrain if better).
    pub deploy: Option<DeployPolicy>,
    /// How much worse than the deployed version's test metric a new version may be and still
    /// pass `if_better` (AUC points, or RMSE in the target's unit). Default 0.
    pub deploy_tolerance: f64,
    /// Columns that order the rows before the split, so that the same data gives the same
    /// split whatever its physical order. Default: the relation's primary key (none for
    /// views or tables without one: then the scan order decides).
    pub order_by: Option<Vec<String>>,
    /// Binning and scaling (algorithm scorecard).
    pub scorecard: ScorecardOptions,
    /// Network, optimizer and device (algorithm mlp).
    pub mlp: MlpOptions,
    /// The keys the caller gave, to reject those the chosen algorithm does not use.
    pub given: Vec<String>,
}

impl TrainOptions {
    /// Parses and validates `options`; `Value::Null` means all defaults.
    pub fn from_json(value: &Value) -> Result<Self> {
        let value = match value {
            Value::Null => Value::Object(Default::default()),
            Value::Object(_) => value.clone(),
            other => {
                return Err(Error::invalid_option(format!(
                    "options must be a JSON object, not {}",
                    json_kind(other)
                ))
                .with_hint(r#"write options => '{"test_size": 0.3, "seed": 42}'"#))
            }
        };
        let given: Vec<String> = value
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        let known = known_keys();
        if let Some(unknown) = given.iter().find(|k| !known.contains(&k.as_str())) {
            return Err(
                Error::invalid_option(format!("unknown option \"{unknown}\""))
                    .with_hint(format!("known options: {}", known.join(", "))),
            );
        }
        let mlp = MlpOptions::from_json(value.as_object().unwrap_or(&Default::default()))?;
        // MlpOptions validated its keys; the rest are RawOptions' to check.
        let mut value = value;
        if let Value::Object(map) = &mut value {
            map.retain(|key, _| !MLP_KEYS.contains(&key.as_str()));
        }
        let raw: RawOptions = serde_json::from_value(value).map_err(|e| {
            Error::invalid_option(format!("invalid training options: {e}"))
                .with_hint(format!("known options: {}", known_keys().join(", ")))
        })?;

        let test_size = raw.test_size.unwrap_or(0.2);
        if !(0.0..1.0).contains(&test_size) {
            return Err(Error::invalid_option(format!(
                "test_size must be in [0, 1), got {test_size}"
            ))
            .with_hint("use 0 to train on every row, or a share such as 0.2"));
        }
        if let Some(l2) = raw.l2 {
            if !(l2.is_finite() && l2 >= 0.0) {
                return Err(Error::invalid_option(format!(
                    "l2 must be a finite number >= 0, got {l2}"
                ))
                .with_hint("0 disables the penalty; 1.0 (the default) is scikit-learn's C = 1"));
            }
        }
        // numpy's RandomState (whose splits finml reproduces) takes seeds below 2^32; a
        // larger one would silently mean another seed.
        if raw.seed.is_some_and(|seed| seed > u64::from(u32::MAX)) {
            return Err(Error::invalid_option(format!(
                "seed must be in 0..4294967295, got {}",
                raw.seed.unwrap_or_default()
            ))
            .with_hint("seeds are numpy RandomState seeds, as scikit-learn's random_state"));
        }
        let max_iter = raw.max_iter.unwrap_or(100);
        if max_iter == 0 {
            return Err(Error::invalid_option("max_iter must be at least 1")
                .with_hint("the default is 100 solver iterations"));
        }
        let max_categories = raw.max_categories.unwrap_or(50);
        if max_categories < 2 {
            return Err(Error::invalid_option("max_categories must be at least 2")
                .with_hint("it counts the reference level; the default is 50"));
        }
        let deploy_tolerance = raw.deploy_tolerance.unwrap_or(0.0);
        if !(deploy_tolerance.is_finite() && deploy_tolerance >= 0.0) {
            return Err(Error::invalid_option(format!(
                "deploy_tolerance must be a finite number >= 0, got {deploy_tolerance}"
            ))
            .with_hint(
                "0 (the default) deploys a new version only if its test metric is at least as good",
            ));
        }
        let split = raw.split.as_ref().map(parse_split).transpose()?;
        let scorecard = scorecard_options(&raw)?;
        let order_by = match raw.order_by {
            None => None,
            Some(Value::String(column)) => Some(vec![column]),
            Some(Value::Array(items))
                if !items.is_empty() && items.iter().all(Value::is_string) =>
            {
                Some(
                    items
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect(),
                )
            }
            Some(other) => {
                return Err(Error::invalid_option(format!("invalid order_by {other}"))
                    .with_hint(r#"name a column or columns: "order_by": ["app_date", "id"]"#))
            }
        };
        Ok(TrainOptions {
            positive: raw.positive,
            exclude: raw.exclude,
            test_size,
            seed: raw.seed.unwrap_or(42),
            split,
            impute: raw.impute.unwrap_or(Impute::Median),
            task: raw.task,
            l2: raw.l2,
            max_iter,
            max_categories,
            deploy: raw.deploy.as_ref().map(DeployPolicy::parse).transpose()?,
            deploy_tolerance,
            order_by,
            scorecard,
            mlp,
            given,
        })
    }

    /// Rejects keys that `algorithm` would ignore.
    pub fn check_applicable(&self, algorithm: &str) -> Result<()> {
        for key in &self.given {
            let key = key.as_str();
            let owner = if SCORECARD_ONLY_KEYS.contains(&key) {
                Some("scorecard")
            } else if MLP_KEYS.contains(&key) {
                Some("mlp")
            } else {
                None
            };
            if let Some(owner) = owner.filter(|&o| o != algorithm) {
                return Err(Error::invalid_option(format!(
                    "option \"{key}\" applies to algorithm \"{owner}\" only"
                ))
                .with_hint(format!("use algorithm => '{owner}', or remove the option")));
            }
            if algorithm == "scorecard" && NOT_FOR_SCORECARDS.contains(&key) {
                return Err(Error::invalid_option(format!(
                    "option \"{key}\" does not apply to algorithm \"scorecard\""
                ))
                .with_hint("a scorecard bins every feature: NULLs get their own bin and levels are grouped by event rate"));
            }
            if algorithm == "mlp" && NOT_FOR_MLP.contains(&key) {
                return Err(Error::invalid_option(format!(
                    "option \"{key}\" does not apply to algorithm \"mlp\""
                ))
                .with_hint("an MLP trains for \"epochs\" and is penalized by \"weight_decay\""));
            }
        }
        Ok(())
    }

    /// The column an out-of-time split reads, if any.
    pub fn split_column(&self) -> Option<&str> {
        match &self.split {
            Some(SplitSpec::OutOfTime { column, .. }) => Some(column),
            _ => None,
        }
    }
}

/// Keys accepted in `options`, listed in the hint of an unknown-key error.
pub fn known_keys() -> Vec<&'static str> {
    COMMON_KEYS
        .iter()
        .chain(SCORECARD_ONLY_KEYS)
        .chain(MLP_KEYS)
        .copied()
        .collect()
}

/// Largest pdo, |base_score| and base_odds a scorecard accepts.
const SCALING_LIMIT: f64 = 1e6;

fn scorecard_options(raw: &RawOptions) -> Result<ScorecardOptions> {
    let defaults = ScorecardOptions::default();
    let max_bins = raw.max_bins.unwrap_or(defaults.max_bins);
    if !(2..=100).contains(&max_bins) {
        return Err(Error::invalid_option(format!(
            "max_bins must be between 2 and 100, got {max_bins}"
        ))
        .with_hint("the default is 8 value bins per feature"));
    }
    let min_bin_size = raw.min_bin_size.unwrap_or(defaults.min_bin_size);
    if !(min_bin_size > 0.0 && min_bin_size <= 0.5) {
        return Err(Error::invalid_option(format!(
            "min_bin_size must be a share in (0, 0.5], got {min_bin_size}"
        ))
        .with_hint("the default 0.05 asks every bin to hold 5% of the training rows"));
    }
    let min_iv = raw.min_iv.unwrap_or(defaults.min_iv);
    if !(min_iv.is_finite() && min_iv >= 0.0) {
        return Err(
            Error::invalid_option(format!("min_iv must be a number >= 0, got {min_iv}"))
                .with_hint("0 keeps every feature; the default 0.02 drops unpredictive ones"),
        );
    }
    // Bounded so that every score fits fin_score's integer: credit practice uses a pdo of
    // 20-100, base scores of a few hundred and odds up to a few thousand.
    let positive = |key: &str, value: Option<f64>, default: f64| -> Result<f64> {
        let v = value.unwrap_or(default);
        if v.is_finite() && v > 0.0 && v <= SCALING_LIMIT {
            Ok(v)
        } else {
            Err(Error::invalid_option(format!(
                "{key} must be a number in (0, {SCALING_LIMIT}], got {v:e}"
            ))
            .with_hint(format!("the default is {default}")))
        }
    };
    let base_score = raw.base_score.unwrap_or(defaults.base_score);
    if !(base_score.is_finite() && base_score.abs() <= SCALING_LIMIT) {
        return Err(Error::invalid_option(format!(
            "base_score must be a number in [-{SCALING_LIMIT}, {SCALING_LIMIT}], got {base_score:e}"
        ))
        .with_hint("the default is 600"));
    }
    let (monotonic, monotonic_by_feature) = match &raw.monotonic {
        None => (defaults.monotonic, Vec::new()),
        Some(Value::Object(map)) => (
            Monotonic::Auto,
            map.iter()
                .map(|(k, v)| parse_monotonic(v).map(|m| (k.clone(), m)))
                .collect::<Result<_>>()?,
        ),
        Some(v) => (parse_monotonic(v)?, Vec::new()),
    };
    Ok(ScorecardOptions {
        monotonic,
        monotonic_by_feature,
        max_bins,
        min_bin_size,
        min_iv,
        pdo: positive("pdo", raw.pdo, defaults.pdo)?,
        base_score,
        base_odds: positive("base_odds", raw.base_odds, defaults.base_odds)?,
        round: raw.round.unwrap_or(defaults.round),
    })
}

fn parse_monotonic(value: &Value) -> Result<Monotonic> {
    serde_json::from_value(value.clone()).map_err(|_| {
        Error::invalid_option(format!("invalid monotonic {value}")).with_hint(
            r#"use "auto", "ascending", "descending" or "none", for all numeric features or per feature: {"amount": "ascending"}"#,
        )
    })
}

fn parse_split(value: &Value) -> Result<SplitSpec> {
    let hint = r#"use "random", "stratified" or {"column": "app_date", "test_from": "2024-01-01"}"#;
    match value {
        Value::String(s) if s == "random" => Ok(SplitSpec::Random),
        Value::String(s) if s == "stratified" => Ok(SplitSpec::Stratified),
        Value::Object(map) => {
            let unknown: Vec<&String> = map
                .keys()
                .filter(|k| *k != "column" && *k != "test_from")
                .collect();
            let column = map.get("column").and_then(Value::as_str);
            let test_from = map.get("test_from").map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            match (column, test_from, unknown.is_empty()) {
                (Some(column), Some(test_from), true) => Ok(SplitSpec::OutOfTime {
                    column: column.to_owned(),
                    test_from,
                }),
                _ => Err(Error::invalid_option(format!("invalid split {value}")).with_hint(hint)),
            }
        }
        other => Err(Error::invalid_option(format!("invalid split {other}")).with_hint(hint)),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use serde_json::json;

    #[test]
    fn defaults_apply_to_an_empty_object() {
        let o = TrainOptions::from_json(&json!({})).unwrap();
        assert_eq!(o.test_size, 0.2);
        assert_eq!(o.seed, 42);
        assert_eq!(o.impute, Impute::Median);
        assert_eq!(o.deploy, None);
        assert_eq!(o.deploy_tolerance, 0.0);
        assert!(o.split.is_none());
    }

    #[test]
    fn unknown_keys_are_rejected_with_the_known_ones_in_the_hint() {
        let e = TrainOptions::from_json(&json!({"test_szie": 0.3})).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidOption);
        assert!(e.message.contains("test_szie"), "{}", e.message);
        assert!(e.hint.unwrap().contains("test_size"));
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        for bad in [
            json!({"test_size": 1.0}),
            json!({"l2": -1}),
            json!({"max_iter": 0}),
            json!({"impute": "mode"}),
            json!({"split": "sideways"}),
            json!([1]),
            json!({"max_bins": 1}),
            json!({"min_bin_size": 0.0}),
            json!({"min_bin_size": 0.6}),
            json!({"min_iv": -0.1}),
            json!({"pdo": 0}),
            json!({"base_odds": -50}),
            json!({"monotonic": "up"}),
            json!({"monotonic": {"amount": "up"}}),
            json!({"monotonic": 1}),
        ] {
            let e = TrainOptions::from_json(&bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidOption, "{bad}");
        }
    }

    #[test]
    fn monotonic_is_global_or_per_feature() {
        let o = TrainOptions::from_json(&json!({"monotonic": "descending"})).unwrap();
        assert_eq!(o.scorecard.monotonic, Monotonic::Descending);
        let o = TrainOptions::from_json(&json!({"monotonic": {"amount": "ascending"}})).unwrap();
        assert_eq!(o.scorecard.monotonic, Monotonic::Auto);
        assert_eq!(
            o.scorecard.monotonic_by_feature,
            vec![("amount".to_owned(), Monotonic::Ascending)]
        );
    }

    #[test]
    fn options_of_another_algorithm_are_rejected() {
        let o = TrainOptions::from_json(&json!({"pdo": 40, "min_iv": 0.05})).unwrap();
        assert_eq!(o.scorecard.pdo, 40.0);
        assert!(o.check_applicable("scorecard").is_ok());
        assert!(o.check_applicable("logistic").is_err());
        let o = TrainOptions::from_json(&json!({"impute": "mean"})).unwrap();
        assert!(o.check_applicable("logistic").is_ok());
        assert!(o.check_applicable("scorecard").is_err());
    }

    #[test]
    fn out_of_time_split_is_parsed() {
        let o = TrainOptions::from_json(
            &json!({"split": {"column": "app_date", "test_from": "2024-01-01"}}),
        )
        .unwrap();
        assert_eq!(o.split_column(), Some("app_date"));
    }
}
