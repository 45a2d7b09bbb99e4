//! Point-in-time features of a price series as one SQL view (`fin_ts_view`): every feature of
//! a row reads only rows at or before its time (lag and trailing window frames), every
//! target only rows after it (lead). The formulas are those of the `ta` library (Padial,
//! "Technical Analysis Library in Python", over pandas), which the tests compare against:
//!
//! - log return over k periods: ln(close_t / close_{t−k});
//! - rolling standard deviation (n − 1), min and max of the 1-period log return over w
//!   periods, NULL until w returns exist (pandas' `rolling(w)`); their mean would be
//!   ret_w / w, collinear with the w-period return;
//! - EMA: e_t = e_{t−1} + α (x_t − e_{t−1}), e_1 = x_1, α = 2 / (span + 1) (pandas'
//!   `ewm(span, adjust=False)`), given as close / EMA − 1, NULL until span rows;
//! - RSI (Wilder): 100 − 100 / (1 + EMA(gains) / EMA(losses)), α = 1/n, 100 when there are no
//!   losses, NULL until n changes;
//! - MACD = EMA_fast − EMA_slow (NULL until `slow` rows), signal = its EMA over `signal`
//!   periods (NULL until `signal` MACD values);
//! - Bollinger z = (close − mean_w) / sd_w and volume z = (volume − mean_w) / sd_w, population
//!   sd (ddof 0, as `ta`'s Bollinger bands), NULL until w rows;
//! - range = (high − low) / close; day of week (ISO, Monday 1) and month;
//! - targets: next-period direction (1 when the next close is higher), next-k log return,
//!   next-k realized volatility sqrt(Σ_{j=1..k} r_{t+j}²).
//!
//! EMAs run through finml's `fin_ema(x, span)` window aggregate: with the frame starting at
//! the partition's first row, PostgreSQL advances its state by one row per row (O(1)).

use crate::error::{Error, ErrorKind, Result};
use crate::json::{bad, count};
use crate::scoring_code::column;
use serde_json::{Map, Value};

/// The keys of `fin_ts_view`'s options.
pub const TS_VIEW_KEYS: &[&str] = &[
    "partition_by",
    "price",
    "high",
    "low",
    "volume",
    "returns",
    "windows",
    "ema",
    "rsi",
    "macd",
    "bollinger",
    "volume_z",
    "calendar",
    "targets",
];

/// Longest lag, window or span (a year of minutes is 525,600 rows).
const MAX_PERIODS: usize = 100_000;

/// What the view computes.
#[derive(Debug, Clone, PartialEq)]
pub struct TsViewSpec {
    pub partition_by: Option<String>,
    pub price: String,
    pub high: Option<String>,
    pub low: Option<String>,
    pub volume: Option<String>,
    pub returns: Vec<usize>,
    pub windows: Vec<usize>,
    pub ema: Vec<usize>,
    pub rsi: Option<usize>,
    /// (fast, slow, signal)
    pub macd: Option<(usize, usize, usize)>,
    pub bollinger: Option<usize>,
    pub volume_z: Option<usize>,
    pub calendar: bool,
    pub direction: bool,
    pub forward_returns: Vec<usize>,
    pub forward_volatility: Vec<usize>,
}

