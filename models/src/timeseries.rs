//! Point-in-time features of a price series as one SQL view (`fin_ts_view`): every feature of
//! a row reads only rows at or before its time (lag and trailing window frames), every
//! target only rows after it (lead). The formulas are those of the `ta` library (Padial,
//! "Technical Analysis Library in Python", over pandas), which the tests compare against:
//!
//! - log return over k periods: ln(close_t / close_{t−k});
//! - rolling standard deviation (n − 1), min and max of the 1-period log return over w
//!   periods, NULL unless all w returns exist (pandas' `rolling(w)`); their mean would be
//!   ret_w / w, collinear with the w-period return;
//! - EMA: e_t = e_{t−1} + α (x_t − e_{t−1}), e_1 = x_1, α = 2 / (span + 1) (pandas'
//!   `ewm(span, adjust=False)`), given as close / EMA − 1, NULL until span rows;
//! - RSI (Wilder): 100 − 100 / (1 + EMA(gains) / EMA(losses)), α = 1/n, 100 when there are no
//!   losses, NULL until n changes;
//! - MACD = EMA_fast − EMA_slow (NULL until `slow` rows), signal = its EMA over `signal`
//!   periods (NULL until `signal` MACD values);
//! - Bollinger z = (close − mean_w) / sd_w and volume z = (volume − mean_w) / sd_w, population
//!   sd (ddof 0, as `ta`'s Bollinger bands), NULL until w rows;
//! - range = (high − low) / close; calendar parts of the time: day of week (ISO, Monday 1),
//!   month, and for a timestamp the hour and minute (a timestamptz's in UTC);
//! - targets: next-period direction (1 when the next close is higher), next-k log return,
//!   next-k realized volatility sqrt(Σ_{j=1..k} r_{t+j}²).
//!
//! A log return needs two positive prices: with a zero or negative one it is NULL (as is
//! every statistic of a window that holds it), not an error that fails every query on the
//! view; a ratio whose divisor is 0 is NULL too.
//!
//! Each series must have one row per time: rows that share a time have no order, so every
//! feature and target near them would depend on the rows' physical order. The view checks
//! this itself, whenever it is read (rows inserted after fin_ts_view are checked too): the
//! first layer counts each row's peers (`count(*)` over a `RANGE BETWEEN CURRENT ROW AND
//! CURRENT ROW` frame of the series' window, on the sort the features use anyway), and the second layer's WHERE hands a row with peers to
//! `fin_ts_repeated_key`, which raises 22000 naming the key. A filter on a window's result
//! stays above that window, so no plan drops it, and it is read before any row whose values
//! a repeated key could change is returned.
//!
//! EMAs run through finml's `fin_ema(x, span)` window aggregate: with the frame starting at
//! the partition's first row, PostgreSQL advances its state by one row per row (O(1)).

use crate::error::{Error, ErrorKind, Result};
use crate::interrupt;
use crate::json::{bad, count};
use crate::scoring_code::{column, text_literal};
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

// Bounds on what the options may ask for. The view is SQL text that PostgreSQL parses, plans
// and runs in one backend, and before these bounds a few numbers in the options (1,000
// windows of 100,000 rows, a volatility target over 100,000 rows written as 100,000 `lead`
// calls) made a text that exhausted the server's memory while it was parsed, where
// statement_timeout is not looked at. Each bound is far above real use and keeps the
// largest view the options allow at a few hundred kilobytes of SQL.

/// Longest lag, window, span or horizon, in rows: 10,000 is 40 years of daily bars or 25
/// sessions of minute bars. A trailing window's statistics are recomputed over its whole
/// frame at every row (PostgreSQL has no inverse transition for float8's stddev, min, max
/// and sum), so a longer window mostly buys time; longer trends read better from coarser
/// bars.
pub const MAX_PERIODS: usize = 10_000;

/// Most entries in one list of periods (`returns`, `windows`, `ema`, the targets' `return`
/// and `volatility`): each entry adds up to three columns, and no model reads 64 horizons of
/// one kind.
pub const MAX_LIST: usize = 64;

