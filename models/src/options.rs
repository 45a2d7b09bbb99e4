//! Training options, parsed from the `options jsonb` argument of `fin_train`.
//!
//! Every key has a documented default and unknown keys are rejected: a typo such as
//! `"test_szie"` must not silently train with the default.

use crate::calendar::DatePart;
use crate::dp_sgd::voids_the_guarantee;
use crate::error::{Error, Result};
use crate::estimator::{registry, Algorithm, Params};
use crate::fit::PreprocessOptions;
pub use crate::fit::Task;
use crate::json::json_kind;
use crate::linear::SOLVER_KEYS;
pub use crate::preprocess::Impute;
use crate::self_training::SelfTraining;
use crate::text::TextSpec;
use serde::Deserialize;
use serde_json::{Map, Value};

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

/// Rows a category level must be seen in to be stored by name (`min_level_rows`): the
/// threshold rule of statistical disclosure control (no published cell of fewer than n
/// persons) at its cautious setting, n = 10. Every level of the credit example has at
/// least 17 training rows, so its models are the same with or without it.
pub const DEFAULT_MIN_LEVEL_ROWS: usize = 10;

/// What the stored model keeps of its training population for drift (`store_reference`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreReference {
    /// Each numeric feature's deciles and each categorical feature's level shares.
    #[default]
    Full,
    /// The same, with numeric deciles rounded to 2 significant digits (no edge is one
    /// customer's exact value).
    Coarse,
    /// Nothing: fin_psi and fin_monitor then refuse the version (0A000).
    None,
}

/// What a stored model may keep of its training rows beyond the fit itself: the drift
/// reference, and levels by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minimization {
    pub store_reference: StoreReference,
    pub min_level_rows: usize,
}

impl Minimization {
    /// Whether the model may keep single training rows' values for its report (a tree
    /// model's SHAP summary points): only with the full reference.
    pub fn keeps_row_values(&self) -> bool {
        self.store_reference == StoreReference::Full
    }

