//! The view's SELECT, written layer by layer, and the error its check of repeated times
//! raises (`fin_ts_repeated_key`).

use super::spec::{TimeKind, TsViewSpec, BOUNDS_HINT, MAX_SQL_BYTES};
use crate::error::{Error, Result};
use crate::interrupt;
use crate::scoring_code::{column, text_literal};

impl TsViewSpec {
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
        let first = self.first_layer(&p, &positive);
        let check = self.repeated_key_check(time, finml);
        let mut second = self.second_layer(&p, &ema, time);
        second.extend(self.target_columns(&p, &positive));
        let outputs = self.third_layer(columns, &ema);
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

    /// Layer 1: row number, peers at the same time, 1-period change and log returns (`p` the
    /// price as float8, `positive` the price where it has a logarithm, else NULL).
    fn first_layer(&self, p: &str, positive: &str) -> Vec<String> {
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
        first
    }

    /// Between layers 1 and 2: a row that shares its time with another fails the query.
    fn repeated_key_check(&self, time: &str, finml: &str) -> String {
        let (series_column, series) = match &self.partition_by {
            Some(c) => (text_literal(c), format!("{}::text", column(c))),
            None => ("NULL".to_owned(), "NULL".to_owned()),
        };
        format!(
            "CASE WHEN fin_repeats > 1 THEN {finml}.fin_ts_repeated_key({series_column}, {series}, {}, {}::text, fin_repeats) ELSE true END",
            text_literal(time),
            column(time)
        )
    }

    /// Layer 2's features: windows over layer 1, EMAs, RSI's smoothed gains and losses, MACD,
    /// the z-scores, the range and the calendar parts. A window's statistics need its w
    /// returns, all of them (pandas' rolling(w) gives NaN otherwise).
    fn second_layer(&self, p: &str, ema: &str, time: &str) -> Vec<String> {
        let trailing = |w: usize| format!("(w ROWS BETWEEN {} PRECEDING AND CURRENT ROW)", w - 1);
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
        second
    }

    /// Layer 2's targets, after its features: they read the rows after each row (lead).
    fn target_columns(&self, p: &str, positive: &str) -> Vec<String> {
        let mut targets = Vec::new();
        if self.direction {
            targets.push(format!(
                "CASE WHEN lead({p}) OVER w > {p} THEN 1 WHEN lead({p}) OVER w <= {p} THEN 0 END AS target_direction"
            ));
        }
        for &k in &self.forward_returns {
            interrupt::check();
            targets.push(format!(
                "ln(lead({positive}, {k}) OVER w / {positive}) AS target_return_{k}"
            ));
        }
        for &k in &self.forward_volatility {
            interrupt::check();
            // One frame over the next k returns, not k lead() calls: the SQL stays the same
            // size whatever k is. The sum adds the squares in time order, as the k-term sum
            // did, and is NULL unless all k returns exist.
            let frame = format!("(w ROWS BETWEEN 1 FOLLOWING AND {k} FOLLOWING)");
            targets.push(format!(
                "CASE WHEN count(fin_ret) OVER {frame} = {k} THEN sqrt(sum(power(fin_ret, 2)) OVER {frame}) END AS target_volatility_{k}"
            ));
        }
        targets
    }

    /// Layer 3: what reads layer 2 (the MACD signal, the RSI), and the column list.
    fn third_layer(&self, columns: &[String], ema: &str) -> Vec<String> {
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
        outputs
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