/// Most columns the view adds to the relation's: the lists' bounds allow about 460, and
/// PostgreSQL's own limit (1,664 result columns) must leave room for the relation's.
pub const MAX_FEATURE_COLUMNS: usize = 512;

/// Longest SELECT the view may have, in bytes: the default view is about 5 kB, the largest
/// the bounds above allow (with 1,600 relation columns of the longest names) under 0.5 MB.
pub const MAX_SQL_BYTES: usize = 1 << 20;

/// Names the view computes on its way and drops: a relation column of one of these names
/// would be ambiguous in the layers that read them.
const INTERNAL_COLUMNS: &[&str] = &[
    "fin_row",
    "fin_repeats",
    "fin_change",
    "fin_ret",
    "fin_gain",
    "fin_loss",
];

/// The type of the time column, which decides its calendar parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeKind {
    Date,
    Timestamp,
    /// Its calendar parts are taken in UTC, as a date feature's are (`calendar.rs`): a view
    /// whose values follow the session's TimeZone would train in one zone and score in
    /// another.
    TimestampTz,
}

/// A calendar column of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarPart {
    /// ISO day of the week, Monday 1 to Sunday 7.
    DayOfWeek,
    Month,
    /// 0-23, timestamps only (a date has no time of day).
    Hour,
    /// 0-59, timestamps only.
    Minute,
}

const CALENDAR_PARTS: [CalendarPart; 4] = [
    CalendarPart::DayOfWeek,
    CalendarPart::Month,
    CalendarPart::Hour,
    CalendarPart::Minute,
];

impl CalendarPart {
    /// The column's name, also the option's.
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarPart::DayOfWeek => "day_of_week",
            CalendarPart::Month => "month",
            CalendarPart::Hour => "hour",
            CalendarPart::Minute => "minute",
        }
    }

    /// EXTRACT's field.
    fn field(self) -> &'static str {
        match self {
            CalendarPart::DayOfWeek => "isodow",
            CalendarPart::Month => "month",
            CalendarPart::Hour => "hour",
            CalendarPart::Minute => "minute",
        }
    }

    fn needs_a_time_of_day(self) -> bool {
        matches!(self, CalendarPart::Hour | CalendarPart::Minute)
    }
}

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
    pub calendar: Vec<CalendarPart>,
    pub time: TimeKind,
    pub direction: bool,
    pub forward_returns: Vec<usize>,
    pub forward_volatility: Vec<usize>,
}

