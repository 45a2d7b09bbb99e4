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
//!
//! One job per file: `spec` (what the view computes, its bounds and columns), `options`
//! (reading the options into a spec), `sql` (the view's SELECT and the error of a repeated
//! time).

mod options;
mod spec;
mod sql;

pub use spec::{
    CalendarPart, TimeKind, TsViewSpec, MAX_FEATURE_COLUMNS, MAX_LIST, MAX_PERIODS, MAX_SQL_BYTES,
    TS_VIEW_KEYS,
};
pub use sql::repeated_key;

#[cfg(test)]
mod tests;