/// What the relation offers: its column names, for the defaults (`high`, `low`, `volume`
/// are used when columns of those names exist).
impl TsViewSpec {
    pub fn parse(options: &Value, columns: &[String]) -> Result<TsViewSpec> {
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
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| count(v, key, 1, MAX_PERIODS))
                    .collect(),
                Some(v) => Err(bad(key, v, "an array of periods, e.g. [5, 20]")),
            }
        };
        let one = |key: &str, default: Option<usize>| -> Result<Option<usize>> {
            match map.get(key) {
                None => Ok(default),
                Some(Value::Null) | Some(Value::Bool(false)) => Ok(None),
                Some(v) => count(v, key, 2, MAX_PERIODS).map(Some),
            }
        };
        let volume = name("volume", Some("volume"))?;
        let macd = match map.get("macd") {
            None => Some((12, 26, 9)),
            Some(Value::Null) | Some(Value::Bool(false)) => None,
            Some(v @ Value::Array(items)) => match items.as_slice() {
                [f, s, g] => {
                    let hint = "[fast, slow, signal] periods with fast < slow, e.g. [12, 26, 9]";
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
        };
        let targets = match map.get("targets") {
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
        let target_periods = |key: &str| -> Result<Vec<usize>> {
            match targets.and_then(|t| t.get(key)) {
                None => Ok(if targets.is_none() {
                    vec![5]
                } else {
                    Vec::new()
                }),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| count(v, key, 1, MAX_PERIODS))
                    .collect(),
                Some(v) => Err(bad(key, v, "an array of periods ahead, e.g. [5]")),
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
            calendar: match map.get("calendar") {
                None => true,
                Some(Value::Bool(b)) => *b,
                Some(v) => return Err(bad("calendar", v, "true or false")),
            },
            direction: match targets.and_then(|t| t.get("direction")) {
                None => targets.is_none(),
                Some(Value::Bool(b)) => *b,
                Some(v) => return Err(bad("direction", v, "true or false")),
            },
            forward_returns: target_periods("return")?,
            forward_volatility: target_periods("volatility")?,
        };
        if spec.volume_z.is_some() && spec.volume.is_none() {
            return Err(Error::invalid_option("volume_z needs a volume column")
                .with_hint(r#"name it: '{"volume": "traded"}', or drop volume_z"#));
        }
        Ok(spec)
    }

    /// The columns the view reads besides the time column (they must exist and be numeric,
    /// the partition column excepted).
    pub fn numeric_columns(&self) -> Vec<&str> {
        let mut names = vec![self.price.as_str()];
        if self.high.is_some() && self.low.is_some() {
            names.extend(self.high.as_deref());
            names.extend(self.low.as_deref());
        }
        if self.volume_z.is_some() {
            names.extend(self.volume.as_deref());
        }
        names
    }

    /// The longest run of rows a feature needs before it is defined, for the check that the
    /// series is long enough.
    pub fn longest_window(&self) -> usize {
        let mut longest = 0;
        for &w in self.returns.iter().chain(&self.ema) {
            longest = longest.max(w + 1);
        }
        for &w in &self.windows {
            longest = longest.max(w + 1);
        }
        if let Some(n) = self.rsi {
            longest = longest.max(n + 1);
        }
        if let Some((_, slow, signal)) = self.macd {
            longest = longest.max(slow + signal - 1);
        }
        for w in [self.bollinger, self.volume_z].into_iter().flatten() {
            longest = longest.max(w);
        }
        longest
    }

    /// The view's SELECT over `relation` (already quoted) whose columns are `columns`,
    /// ordered by `time`.
    pub fn select_sql(&self, relation: &str, columns: &[String], time: &str, ema: &str) -> String {
        let p = format!("{}::float8", column(&self.price));
        let window = format!(
            "({}ORDER BY {})",
            self.partition_by
                .as_ref()
                .map_or(String::new(), |c| format!("PARTITION BY {} ", column(c))),
            column(time)
        );
        let trailing = |w: usize| format!("(w ROWS BETWEEN {} PRECEDING AND CURRENT ROW)", w - 1);
        // Layer 1: row number, 1-period change and log returns.
        let mut first = vec![
            "r.*".to_owned(),
            "row_number() OVER w AS fin_row".to_owned(),
            format!("{p} - lag({p}) OVER w AS fin_change"),
            format!("ln({p} / lag({p}) OVER w) AS fin_ret"),
        ];
        for &k in &self.returns {
            first.push(format!("ln({p} / lag({p}, {k}) OVER w) AS ret_{k}"));
        }
        // Layer 2: windows over layer 1, EMAs, and the targets.
        let mut second = vec!["l1.*".to_owned()];
        for &w in &self.windows {
            let frame = trailing(w);
            let defined = format!("CASE WHEN fin_row > {w} THEN");
            second.push(format!(
                "{defined} stddev_samp(fin_ret) OVER {frame} END AS ret_std_{w}"
            ));
            second.push(format!(
                "{defined} min(fin_ret) OVER {frame} END AS ret_min_{w}"
            ));
            second.push(format!(
                "{defined} max(fin_ret) OVER {frame} END AS ret_max_{w}"
            ));
        }
        for &span in &self.ema {
            second.push(format!(
                "CASE WHEN fin_row >= {span} THEN {p} / {ema}({p}, {span}) OVER w - 1 END AS ema_ratio_{span}"
            ));
        }
        if let Some(n) = self.rsi {
            // Wilder's smoothing is an EMA with α = 1/n, that is span 2n − 1; the first row has
            // no change (NULL, skipped: greatest() would make it 0).
            let span = 2 * n - 1;
            second.push(format!(
                "CASE WHEN fin_row > {n} THEN {ema}(CASE WHEN fin_change > 0 THEN fin_change WHEN fin_change <= 0 THEN 0 END, {span}) OVER w END AS fin_gain"
            ));
            second.push(format!(
                "CASE WHEN fin_row > {n} THEN {ema}(CASE WHEN fin_change < 0 THEN -fin_change WHEN fin_change >= 0 THEN 0 END, {span}) OVER w END AS fin_loss"
            ));
        }
        if let Some((fast, slow, _)) = self.macd {
            second.push(format!(
                "CASE WHEN fin_row >= {slow} THEN {ema}({p}, {fast}) OVER w - {ema}({p}, {slow}) OVER w END AS macd"
            ));
        }
        if let Some(w) = self.bollinger {
            let frame = trailing(w);
            second.push(format!(
                "CASE WHEN fin_row >= {w} THEN ({p} - avg({p}) OVER {frame}) / nullif(stddev_pop({p}) OVER {frame}, 0) END AS bollinger_z_{w}"
            ));
        }
        if let (Some(w), Some(v)) = (self.volume_z, &self.volume) {
            let v = format!("{}::float8", column(v));
            let frame = trailing(w);
            second.push(format!(
                "CASE WHEN fin_row >= {w} THEN ({v} - avg({v}) OVER {frame}) / nullif(stddev_pop({v}) OVER {frame}, 0) END AS volume_z_{w}"
            ));
        }
        if let (Some(h), Some(l)) = (&self.high, &self.low) {
            second.push(format!(
                "({}::float8 - {}::float8) / nullif({p}, 0) AS range",
                column(h),
                column(l)
            ));
        }
        if self.calendar {
            second.push(format!(
                "extract(isodow FROM {})::int AS day_of_week",
                column(time)
            ));
            second.push(format!(
                "extract(month FROM {})::int AS month",
                column(time)
            ));
        }
        if self.direction {
            second.push(format!(
                "CASE WHEN lead({p}) OVER w > {p} THEN 1 WHEN lead({p}) OVER w <= {p} THEN 0 END AS target_direction"
            ));
        }
        for &k in &self.forward_returns {
            second.push(format!(
                "ln(lead({p}, {k}) OVER w / {p}) AS target_return_{k}"
            ));
        }
        for &k in &self.forward_volatility {
            let terms: Vec<String> = (1..=k)
                .map(|j| format!("power(lead(fin_ret, {j}) OVER w, 2)"))
                .collect();
            second.push(format!(
                "sqrt({}) AS target_volatility_{k}",
                terms.join(" + ")
            ));
        }
        // Layer 3: what reads layer 2 (the MACD signal, the RSI), and the column list.
        let mut outputs: Vec<String> = columns.iter().map(|c| column(c)).collect();
        for &k in &self.returns {
            outputs.push(format!("ret_{k}"));
        }
        for &w in &self.windows {
            for stat in ["std", "min", "max"] {
                outputs.push(format!("ret_{stat}_{w}"));
            }
        }
        for &span in &self.ema {
            outputs.push(format!("ema_ratio_{span}"));
        }
        if let Some(n) = self.rsi {
            outputs.push(format!(
                "CASE WHEN fin_loss = 0 THEN 100 ELSE 100 - 100 / (1 + fin_gain / fin_loss) END AS rsi_{n}"
            ));
        }
        if let Some((_, slow, signal)) = self.macd {
            outputs.push("macd".to_owned());
            outputs.push(format!(
                "CASE WHEN fin_row >= {} THEN {ema}(macd, {signal}) OVER w END AS macd_signal",
                slow + signal - 1
            ));
        }
        if let Some(w) = self.bollinger {
            outputs.push(format!("bollinger_z_{w}"));
        }
        if let Some(w) = self.volume_z {
            outputs.push(format!("volume_z_{w}"));
        }
        if self.high.is_some() && self.low.is_some() {
            outputs.push("range".to_owned());
        }
        if self.calendar {
            outputs.push("day_of_week".to_owned());
            outputs.push("month".to_owned());
        }
        if self.direction {
            outputs.push("target_direction".to_owned());
        }
        for &k in &self.forward_returns {
            outputs.push(format!("target_return_{k}"));
        }
        for &k in &self.forward_volatility {
            outputs.push(format!("target_volatility_{k}"));
        }
        format!(
            "SELECT {}\n  FROM (SELECT {}\n          FROM (SELECT {}\n                  FROM {relation} r\n                WINDOW w AS {window}) l1\n        WINDOW w AS {window}) l2\nWINDOW w AS {window}",
            outputs.join(",\n       "),
            second.join(",\n               "),
            first.join(",\n                       "),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn columns() -> Vec<String> {
        ["day", "symbol", "open", "high", "low", "close", "volume"]
            .map(str::to_owned)
            .to_vec()
    }

    #[test]
    fn defaults_use_the_columns_that_exist() {
        let spec = TsViewSpec::parse(&json!({}), &columns()).unwrap();
        assert_eq!(spec.price, "close");
        assert_eq!(spec.volume.as_deref(), Some("volume"));
        assert_eq!(spec.volume_z, Some(20));
        assert_eq!(spec.macd, Some((12, 26, 9)));
        assert!(spec.direction);
        assert_eq!(spec.forward_volatility, vec![5]);
        assert_eq!(spec.longest_window(), 34);
        let sql = spec.select_sql("\"prices\"", &columns(), "day", "fin_ema");
        assert!(sql.contains("ln(\"close\"::float8 / lag(\"close\"::float8, 5) OVER w) AS ret_5"));
        assert!(sql.contains("ROWS BETWEEN 19 PRECEDING AND CURRENT ROW"));
        assert!(sql.contains("lead(fin_ret, 5) OVER w"));
        // Only targets look forward.
        for line in sql.lines().filter(|l| l.contains("lead(")) {
            assert!(line.contains("AS target_"), "{line}");
        }
        let bare = TsViewSpec::parse(&json!({}), &["t".into(), "close".into()]).unwrap();
        assert_eq!((bare.volume, bare.volume_z, bare.high), (None, None, None));
    }

    #[test]
    fn bad_options_are_refused() {
        let refused = |o: Value| TsViewSpec::parse(&o, &columns()).unwrap_err();
        assert_eq!(
            refused(json!({"windowz": [5]})).kind,
            ErrorKind::InvalidOption
        );
        assert!(refused(json!({"windows": [0]})).message.contains("windows"));
        assert!(refused(json!({"macd": [26, 12, 9]}))
            .message
            .contains("macd"));
        assert!(refused(json!({"rsi": 1})).message.contains("rsi"));
        assert!(refused(json!({"targets": {"sharpe": [5]}}))
            .message
            .contains("sharpe"));
        let e = TsViewSpec::parse(&json!({"volume_z": 20}), &["t".into(), "close".into()]);
        assert!(e
            .unwrap_err()
            .message
            .contains("volume_z needs a volume column"));
        let e = TsViewSpec::parse(&json!({}), &["t".into(), "last".into()]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownColumn);
    }
}
