//! Calendar parts of a date or timestamp, for date features (`"dates"` in the training
//! options). A date reaches the models crate as seconds since 1970-01-01 00:00 UTC (what
//! PostgreSQL's `EXTRACT(EPOCH FROM ...)` gives: a date is its midnight, a timestamp without
//! time zone is read as UTC), and each part equals PostgreSQL's `EXTRACT` of the same field
//! on a date or timestamp column (for timestamptz: in UTC, whatever the session's TimeZone).
//!
//! The civil-date conversion is Howard Hinnant's `civil_from_days` (proleptic Gregorian,
//! exact for every date PostgreSQL stores).

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
}

pub const ALL_PARTS: [DatePart; 7] = [
    DatePart::Year,
    DatePart::Quarter,
    DatePart::Month,
    DatePart::Day,
    DatePart::Dow,
    DatePart::Doy,
    DatePart::DaysSince,
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
        if self == DatePart::DaysSince {
            return (seconds - origin) / SECONDS_PER_DAY;
        }
        // Saturating: a finite f64 beyond i64 is no date PostgreSQL can store anyway.
        let days = (seconds / SECONDS_PER_DAY).floor() as i64;
        let (year, month, day) = civil_from_days(days);
        match self {
            DatePart::Year if year <= 0 => (year - 1) as f64,
            DatePart::Year => year as f64,
            DatePart::Quarter => f64::from((month - 1) / 3 + 1),
            DatePart::Month => f64::from(month),
            DatePart::Day => f64::from(day),
            // 1970-01-01 was a Thursday (4).
            DatePart::Dow => (days + 4).rem_euclid(7) as f64,
            DatePart::Doy => (days - days_from_civil(year, 1, 1) + 1) as f64,
            DatePart::DaysSince => unreachable!("handled above"),
        }
    }
}

/// The UTC date of an instant as YYYY-MM-DD (astronomical years), for reports.
pub fn iso_date(seconds: f64) -> String {
    let (year, month, day) = civil_from_days((seconds / SECONDS_PER_DAY).floor() as i64);
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
        assert!(e.hint.unwrap().contains("dow"));
        assert_eq!(DatePart::parse("days_since").unwrap(), DatePart::DaysSince);
    }
}
