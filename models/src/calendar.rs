//! Calendar parts of a date or timestamp, for date features (`"dates"` in the training
//! options). A date reaches the models crate as seconds since 1970-01-01 00:00 UTC (what
//! PostgreSQL's `EXTRACT(EPOCH FROM ...)` gives: a date is its midnight, a timestamp without
//! time zone is read as UTC), and each part equals PostgreSQL's `EXTRACT` of the same field
//! on a date or timestamp column (for timestamptz: in UTC, whatever the session's TimeZone).
//!
//! The civil-date conversion is Howard Hinnant's `civil_from_days` (proleptic Gregorian,
//! exact for every date PostgreSQL stores).
//!
//! Every part is computed from two float8 quantities that the scoring code
//! (`scoring_code.rs`, `fin_model_sql`) recomputes with the same IEEE operations in SQL: the
//! day `floor(seconds / 86400)` and the seconds into it, `seconds − day · 86400`. So the SQL
//! form and fin_predict agree on every instant fin_predict accepts, the years beyond
//! timestamp's range (a date reaches 5874897) included.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

const SECONDS_PER_DAY: f64 = 86_400.0;

/// A calendar part of a date feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePart {
    /// EXTRACT(YEAR): 1 BC is -1, as PostgreSQL counts.
    Year,
    /// EXTRACT(QUARTER): 1-4.
    Quarter,
    /// EXTRACT(MONTH): 1-12.
    Month,
    /// EXTRACT(DAY): the day of the month, 1-31.
    Day,
    /// EXTRACT(DOW): 0 (Sunday) to 6 (Saturday).
    Dow,
    /// EXTRACT(DOY): 1-366.
    Doy,
    /// Days (with their fraction, for timestamps) since the earliest date in training.
    DaysSince,
    /// EXTRACT(HOUR): 0-23 (0 for a date).
    Hour,
    /// EXTRACT(MINUTE): 0-59 (0 for a date).
    Minute,
}

// Stored models name their parts (serde's snake_case names), so adding a part changes no
// existing model's bytes; only a model that uses a new part needs a reader that knows it.
pub const ALL_PARTS: [DatePart; 9] = [
    DatePart::Year,
    DatePart::Quarter,
    DatePart::Month,
    DatePart::Day,
    DatePart::Dow,
    DatePart::Doy,
    DatePart::DaysSince,
    DatePart::Hour,
    DatePart::Minute,
];

impl DatePart {
    pub fn as_str(self) -> &'static str {
        match self {
            DatePart::Year => "year",
            DatePart::Quarter => "quarter",
            DatePart::Month => "month",
            DatePart::Day => "day",
            DatePart::Dow => "dow",
            DatePart::Doy => "doy",
            DatePart::DaysSince => "days_since",
            DatePart::Hour => "hour",
            DatePart::Minute => "minute",
        }
    }

    pub fn parse(name: &str) -> Result<DatePart> {
        ALL_PARTS
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| {
                Error::invalid_option(format!("unknown date part \"{name}\"")).with_hint(format!(
                    "date parts: {}",
                    ALL_PARTS.map(DatePart::as_str).join(", ")
                ))
            })
    }

    /// The part of the instant `seconds` (since the epoch); `origin` is the earliest
    /// training instant, which `days_since` counts from.
    pub fn of(self, seconds: f64, origin: f64) -> f64 {
        let (day_number, of_day) = day_and_seconds(seconds);
        // Saturating: a finite f64 beyond i64 is no date PostgreSQL can store anyway.
        let days = day_number as i64;
        let civil = || civil_from_days(days);
        match self {
            DatePart::Year => match civil().0 {
                // PostgreSQL has no year 0: 1 BC is -1.
                year if year <= 0 => (year - 1) as f64,
                year => year as f64,
            },
            DatePart::Quarter => f64::from((civil().1 - 1) / 3 + 1),
            DatePart::Month => f64::from(civil().1),
            DatePart::Day => f64::from(civil().2),
            // 1970-01-01 was a Thursday (4).
            DatePart::Dow => (days + 4).rem_euclid(7) as f64,
            DatePart::Doy => (days - days_from_civil(civil().0, 1, 1) + 1) as f64,
            DatePart::DaysSince => (seconds - origin) / SECONDS_PER_DAY,
            DatePart::Hour => (of_day / 3600.0).floor(),
            // Not `% 60.0`: PostgreSQL has no float8 modulo, and the scoring code repeats these
            // operations exactly.
            DatePart::Minute => (of_day / 60.0).floor() - 60.0 * (of_day / 3600.0).floor(),
        }
    }
}

