//! Reading `fin_ts_view`'s options against the relation's columns into a [`TsViewSpec`],
//! within the bounds of `spec`.

use super::spec::{
    CalendarPart, TimeKind, TsViewSpec, BOUNDS_HINT, CALENDAR_PARTS, INTERNAL_COLUMNS,
    MAX_FEATURE_COLUMNS, MAX_LIST, MAX_PERIODS, TS_VIEW_KEYS,
};
use crate::error::{Error, ErrorKind, Result};
use crate::interrupt;
use crate::json::{bad, count, optional_bool};
use serde_json::{Map, Value};

/// One period of `options.key`, from `low` to [`MAX_PERIODS`] rows.
fn period(value: &Value, key: &str, low: usize) -> Result<usize> {
    count(value, key, low, MAX_PERIODS).map_err(|e| {
        if value.as_u64().is_some_and(|n| n > MAX_PERIODS as u64) {
            e.with_hint(BOUNDS_HINT)
        } else {
            e
        }
    })
}

/// The periods of `options.key`, a list of at most [`MAX_LIST`] distinct periods of at least
/// `low` rows.
fn period_list(key: &str, value: &Value, low: usize, example: &str) -> Result<Vec<usize>> {
    let Value::Array(items) = value else {
        return Err(bad(key, value, example));
    };
    // Counted before any entry is read: the list's length is the caller's.
    if items.len() > MAX_LIST {
        return Err(Error::invalid_option(format!(
            "options.{key} lists {} periods, more than {MAX_LIST}",
            items.len()
        ))
        .with_hint(BOUNDS_HINT));
    }
    let mut periods = Vec::with_capacity(items.len());
    for item in items {
        interrupt::check();
        let period = period(item, key, low)?;
        if periods.contains(&period) {
            return Err(
                Error::invalid_option(format!("options.{key} lists {period} twice")).with_hint(
                    "list each period once: each gives the view one column of that name",
                ),
            );
        }
        periods.push(period);
    }
    Ok(periods)
}

/// `options.calendar`: true (day of week and month), false or null (none), or a list of parts.
fn calendar_parts(value: Option<&Value>, time: TimeKind) -> Result<Vec<CalendarPart>> {
    let names = CALENDAR_PARTS.map(CalendarPart::as_str).join(", ");
    let expected = format!("true, false or a list of calendar parts ({names})");
    let parts = match value {
        None | Some(Value::Bool(true)) => vec![CalendarPart::DayOfWeek, CalendarPart::Month],
        Some(Value::Null) | Some(Value::Bool(false)) => Vec::new(),
        Some(v @ Value::Array(items)) => {
            if items.len() > CALENDAR_PARTS.len() {
                return Err(bad("calendar", v, &expected));
            }
            let mut parts = Vec::with_capacity(items.len());
            for item in items {
                let part = CALENDAR_PARTS
                    .into_iter()
                    .find(|p| Some(p.as_str()) == item.as_str())
                    .ok_or_else(|| bad("calendar", v, &expected))?;
                if parts.contains(&part) {
                    return Err(Error::invalid_option(format!(
                        "options.calendar lists \"{}\" twice",
                        part.as_str()
                    ))
                    .with_hint("list each calendar part once"));
                }
                parts.push(part);
            }
            parts
        }
        Some(v) => return Err(bad("calendar", v, &expected)),
    };
    if time == TimeKind::Date {
        if let Some(part) = parts.iter().find(|p| p.needs_a_time_of_day()) {
            return Err(Error::invalid_option(format!(
                "calendar part \"{}\" needs a timestamp time column, and the time column is a date",
                part.as_str()
            ))
            .with_hint("order intraday series by a timestamp column, or leave hour and minute out of options.calendar"));
        }
    }
    Ok(parts)
}

