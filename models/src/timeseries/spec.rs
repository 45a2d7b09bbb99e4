//! What `fin_ts_view` computes: the options' keys and bounds, the time column's kind, the
//! calendar parts, and the columns the view adds.

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

/// The hint of every refusal of a bound above.
pub(super) const BOUNDS_HINT: &str = "fin_ts_view takes periods of 1 to 10,000 rows and at most 64 of each kind: read longer trends from coarser bars (e.g. daily instead of minute prices)";

/// Names the view computes on its way and drops: a relation column of one of these names
/// would be ambiguous in the layers that read them.
pub(super) const INTERNAL_COLUMNS: &[&str] = &[
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

pub(super) const CALENDAR_PARTS: [CalendarPart; 4] = [
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
    pub(super) fn field(self) -> &'static str {
        match self {
            CalendarPart::DayOfWeek => "isodow",
            CalendarPart::Month => "month",
            CalendarPart::Hour => "hour",
            CalendarPart::Minute => "minute",
        }
    }

    pub(super) fn needs_a_time_of_day(self) -> bool {
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

impl TsViewSpec {
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
}