/// The day of an instant (days since 1970-01-01, floored) and the seconds into that day, in
/// float8 operations that SQL repeats bit for bit (`scoring_code::date_terms`). The product is
/// exact (a whole number of days times 86400 stays below 2^53 for every PostgreSQL date) and
/// so is the difference (Sterbenz), and the floored quotient is never one day off: a double
/// within one unit in the last place of a multiple of 86400 divides to within less than half
/// a unit of the whole day, so the seconds lie in [0, 86400) for every instant PostgreSQL
/// stores (microseconds: the one difference that can round, just before the epoch, rounds
/// a microsecond or more below 86400).
pub fn day_and_seconds(seconds: f64) -> (f64, f64) {
    let day = (seconds / SECONDS_PER_DAY).floor();
    (day, seconds - day * SECONDS_PER_DAY)
}

/// The UTC date of an instant as YYYY-MM-DD (astronomical years), for reports.
pub fn iso_date(seconds: f64) -> String {
    let (year, month, day) = civil_from_days(day_and_seconds(seconds).0 as i64);
    format!("{year:04}-{month:02}-{day:02}")
}

/// (year, month, day) of the day `days` after 1970-01-01, astronomical year numbering.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days from 1970-01-01 to (year, month, day), astronomical year numbering.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let shifted_month = i64::from(if month > 2 { month - 3 } else { month + 9 });
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: i64, month: u32, day: u32) -> f64 {
        days_from_civil(year, month, day) as f64 * SECONDS_PER_DAY
    }

    #[test]
    fn parts_match_postgresql_extract() {
        // Reference: PostgreSQL 15, SELECT EXTRACT(<part> FROM date '2024-02-29') etc.
        let leap = at(2024, 2, 29);
        assert_eq!(DatePart::Year.of(leap, 0.0), 2024.0);
        assert_eq!(DatePart::Quarter.of(leap, 0.0), 1.0);
        assert_eq!(DatePart::Month.of(leap, 0.0), 2.0);
        assert_eq!(DatePart::Day.of(leap, 0.0), 29.0);
        assert_eq!(
            DatePart::Dow.of(leap, 0.0),
            4.0,
            "2024-02-29 was a Thursday"
        );
        assert_eq!(DatePart::Doy.of(leap, 0.0), 60.0);
        assert_eq!(DatePart::Doy.of(at(2023, 12, 31), 0.0), 365.0);
        assert_eq!(DatePart::Quarter.of(at(2023, 10, 1), 0.0), 4.0);
        assert_eq!(
            DatePart::Dow.of(at(1969, 12, 28), 0.0),
            0.0,
            "a Sunday before 1970"
        );
        // A timestamp late in the day keeps its date; one before 1970 floors, not truncates.
        assert_eq!(DatePart::Day.of(at(2024, 3, 1) + 86_399.0, 0.0), 1.0);
        assert_eq!(DatePart::Day.of(at(1969, 12, 31) + 3600.0, 0.0), 31.0);
        assert_eq!(DatePart::Year.of(at(0, 6, 1), 0.0), -1.0, "1 BC");
        assert_eq!(
            DatePart::DaysSince.of(at(2024, 3, 1) + 43_200.0, at(2024, 2, 1)),
            29.5
        );
    }

    #[test]
    fn civil_dates_round_trip_over_eight_centuries() {
        for days in (-200_000..200_000).step_by(37) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!((1..=12).contains(&m) && (1..=31).contains(&d));
        }
    }

    #[test]
    fn unknown_parts_list_the_known_ones() {
        let e = DatePart::parse("weekday").unwrap_err();
        let hint = e.hint.unwrap();
        assert!(hint.contains("dow") && hint.contains("hour") && hint.contains("minute"));
        assert_eq!(DatePart::parse("days_since").unwrap(), DatePart::DaysSince);
        assert_eq!(DatePart::parse("hour").unwrap(), DatePart::Hour);
        assert_eq!(DatePart::parse("minute").unwrap(), DatePart::Minute);
    }

    #[test]
    fn hour_and_minute_match_postgresql_extract() {
        // Reference: PostgreSQL 15, EXTRACT(HOUR | MINUTE FROM timestamp '...').
        let t = at(2024, 3, 10) + 13.0 * 3600.0 + 45.0 * 60.0 + 30.25;
        assert_eq!(DatePart::Hour.of(t, 0.0), 13.0);
        assert_eq!(DatePart::Minute.of(t, 0.0), 45.0);
        assert_eq!(DatePart::Day.of(t, 0.0), 10.0);
        // 1969-12-31 23:59:59.999999: before the epoch the day floors and the time of day
        // counts from that day's midnight.
        let before = at(1970, 1, 1) - 0.000_001;
        assert_eq!(DatePart::Hour.of(before, 0.0), 23.0);
        assert_eq!(DatePart::Minute.of(before, 0.0), 59.0);
        assert_eq!(DatePart::Day.of(before, 0.0), 31.0);
        // A date is its midnight.
        assert_eq!(DatePart::Hour.of(at(1890, 1, 1), 0.0), 0.0);
        assert_eq!(DatePart::Minute.of(at(1890, 1, 1), 0.0), 0.0);
        // Every minute of a day, on either side of the epoch and far from it.
        for base in [
            at(2024, 2, 29),
            at(1969, 12, 31),
            at(-4713, 11, 24),
            at(294_276, 12, 31),
        ] {
            for minute in 0..1440 {
                let t = base + f64::from(minute) * 60.0 + 59.5;
                assert_eq!(DatePart::Hour.of(t, 0.0), f64::from(minute / 60), "{t}");
                assert_eq!(DatePart::Minute.of(t, 0.0), f64::from(minute % 60), "{t}");
            }
        }
    }

    #[test]
    fn the_time_of_day_stays_within_the_day_for_every_postgresql_instant() {
        // From 4714 BC to the last date (5874897-12-31), with microsecond-like fractions.
        let first = at(-4713, 11, 24);
        let last = at(5_874_897, 12, 31) + 86_399.999_999;
        let steps = 200_003;
        for i in 0..=steps {
            let s = first + (last - first) * f64::from(i) / f64::from(steps);
            for t in [s, s.next_up(), s.next_down(), s.floor(), s.floor() - 1e-6] {
                let (day, of_day) = day_and_seconds(t);
                assert!((0.0..86_400.0).contains(&of_day), "{t}: {of_day}");
                assert_eq!(day * 86_400.0 + of_day, t, "{t}: exact");
            }
        }
        // The last date PostgreSQL stores: its parts are still those of a date.
        let last_day = at(5_874_897, 12, 31);
        assert_eq!(DatePart::Year.of(last_day, 0.0), 5_874_897.0);
        assert_eq!(DatePart::Month.of(last_day, 0.0), 12.0);
        assert_eq!(DatePart::Doy.of(last_day, 0.0), 365.0);
        assert_eq!(DatePart::Year.of(at(294_277, 1, 1), 0.0), 294_277.0);
    }

    #[test]
    fn part_names_are_what_stored_models_hold() {
        // The stored form names each part; the new parts add names and change none.
        let names: Vec<String> = ALL_PARTS
            .iter()
            .map(|p| serde_json::to_string(p).unwrap())
            .collect();
        assert_eq!(
            names.join(","),
            r#""year","quarter","month","day","dow","doy","days_since","hour","minute""#
        );
        for part in ALL_PARTS {
            let json = serde_json::to_string(&part).unwrap();
            assert_eq!(serde_json::from_str::<DatePart>(&json).unwrap(), part);
            assert_eq!(json, format!("\"{}\"", part.as_str()));
        }
    }
}