    /// Significant digits of the training values the model stores beside its parameters
    /// (drift deciles, tree thresholds, k-means centres): `store_reference` "coarse"'s.
    pub fn stored_digits(&self) -> Option<i32> {
        (self.store_reference == StoreReference::Coarse).then_some(crate::drift::COARSE_DIGITS)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptions {
    positive: Option<Value>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    protected: Vec<String>,
    test_size: Option<f64>,
    seed: Option<u64>,
    split: Option<Value>,
    impute: Option<Impute>,
    task: Option<Task>,
    max_categories: Option<usize>,
    min_level_rows: Option<usize>,
    deploy: Option<Value>,
    deploy_tolerance: Option<f64>,
    order_by: Option<Value>,
    weight_column: Option<String>,
    semi_supervised: Option<Value>,
    dates: Option<Value>,
    text: Option<Value>,
    aggregate: Option<bool>,
    store_reference: Option<Value>,
    #[serde(default)]
    exclude_pii: Vec<String>,
    allow_identifier: Option<bool>,
    duration: Option<String>,
    entry: Option<String>,
}

/// Keys of the training itself (target, split, preprocessing, deployment), which every
/// algorithm reads; each algorithm owns the rest (`Algorithm::keys`).
pub const TRAINING_KEYS: &[&str] = &[
    "positive",
    "exclude",
    "protected",
    "test_size",
    "seed",
    "split",
    "impute",
    "task",
    "max_categories",
    "min_level_rows",
    "deploy",
    "deploy_tolerance",
    "order_by",
    "weight_column",
    "semi_supervised",
    "dates",
    "text",
    "aggregate",
    "store_reference",
    "exclude_pii",
    "allow_identifier",
    "duration",
    "entry",
];

/// A survival model's duration and entry columns.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalColumns {
    pub duration: String,
    pub entry: Option<String>,
}

/// options.duration and options.entry: an entry needs a duration, and they are two columns.
fn survival_columns(
    duration: Option<String>,
    entry: Option<String>,
) -> Result<Option<SurvivalColumns>> {
    match (duration, entry) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(Error::invalid_option(
            "options.entry needs options.duration",
        )
        .with_hint("a survival model reads each loan's duration (periods observed) and, for loans already on the book, its entry")),
        (Some(duration), entry) if entry.as_deref() == Some(duration.as_str()) => Err(
            Error::invalid_option(format!(
                "options.duration and options.entry both name column \"{duration}\""
            ))
            .with_hint("the entry is the period a loan was first observed after, the duration the last"),
        ),
        (Some(duration), entry) => Ok(Some(SurvivalColumns { duration, entry })),
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
    /// Protected attributes (age, sex, marital status): columns that may not be features
    /// (fair lending; since 0.12.0).
    pub protected: Vec<String>,
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
    /// Most frequent levels kept per categorical feature; rarer ones join the reference
    /// level. Default 50.
    pub max_categories: usize,
    /// Categorical levels seen in fewer training rows are not stored: they join the
    /// reference level (a scorecard's bin of NULL and unseen levels), and the drift reference's
    /// "other" share. Default [`DEFAULT_MIN_LEVEL_ROWS`].
    pub min_level_rows: usize,
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
    /// A numeric column whose value weighs each row in a classifier's loss (logistic
    /// regression, scorecards); not a feature.
    pub weight_column: Option<String>,
    /// Self-training on the rows whose target is NULL (self_training.rs).
    pub semi_supervised: Option<SelfTraining>,
    /// Date columns used as features, with their calendar parts (`"dates"`).
    pub dates: Vec<(String, Vec<DatePart>)>,
    /// Text columns used as hashed TF-IDF features (`"text"`).
    pub text: Vec<(String, TextSpec)>,
    /// Train from sums over the rows where they are stored (summed.rs): `Some(true)` asks for
    /// it, `Some(false)` reads the rows; `None`: on a distributed table when the training
    /// can, else the rows.
    pub aggregate: Option<bool>,
    /// What the stored model keeps of the training population for drift. Default full.
    pub store_reference: StoreReference,
    /// Columns that hold personal identifiers (names, account or national numbers): left
    /// out when `features` is NULL, refused as named features unless `allow_identifier`.
    pub exclude_pii: Vec<String>,
    /// Whether a column that looks like an identifier (named in `exclude_pii`, or with a
    /// distinct value in every row) may be a feature. Default false.
    pub allow_identifier: bool,
    /// A survival model's duration column (periods observed), and the entry column of loans
    /// already on the book (left truncation): `options.duration`, `options.entry`.
    pub survival: Option<SurvivalColumns>,
    /// Every key the caller gave, in order, to reject those the chosen algorithm ignores.
    pub given: Vec<String>,
    /// The algorithms' keys the caller gave; the chosen algorithm parses its own slice, once
    /// ([`TrainOptions::for_algorithm`]).
    algorithm_options: Map<String, Value>,
}

/// The options of one training, checked once where the training starts (the SQL entry point,
/// or [`crate::train::train`]): the training's own keys and the algorithm's validated
/// parameters. Every pipeline reads these; nothing reads the options object again.
#[derive(Debug, Clone)]
pub struct Training {
    pub options: TrainOptions,
    pub params: Box<dyn Params>,
}

impl Training {
    pub fn algorithm(&self) -> Algorithm {
        self.params.algorithm()
    }
}

impl TrainOptions {
    /// Parses and validates `options`; `Value::Null` means all defaults.
    pub fn from_json(value: &Value) -> Result<Self> {
        let mut map = match value {
            Value::Null => Map::new(),
            Value::Object(map) => map.clone(),
            other => {
                return Err(Error::invalid_option(format!(
                    "options must be a JSON object, not {}",
                    json_kind(other)
                ))
                .with_hint(r#"write options => '{"test_size": 0.3, "seed": 42}'"#))
            }
        };
        let given: Vec<String> = map.keys().cloned().collect();
        let known = known_keys();
        if let Some(unknown) = given.iter().find(|k| !known.contains(&k.as_str())) {
            return Err(
                Error::invalid_option(format!("unknown option \"{unknown}\""))
                    .with_hint(format!("known options: {}", known.join(", "))),
            );
        }
        // The algorithms' keys are theirs to parse (TrainOptions::params).
        let mut algorithm_options = Map::new();
        map.retain(|key, value| {
            let training = TRAINING_KEYS.contains(&key.as_str());
            if !training {
                algorithm_options.insert(key.clone(), value.clone());
            }
            training
        });
        let raw: RawOptions = serde_json::from_value(Value::Object(map)).map_err(|e| {
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
        // numpy's RandomState (whose splits finml reproduces) takes seeds below 2^32; a
        // larger one would silently mean another seed.
        if raw.seed.is_some_and(|seed| seed > u64::from(u32::MAX)) {
            return Err(Error::invalid_option(format!(
                "seed must be in 0..4294967295, got {}",
                raw.seed.unwrap_or_default()
            ))
            .with_hint("seeds are numpy RandomState seeds, as scikit-learn's random_state"));
        }
        let max_categories = raw.max_categories.unwrap_or(50);
        if max_categories < 2 {
            return Err(Error::invalid_option("max_categories must be at least 2")
                .with_hint("it counts the reference level; the default is 50"));
        }
        let min_level_rows = parse_min_level_rows(raw.min_level_rows)?;
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
        let order_by = raw.order_by.map(parse_order_by).transpose()?;
        Ok(TrainOptions {
            positive: raw.positive,
            exclude: raw.exclude,
            protected: raw.protected,
            test_size,
            seed: raw.seed.unwrap_or(42),
            split,
            impute: raw.impute.unwrap_or(Impute::Median),
            task: raw.task.map(supervised_task).transpose()?,
            max_categories,
            min_level_rows,
            deploy: raw.deploy.as_ref().map(DeployPolicy::parse).transpose()?,
            deploy_tolerance,
            order_by,
            weight_column: raw.weight_column,
            semi_supervised: raw
                .semi_supervised
                .as_ref()
                .map(SelfTraining::parse)
                .transpose()?,
            dates: raw
                .dates
                .as_ref()
                .map(parse_dates)
                .transpose()?
                .unwrap_or_default(),
            text: raw
                .text
                .as_ref()
                .map(parse_text)
                .transpose()?
                .unwrap_or_default(),
            aggregate: raw.aggregate,
            store_reference: raw
                .store_reference
                .as_ref()
                .map(|v| {
                    crate::json::enum_value(
                        v,
                        "store_reference",
                        "\"full\", \"coarse\" or \"none\"",
                    )
                })
                .transpose()?
                .unwrap_or_default(),
            exclude_pii: raw.exclude_pii,
            allow_identifier: raw.allow_identifier.unwrap_or(false),
            survival: survival_columns(raw.duration, raw.entry)?,
            given,
            algorithm_options,
        })
    }

    /// These options with `algorithm`'s validated parameters; a key it would ignore
    /// (another algorithm's, or one it refuses) is an error, not a silent no-op.
    pub fn for_algorithm(mut self, algorithm: Algorithm) -> Result<Training> {
        for key in &self.given {
            algorithm.check_key(key, TRAINING_KEYS)?;
        }
        self.check_survival(algorithm)?;
        let params = algorithm.params(&std::mem::take(&mut self.algorithm_options))?;
        if params.privacy().is_some() {
            self.refuse_with_privacy()?;
        }
        Ok(Training {
            options: self,
            params,
        })
    }

    /// A survival algorithm needs options.duration; the others refuse it.
    fn check_survival(&self, algorithm: Algorithm) -> Result<()> {
        let survival_names = || {
            registry::all()
                .filter(|a| a.survival())
                .map(|a| format!("'{}'", a.as_str()))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        match (&self.survival, algorithm.survival()) {
            (None, true) => Err(Error::invalid_option(format!(
                "algorithm \"{}\" needs options.duration: the column of periods each loan was observed",
                algorithm.as_str()
            ))
            .with_hint(r#"the target is the event column (true when the loan defaulted); write options => '{"duration": "months_observed"}', and "entry" for loans already on the book"#)),
            (Some(_), false) => Err(Error::invalid_option(format!(
                "options.duration and options.entry apply to survival models, not algorithm \"{}\"",
                algorithm.as_str()
            ))
            .with_hint(format!("use algorithm => {}, or remove the option", survival_names()))),
            _ => Ok(()),
        }
    }

    /// The training options a private (DP-SGD) training cannot account for: self-training
    /// (its pseudo-labels are the model's outputs on other rows, fed back through rounds the
    /// accountant does not see), row weights (not applied by DP-SGD) and a training from sums
    /// (it has no rows to sample).
    fn refuse_with_privacy(&self) -> Result<()> {
        if self.semi_supervised.is_some() {
            return Err(voids_the_guarantee(
                "semi_supervised",
                "self-training refits on labels the model itself gave, in rounds no accountant counts",
            ));
        }
        if self.weight_column.is_some() {
            return Err(voids_the_guarantee(
                "weight_column",
                "DP-SGD bounds each row's clipped gradient, not a weighted one",
            ));
        }
        if self.aggregate == Some(true) {
            return Err(voids_the_guarantee(
                "aggregate",
                "DP-SGD samples rows at every step, which a training from sums does not read",
            ));
        }
        Ok(())
    }

    /// The options of the standardizing preprocessing.
    pub fn preprocess(&self) -> PreprocessOptions {
        PreprocessOptions {
            impute: self.impute,
            max_categories: self.max_categories,
            min_level_rows: self.min_level_rows,
            stored_digits: self.minimization().stored_digits(),
            keep_row_values: self.minimization().keeps_row_values(),
            dates: self.dates.clone(),
            text: self.text.clone(),
        }
    }

    /// What the stored model may keep of the training rows.
    pub fn minimization(&self) -> Minimization {
        Minimization {
            store_reference: self.store_reference,
            min_level_rows: self.min_level_rows,
        }
    }

    /// The column an out-of-time split reads, if any.
    pub fn split_column(&self) -> Option<&str> {
        match &self.split {
            Some(SplitSpec::OutOfTime { column, .. }) => Some(column),
            _ => None,
        }
    }
}

/// `min_level_rows`, [`DEFAULT_MIN_LEVEL_ROWS`] when not given.
fn parse_min_level_rows(given: Option<usize>) -> Result<usize> {
    match given.unwrap_or(DEFAULT_MIN_LEVEL_ROWS) {
        0 => Err(
            Error::invalid_option("min_level_rows must be at least 1").with_hint(format!(
                "1 stores every level seen in training; the default is {DEFAULT_MIN_LEVEL_ROWS}"
            )),
        ),
        rows => Ok(rows),
    }
}

/// The options stored with a version, with `overrides`' keys replacing theirs (fin_retrain's
/// `options` argument). Stored options that are not an object count as none.
pub fn merged(stored: Value, overrides: Option<Value>) -> Result<Value> {
    let mut merged = match stored {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    match overrides {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => merged.extend(map),
        Some(_) => {
            return Err(Error::invalid_option("options must be a JSON object")
                .with_hint(r#"e.g. fin_retrain('credit_risk', '{"deploy": "always"}')"#))
        }
    }
    Ok(Value::Object(merged))
}

/// Keys accepted in `options`, listed in the hint of an unknown-key error: the training's
/// own, with the linear solvers' after "task" (where finml 0.1 listed them), then each
/// algorithm's.
pub fn known_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    for &key in TRAINING_KEYS {
        keys.push(key);
        if key == "task" {
            keys.extend(SOLVER_KEYS);
        }
    }
    for algorithm in registry::all() {
        for &key in algorithm.keys() {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

/// `"order_by": "column"` or `["column", ...]`.
fn parse_order_by(value: Value) -> Result<Vec<String>> {
    match value {
        Value::String(column) => Ok(vec![column]),
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_string) => Ok(items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()),
        other => Err(Error::invalid_option(format!("invalid order_by {other}"))
            .with_hint(r#"name a column or columns: "order_by": ["app_date", "id"]"#)),
    }
}

/// options.task names a supervised task; the algorithm chooses an unsupervised one.
fn supervised_task(task: Task) -> Result<Task> {
    if task.is_unsupervised() {
        return Err(Error::invalid_option(format!(
            "options.task \"{}\" is chosen by the algorithm, not the options",
            task.as_str()
        ))
        .with_hint(format!(
            "train algorithm => {} with target => NULL",
            registry::unsupervised_names("or")
        )));
    }
    Ok(task)
}

const DATES_HINT: &str = r#"e.g. "dates": {"opened": ["month", "dow", "year", "days_since"]}"#;

/// `"dates": {"column": ["part", ...]}`: each column's calendar parts, once each.
fn parse_dates(value: &Value) -> Result<Vec<(String, Vec<DatePart>)>> {
    let Value::Object(map) = value else {
        return Err(Error::invalid_option(format!(
            "dates must be an object, not {}",
            json_kind(value)
        ))
        .with_hint(DATES_HINT));
    };
    map.iter()
        .map(|(column, parts)| {
            let names = match parts {
                Value::Array(items) if !items.is_empty() => items,
                _ => {
                    return Err(Error::invalid_option(format!(
                        "dates of \"{column}\" must be a non-empty list of parts"
                    ))
                    .with_hint(DATES_HINT))
                }
            };
            let mut parsed: Vec<DatePart> = Vec::new();
            for name in names {
                let part = DatePart::parse(name.as_str().unwrap_or_default())?;
                if parsed.contains(&part) {
                    return Err(Error::invalid_option(format!(
                        "date part \"{}\" of \"{column}\" is listed twice",
                        part.as_str()
                    ))
                    .with_hint("list each part once"));
                }
                parsed.push(part);
            }
            Ok((column.clone(), parsed))
        })
        .collect()
}

/// `"text": {"column": {settings}}`.
fn parse_text(value: &Value) -> Result<Vec<(String, TextSpec)>> {
    let Value::Object(map) = value else {
        return Err(Error::invalid_option(format!(
            "text must be an object, not {}",
            json_kind(value)
        ))
        .with_hint(r#"e.g. "text": {"memo": {"max_features": 1024, "ngram": [1, 2]}}"#));
    };
    map.iter()
        .map(|(column, spec)| Ok((column.clone(), TextSpec::parse(column, spec)?)))
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binning::Monotonic;
    use crate::error::ErrorKind;
    use crate::linear::algorithm::LinearParams;
    use crate::registry::{LINEAR, LOGISTIC, MLP, SCORECARD};
    use crate::scorecard::ScorecardParams;
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
            let e = TrainOptions::from_json(&bad)
                .and_then(|o| o.for_algorithm(SCORECARD))
                .unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidOption, "{bad}");
        }
    }

    #[test]
    fn dates_and_text_options_are_objects_of_columns_with_hints() {
        let o = TrainOptions::from_json(&json!({
            "dates": {"opened": ["month", "days_since"]},
            "text": {"memo": {"ngram": [1, 2]}}
        }))
        .unwrap();
        assert_eq!(
            o.dates,
            [(
                "opened".to_owned(),
                vec![DatePart::Month, DatePart::DaysSince]
            )]
        );
        assert_eq!(o.text[0].1.ngram, (1, 2));
        for bad in [
            json!({"dates": ["opened"]}),
            json!({"dates": {"opened": []}}),
            json!({"dates": {"opened": "month"}}),
            json!({"dates": {"opened": [3]}}),
            json!({"text": "memo"}),
            json!({"text": {"memo": {"stop_words": "english"}}}),
        ] {
            let e = TrainOptions::from_json(&bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidOption, "{bad}");
            assert!(e.hint.is_some(), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn monotonic_is_global_or_per_feature() {
        let scorecard = |options| {
            let training = TrainOptions::from_json(&options)
                .and_then(|o| o.for_algorithm(SCORECARD))
                .unwrap();
            training
                .params
                .downcast_ref::<ScorecardParams>()
                .unwrap()
                .clone()
        };
        let p = scorecard(json!({"monotonic": "descending"}));
        assert_eq!(p.monotonic, Monotonic::Descending);
        let p = scorecard(json!({"monotonic": {"amount": "ascending"}}));
        assert_eq!(p.monotonic, Monotonic::Auto);
        assert_eq!(
            p.monotonic_by_feature,
            vec![("amount".to_owned(), Monotonic::Ascending)]
        );
    }

    #[test]
    fn options_of_another_algorithm_are_rejected() {
        let o = TrainOptions::from_json(&json!({"pdo": 40, "min_iv": 0.05})).unwrap();
        let training = o.clone().for_algorithm(SCORECARD).unwrap();
        let card = training.params.downcast_ref::<ScorecardParams>().unwrap();
        assert_eq!(card.pdo, 40.0);
        assert!(o.for_algorithm(LOGISTIC).is_err());
        let o = TrainOptions::from_json(&json!({"impute": "mean"})).unwrap();
        assert!(o.clone().for_algorithm(LOGISTIC).is_ok());
        assert!(o.for_algorithm(SCORECARD).is_err());
        let o = TrainOptions::from_json(&json!({"l2": 0.5})).unwrap();
        assert!(o.clone().for_algorithm(MLP).is_err());
        let training = o.for_algorithm(LINEAR).unwrap();
        assert_eq!(
            training.params.downcast_ref::<LinearParams>(),
            Some(&LinearParams(crate::linear::SolverParams {
                l2: 0.5,
                max_iter: 100,
                class_weight: None,
            }))
        );
    }

    #[test]
    fn out_of_time_split_is_parsed() {
        let o = TrainOptions::from_json(
            &json!({"split": {"column": "app_date", "test_from": "2024-01-01"}}),
        )
        .unwrap();
        assert_eq!(o.split_column(), Some("app_date"));
    }

    #[test]
    fn retrain_overrides_replace_stored_keys_and_keep_the_others() {
        let stored = json!({"test_size": 0.3, "seed": 7, "exclude": ["id"]});
        let out = merged(stored.clone(), Some(json!({"seed": 9, "deploy": "always"}))).unwrap();
        assert_eq!(
            out,
            json!({"test_size": 0.3, "seed": 9, "exclude": ["id"], "deploy": "always"})
        );
        assert_eq!(merged(stored.clone(), None).unwrap(), stored);
        assert_eq!(merged(stored.clone(), Some(Value::Null)).unwrap(), stored);
        assert_eq!(
            merged(Value::Null, Some(json!({"seed": 1}))).unwrap(),
            json!({"seed": 1})
        );
        let e = merged(stored, Some(json!([1]))).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidOption);
    }
}