impl TsViewSpec {
    /// The options read against the relation's column names (`high`, `low`, `volume` are
    /// used by default when columns of those names exist) and the type of its time column.
    pub fn parse(options: &Value, columns: &[String], time: TimeKind) -> Result<TsViewSpec> {
        let empty = Map::new();
        let map = match options {
            Value::Null => &empty,
            Value::Object(map) => map,
            _ => {
                return Err(Error::invalid_option("options must be a JSON object")
                    .with_hint(r#"e.g. '{"partition_by": "symbol", "returns": [1, 5]}'"#))
            }
        };
        if let Some(key) = map.keys().find(|k| !TS_VIEW_KEYS.contains(&k.as_str())) {
            return Err(Error::invalid_option(format!("unknown option \"{key}\""))
                .with_hint(format!("known options: {}", TS_VIEW_KEYS.join(", "))));
        }
        let has = |name: &str| columns.iter().any(|c| c == name);
        let name = |key: &str, default: Option<&str>| -> Result<Option<String>> {
            match map.get(key) {
                None => Ok(default.filter(|d| has(d)).map(str::to_owned)),
                Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(v) => Err(bad(key, v, "a column name, or null")),
            }
        };
        let periods = |key: &str, default: &[usize]| -> Result<Vec<usize>> {
            match map.get(key) {
                None => Ok(default.to_vec()),
                Some(v) => period_list(key, v, 1, "an array of periods, e.g. [5, 20]"),
            }
        };
        let one = |key: &str, default: Option<usize>| -> Result<Option<usize>> {
            match map.get(key) {
                None => Ok(default),
                Some(Value::Null) | Some(Value::Bool(false)) => Ok(None),
                Some(v) => period(v, key, 2).map(Some),
            }
        };
        let volume = name("volume", Some("volume"))?;
        let macd = macd_option(map.get("macd"))?;
        let targets = targets_option(map.get("targets"))?;
        let target_periods = |key: &str| -> Result<Vec<usize>> {
            match targets.and_then(|t| t.get(key)) {
                None => Ok(if targets.is_none() {
                    vec![5]
                } else {
                    Vec::new()
                }),
                Some(v) => period_list(key, v, 1, "an array of periods ahead, e.g. [5]"),
            }
        };
        let spec = TsViewSpec {
            partition_by: name("partition_by", None)?,
            price: name("price", Some("close"))?.ok_or_else(|| {
                Error::new(
                    ErrorKind::UnknownColumn,
                    "the relation has no column \"close\" and options.price names none",
                )
                .with_hint(r#"name the price column: '{"price": "last"}'"#)
            })?,
            high: name("high", Some("high"))?,
            low: name("low", Some("low"))?,
            volume_z: one("volume_z", volume.as_ref().map(|_| 20))?,
            volume,
            returns: periods("returns", &[1, 5, 20])?,
            windows: periods("windows", &[5, 20])?,
            ema: periods("ema", &[12, 26])?,
            rsi: one("rsi", Some(14))?,
            macd,
            bollinger: one("bollinger", Some(20))?,
            calendar: calendar_parts(map.get("calendar"), time)?,
            time,
            direction: optional_bool(targets.and_then(|t| t.get("direction")), "direction")?
                .unwrap_or(targets.is_none()),
            forward_returns: target_periods("return")?,
            forward_volatility: target_periods("volatility")?,
        };
        spec.check_columns(&has)?;
        Ok(spec)
    }

    /// The parsed spec against the relation's columns (`has` tells whether one of that name
    /// exists): volume_z needs a volume, the view adds at most [`MAX_FEATURE_COLUMNS`], and no
    /// relation column takes a name the view adds or uses on its way.
    fn check_columns(&self, has: &dyn Fn(&str) -> bool) -> Result<()> {
        if self.volume_z.is_some() && self.volume.is_none() {
            return Err(Error::invalid_option("volume_z needs a volume column")
                .with_hint(r#"name it: '{"volume": "traded"}', or drop volume_z"#));
        }
        let added = self.added_columns();
        if added.len() > MAX_FEATURE_COLUMNS {
            return Err(Error::invalid_option(format!(
                "the view would add {} columns, more than {MAX_FEATURE_COLUMNS}",
                added.len()
            ))
            .with_hint(BOUNDS_HINT));
        }
        for name in added
            .iter()
            .map(String::as_str)
            .chain(INTERNAL_COLUMNS.iter().copied())
        {
            if has(name) {
                let what = if INTERNAL_COLUMNS.contains(&name) {
                    "uses internally"
                } else {
                    "would add"
                };
                return Err(Error::invalid_option(format!(
                    "the relation has a column \"{name}\", a name the view {what}"
                ))
                .with_hint("rename that column in a view over the relation, or leave the feature of that name out of the options"));
            }
        }
        Ok(())
    }
}

/// `options.macd`: absent for (12, 26, 9), null or false for none, or [fast, slow, signal]
/// with fast < slow.
fn macd_option(value: Option<&Value>) -> Result<Option<(usize, usize, usize)>> {
    Ok(match value {
        None => Some((12, 26, 9)),
        Some(Value::Null) | Some(Value::Bool(false)) => None,
        Some(v @ Value::Array(items)) => match items.as_slice() {
            [f, s, g] => {
                let hint = "[fast, slow, signal] periods of at most 10,000 rows with fast < slow, e.g. [12, 26, 9]";
                let (f, s, g) = (
                    count(f, "macd", 1, MAX_PERIODS).map_err(|_| bad("macd", v, hint))?,
                    count(s, "macd", 2, MAX_PERIODS).map_err(|_| bad("macd", v, hint))?,
                    count(g, "macd", 1, MAX_PERIODS).map_err(|_| bad("macd", v, hint))?,
                );
                if f >= s {
                    return Err(bad("macd", v, hint));
                }
                Some((f, s, g))
            }
            _ => return Err(bad("macd", v, "[fast, slow, signal], e.g. [12, 26, 9]")),
        },
        Some(v) => return Err(bad("macd", v, "[fast, slow, signal], e.g. [12, 26, 9]")),
    })
}

/// `options.targets`: absent for the default targets, or an object of direction, return and
/// volatility (no other key).
fn targets_option(value: Option<&Value>) -> Result<Option<&Map<String, Value>>> {
    let targets = match value {
        None => None,
        Some(Value::Object(t)) => Some(t),
        Some(v) => {
            return Err(bad(
                "targets",
                v,
                r#"an object, e.g. {"direction": true, "return": [5], "volatility": [5]}"#,
            ))
        }
    };
    if let Some(t) = targets {
        if let Some(key) = t
            .keys()
            .find(|k| !["direction", "return", "volatility"].contains(&k.as_str()))
        {
            return Err(Error::invalid_option(format!("unknown target \"{key}\""))
                .with_hint("targets are direction, return and volatility"));
        }
    }
    Ok(targets)
}