const BOUNDS_HINT: &str = "fin_ts_view takes periods of 1 to 10,000 rows and at most 64 of each kind: read longer trends from coarser bars (e.g. daily instead of minute prices)";

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
        let macd = match map.get("macd") {
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
                Some(v) => period_list(key, v, 1, "an array of periods ahead, e.g. [5]"),
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
            calendar: calendar_parts(map.get("calendar"), time)?,
            time,
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
        let added = spec.added_columns();
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

    /// The names of the columns the view adds after the relation's, in order.
    pub fn added_columns(&self) -> Vec<String> {
        let mut names = Vec::new();
        for &k in &self.returns {
            names.push(format!("ret_{k}"));
        }
        for &w in &self.windows {
            for stat in ["std", "min", "max"] {
                names.push(format!("ret_{stat}_{w}"));
            }
        }
        for &span in &self.ema {
            names.push(format!("ema_ratio_{span}"));
        }
        if let Some(n) = self.rsi {
            names.push(format!("rsi_{n}"));
        }
        if self.macd.is_some() {
            names.push("macd".to_owned());
            names.push("macd_signal".to_owned());
        }
        if let Some(w) = self.bollinger {
            names.push(format!("bollinger_z_{w}"));
        }
        if let Some(w) = self.volume_z {
            names.push(format!("volume_z_{w}"));
        }
        if self.high.is_some() && self.low.is_some() {
            names.push("range".to_owned());
        }
        for part in &self.calendar {
            names.push(part.as_str().to_owned());
        }
        if self.direction {
            names.push("target_direction".to_owned());
        }
        for &k in &self.forward_returns {
            names.push(format!("target_return_{k}"));
        }
        for &k in &self.forward_volatility {
            names.push(format!("target_volatility_{k}"));
        }
        names
    }

    /// The view's SELECT over `relation` (already quoted) whose columns are `columns`,
    /// ordered by `time`; `finml` is finml's schema (quoted), whose `fin_ema` and
    /// `fin_ts_repeated_key` the view calls.
    pub fn select_sql(
        &self,
        relation: &str,
        columns: &[String],
        time: &str,
        finml: &str,
    ) -> Result<String> {
        let ema = format!("{finml}.fin_ema");
        let p = format!("{}::float8", column(&self.price));
        // Only a positive price has a logarithm: a return that reads a zero or negative one
        // is NULL (ln would raise 2201E, and with it every query on the view).
        let positive = format!("(CASE WHEN {p} > 0 THEN {p} END)");
        let window = format!(
            "({}ORDER BY {})",
            self.partition_by
                .as_ref()
                .map_or(String::new(), |c| format!("PARTITION BY {} ", column(c))),
            column(time)
        );
        let trailing = |w: usize| format!("(w ROWS BETWEEN {} PRECEDING AND CURRENT ROW)", w - 1);
        // Layer 1: row number, peers at the same time, 1-period change and log returns.
        let mut first = vec![
            "r.*".to_owned(),
            "row_number() OVER w AS fin_row".to_owned(),
            "count(*) OVER (w RANGE BETWEEN CURRENT ROW AND CURRENT ROW) AS fin_repeats".to_owned(),
            format!("{p} - lag({p}) OVER w AS fin_change"),
            format!("ln({positive} / lag({positive}) OVER w) AS fin_ret"),
        ];
        for &k in &self.returns {
            interrupt::check();
            first.push(format!(
                "ln({positive} / lag({positive}, {k}) OVER w) AS ret_{k}"
            ));
        }
        // Between layers 1 and 2: a row that shares its time with another fails the query.
        let (series_column, series) = match &self.partition_by {
            Some(c) => (text_literal(c), format!("{}::text", column(c))),
            None => ("NULL".to_owned(), "NULL".to_owned()),
        };
        let check = format!(
            "CASE WHEN fin_repeats > 1 THEN {finml}.fin_ts_repeated_key({series_column}, {series}, {}, {}::text, fin_repeats) ELSE true END",
            text_literal(time),
            column(time)
        );
        // Layer 2: windows over layer 1, EMAs, and the targets. A window's statistics need
        // its w returns, all of them (pandas' rolling(w) gives NaN otherwise).
        let mut second = vec!["l1.*".to_owned()];
        for &w in &self.windows {
            interrupt::check();
            let frame = trailing(w);
            let defined = format!("CASE WHEN count(fin_ret) OVER {frame} = {w} THEN");
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
            interrupt::check();
            second.push(format!(
                "CASE WHEN fin_row >= {span} THEN {p} / nullif({ema}({p}, {span}) OVER w, 0) - 1 END AS ema_ratio_{span}"
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
        let instant = match self.time {
            TimeKind::Date | TimeKind::Timestamp => column(time),
            TimeKind::TimestampTz => format!("({} AT TIME ZONE 'UTC')", column(time)),
        };
        for part in &self.calendar {
            second.push(format!(
                "extract({} FROM {instant})::int AS {}",
                part.field(),
                part.as_str()
            ));
        }
        if self.direction {
            second.push(format!(
                "CASE WHEN lead({p}) OVER w > {p} THEN 1 WHEN lead({p}) OVER w <= {p} THEN 0 END AS target_direction"
            ));
        }
        for &k in &self.forward_returns {
            interrupt::check();
            second.push(format!(
                "ln(lead({positive}, {k}) OVER w / {positive}) AS target_return_{k}"
            ));
        }
        for &k in &self.forward_volatility {
            interrupt::check();
            // One frame over the next k returns, not k lead() calls: the SQL stays the same
            // size whatever k is. The sum adds the squares in time order, as the k-term sum
            // did, and is NULL unless all k returns exist.
            let frame = format!("(w ROWS BETWEEN 1 FOLLOWING AND {k} FOLLOWING)");
            second.push(format!(
                "CASE WHEN count(fin_ret) OVER {frame} = {k} THEN sqrt(sum(power(fin_ret, 2)) OVER {frame}) END AS target_volatility_{k}"
            ));
        }
        // Layer 3: what reads layer 2 (the MACD signal, the RSI), and the column list.
        let mut outputs: Vec<String> = columns.iter().map(|c| column(c)).collect();
        for name in self.added_columns() {
            interrupt::check();
            outputs.push(match name.as_str() {
                "macd_signal" => match self.macd {
                    Some((_, slow, signal)) => format!(
                        "CASE WHEN fin_row >= {} THEN {ema}(macd, {signal}) OVER w END AS macd_signal",
                        slow + signal - 1
                    ),
                    None => name,
                },
                rsi if rsi.starts_with("rsi_") => format!(
                    "CASE WHEN fin_loss = 0 THEN 100 ELSE 100 - 100 / (1 + fin_gain / fin_loss) END AS {rsi}"
                ),
                _ => name,
            });
        }
        let sql = format!(
            "SELECT {}\n  FROM (SELECT {}\n          FROM (SELECT {}\n                  FROM {relation} r\n                WINDOW w AS {window}) l1\n         WHERE {check}\n        WINDOW w AS {window}) l2\nWINDOW w AS {window}",
            outputs.join(",\n       "),
            second.join(",\n               "),
            first.join(",\n                       "),
        );
        if sql.len() > MAX_SQL_BYTES {
            return Err(Error::invalid_option(format!(
                "the view's SQL would be {} bytes, more than {MAX_SQL_BYTES}",
                sql.len()
            ))
            .with_hint(BOUNDS_HINT));
        }
        Ok(sql)
    }
}

/// The error of a series with `rows` rows at one time: `series` is the partition column and
/// its value (None without partition_by), `time` the time column and its value (as text;
/// None for NULL).
pub fn repeated_key(
    series: Option<(&str, Option<&str>)>,
    time: (&str, Option<&str>),
    rows: i64,
) -> Error {
    let value = |v: Option<&str>| v.map_or("NULL".to_owned(), |v| format!("\"{v}\""));
    let (names, values) = match series {
        Some((name, v)) => (
            format!("{}, {}", column(name), column(time.0)),
            format!("{}, {}", value(v), value(time.1)),
        ),
        None => (column(time.0), value(time.1)),
    };
    Error::invalid_data(format!(
        "{rows} rows of one series share a time: ({names}) = ({values})"
    ))
    .with_detail("fin_ts_view's features and targets read each series in time order, and rows at the same time have none: their values would depend on the rows' physical order")
    .with_hint(if series.is_some() {
        "keep one row per series and time (remove or aggregate the repeated rows, e.g. in a view with GROUP BY), or partition_by the column that tells the series apart"
    } else {
        "keep one row per time (remove or aggregate the repeated rows, e.g. in a view with GROUP BY), or partition_by the column that tells the series apart (e.g. a symbol)"
    })
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

    fn parse(options: Value) -> Result<TsViewSpec> {
        TsViewSpec::parse(&options, &columns(), TimeKind::Date)
    }

    fn sql(spec: &TsViewSpec) -> String {
        spec.select_sql("\"prices\"", &columns(), "day", "finml")
            .unwrap()
    }

    #[test]
    fn defaults_use_the_columns_that_exist() {
        let spec = parse(json!({})).unwrap();
        assert_eq!(spec.price, "close");
        assert_eq!(spec.volume.as_deref(), Some("volume"));
        assert_eq!(spec.volume_z, Some(20));
        assert_eq!(spec.macd, Some((12, 26, 9)));
        assert!(spec.direction);
        assert_eq!(spec.forward_volatility, vec![5]);
        assert_eq!(spec.longest_window(), 34);
        assert_eq!(
            spec.calendar,
            vec![CalendarPart::DayOfWeek, CalendarPart::Month]
        );
        let sql = sql(&spec);
        assert!(sql.contains(
            "ln((CASE WHEN \"close\"::float8 > 0 THEN \"close\"::float8 END) / lag((CASE WHEN \"close\"::float8 > 0 THEN \"close\"::float8 END), 5) OVER w) AS ret_5"
        ), "{sql}");
        assert!(sql.contains("ROWS BETWEEN 19 PRECEDING AND CURRENT ROW"));
        assert!(sql.contains("finml.fin_ema(\"close\"::float8, 12) OVER w"));
        // Only targets look forward.
        for line in sql
            .lines()
            .filter(|l| l.contains("lead(") || l.contains("FOLLOWING"))
        {
            assert!(line.contains("AS target_"), "{line}");
        }
        assert!(sql.contains("(w ROWS BETWEEN 1 FOLLOWING AND 5 FOLLOWING)"));
        assert!(sql.len() < 8_000, "{} bytes", sql.len());
        // The view's columns are the relation's, then the ones the spec names.
        let outer = &sql["SELECT ".len()..sql.find("\n  FROM (SELECT").unwrap()];
        let names: Vec<&str> = outer
            .split(",\n       ")
            .map(|c| c.rsplit("AS ").next().unwrap().trim_matches('"'))
            .collect();
        let mut expected = columns();
        expected.extend(spec.added_columns());
        assert_eq!(names, expected);
        let bare =
            TsViewSpec::parse(&json!({}), &["t".into(), "close".into()], TimeKind::Date).unwrap();
        assert_eq!((bare.volume, bare.volume_z, bare.high), (None, None, None));
    }

    #[test]
    fn bad_options_are_refused() {
        let refused = |o: Value| parse(o).unwrap_err();
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
        assert!(refused(json!({"windows": [5, 20, 5]}))
            .message
            .contains("lists 5 twice"));
        let e = TsViewSpec::parse(
            &json!({"volume_z": 20}),
            &["t".into(), "close".into()],
            TimeKind::Date,
        );
        assert!(e
            .unwrap_err()
            .message
            .contains("volume_z needs a volume column"));
        let e = TsViewSpec::parse(&json!({}), &["t".into(), "last".into()], TimeKind::Date)
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownColumn);
    }

    #[test]
    fn every_list_and_number_is_bounded() {
        let refused = |o: Value| {
            let e = parse(o).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidOption, "{}", e.message);
            assert!(e.hint.is_some(), "{}", e.message);
            e
        };
        // The report's options: 1,000 volatility windows of 100,000 rows.
        let windows: Vec<usize> = (0..1000).map(|i| 100_000 - i).collect();
        let e = refused(json!({"targets": {"volatility": windows}}));
        assert!(
            e.message.contains("1000 periods, more than 64"),
            "{}",
            e.message
        );
        let e = refused(json!({"targets": {"volatility": [100_000]}}));
        assert!(e.hint.unwrap().contains("10,000"));
        for key in ["returns", "windows", "ema"] {
            refused(json!({ key: [MAX_PERIODS + 1] }));
            refused(json!({ key: (1..=65).collect::<Vec<usize>>() }));
            assert!(parse(json!({ key: [MAX_PERIODS] })).is_ok(), "{key}");
            assert!(
                parse(json!({ key: (1..=64).collect::<Vec<usize>>() })).is_ok(),
                "{key}"
            );
        }
        refused(json!({"targets": {"return": [MAX_PERIODS + 1]}}));
        refused(json!({"targets": {"return": (1..=65).collect::<Vec<usize>>()}}));
        for key in ["rsi", "bollinger", "volume_z"] {
            let e = refused(json!({ key: MAX_PERIODS + 1 }));
            assert!(e.hint.unwrap().contains("10,000"), "{key}");
            refused(json!({ key: u64::MAX }));
        }
        refused(json!({"macd": [12, 100_000, 9]}));
        refused(json!({"macd": [12, 26, 100_000]}));
        refused(json!({"calendar": ["month", "month"]}));
        refused(json!({"calendar": ["hour", "hour", "hour", "hour", "hour"]}));

        // The largest view the bounds allow: under the column and SQL bounds, and the
        // volatility target's SQL does not grow with its horizon.
        let most = |from: usize| (from..from + MAX_LIST).collect::<Vec<usize>>();
        let spec = TsViewSpec::parse(
            &json!({"returns": most(MAX_PERIODS - 63), "windows": most(MAX_PERIODS - 63),
                    "ema": most(MAX_PERIODS - 63), "rsi": MAX_PERIODS, "bollinger": MAX_PERIODS,
                    "macd": [MAX_PERIODS - 1, MAX_PERIODS, MAX_PERIODS],
                    "calendar": ["day_of_week", "month", "hour", "minute"],
                    "targets": {"direction": true, "return": most(MAX_PERIODS - 63),
                                "volatility": most(MAX_PERIODS - 63)}}),
            &columns(),
            TimeKind::Timestamp,
        )
        .unwrap();
        let added = spec.added_columns().len();
        assert!(added <= MAX_FEATURE_COLUMNS, "{added}");
        let long_names: Vec<String> = (0..1600).map(|i| format!("{i:\"<63}")).collect();
        let mut relation = columns();
        relation.extend(long_names);
        let big = spec
            .select_sql("\"prices\"", &relation, "day", "\"finml\"")
            .unwrap();
        assert!(big.len() < MAX_SQL_BYTES / 2, "{} bytes", big.len());
        let one = parse(json!({"targets": {"volatility": [5]}})).unwrap();
        let long = parse(json!({"targets": {"volatility": [MAX_PERIODS]}})).unwrap();
        assert_eq!(
            sql(&long).len() - sql(&one).len(),
            5 * 4,
            "only the number's digits"
        );
    }

    #[test]
    fn non_positive_prices_give_null_returns_not_errors() {
        let sql = sql(&parse(json!({"targets": {"return": [1, 5], "volatility": [3]}})).unwrap());
        let positive = "(CASE WHEN \"close\"::float8 > 0 THEN \"close\"::float8 END)";
        // Every logarithm is of a ratio of two prices each NULL unless positive.
        let logs: Vec<&str> = sql.match_indices("ln(").map(|(i, _)| &sql[i..]).collect();
        assert_eq!(
            logs.len(),
            1 + 3 + 2,
            "the 1-period return, ret_1/5/20, two targets"
        );
        for log in logs {
            let ratio = &log[3..];
            let lagged = ratio.starts_with(&format!("{positive} / lag({positive}"));
            let led = ratio.starts_with(&format!("lead({positive}"));
            assert!(lagged || led, "{}", &log[..120]);
            if led {
                assert!(log.contains(&format!("OVER w / {positive}) AS target_return_")));
            }
        }
        // Ratios divide by nullif(…, 0); a window's statistics need all of its returns.
        assert!(sql.contains("/ nullif(finml.fin_ema(\"close\"::float8, 12) OVER w, 0) - 1"));
        assert!(sql.contains("/ nullif(\"close\"::float8, 0) AS range"));
        assert!(sql.contains(
            "CASE WHEN count(fin_ret) OVER (w ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) = 5 THEN stddev_samp(fin_ret)"
        ));
        assert!(sql.contains(
            "CASE WHEN count(fin_ret) OVER (w ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING) = 3 THEN sqrt(sum(power(fin_ret, 2)) OVER (w ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING)) END AS target_volatility_3"
        ));
    }

    #[test]
    fn the_view_checks_for_rows_at_the_same_time_whenever_it_is_read() {
        let spec = parse(json!({"partition_by": "symbol"})).unwrap();
        let sql = sql(&spec);
        assert!(sql.contains(
            "count(*) OVER (w RANGE BETWEEN CURRENT ROW AND CURRENT ROW) AS fin_repeats"
        ));
        // Between the first layer (which counts) and the second (whose windows would read
        // the repeated rows in an arbitrary order).
        let check = "WHERE CASE WHEN fin_repeats > 1 THEN finml.fin_ts_repeated_key('symbol', \"symbol\"::text, 'day', \"day\"::text, fin_repeats) ELSE true END";
        let at = sql.find(check).expect(check);
        assert!(sql[..at].contains(") l1"), "{sql}");
        assert!(!sql[at..].contains(") l1"));
        let plain = parse(json!({})).unwrap();
        assert!(sql_of(&plain, "we're \\ odd").contains(
            "finml.fin_ts_repeated_key(NULL, NULL, E'we''re \\\\ odd', \"we're \\ odd\"::text, fin_repeats)"
        ));

        let e = repeated_key(
            Some(("symbol", Some("AAA"))),
            ("day", Some("2024-01-05")),
            2,
        );
        assert_eq!(e.kind, ErrorKind::InvalidData);
        assert_eq!(
            e.message,
            "2 rows of one series share a time: (\"symbol\", \"day\") = (\"AAA\", \"2024-01-05\")"
        );
        assert!(e.hint.unwrap().contains("one row per series and time"));
        let e = repeated_key(None, ("day", None), 3);
        assert_eq!(
            e.message,
            "3 rows of one series share a time: (\"day\") = (NULL)"
        );
    }

    fn sql_of(spec: &TsViewSpec, time: &str) -> String {
        spec.select_sql("\"prices\"", &columns(), time, "finml")
            .unwrap()
    }

    #[test]
    fn timestamps_have_hours_and_minutes_in_utc() {
        let options = json!({"calendar": ["hour", "minute", "day_of_week"]});
        let spec = TsViewSpec::parse(&options, &columns(), TimeKind::Timestamp).unwrap();
        let sql = sql_of(&spec, "day");
        assert!(sql.contains("extract(hour FROM \"day\")::int AS hour"));
        assert!(sql.contains("extract(minute FROM \"day\")::int AS minute"));
        assert!(sql.contains("extract(isodow FROM \"day\")::int AS day_of_week"));
        assert!(!sql.contains("AS month"));
        assert!(sql.find("AS hour").unwrap() < sql.find("AS minute").unwrap());
        let spec = TsViewSpec::parse(&options, &columns(), TimeKind::TimestampTz).unwrap();
        assert!(sql_of(&spec, "day")
            .contains("extract(hour FROM (\"day\" AT TIME ZONE 'UTC'))::int AS hour"));
        // The default calendar is the day of week and the month, whatever the time's type.
        let spec = TsViewSpec::parse(&json!({}), &columns(), TimeKind::TimestampTz).unwrap();
        assert_eq!(
            spec.calendar,
            vec![CalendarPart::DayOfWeek, CalendarPart::Month]
        );
        assert!(sql_of(&spec, "day")
            .contains("extract(isodow FROM (\"day\" AT TIME ZONE 'UTC'))::int AS day_of_week"));
        // A date has no time of day.
        let e = parse(json!({"calendar": ["minute"]})).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidOption);
        assert!(e.message.contains("needs a timestamp"), "{}", e.message);
        assert!(parse(json!({"calendar": ["weekday"]})).is_err());
        assert!(parse(json!({"calendar": "month"})).is_err());
        assert!(parse(json!({"calendar": false}))
            .unwrap()
            .calendar
            .is_empty());
    }

    #[test]
    fn relation_columns_may_not_take_the_views_names() {
        let with = |name: &str| {
            let mut c = columns();
            c.push(name.to_owned());
            c
        };
        let e = TsViewSpec::parse(&json!({}), &with("month"), TimeKind::Date).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidOption);
        assert!(
            e.message.contains("\"month\", a name the view would add"),
            "{}",
            e.message
        );
        let e = TsViewSpec::parse(&json!({}), &with("fin_ret"), TimeKind::Date).unwrap_err();
        assert!(e.message.contains("uses internally"), "{}", e.message);
        // Left out, the name is free.
        let spec = TsViewSpec::parse(&json!({"calendar": false}), &with("month"), TimeKind::Date);
        assert!(spec.is_ok());
    }
}
