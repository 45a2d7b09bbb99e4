//! Reading an algorithm's slice of the options object: each algorithm owns a list of keys
//! and parses them into its validated parameters (unknown keys never reach it: the options
//! parser rejects them with every known key in the hint).

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The entries of `options` whose key is in `keys`.
pub fn slice(options: &Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    options
        .iter()
        .filter(|(k, _)| keys.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `slice` read as `T` (a `deny_unknown_fields` struct of `Option`s): a value of the wrong
/// type is an invalid option that names the algorithm's keys.
pub fn parse_slice<T: DeserializeOwned>(
    options: &Map<String, Value>,
    algorithm: &str,
    keys: &[&str],
) -> Result<T> {
    serde_json::from_value(Value::Object(slice(options, keys))).map_err(|e| {
        Error::invalid_option(format!("invalid training options: {e}")).with_hint(format!(
            "the options of algorithm \"{algorithm}\" are: {}",
            keys.join(", ")
        ))
    })
}

/// "a number", "an object", ... for error messages.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An invalid value of `options.key`, with what it must be in the hint.
pub fn bad(key: &str, value: &Value, expected: &str) -> Error {
    Error::invalid_option(format!("invalid options.{key}: {value}"))
        .with_hint(format!("{key} must be {expected}"))
}

/// `options.key` as true or false, `None` when absent.
pub fn optional_bool(value: Option<&Value>, key: &str) -> Result<Option<bool>> {
    match value {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(v) => Err(bad(key, v, "true or false")),
    }
}

/// `value` read as one of an enumeration's names.
pub fn enum_value<T: for<'de> Deserialize<'de>>(
    value: &Value,
    key: &str,
    expected: &str,
) -> Result<T> {
    serde_json::from_value(value.clone()).map_err(|_| bad(key, value, expected))
}

/// A number in [low, high) (or [low, high] when `high_included`).
pub fn number_in(
    value: &Value,
    key: &str,
    low: f64,
    high: f64,
    high_included: bool,
    expected: &str,
) -> Result<f64> {
    match value.as_f64() {
        Some(x) if x >= low && (x < high || (high_included && x == high)) => Ok(x),
        _ => Err(bad(key, value, expected)),
    }
}

/// An integer in [low, high].
pub fn count(value: &Value, key: &str, low: usize, high: usize) -> Result<usize> {
    match value.as_u64() {
        Some(n) if n as usize >= low && n as usize <= high => Ok(n as usize),
        _ => Err(bad(
            key,
            value,
            &format!("an integer between {low} and {high}"),
        )),
    }
}
